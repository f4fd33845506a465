//! A small, fast RFC 7946 GeoJSON writer: CRS84 coordinates with at most six
//! decimals, exterior rings counter-clockwise and holes clockwise.
//!
//! Geometry text is precomputed once per area, so a FeatureCollection is
//! assembled by concatenation.
//!
//! ```
//! use needmap::serve::geojson::{geometry_json, number};
//! let p = geo::Point::new(-1.7512345678, 53.8);
//! assert_eq!(geometry_json(&p.into()), r#"{"type":"Point","coordinates":[-1.751235,53.8]}"#);
//! assert_eq!(number(f64::NAN), "null");
//! ```

use std::fmt::Write as _;

use geo::{Coord, Geometry, LineString, Polygon};

use crate::report::{Cell, Report};

/// A JSON number with at most six decimals, trailing zeros trimmed, `-0` as
/// `0`; `null` for NaN and infinities.
pub fn number(v: f64) -> String {
    let mut s = String::new();
    push_number(&mut s, v);
    s
}

fn push_number(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("null");
        return;
    }
    let start = out.len();
    let _ = write!(out, "{v:.6}");
    let trimmed = out[start..].trim_end_matches('0').trim_end_matches('.').len();
    out.truncate(start + trimmed);
    if &out[start..] == "-0" {
        out.truncate(start);
        out.push('0');
    }
}

fn push_position(out: &mut String, x: f64, y: f64) {
    out.push('[');
    push_number(out, x);
    out.push(',');
    push_number(out, y);
    out.push(']');
}

fn push_ring(out: &mut String, ring: &[Coord<f64>]) {
    out.push('[');
    for (i, c) in ring.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_position(out, c.x, c.y);
    }
    out.push(']');
}

/// A ring rounded to six decimals without repeated points, oriented
/// counter-clockwise (`ccw`) or clockwise; `None` when it has no area left.
fn rounded_ring(ring: &LineString<f64>, ccw: bool) -> Option<Vec<Coord<f64>>> {
    let r = |v: f64| (v * 1e6).round() / 1e6;
    let mut pts: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        let q = Coord { x: r(c.x), y: r(c.y) };
        if pts.last() != Some(&q) {
            pts.push(q);
        }
    }
    if pts.len() < 4 || pts.first() != pts.last() {
        return None;
    }
    let area2: f64 = pts.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum();
    if area2 == 0.0 || !area2.is_finite() {
        return None;
    }
    if (area2 > 0.0) != ccw {
        pts.reverse();
    }
    Some(pts)
}

/// Write a polygon with its exterior counter-clockwise and holes clockwise
/// *after* rounding, so the winding holds for the coordinates written.
/// Returns `false` (writing nothing) when the exterior has no area at six decimals.
fn push_polygon(out: &mut String, p: &Polygon<f64>) -> bool {
    let Some(exterior) = rounded_ring(p.exterior(), true) else { return false };
    out.push('[');
    push_ring(out, &exterior);
    for hole in p.interiors().iter().filter_map(|h| rounded_ring(h, false)) {
        out.push(',');
        push_ring(out, &hole);
    }
    out.push(']');
    true
}

/// GeoJSON geometry text for points, lines and (multi)polygons, with RFC 7946
/// winding. Polygons are written as MultiPolygons (areas are multipolygons in
/// general); parts with no area at six decimals are left out. Other geometry
/// kinds become `null`.
pub fn geometry_json(g: &Geometry<f64>) -> String {
    let mut out = String::new();
    match g {
        Geometry::Point(p) => {
            out.push_str(r#"{"type":"Point","coordinates":"#);
            push_position(&mut out, p.x(), p.y());
            out.push('}');
        }
        Geometry::LineString(l) => {
            out.push_str(r#"{"type":"LineString","coordinates":"#);
            push_ring(&mut out, &l.0);
            out.push('}');
        }
        Geometry::Polygon(p) => return geometry_json(&Geometry::MultiPolygon(geo::MultiPolygon(vec![p.clone()]))),
        Geometry::MultiPolygon(mp) => {
            out.push_str(r#"{"type":"MultiPolygon","coordinates":["#);
            let mut first = true;
            for p in &mp.0 {
                let mark = out.len();
                if !first {
                    out.push(',');
                }
                if push_polygon(&mut out, p) {
                    first = false;
                } else {
                    out.truncate(mark);
                }
            }
            out.push_str("]}");
        }
        _ => out.push_str("null"),
    }
    out
}

/// A JSON string literal.
pub fn string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// One cell as JSON: text, an integer count, a number at full precision
/// ([`crate::report::full_precision`]: only coordinates are rounded), or
/// `null` when missing or not finite.
pub fn cell(c: &Cell) -> String {
    match c {
        Cell::Text(Some(t)) => string(t),
        Cell::Count(n) => n.to_string(),
        Cell::Number(Some(v)) if v.is_finite() => crate::report::full_precision(*v),
        Cell::Text(None) | Cell::Number(_) => "null".into(),
    }
}

/// The `properties` object of row `row` of `table`.
pub fn properties(table: &Report, row: usize) -> String {
    let mut out = String::from("{");
    if let Some(cells) = table.rows.get(row) {
        for (i, (name, c)) in table.columns.iter().zip(cells).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&string(name));
            out.push(':');
            out.push_str(&cell(c));
        }
    }
    out.push('}');
    out
}

/// Builds a FeatureCollection document feature by feature.
#[derive(Debug)]
pub struct FeatureCollection {
    buf: String,
    count: usize,
}

impl Default for FeatureCollection {
    fn default() -> Self {
        Self::new()
    }
}

impl FeatureCollection {
    pub fn new() -> FeatureCollection {
        FeatureCollection { buf: String::from(r#"{"type":"FeatureCollection","features":["#), count: 0 }
    }

    /// Append a feature; `id`, `geometry` and `properties` are JSON texts.
    pub fn push(&mut self, id: &str, geometry: &str, properties: &str) {
        if self.count > 0 {
            self.buf.push(',');
        }
        self.buf.push_str(&feature(id, geometry, properties));
        self.count += 1;
    }

    /// Number of features so far.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Close the document, adding foreign members (`links`, `numberMatched`, ...).
    pub fn finish(mut self, members: &[(&str, serde_json::Value)]) -> String {
        self.buf.push(']');
        for (k, v) in members {
            self.buf.push(',');
            self.buf.push_str(&string(k));
            self.buf.push(':');
            self.buf.push_str(&v.to_string());
        }
        self.buf.push('}');
        self.buf
    }
}

/// One Feature object as text.
pub fn feature(id: &str, geometry: &str, properties: &str) -> String {
    format!(r#"{{"type":"Feature","id":{id},"geometry":{geometry},"properties":{properties}}}"#)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area};

    #[test]
    fn numbers_have_six_decimals_at_most() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(-0.0000001), "0");
        assert_eq!(number(53.123456789), "53.123457");
        assert_eq!(number(f64::INFINITY), "null");
        assert_eq!(number(-1.5), "-1.5");
    }

    #[test]
    fn polygons_are_written_counter_clockwise() {
        // Clockwise input with a counter-clockwise hole.
        let p = polygon!(
            exterior: [(x: 0., y: 0.), (x: 0., y: 2.), (x: 2., y: 2.), (x: 2., y: 0.), (x: 0., y: 0.)],
            interiors: [[(x: 0.5, y: 0.5), (x: 1.5, y: 0.5), (x: 1.5, y: 1.5), (x: 0.5, y: 0.5)]],
        );
        let ring = |r: &geo::LineString<f64>| geo::Polygon::new(r.clone(), vec![]).signed_area();
        assert!(ring(p.exterior()) < 0.0);
        let text = geometry_json(&p.into());
        let g: geojson::Geometry = text.parse::<geojson::GeoJson>().unwrap().try_into().unwrap();
        let back: geo::MultiPolygon<f64> = g.try_into().unwrap();
        let back = &back.0[0];
        assert!(ring(back.exterior()) > 0.0, "exterior must be CCW: {text}");
        assert!(ring(&back.interiors()[0]) < 0.0, "holes must be CW: {text}");
    }

    #[test]
    fn rings_without_area_at_six_decimals_are_dropped() {
        let tiny = polygon![(x: 0., y: 0.), (x: 1e-8, y: 0.), (x: 1e-8, y: 1e-8)];
        let big = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.)];
        let text = geometry_json(&geo::MultiPolygon(vec![tiny, big]).into());
        assert_eq!(text, r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}"#);
    }

    #[test]
    fn collection_is_valid_json() {
        let mut fc = FeatureCollection::new();
        fc.push(&string("a\"b"), &geometry_json(&geo::Point::new(1.0, 2.0).into()), "{}");
        let text = fc.finish(&[("numberReturned", 1.into())]);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["features"][0]["id"], "a\"b");
        assert_eq!(v["numberReturned"], 1);
    }
}
