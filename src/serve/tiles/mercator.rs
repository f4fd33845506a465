//! Web Mercator "world" coordinates: x and y in 0..1, y growing southwards,
//! so tile `z/x/y` covers `x/2^z .. (x+1)/2^z` (XYZ scheme).

use geo::{Coord, MapCoords, MultiPolygon, Rect};

/// Latitude limit of Web Mercator.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// CRS84 longitude/latitude to world coordinates.
///
/// ```
/// use needmap::serve::tiles::mercator::to_world;
/// let c = to_world(geo::coord! { x: 0.0, y: 0.0 });
/// assert!((c.x - 0.5).abs() < 1e-12 && (c.y - 0.5).abs() < 1e-12);
/// ```
pub fn to_world(c: Coord<f64>) -> Coord<f64> {
    let lat = c.y.clamp(-MAX_LAT, MAX_LAT).to_radians();
    Coord {
        x: (c.x + 180.0) / 360.0,
        y: 0.5 - (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln() / (2.0 * std::f64::consts::PI),
    }
}

/// World coordinates back to CRS84.
pub fn to_lonlat(c: Coord<f64>) -> Coord<f64> {
    let n = std::f64::consts::PI * (1.0 - 2.0 * c.y);
    Coord { x: c.x * 360.0 - 180.0, y: n.sinh().atan().to_degrees() }
}

/// A multipolygon in world coordinates.
pub fn multipolygon_to_world(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.map_coords(to_world)
}

/// The world-coordinate square of tile `z/x/y`.
pub fn tile_rect(z: u8, x: u32, y: u32) -> Rect<f64> {
    let n = f64::from(1u32 << z);
    Rect::new(
        Coord { x: f64::from(x) / n, y: f64::from(y) / n },
        Coord { x: f64::from(x + 1) / n, y: f64::from(y + 1) / n },
    )
}

/// The tile range at zoom `z` covering a CRS84 rectangle: `(x0, y0, x1, y1)` inclusive.
pub fn tiles_covering(bounds: Rect<f64>, z: u8) -> (u32, u32, u32, u32) {
    let n = f64::from(1u32 << z);
    let a = to_world(Coord { x: bounds.min().x, y: bounds.max().y });
    let b = to_world(Coord { x: bounds.max().x, y: bounds.min().y });
    let max = (1u32 << z) - 1;
    let t = |v: f64| ((v * n).floor().max(0.0) as u32).min(max);
    (t(a.x), t(a.y), t(b.x), t(b.y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let c = Coord { x: -1.75, y: 53.8 };
        let back = to_lonlat(to_world(c));
        assert!((back.x - c.x).abs() < 1e-9 && (back.y - c.y).abs() < 1e-9);
    }

    #[test]
    fn bradford_tile_at_zoom_10() {
        // Bradford city centre (-1.752, 53.795) is in tile 10/507/329 (slippy-map formula, computed in Python).
        let w = to_world(Coord { x: -1.752, y: 53.795 });
        assert_eq!(((w.x * 1024.0) as u32, (w.y * 1024.0) as u32), (507, 329));
    }
}
