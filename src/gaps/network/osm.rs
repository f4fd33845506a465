//! Reading walk and drive graphs from an OpenStreetMap `.osm.pbf`.

use std::collections::HashMap;
use std::path::Path;

use geo::Coord;
use osmpbf::{Element, ElementReader};

use super::graph::{RoadGraph, Segment};
use super::profile::{self, WayUse};
use crate::crs::{Transform, BNG, WGS84};
use crate::gaps::{GapError, Travel};

/// What was read from a PBF file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PbfStats {
    pub ways: usize,
    pub highways: usize,
    pub walk_ways: usize,
    pub drive_ways: usize,
    /// Way node references with no node in the file (segments dropped).
    pub missing_nodes: usize,
}

struct Way {
    refs: Vec<i64>,
    walk: Option<WayUse>,
    drive: Option<WayUse>,
}

/// Walk and drive graphs from a PBF file, projected to BNG.
pub fn read_pbf(path: &Path) -> Result<(RoadGraph, RoadGraph, PbfStats), GapError> {
    let file = path.display().to_string();
    let err = |message: String| GapError::Network { file: file.clone(), message };
    let mut stats = PbfStats::default();
    let mut ways: Vec<Way> = Vec::new();
    ElementReader::from_path(path)
        .map_err(|e| err(format!("cannot open the OpenStreetMap file: {e}")))?
        .for_each(|el| {
            if let Element::Way(w) = el {
                stats.ways += 1;
                let tags: Vec<(&str, &str)> = w.tags().collect();
                if !tags.iter().any(|(k, _)| *k == "highway") {
                    return;
                }
                stats.highways += 1;
                let (walk, drive) = (profile::walk(&tags), profile::drive(&tags));
                stats.walk_ways += walk.is_some() as usize;
                stats.drive_ways += drive.is_some() as usize;
                if walk.is_some() || drive.is_some() {
                    ways.push(Way { refs: w.refs().collect(), walk, drive });
                }
            }
        })
        .map_err(|e| err(format!("cannot read the OpenStreetMap file (is it a valid .osm.pbf?): {e}")))?;
    if ways.is_empty() {
        return Err(err(format!(
            "no routable ways: {} way(s), {} with highway=*, none usable for walking or driving. Use an extract with roads",
            stats.ways, stats.highways
        )));
    }
    let mut index: HashMap<i64, u32> = HashMap::new();
    for w in &ways {
        for r in &w.refs {
            let next = index.len() as u32;
            index.entry(*r).or_insert(next);
        }
    }
    let mut lonlat: Vec<Option<Coord<f64>>> = vec![None; index.len()];
    ElementReader::from_path(path)
        .map_err(|e| err(format!("cannot open the OpenStreetMap file: {e}")))?
        .for_each(|el| {
            let (id, lon, lat) = match el {
                Element::Node(n) => (n.id(), n.lon(), n.lat()),
                Element::DenseNode(n) => (n.id(), n.lon(), n.lat()),
                _ => return,
            };
            if let Some(&i) = index.get(&id) {
                lonlat[i as usize] = Some(Coord { x: lon, y: lat });
            }
        })
        .map_err(|e| err(format!("cannot read the OpenStreetMap file: {e}")))?;
    let to_bng = Transform::new(WGS84, BNG).map_err(|e| err(e.to_string()))?;
    let nodes: Vec<Option<Coord<f64>>> = lonlat.iter().map(|c| c.and_then(|c| to_bng.coord(c).ok())).collect();
    let mut walk = Vec::new();
    let mut drive = Vec::new();
    for w in &ways {
        for pair in w.refs.windows(2) {
            let (a, b) = (index[&pair[0]], index[&pair[1]]);
            let (Some(pa), Some(pb)) = (nodes[a as usize], nodes[b as usize]) else {
                stats.missing_nodes += 1;
                continue;
            };
            let metres = ((pa.x - pb.x).powi(2) + (pa.y - pb.y).powi(2)).sqrt();
            let seg = |u: WayUse| {
                let min = metres / (u.kmh * 1000.0 / 60.0);
                Segment {
                    a,
                    b,
                    metres,
                    forward_min: u.forward.then_some(min),
                    backward_min: u.backward.then_some(min),
                }
            };
            if let Some(u) = w.walk {
                walk.push(seg(u));
            }
            if let Some(u) = w.drive {
                drive.push(seg(u));
            }
        }
    }
    let coords: Vec<Coord<f64>> = nodes.iter().map(|c| c.unwrap_or(Coord { x: 0.0, y: 0.0 })).collect();
    Ok((
        RoadGraph::new(Travel::Walk, coords.clone(), walk),
        RoadGraph::new(Travel::Drive, coords, drive),
        stats,
    ))
}
