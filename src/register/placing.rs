//! Where a new service goes: its coordinates, or else the centroid of its
//! postcode unit from the manifest's `[postcodes]` lookup. A postcode that
//! is not in the lookup is reported, never guessed (no nearest or
//! partial match).

use geo::Coord;

use crate::crs::{Transform, BNG, WGS84};
use crate::load::{normalise_postcode, Postcodes};

use super::record::LocatedBy;

/// A service's point, in both CRSs, and how it was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub wgs84: Coord<f64>,
    pub bng: Coord<f64>,
    pub located_by: LocatedBy,
}

/// Why a service could not be placed; `field` names the column to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceProblem {
    pub field: &'static str,
    pub message: String,
    /// The normalised postcode, when the problem is that the lookup lacks it.
    pub unknown_postcode: Option<String>,
}

/// What a row gives to place it by.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GivenPlace<'a> {
    /// WGS84 longitude, latitude.
    pub lon_lat: Option<(f64, f64)>,
    /// British National Grid easting, northing.
    pub easting_northing: Option<(f64, f64)>,
    pub postcode: Option<&'a str>,
}

/// Transforms between WGS84 and BNG, built once for many placements.
pub struct Placer<'a> {
    to_bng: Transform,
    to_wgs: Transform,
    postcodes: Option<&'a Postcodes>,
}

impl<'a> Placer<'a> {
    /// A placer using the postcode lookup `postcodes` (None: the manifest has no `[postcodes]`).
    pub fn new(postcodes: Option<&'a Postcodes>) -> Result<Placer<'a>, String> {
        let to_bng = Transform::new(WGS84, BNG).map_err(|e| e.to_string())?;
        let to_wgs = Transform::new(BNG, WGS84).map_err(|e| e.to_string())?;
        Ok(Placer { to_bng, to_wgs, postcodes })
    }

    /// The lookup's point of a postcode (any spacing or case), when listed.
    pub fn postcode_point(&self, postcode: &str) -> Option<&crate::load::PostcodePoint> {
        self.postcodes?.get(postcode)
    }

    /// Place a service: coordinates first (longitude/latitude, then
    /// easting/northing), else its postcode's centroid.
    pub fn place(&self, given: GivenPlace<'_>) -> Result<Placement, PlaceProblem> {
        let problem = |field, message: String| PlaceProblem { field, message, unknown_postcode: None };
        if let Some((lon, lat)) = given.lon_lat {
            if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
                return Err(problem("lon", format!("({lon}, {lat}) is not a longitude and latitude in degrees")));
            }
            let wgs84 = Coord { x: lon, y: lat };
            let bng = self.to_bng.coord(wgs84).map_err(|e| problem("lon", e.to_string()))?;
            return Ok(Placement { wgs84, bng, located_by: LocatedBy::Coordinates });
        }
        if let Some((e, n)) = given.easting_northing {
            if !((-100_000.0..=800_000.0).contains(&e) && (-100_000.0..=1_400_000.0).contains(&n)) {
                return Err(problem("easting", format!("({e}, {n}) is not British National Grid metres")));
            }
            let bng = Coord { x: e, y: n };
            let wgs84 = self.to_wgs.coord(bng).map_err(|e| problem("easting", e.to_string()))?;
            return Ok(Placement { wgs84, bng, located_by: LocatedBy::Coordinates });
        }
        let Some(raw) = given.postcode.filter(|p| !p.trim().is_empty()) else {
            return Err(problem("postcode", "no place: give a postcode, lon and lat, or easting and northing".into()));
        };
        let Some(code) = normalise_postcode(raw) else {
            return Err(problem("postcode", format!("`{}` is not a postcode (like BD5 7AA)", raw.trim())));
        };
        let Some(lookup) = self.postcodes else {
            return Err(problem("postcode", format!("{code}: the manifest has no [postcodes] lookup to place it by; give coordinates")));
        };
        match lookup.get(&code) {
            Some(p) => Ok(Placement { wgs84: p.wgs84, bng: p.bng, located_by: LocatedBy::Postcode }),
            None => Err(PlaceProblem {
                field: "postcode",
                // The file's name only: partners read this, and the server's folders are not theirs to see.
                message: format!(
                    "{code} is not in the postcode lookup ({}): new, terminated or mistyped; give coordinates or a current postcode",
                    std::path::Path::new(&lookup.file).file_name().map_or_else(|| lookup.file.clone(), |n| n.to_string_lossy().into_owned())
                ),
                unknown_postcode: Some(code),
            }),
        }
    }
}
