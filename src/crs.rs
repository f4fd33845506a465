//! Coordinate reference systems through PROJ.
//!
//! needmap keeps every geometry twice: WGS84 longitude/latitude (`CRS84`, for
//! GeoJSON, tiles and the browser) and British National Grid metres
//! (`EPSG:27700`, for areas, overlaps and distances). Transforms go through the
//! PROJ library (bundled PROJ 9); without the OSTN15 grid PROJ uses a Helmert
//! transform, about 1-2 m off OS data (see [`datum_shift_note`]).

use geo::{Coord, CoordsIter, MapCoordsInPlace};

/// Definition string PROJ understands for WGS84 lon/lat in x=lon, y=lat order.
pub const WGS84: &str = "OGC:CRS84";
/// British National Grid.
pub const BNG: &str = "EPSG:27700";

/// File name of Ordnance Survey's OSTN15 transformation grid as PROJ names it.
pub const OSTN15_GRID: &str = "uk_os_OSTN15_NTv2_OSGBtoETRS.tif";

/// How British National Grid is tied to WGS84, for `needmap check`.
///
/// The OSTN15 grid (`uk_os_OSTN15_NTv2_OSGBtoETRS.tif`) is not shipped:
/// Debian's `proj-data` 9.1.1 does not contain it and PROJ's network
/// download is off, so the bundled PROJ uses the Helmert transformation
/// (EPSG:1314, "OSGB36 to WGS 84 (6)").
///
/// ```
/// let note = needmap::crs::datum_shift_note();
/// assert!(note.contains("Helmert") && note.contains("1-2 m") && note.contains(needmap::crs::OSTN15_GRID));
/// ```
pub fn datum_shift_note() -> String {
    format!(
        "British National Grid <-> WGS84 uses PROJ's Helmert transformation (EPSG:1314): positions are about 1-2 m off \
         Ordnance Survey's OSTN15 (up to 4 m elsewhere in Great Britain), fine for catchments and maps but not for \
         survey work. The OSTN15 grid ({OSTN15_GRID}) is not shipped with needmap or Debian's proj-data."
    )
}

#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    #[error("PROJ cannot build a transform from `{from}` to `{to}`: {message}")]
    Create {
        from: String,
        to: String,
        message: String,
    },
    #[error("PROJ cannot transform coordinate ({x}, {y}) from `{from}`: {message}")]
    Transform {
        from: String,
        x: f64,
        y: f64,
        message: String,
    },
}

/// A transform between two CRSs (axis order normalised to x=east, y=north).
///
/// Creating a PROJ transform costs milliseconds (reading proj.db), so each
/// one is kept for the whole process: [`Transform::new`] lends one out of a
/// pool keyed by the CRS pair and dropping the `Transform` gives it back. A
/// second one for the same pair is made only while the first is lent to
/// another user (another thread). Identical definitions need no PROJ object.
pub struct Transform {
    proj: Option<proj::Proj>,
    from: String,
    /// The pool key (from, to) the PROJ object goes back to.
    key: (String, String),
}

/// A PROJ object resting in the pool, between two users.
struct Idle(proj::Proj);

// SAFETY: a `proj::Proj` made by `Proj::new_known_crs` owns its own
// PJ_CONTEXT (proj 0.31 creates one per transform) and shares no state with
// other transforms, so PROJ allows it to be used from any one thread at a
// time. The pool only stores idle objects; each is lent to one `Transform`
// (which is neither `Send` nor `Sync`) and comes back when that is dropped.
unsafe impl Send for Idle {}

type Pool = std::sync::Mutex<std::collections::HashMap<(String, String), Vec<Idle>>>;

fn pool() -> &'static Pool {
    static POOL: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
    POOL.get_or_init(Default::default)
}

impl Drop for Transform {
    fn drop(&mut self) {
        if let Some(proj) = self.proj.take() {
            let mut pool = pool().lock().unwrap_or_else(|e| e.into_inner());
            pool.entry(std::mem::take(&mut self.key)).or_default().push(Idle(proj));
        }
    }
}

impl Transform {
    /// Build a transform (or reuse an idle one of this process); identical
    /// definitions give a no-op transform.
    pub fn new(from: &str, to: &str) -> Result<Transform, CrsError> {
        let key = (from.to_string(), to.to_string());
        if from == to {
            return Ok(Transform {
                proj: None,
                from: from.to_string(),
                key,
            });
        }
        let idle = pool()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&key)
            .and_then(|v| v.pop());
        let proj = match idle {
            Some(Idle(proj)) => proj,
            None => proj::Proj::new_known_crs(from, to, None).map_err(|e| CrsError::Create {
                from: short(from),
                to: short(to),
                message: e.to_string(),
            })?,
        };
        Ok(Transform {
            proj: Some(proj),
            from: short(from),
            key,
        })
    }

    /// Transform one coordinate.
    pub fn coord(&self, c: Coord<f64>) -> Result<Coord<f64>, CrsError> {
        let Some(proj) = &self.proj else { return Ok(c) };
        let out: (f64, f64) = proj.convert((c.x, c.y)).map_err(|e| self.error(c, e))?;
        if !(out.0.is_finite() && out.1.is_finite()) {
            return Err(self.error(c, "non-finite result"));
        }
        Ok(Coord { x: out.0, y: out.1 })
    }

    /// Transform every coordinate of a geometry in place.
    ///
    /// All coordinates go to PROJ in one array call, which is several times
    /// faster than one call per point.
    pub fn geometry<G: MapCoordsInPlace<f64> + CoordsIter<Scalar = f64>>(
        &self,
        g: &mut G,
    ) -> Result<(), CrsError> {
        let Some(proj) = &self.proj else { return Ok(()) };
        let mut coords: Vec<(f64, f64)> = g.coords_iter().map(|c| (c.x, c.y)).collect();
        if let Err(e) = proj.convert_array(&mut coords) {
            // Find the offending coordinate for the message.
            for c in g.coords_iter() {
                self.coord(c)?;
            }
            return Err(self.error(g.coords_iter().next().unwrap_or_default(), e));
        }
        if let Some(bad) = coords.iter().position(|c| !(c.0.is_finite() && c.1.is_finite())) {
            let c = g.coords_iter().nth(bad).unwrap_or_default();
            return Err(self.error(c, "non-finite result"));
        }
        let next = std::cell::Cell::new(0usize);
        let (next, coords) = (&next, &coords);
        g.map_coords_in_place(|_| {
            let i = next.get();
            next.set(i + 1);
            let (x, y) = coords[i];
            Coord { x, y }
        });
        Ok(())
    }

    fn error(&self, c: Coord<f64>, e: impl std::fmt::Display) -> CrsError {
        CrsError::Transform {
            from: self.from.clone(),
            x: c.x,
            y: c.y,
            message: e.to_string(),
        }
    }
}

fn short(def: &str) -> String {
    if def.len() > 60 {
        format!("{}…", &def[..def.char_indices().nth(60).map(|(i, _)| i).unwrap_or(def.len())])
    } else {
        def.to_string()
    }
}

/// Great-circle distance in metres between two WGS84 points (haversine, mean
/// Earth radius). Used for sanity checks only; analysis uses BNG metres.
pub fn haversine_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let r = 6_371_008.8_f64;
    let (la1, la2) = (a.y.to_radians(), b.y.to_radians());
    let dla = la2 - la1;
    let dlo = (b.x - a.x).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bng_round_trip_is_stable() {
        let to_wgs = Transform::new(BNG, WGS84).unwrap();
        let to_bng = Transform::new(WGS84, BNG).unwrap();
        let c = Coord { x: 416258.0, y: 438952.0 };
        let w = to_wgs.coord(c).unwrap();
        // Bradford is near 1.75 W, 53.8 N: checks the axis order too.
        assert!((w.x + 1.754).abs() < 0.01 && (w.y - 53.847).abs() < 0.01, "{w:?}");
        let back = to_bng.coord(w).unwrap();
        assert!((back.x - c.x).abs() < 0.01 && (back.y - c.y).abs() < 0.01);
    }

    #[test]
    fn bng_to_wgs84_is_the_helmert_transformation_as_check_says() {
        // EPSG:1314 written out: if PROJ found the OSTN15 grid it would differ by about a metre.
        let helmert = "+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy \
                       +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs +type=crs";
        let used = Transform::new(BNG, WGS84).unwrap();
        let reference = Transform::new(helmert, WGS84).unwrap();
        for c in [Coord { x: 416258.0, y: 438952.0 }, Coord { x: 406000.0, y: 441000.0 }, Coord { x: 530000.0, y: 180000.0 }] {
            let (a, b) = (used.coord(c).unwrap(), reference.coord(c).unwrap());
            let d = haversine_m(a, b);
            assert!(d < 0.01, "{c:?}: {d} m from the Helmert result, so check's note would be wrong");
        }
        assert!(datum_shift_note().contains("Helmert"));
    }

    #[test]
    fn a_dropped_transform_is_reused_not_made_again() {
        // A pair no other test uses, so the pool's count is this test's alone.
        let (from, to) = ("EPSG:4258", BNG);
        let count = || pool().lock().unwrap().get(&(from.to_string(), to.to_string())).map_or(0, Vec::len);
        let c = Coord { x: -1.75, y: 53.8 };
        let first = Transform::new(from, to).unwrap();
        let second = Transform::new(from, to).unwrap(); // the first is lent: a second one is made
        let expected = first.coord(c).unwrap();
        drop((first, second));
        assert_eq!(count(), 2);
        let again = Transform::new(from, to).unwrap();
        assert_eq!(count(), 1, "an idle transform is lent out again");
        assert_eq!(again.coord(c).unwrap(), expected);
        // Lent to another thread after this one gave it back.
        drop(again);
        let there = std::thread::spawn(move || Transform::new(from, to).unwrap().coord(c).unwrap()).join().unwrap();
        assert_eq!(there, expected);
        assert_eq!(count(), 2);
    }

    #[test]
    fn identity_transform_is_noop() {
        let t = Transform::new(WGS84, WGS84).unwrap();
        let c = Coord { x: -1.0, y: 53.0 };
        assert_eq!(t.coord(c).unwrap(), c);
    }

    #[test]
    fn haversine_one_degree_latitude() {
        let d = haversine_m(Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 1.0 });
        assert!((d - 111_195.0).abs() < 10.0);
    }
}
