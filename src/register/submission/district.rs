//! Whether a point lies in the district: in an area of any of the engine's
//! levels (the same test that counts a service as "outside").

use geo::Coord;

use crate::Engine;

/// A test of BNG points against the engine's areas.
pub fn inside_district(engine: &Engine) -> impl Fn(Coord<f64>) -> bool + '_ {
    move |c| engine.indexes.iter().zip(&engine.levels).any(|(index, level)| index.locate_by(c, |i| &level.areas[i].bng).is_some())
}
