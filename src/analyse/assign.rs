//! Point-in-polygon assignment of services to the areas of every level.

use crate::index::AreaIndex;
use crate::model::{Level, Service};

/// Fill `service.areas` for every level; returns per level the number of
/// services that fall in no area of that level (outside the district).
pub fn assign_services(services: &mut [Service], levels: &[Level], indexes: &[AreaIndex]) -> Vec<usize> {
    let mut outside = vec![0; levels.len()];
    for s in services.iter_mut() {
        s.areas = levels
            .iter()
            .zip(indexes)
            .enumerate()
            .map(|(l, (level, index))| {
                let hit = index.locate_by(s.bng, |i| &level.areas[i].bng);
                if hit.is_none() {
                    outside[l] += 1;
                }
                hit
            })
            .collect();
    }
    outside
}
