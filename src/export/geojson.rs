//! RFC 7946 GeoJSON: a FeatureCollection in WGS84 longitude/latitude with 6
//! decimals, exterior rings counter-clockwise, and provenance in a `needmap`
//! foreign member. Suppressed values are `null`.

use std::io::Write;

use geo::orient::{Direction, Orient};
use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use geojson::{Feature, FeatureCollection, GeometryValue, JsonObject};

use super::{ExportError, Prepared};
use crate::report::Cell;

/// Round to 6 decimals (about 0.1 m), as RFC 7946 recommends.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn round_ring(ring: &LineString<f64>) -> Option<LineString<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        let r = Coord { x: round6(c.x), y: round6(c.y) };
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

/// Rounded and oriented (exterior counter-clockwise, holes clockwise).
pub fn rfc7946_multipolygon(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let polys = mp
        .0
        .iter()
        .filter_map(|p| {
            let ext = round_ring(p.exterior())?;
            let holes = p.interiors().iter().filter_map(round_ring).collect();
            Some(Polygon::new(ext, holes))
        })
        .collect();
    MultiPolygon(polys).orient(Direction::Default)
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

/// A cell as a JSON value (numbers at full precision; missing and non-finite as null).
pub fn cell_json(cell: &Cell) -> serde_json::Value {
    cell.to_json()
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
                .map(|(c, v)| (c.clone(), cell_json(v)))
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
}
