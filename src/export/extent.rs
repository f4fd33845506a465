//! Part of a layer: the features in view (`bbox`) or in one committee area
//! (`area` of `committee_level`), for "this view" and "this committee"
//! downloads.
//!
//! An area is in a committee area when its interior point is (small areas do
//! not always nest exactly), the rule of the printed committee map; a service
//! when its point is. An area is in view when its bounding box meets the view.

use std::collections::HashMap;

use geo::{BoundingRect, Contains, Intersects, Point, Rect};

use super::features::FeatureTable;
use super::ExportError;
use crate::Engine;

/// Which part of a layer to keep.
#[derive(Debug, Clone, PartialEq)]
pub enum Extent {
    /// WGS84 longitude/latitude box (the map's view).
    Bbox(Rect<f64>),
    /// One area (code or name) of a level, e.g. an Area Committee's constituency.
    Area { level: String, area: String },
}

impl Extent {
    /// For the provenance: `bbox 1.1,2.2,3.3,4.4` or `constituency E14000586`.
    pub fn describe(&self) -> String {
        match self {
            Extent::Bbox(r) => format!("bbox {},{},{},{}", r.min().x, r.min().y, r.max().x, r.max().y),
            Extent::Area { level, area } => format!("{level} {area}"),
        }
    }

    /// Keep the features of `features` (of `level`'s areas, or service points
    /// when `level` is `None`) inside the extent; returns how many were left out.
    pub fn keep(&self, engine: &Engine, level: Option<usize>, features: &mut FeatureTable) -> Result<usize, ExportError> {
        let keep: Vec<bool> = match self {
            Extent::Bbox(view) => features.wgs84.iter().map(|g| g.bounding_rect().is_some_and(|b| b.intersects(view))).collect(),
            Extent::Area { level: committee_level, area } => {
                let cl = super::features::level_index(engine, committee_level)?;
                let lv = &engine.levels[cl];
                let wanted = area.trim().to_lowercase();
                let target = lv.areas.iter().find(|a| a.code.to_lowercase() == wanted || a.name.to_lowercase() == wanted).ok_or_else(|| {
                    ExportError::BadParameter {
                        name: "area".into(),
                        value: area.clone(),
                        expected: format!("the code or name of a {}: {}", lv.id, lv.areas.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")),
                    }
                })?;
                let code_col = features.table.column("code");
                let by_code: HashMap<&str, &crate::model::Area> =
                    level.map(|l| engine.levels[l].areas.iter().map(|a| (a.code.as_str(), a)).collect()).unwrap_or_default();
                // In British National Grid, exactly as the printed committee map decides.
                (0..features.len())
                    .map(|r| match (level, &features.bng[r]) {
                        // The committee level itself: that one area.
                        (Some(l), _) if l == cl => code_of(features, code_col, r) == Some(target.code.as_str()),
                        (Some(_), _) => code_of(features, code_col, r)
                            .and_then(|c| by_code.get(c))
                            .is_some_and(|a| target.bng.contains(&Point(a.interior_bng))),
                        (None, geo::Geometry::Point(p)) => target.bng.contains(p),
                        (None, _) => false,
                    })
                    .collect()
            }
        };
        let dropped = keep.iter().filter(|k| !**k).count();
        let mut i = 0;
        features.table.rows.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        let mut it = keep.iter();
        features.wgs84.retain(|_| *it.next().unwrap_or(&false));
        let mut it = keep.iter();
        features.bng.retain(|_| *it.next().unwrap_or(&false));
        Ok(dropped)
    }
}

fn code_of(features: &FeatureTable, code_col: Option<usize>, r: usize) -> Option<&str> {
    match features.table.rows[r].get(code_col?) {
        Some(crate::report::Cell::Text(Some(c))) => Some(c.as_str()),
        _ => None,
    }
}
