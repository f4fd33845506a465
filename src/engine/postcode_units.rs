//! The postcode units of the `[postcodes]` file placed in every level: for
//! each unit, the area of each level holding it (point in polygon in
//! EPSG:27700 with the level's R-tree; a grouped level through the level it
//! groups). Used for postcode apportionment weights and postcode origins.

use super::build::base_to_group;
use super::RepPoint;
use crate::index::AreaIndex;
use crate::load::Postcodes;
use crate::model::Level;

/// Every postcode unit, in postcode order, with its area in each level.
#[derive(Debug, Clone, Default)]
pub struct PostcodeUnits {
    /// The postcode file, as shown in messages.
    pub file: String,
    /// Normalised postcodes (`BD5 7AA`).
    pub codes: Vec<String>,
    pub points: Vec<RepPoint>,
    /// Per level (engine order), per unit: the area holding it.
    pub areas: Vec<Vec<Option<usize>>>,
}

impl PostcodeUnits {
    /// Place every unit of `postcodes` in every level.
    pub fn locate(postcodes: &Postcodes, levels: &[Level], indexes: &[AreaIndex]) -> PostcodeUnits {
        let units = postcodes.units();
        let points: Vec<RepPoint> = units.iter().map(|(_, p)| RepPoint { bng: p.bng, wgs84: p.wgs84 }).collect();
        let mut areas: Vec<Option<Vec<Option<usize>>>> = vec![None; levels.len()];
        for (l, level) in levels.iter().enumerate() {
            if level.group_of.is_none() {
                let polygons = &level.areas;
                areas[l] = Some(points.iter().map(|p| indexes[l].locate_by(p.bng, |i| &polygons[i].bng)).collect());
            }
        }
        for (l, level) in levels.iter().enumerate() {
            if let Some(base) = level.group_of {
                let group = base_to_group(&level.members, levels[base].len());
                let base_areas = areas[base].clone().unwrap_or_else(|| vec![None; points.len()]);
                areas[l] = Some(base_areas.into_iter().map(|a| a.and_then(|a| group[a])).collect());
            }
        }
        PostcodeUnits {
            file: postcodes.file.clone(),
            codes: units.iter().map(|(c, _)| c.to_string()).collect(),
            points,
            areas: areas.into_iter().map(Option::unwrap_or_default).collect(),
        }
    }

    /// Units read.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}
