//! RFC 7946 GeoJSON: a FeatureCollection in WGS84 longitude/latitude with 6
//! decimals, exterior rings counter-clockwise, and provenance in a `needmap`
//! foreign member. Suppressed values are `null`.
//!
//! Every polygon written is valid (OGC/GEOS rules): rounding to 6 decimals
//! (about 0.1 m) can pinch two nearby edges of a valid ring into a
//! self-intersection (the grouped "Keighley & Shipley" locality had one), so
//! a polygon whose rounded form is invalid is written with more decimals,
//! the fewest that keep it valid, up to full precision.

use std::io::Write;

use geo::orient::{Direction, Orient};
use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon, Validation};
use geojson::{Feature, FeatureCollection, GeometryValue, JsonObject};

use super::{ExportError, Prepared};
use crate::report::Cell;

/// Round to 6 decimals (about 0.1 m), as RFC 7946 recommends.
fn round6(v: f64) -> f64 {
    round_to(v, 6)
}

fn round_to(v: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (v * scale).round() / scale
}

/// Decimals tried, in order, until a rounded polygon is valid.
const DECIMALS: [i32; 4] = [6, 7, 8, 9];

fn round_ring(ring: &LineString<f64>, decimals: i32) -> Option<LineString<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        let r = Coord { x: round_to(c.x, decimals), y: round_to(c.y, decimals) };
        if out.last() != Some(&r) {
            out.push(r);
        }
    }
    if out.first() != out.last() {
        if let Some(&f) = out.first() {
            out.push(f);
        }
    }
    (out.len() >= 4).then_some(LineString(out))
}

fn rounded(mp: &MultiPolygon<f64>, decimals: i32) -> MultiPolygon<f64> {
    let polys = mp
        .0
        .iter()
        .filter_map(|p| {
            let ext = round_ring(p.exterior(), decimals)?;
            let holes = p.interiors().iter().filter_map(|r| round_ring(r, decimals)).collect();
            Some(Polygon::new(ext, holes))
        })
        .collect();
    MultiPolygon(polys)
}

/// Rounded to 6 decimals (more where rounding would make the polygon
/// invalid) and oriented (exterior counter-clockwise, holes clockwise).
pub fn rfc7946_multipolygon(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let best = DECIMALS
        .iter()
        .map(|&d| rounded(mp, d))
        .find(|r| r.is_valid())
        .unwrap_or_else(|| mp.clone());
    best.orient(Direction::Default)
}

fn geometry(g: &Geometry<f64>) -> Option<geojson::Geometry> {
    let value = match g {
        Geometry::MultiPolygon(mp) => GeometryValue::from(&rfc7946_multipolygon(mp)),
        Geometry::Polygon(p) => GeometryValue::from(&rfc7946_multipolygon(&MultiPolygon(vec![p.clone()]))),
        Geometry::Point(p) => GeometryValue::new_point([round6(p.x()), round6(p.y())]),
        _ => return None,
    };
    Some(geojson::Geometry::new(value))
}

/// The FeatureCollection for a prepared export.
pub fn feature_collection(prepared: &Prepared) -> FeatureCollection {
    let table = &prepared.features.table;
    let id_col = table.column("code").or_else(|| table.column("id"));
    let features = table
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let properties: JsonObject = table
                .columns
                .iter()
                .zip(row)
                .map(|(c, v)| (c.clone(), v.to_json()))
                .collect();
            let id = id_col.and_then(|c| match &row[c] {
                Cell::Text(Some(t)) => Some(geojson::feature::Id::String(t.clone())),
                _ => None,
            });
            Feature {
                bbox: None,
                geometry: prepared.features.wgs84.get(r).and_then(geometry),
                id,
                properties: Some(properties),
                foreign_members: None,
            }
        })
        .collect();
    let mut members = JsonObject::new();
    members.insert("needmap".into(), prepared.provenance.to_json());
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: Some(members),
    }
}

pub fn write(prepared: &Prepared, out: &mut dyn Write) -> Result<(), ExportError> {
    serde_json::to_writer(&mut *out, &feature_collection(prepared))?;
    writeln!(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area};

    #[test]
    fn rings_are_rounded_closed_and_counter_clockwise() {
        // Clockwise exterior with a near-duplicate vertex.
        let p = polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 1.0), (x: 0.00000001, y: 1.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0)];
        let mp = rfc7946_multipolygon(&MultiPolygon(vec![p]));
        let ext = mp.0[0].exterior();
        assert_eq!(ext.0.len(), 5);
        assert_eq!(ext.0.first(), ext.0.last());
        assert!(mp.0[0].signed_area() > 0.0, "exterior must be counter-clockwise");
    }

    #[test]
    fn rounding_that_would_pinch_a_ring_keeps_more_decimals() {
        // A notch whose tip is 0.4e-6 above the bottom edge: at 6 decimals it touches it.
        let p = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.5000004, y: 0.0000004), (x: 0.0, y: 1.0)];
        let mp = MultiPolygon(vec![p]);
        assert!(mp.is_valid());
        assert!(!rounded(&mp, 6).is_valid(), "the fixture must be broken by rounding to 6 decimals");
        let out = rfc7946_multipolygon(&mp);
        assert!(out.is_valid());
        assert!(out.0[0].exterior().0.iter().any(|c| c.y == 0.0000004), "{out:?}");
        // Ordinary polygons keep 6 decimals.
        let square = MultiPolygon(vec![polygon![(x: 0.12345678, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)]]);
        assert_eq!(rfc7946_multipolygon(&square).0[0].exterior().0[0].x, 0.123457);
    }
}
