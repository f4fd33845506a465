//! HTTP tests of `needmap serve` on the Bradford pack: every endpoint's
//! status, content type and body (GeoJSON parsed with the `geojson` crate,
//! MVT decoded by an independent protobuf reader written here), tile
//! geometry validity over the whole district, router fuzzing, caching,
//! compression, CORS, path traversal and graceful shutdown.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use geo::Validation;
use needmap::Engine;
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt;

static RT: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());

fn load(sensitive: &[&str]) -> Engine {
    let mut loc = needmap::dataset::locate(None).expect("the Bradford pack (../shared/geodata/bradford)");
    for c in sensitive {
        loc.manifest.categories.get_mut(*c).expect("category").sensitive = true;
    }
    Engine::load(&loc).expect("engine loads")
}

static ENGINE: LazyLock<Arc<Engine>> = LazyLock::new(|| Arc::new(load(&[])));
static APP: LazyLock<Router> = LazyLock::new(|| {
    // Absolute URLs come from the configured public URL (the Host header of
    // the requests below is the same, but is never used).
    needmap::serve::build(ENGINE.clone(), PathBuf::from("/nonexistent-web"), "needmap.test:8080").unwrap()
});

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn ctype(&self) -> &str {
        self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }
}

fn send(app: &Router, req: Request<Body>) -> Resp {
    RT.block_on(async {
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec();
        Resp { status, headers, body }
    })
}

fn get_with(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Resp {
    let mut b = Request::get(uri).header(header::HOST, "needmap.test:8080");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    send(app, b.body(Body::empty()).unwrap())
}

fn get(uri: &str) -> Resp {
    get_with(&APP, uri, &[])
}

fn assert_error(uri: &str, status: u16, parameter: Option<&str>) {
    let r = get(uri);
    assert_eq!(r.status.as_u16(), status, "{uri}: {}", r.text());
    assert!(r.ctype().starts_with("application/json"), "{uri}: {}", r.ctype());
    let v = r.json();
    assert_eq!(v["status"], status);
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    if let Some(p) = parameter {
        assert_eq!(v["parameter"], p, "{uri}: {v}");
        assert!(v["message"].as_str().unwrap().contains(p));
    }
}

// ------------------------------------------------------------------ GeoJSON checks

/// Twice the signed area of a closed ring (positive = counter-clockwise with y up).
fn area2(ring: &[(f64, f64)]) -> f64 {
    ring.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum()
}

/// Every number inside `"coordinates":[...]` has at most 6 decimals.
fn assert_six_decimals(text: &str) {
    let mut rest = text;
    let mut n = 0;
    while let Some(i) = rest.find("\"coordinates\":") {
        rest = &rest[i + 14..];
        let end = rest.find('}').unwrap();
        for tok in rest[..end].split(['[', ']', ',']) {
            if tok.is_empty() {
                continue;
            }
            assert!(tok.parse::<f64>().is_ok(), "not a number: {tok}");
            if let Some((_, frac)) = tok.split_once('.') {
                assert!(frac.len() <= 6, "more than 6 decimals: {tok}");
            }
            n += 1;
        }
    }
    assert!(n > 0 || !text.contains("\"geometry\""), "no coordinates found");
}

/// Parse with the `geojson` crate and check RFC 7946 winding; returns the features.
fn parse_features(text: &str) -> Vec<geojson::Feature> {
    assert_six_decimals(text);
    let gj: geojson::GeoJson = text.parse().unwrap_or_else(|e| panic!("geojson crate rejects the document: {e}"));
    let geojson::GeoJson::FeatureCollection(fc) = gj else { panic!("not a FeatureCollection") };
    for f in &fc.features {
        let g = f.geometry.as_ref().expect("geometry");
        let g: geo::Geometry<f64> = g.clone().try_into().expect("geometry converts");
        let polys: Vec<geo::Polygon<f64>> = match g {
            geo::Geometry::Polygon(p) => vec![p],
            geo::Geometry::MultiPolygon(mp) => mp.0,
            geo::Geometry::Point(p) => {
                assert!((-180.0..=180.0).contains(&p.x()) && (-90.0..=90.0).contains(&p.y()));
                vec![]
            }
            other => panic!("unexpected geometry {other:?}"),
        };
        for p in polys {
            let ring = |l: &geo::LineString<f64>| l.0.iter().map(|c| (c.x, c.y)).collect::<Vec<_>>();
            assert!(area2(&ring(p.exterior())) > 0.0, "exterior ring not counter-clockwise in {:?}", f.id);
            for h in p.interiors() {
                assert!(area2(&ring(h)) < 0.0, "hole not clockwise in {:?}", f.id);
            }
            assert_eq!(p.exterior().0.first(), p.exterior().0.last(), "ring not closed");
        }
    }
    fc.features
}

fn prop<'a>(f: &'a geojson::Feature, k: &str) -> &'a Value {
    f.properties.as_ref().and_then(|p| p.get(k)).unwrap_or(&Value::Null)
}

// ------------------------------------------------------------------ an independent MVT reader

mod pbf {
    //! Just enough protobuf to read vector_tile.proto (written from the spec,
    //! sharing no code with the encoder).

    pub struct Reader<'a> {
        buf: &'a [u8],
        pos: usize,
    }

    impl<'a> Reader<'a> {
        pub fn new(buf: &'a [u8]) -> Self {
            Reader { buf, pos: 0 }
        }
        pub fn varint(&mut self) -> Result<u64, String> {
            let mut v = 0u64;
            for shift in (0..64).step_by(7) {
                let b = *self.buf.get(self.pos).ok_or("truncated varint")?;
                self.pos += 1;
                v |= u64::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    return Ok(v);
                }
            }
            Err("varint too long".into())
        }
        /// Next (field number, wire type), or None at the end.
        pub fn key(&mut self) -> Result<Option<(u64, u64)>, String> {
            if self.pos >= self.buf.len() {
                return Ok(None);
            }
            let k = self.varint()?;
            Ok(Some((k >> 3, k & 7)))
        }
        pub fn bytes(&mut self) -> Result<&'a [u8], String> {
            let n = self.varint()? as usize;
            let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len()).ok_or("truncated bytes")?;
            let s = &self.buf[self.pos..end];
            self.pos = end;
            Ok(s)
        }
        pub fn fixed64(&mut self) -> Result<[u8; 8], String> {
            let s = self.buf.get(self.pos..self.pos + 8).ok_or("truncated fixed64")?;
            self.pos += 8;
            Ok(s.try_into().unwrap())
        }
        pub fn fixed32(&mut self) -> Result<[u8; 4], String> {
            let s = self.buf.get(self.pos..self.pos + 4).ok_or("truncated fixed32")?;
            self.pos += 4;
            Ok(s.try_into().unwrap())
        }
        pub fn skip(&mut self, wire: u64) -> Result<(), String> {
            match wire {
                0 => self.varint().map(|_| ()),
                1 => self.fixed64().map(|_| ()),
                2 => self.bytes().map(|_| ()),
                5 => self.fixed32().map(|_| ()),
                w => Err(format!("unsupported wire type {w}")),
            }
        }
        pub fn packed(&mut self) -> Result<Vec<u32>, String> {
            let mut r = Reader::new(self.bytes()?);
            let mut out = Vec::new();
            while r.pos < r.buf.len() {
                out.push(u32::try_from(r.varint()?).map_err(|_| "packed value over u32")?);
            }
            Ok(out)
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MvtValue {
    Str(String),
    Num(f64),
    Int(i64),
    Bool(bool),
}

#[derive(Debug, Default)]
pub(crate) struct MvtFeature {
    pub(crate) id: Option<u64>,
    tags: Vec<u32>,
    gtype: u64,
    geometry: Vec<u32>,
}

#[derive(Debug, Default)]
pub(crate) struct MvtLayer {
    version: u64,
    name: String,
    extent: u64,
    keys: Vec<String>,
    values: Vec<MvtValue>,
    pub(crate) features: Vec<MvtFeature>,
}

impl MvtLayer {
    pub(crate) fn props(&self, f: &MvtFeature) -> BTreeMap<String, MvtValue> {
        f.tags.chunks(2).map(|kv| (self.keys[kv[0] as usize].clone(), self.values[kv[1] as usize].clone())).collect()
    }
}

fn decode_value(buf: &[u8]) -> Result<MvtValue, String> {
    let mut r = pbf::Reader::new(buf);
    let mut out = None;
    while let Some((field, wire)) = r.key()? {
        out = Some(match (field, wire) {
            (1, 2) => MvtValue::Str(String::from_utf8(r.bytes()?.to_vec()).map_err(|e| e.to_string())?),
            (2, 5) => MvtValue::Num(f64::from(f32::from_le_bytes(r.fixed32()?))),
            (3, 1) => MvtValue::Num(f64::from_le_bytes(r.fixed64()?)),
            (4, 0) => MvtValue::Int(r.varint()? as i64),
            (5, 0) => MvtValue::Int(r.varint()? as i64),
            (6, 0) => {
                let v = r.varint()?;
                MvtValue::Int(((v >> 1) as i64) ^ -((v & 1) as i64))
            }
            (7, 0) => MvtValue::Bool(r.varint()? != 0),
            (_, w) => {
                r.skip(w)?;
                continue;
            }
        });
    }
    out.ok_or_else(|| "empty value".to_string())
}

fn decode_tile(buf: &[u8]) -> Result<Vec<MvtLayer>, String> {
    let mut r = pbf::Reader::new(buf);
    let mut layers = Vec::new();
    while let Some((field, wire)) = r.key()? {
        if (field, wire) != (3, 2) {
            r.skip(wire)?;
            continue;
        }
        let mut lr = pbf::Reader::new(r.bytes()?);
        let mut layer = MvtLayer { version: 1, extent: 4096, ..Default::default() };
        while let Some((field, wire)) = lr.key()? {
            match (field, wire) {
                (15, 0) => layer.version = lr.varint()?,
                (1, 2) => layer.name = String::from_utf8(lr.bytes()?.to_vec()).map_err(|e| e.to_string())?,
                (5, 0) => layer.extent = lr.varint()?,
                (3, 2) => layer.keys.push(String::from_utf8(lr.bytes()?.to_vec()).map_err(|e| e.to_string())?),
                (4, 2) => layer.values.push(decode_value(lr.bytes()?)?),
                (2, 2) => {
                    let mut fr = pbf::Reader::new(lr.bytes()?);
                    let mut f = MvtFeature::default();
                    while let Some((field, wire)) = fr.key()? {
                        match (field, wire) {
                            (1, 0) => f.id = Some(fr.varint()?),
                            (2, 2) => f.tags = fr.packed()?,
                            (3, 0) => f.gtype = fr.varint()?,
                            (4, 2) => f.geometry = fr.packed()?,
                            (_, w) => fr.skip(w)?,
                        }
                    }
                    layer.features.push(f);
                }
                (_, w) => lr.skip(w)?,
            }
        }
        layers.push(layer);
    }
    Ok(layers)
}

/// Decode a geometry command stream into parts (points, or rings without the
/// closing point), checking the command grammar of MVT 2.1 section 4.3.
fn decode_geometry(cmds: &[u32], gtype: u64) -> Result<Vec<Vec<(i64, i64)>>, String> {
    let zz = |v: u32| (i64::from(v >> 1)) ^ -(i64::from(v & 1));
    let (mut x, mut y) = (0i64, 0i64);
    let mut parts: Vec<Vec<(i64, i64)>> = Vec::new();
    let mut i = 0;
    let mut expect_close = false;
    while i < cmds.len() {
        let (id, count) = (cmds[i] & 7, (cmds[i] >> 3) as usize);
        i += 1;
        match id {
            1 | 2 => {
                if count == 0 {
                    return Err("command with count 0".into());
                }
                if id == 1 && gtype != 1 && count != 1 {
                    return Err("MoveTo count must be 1 for lines and polygons".into());
                }
                if id == 1 && expect_close {
                    return Err("polygon ring without ClosePath".into());
                }
                if id == 2 && parts.is_empty() {
                    return Err("LineTo before MoveTo".into());
                }
                for _ in 0..count {
                    let (dx, dy) = (*cmds.get(i).ok_or("missing parameter")?, *cmds.get(i + 1).ok_or("missing parameter")?);
                    i += 2;
                    x += zz(dx);
                    y += zz(dy);
                    if id == 1 {
                        parts.push(vec![(x, y)]);
                    } else {
                        parts.last_mut().unwrap().push((x, y));
                    }
                }
                if gtype == 3 && id == 2 {
                    expect_close = true;
                }
            }
            7 => {
                if gtype != 3 || count != 1 || !expect_close {
                    return Err("misplaced ClosePath".into());
                }
                expect_close = false;
            }
            c => return Err(format!("unknown command {c}")),
        }
    }
    if expect_close {
        return Err("last ring not closed".into());
    }
    Ok(parts)
}

/// Decode a tile and check it against MVT 2.1; returns the layers.
pub(crate) fn check_tile(body: &[u8], layer_name: &str) -> Vec<MvtLayer> {
    let layers = decode_tile(body).unwrap_or_else(|e| panic!("tile does not decode: {e}"));
    assert_eq!(layers.len(), 1);
    let l = &layers[0];
    assert_eq!(l.name, layer_name);
    assert_eq!(l.version, 2);
    assert_eq!(l.extent, 4096);
    assert!(!l.features.is_empty(), "200 tiles have features");
    let mut ids = HashSet::new();
    for f in &l.features {
        let id = f.id.expect("feature id");
        assert!(ids.insert(id), "duplicate feature id {id}");
        assert_eq!(f.tags.len() % 2, 0);
        for kv in f.tags.chunks(2) {
            assert!((kv[0] as usize) < l.keys.len() && (kv[1] as usize) < l.values.len(), "tag out of range");
        }
        let parts = decode_geometry(&f.geometry, f.gtype).unwrap_or_else(|e| panic!("feature {id}: {e}"));
        let inside = |(x, y): (i64, i64)| (-256..=4096 + 256).contains(&x) && (-256..=4096 + 256).contains(&y);
        match f.gtype {
            1 => {
                assert_eq!(parts.len(), 1);
                assert!(inside(parts[0][0]), "point outside the tile and its buffer");
            }
            3 => {
                let mut polys: Vec<geo::Polygon<f64>> = Vec::new();
                for (k, ring) in parts.iter().enumerate() {
                    assert!(ring.len() >= 3, "ring with {} points", ring.len());
                    assert!(ring.iter().all(|p| inside(*p)), "ring not clipped to the tile buffer");
                    let mut closed: Vec<(f64, f64)> = ring.iter().map(|&(x, y)| (x as f64, y as f64)).collect();
                    closed.push(closed[0]);
                    let a = area2(&closed);
                    assert!(a != 0.0, "zero-area ring");
                    // MVT 2.1 4.3.4.4: exterior rings have positive area by the
                    // surveyor's formula in tile coordinates (y down).
                    if k == 0 {
                        assert!(a > 0.0, "feature {id}: first ring must be exterior (positive area)");
                    }
                    let ls = geo::LineString::from(closed);
                    if a > 0.0 {
                        polys.push(geo::Polygon::new(ls, vec![]));
                    } else {
                        polys.last_mut().unwrap().interiors_push(ls);
                    }
                }
                let mp = geo::MultiPolygon(polys);
                if let Err(e) = mp.check_validation() {
                    panic!("feature {id} of {layer_name}: invalid polygon: {e}");
                }
            }
            t => panic!("unexpected geometry type {t}"),
        }
    }
    layers
}

fn district_tiles(z: u8) -> Vec<(u32, u32)> {
    let meta = get("/api/meta").json();
    let b: Vec<f64> = meta["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let rect = geo::Rect::new((b[0], b[1]), (b[2], b[3]));
    let (x0, y0, x1, y1) = needmap::serve::tiles::mercator::tiles_covering(rect, z);
    (x0..=x1).flat_map(|x| (y0..=y1).map(move |y| (x, y))).collect()
}

// ------------------------------------------------------------------ tests

#[test]
fn meta_describes_the_dataset() {
    let r = get("/api/meta");
    assert_eq!(r.status, 200);
    assert_eq!(r.ctype(), "application/json");
    let m = r.json();
    let levels: Vec<&str> = m["levels"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(levels, ["locality", "constituency", "ward", "msoa", "lsoa", "oa"]);
    assert_eq!(m["levels"][2]["areas"], 30);
    assert!(m["indicators"].as_array().unwrap().iter().any(|i| i["id"] == "imd_score" && i["direction"] == "higher_is_worse"));
    assert!(m["categories"].as_array().unwrap().iter().any(|c| c["id"] == "gp" && c["tier"] == "1"));
    assert_eq!(m["tiers"].as_array().unwrap().len(), 5);
    assert!(m["sources"].as_array().unwrap().iter().all(|s| s["licence"].is_string() && s["vintage"].is_string()));
    assert!(m["attribution"].as_str().unwrap().contains("OpenStreetMap"));
    assert_eq!(m["travel"]["modes"][0], "estimated");
    assert_eq!(m["links"]["ogc"], "http://needmap.test:8080/ogc/");
    assert_eq!(m["gaps"]["methods"], serde_json::json!(["nearest", "2sfca", "e2sfca"]));
    // Issue 9 section 2: per level, what is offered and what is "published for" a coarser level.
    let ward = &m["levels"][2];
    let offered: Vec<&str> = ward["indicators"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(offered.contains(&"imd_score") && !offered.contains(&"crime_rate"), "{offered:?}");
    let greyed = ward["indicators_not_offered"].as_array().unwrap();
    assert!(greyed.iter().any(|g| g["id"] == "crime_rate" && g["note"] == "published for constituencies"), "{greyed:?}");
    let oa = &m["levels"][5];
    assert!(oa["indicators_not_offered"].as_array().unwrap().iter().any(|g| g["id"] == "imd_score" && g["note"] == "published for LSOAs"));
    let crime = m["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "crime_rate").unwrap();
    assert_eq!(crime["levels"], serde_json::json!(["locality", "constituency"]));
    assert_eq!(m["gaps"]["need_indicator"], "imd2025_decile");
    assert_eq!(m["gaps"]["child_need_indicator"], "children_income_deprived_2019");
    assert!(m["gaps"]["need_caveat"].as_str().unwrap().contains("2021 LSOAs"));
    // A constituency figure is refused as gap need at ward level, with the reason.
    let r = get("/api/areas/ward.geojson?category=gp&indicator=crime_rate");
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("published for constituencies"), "{}", r.text());
}

#[test]
fn areas_geojson_for_every_level_matches_the_report_csv() {
    for level in &ENGINE.levels {
        let r = get(&format!("/api/areas/{}.geojson", level.id));
        assert_eq!(r.status, 200, "{}", level.id);
        assert_eq!(r.ctype(), "application/geo+json");
        let features = parse_features(&r.text());
        assert_eq!(features.len(), level.len(), "{}", level.id);

        let csv = get(&format!("/api/report/{}.csv", level.id));
        assert_eq!(csv.status, 200);
        assert!(csv.ctype().starts_with("text/csv"));
        let mut rd = csv::Reader::from_reader(csv.body.as_slice());
        let cols: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), level.len());
        for (f, row) in features.iter().zip(&rows) {
            assert_eq!(f.id, Some(geojson::feature::Id::String(row[0].to_string())));
            let props = f.properties.as_ref().unwrap();
            assert_eq!(props.len(), cols.len(), "GeoJSON properties are the report columns");
            for (c, cell) in cols.iter().zip(row.iter()) {
                let v = &props[c];
                match v {
                    Value::Null => assert_eq!(cell, "", "{c}"),
                    Value::String(s) => assert_eq!(s, cell, "{c}"),
                    Value::Number(n) => {
                        let a = n.as_f64().unwrap();
                        let b: f64 = cell.parse().unwrap();
                        assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "{c}: {a} vs {b}");
                    }
                    other => panic!("unexpected property {c}: {other}"),
                }
            }
        }
    }
}

#[test]
fn geometry_false_sends_the_same_features_without_boundaries() {
    let with = get("/api/areas/lsoa.geojson?category=gp");
    let without = get("/api/areas/lsoa.geojson?category=gp&geometry=false");
    assert_eq!(without.status, 200, "{}", without.text());
    assert_eq!(without.ctype(), "application/geo+json");
    let (a, b) = (with.json(), without.json());
    let (fa, fb) = (a["features"].as_array().unwrap(), b["features"].as_array().unwrap());
    assert_eq!(fa.len(), fb.len());
    assert!(fa.len() > 100);
    for (x, y) in fa.iter().zip(fb) {
        assert_eq!(x["id"], y["id"]);
        assert_eq!(x["properties"], y["properties"], "the same attributes, at full precision");
        assert!(x["geometry"].is_object());
        assert_eq!(y["geometry"], Value::Null, "RFC 7946 3.2: an unlocated feature has a null geometry");
    }
    assert!(without.body.len() * 4 < with.body.len() * 3, "{} vs {} bytes", without.body.len(), with.body.len());
    // The GeoJSON crate (RFC 7946) reads it.
    let gj: geojson::GeoJson = without.text().parse().expect("geojson crate reads it");
    let geojson::GeoJson::FeatureCollection(fc) = gj else { panic!("not a FeatureCollection") };
    assert!(fc.features.iter().all(|f| f.geometry.is_none()));
    assert_error("/api/areas/lsoa.geojson?geometry=no", 400, Some("geometry"));
}

#[test]
fn area_parameters_select_and_validate() {
    let ward = ENGINE.level_index("ward").unwrap();
    let r = get("/api/areas/ward.geojson?indicator=imd_score,imd_decile&category=gp,pharmacy&tier=1");
    assert_eq!(r.status, 200, "{}", r.text());
    let features = parse_features(&r.text());
    let selection = &r.json()["selection"];
    assert_eq!(selection["method"], Value::Null);
    assert_eq!(selection["gap_fields"], false);
    assert_eq!(selection["categories"], serde_json::json!(["gp", "pharmacy"]));
    assert_eq!(selection["indicators"], serde_json::json!(["imd_score", "imd_decile"]));
    let props = features[0].properties.as_ref().unwrap();
    assert!(props.contains_key("imd_score") && props.contains_key("imd_decile1_pop_share"));
    assert!(!props.contains_key("income_score_pct"), "other indicators are left out");
    assert!(props.contains_key("population") && props.contains_key("services_total"));
    // services_selected counts gp + pharmacy (tier 1) services per ward, by brute force here.
    let mut expected = vec![0u64; ENGINE.levels[ward].len()];
    for s in &ENGINE.services {
        if (s.category == "gp" || s.category == "pharmacy") && s.tier == "1" {
            if let Some(Some(a)) = s.areas.get(ward) {
                expected[*a] += 1;
            }
        }
    }
    let got: Vec<u64> = features.iter().map(|f| prop(f, "services_selected").as_u64().unwrap()).collect();
    assert_eq!(got, expected);
    assert!(expected.iter().sum::<u64>() > 100);

    assert_error("/api/areas/ward.geojson?indicator=nope", 400, Some("indicator"));
    assert_error("/api/areas/ward.geojson?category=nope", 400, Some("category"));
    assert_error("/api/areas/ward.geojson?tier=9", 400, Some("tier"));
    assert_error("/api/areas/ward.geojson?method=3sfca", 400, Some("method"));
    assert_error("/api/areas/ward.geojson?category=gp,pharmacy&method=2sfca", 400, Some("category"));
    assert_error("/api/areas/ward.geojson?method=nearest", 400, Some("category"));
    assert_error("/api/areas/ward.geojson?indicator=imd_score&indicator=imd_rank", 400, Some("indicator"));
    assert_error("/api/areas/county.geojson", 404, None);
    assert_error("/api/areas/ward.json", 404, None);
    assert_error("/api/report/county.csv", 404, None);
}

#[test]
fn travel_and_catchment_choose_how_access_is_measured() {
    use needmap::gaps::{Catchment, GapQuery, Method, Travel};
    for (params, travel, catchment, method) in [
        ("travel=drive&catchment=15min", Travel::Drive, Catchment::Minutes(15.0), Method::TwoStep),
        ("catchment=800m&method=e2sfca", Travel::Walk, Catchment::Km(0.8), Method::Enhanced),
        ("travel=drive&method=nearest", Travel::Drive, Catchment::Km(2.0), Method::Nearest),
    ] {
        let r = get(&format!("/api/areas/lsoa.geojson?category=library&geometry=false&{params}"));
        assert_eq!(r.status, 200, "{params}: {}", r.text());
        let v = r.json();
        let q = GapQuery { level: "lsoa".into(), category: Some("library".into()), method, travel, catchment, ..GapQuery::default() };
        let table = needmap::gaps::compute(&ENGINE, &q).unwrap().to_report();
        let (code, unmet, nearest) = (table.column("code").unwrap(), table.column("unmet_need").unwrap(), table.column("nearest_min").unwrap());
        let by_code: std::collections::HashMap<String, &Vec<needmap::report::Cell>> =
            table.rows.iter().map(|row| (row[code].render(), row)).collect();
        let features = v["features"].as_array().unwrap();
        assert_eq!(features.len(), table.rows.len());
        for f in features {
            let row = by_code[f["id"].as_str().unwrap()];
            for (col, i) in [("unmet_need", unmet), ("nearest_min", nearest)] {
                let (want, got) = (row[i].render(), &f["properties"][col]);
                if want.is_empty() {
                    assert!(got.is_null(), "{params} {col}: {got}");
                    continue;
                }
                let (want, got): (f64, f64) = (want.parse().unwrap(), got.as_f64().unwrap());
                assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "{params} {col}: {got} vs {want}");
            }
            assert_eq!(f["properties"]["travel"], travel.as_str(), "{params}");
        }
        // The answer says how access was measured, in numbers the page can put in words.
        let access = &v["selection"]["access"];
        assert_eq!(access["travel"], travel.as_str(), "{params}");
        assert_eq!(access["catchment"], catchment.label(), "{params}");
        assert!(access["catchment_m"].as_f64().unwrap() > 0.0 && access["catchment_minutes"].as_f64().unwrap() > 0.0);
        assert_eq!(access["unmet_minutes"], if travel == Travel::Drive { 15.0 } else { 20.0 });
    }
    // 2 km on foot at 4.8 km/h with a circuity of 1.3: 32.5 minutes.
    let walk = get("/api/areas/ward.geojson?category=gp&geometry=false").json();
    assert_eq!(walk["selection"]["access"]["catchment"], "2km");
    assert!((walk["selection"]["access"]["catchment_minutes"].as_f64().unwrap() - 32.5).abs() < 1e-9);
    assert_eq!(get("/api/areas/ward.geojson").json()["selection"]["access"], Value::Null);
    for bad in ["catchment=2", "catchment=0km", "catchment=99km", "catchment=200min", "catchment=2parsecs", "catchment=NaNkm"] {
        assert_error(&format!("/api/areas/ward.geojson?category=gp&{bad}"), 400, Some("catchment"));
    }
    assert_error("/api/areas/ward.geojson?category=gp&travel=cycle", 400, Some("travel"));
    assert_error("/api/areas/ward.geojson?travel=drive", 400, Some("category"));
}

#[test]
fn gap_fields_join_the_area_table_for_one_category() {
    use needmap::gaps::{GapQuery, Method};
    for (method, gm, access) in [("2sfca", Method::TwoStep, Some("access_2sfca")), ("e2sfca", Method::Enhanced, Some("access_e2sfca")), ("nearest", Method::Nearest, None)] {
        let r = get(&format!("/api/areas/ward.geojson?category=gp&method={method}"));
        assert_eq!(r.status, 200, "{}", r.text());
        let features = parse_features(&r.text());
        let q = GapQuery { level: "ward".into(), category: Some("gp".into()), method: gm, ..GapQuery::default() };
        let table = needmap::gaps::compute(&ENGINE, &q).unwrap().to_report();
        let code = table.column("code").unwrap();
        let mut compared = 0;
        for f in &features {
            let row = table.rows.iter().find(|r| r[code] == needmap::report::Cell::Text(f.id.as_ref().map(|i| match i {
                geojson::feature::Id::String(s) => s.clone(),
                geojson::feature::Id::Number(n) => n.to_string(),
            }))).expect("every ward has a gap row");
            for col in ["unmet_need", "unmet_need_per_1k", "in_need", "nearest_m", "gap_rank", "gap_class"].into_iter().chain(access) {
                let cell = &row[table.column(col).unwrap()];
                let v = prop(f, col);
                match cell {
                    needmap::report::Cell::Number(Some(x)) => assert!((v.as_f64().unwrap() - x).abs() < 1e-6, "{col}"),
                    needmap::report::Cell::Count(n) => assert_eq!(v.as_u64(), Some(*n), "{col}"),
                    needmap::report::Cell::Text(Some(t)) => assert_eq!(v.as_str(), Some(t.as_str()), "{col}"),
                    _ => assert!(v.is_null(), "{col}"),
                }
                compared += 1;
            }
            // The report's own columns are still there, unchanged.
            assert!(prop(f, "population").is_number() && prop(f, "services_gp").is_u64());
        }
        assert!(compared >= 30 * 4);
        assert!(features.iter().any(|f| prop(f, "gap_class").as_str().is_some_and(|c| c.contains("high-need"))));
    }
    // A single category alone selects the default method, in tiles and TileJSON too.
    let t = get("/tiles/ward.json?category=gp").json();
    assert_eq!(t["vector_layers"][0]["fields"]["unmet_need"], "Number");
    assert_eq!(t["vector_layers"][0]["fields"]["gap_class"], "String");
    let tile = get("/tiles/ward/10/507/329.mvt?category=gp");
    let layers = check_tile(&tile.body, "ward");
    assert!(layers[0].features.iter().all(|f| layers[0].props(f).contains_key("access_2sfca")));
    assert_eq!(get("/api/meta").json()["gaps"]["available"], true);
}

#[test]
fn services_geojson_filters_and_names_areas() {
    let r = get("/api/services.geojson");
    assert_eq!(r.status, 200);
    assert_eq!(r.ctype(), "application/geo+json");
    let all = parse_features(&r.text());
    assert_eq!(all.len(), ENGINE.services.len());
    let ward = ENGINE.level_index("ward").unwrap();
    for (f, s) in all.iter().zip(&ENGINE.services) {
        assert_eq!(prop(f, "id"), s.id.as_str());
        let code = s.areas[ward].map(|a| ENGINE.levels[ward].areas[a].code.clone());
        assert_eq!(prop(f, "ward_code").as_str(), code.as_deref());
    }
    let gp = parse_features(&get("/api/services.geojson?category=gp&tier=1").text());
    assert_eq!(gp.len(), ENGINE.services.iter().filter(|s| s.category == "gp").count());
    assert!(gp.iter().all(|f| prop(f, "category") == "gp"));
    let bbox = (-1.80, 53.78, -1.74, 53.81);
    let inside = parse_features(&get(&format!("/api/services.geojson?bbox={},{},{},{}", bbox.0, bbox.1, bbox.2, bbox.3)).text());
    let expected = ENGINE
        .services
        .iter()
        .filter(|s| s.wgs84.x >= bbox.0 && s.wgs84.x <= bbox.2 && s.wgs84.y >= bbox.1 && s.wgs84.y <= bbox.3)
        .count();
    assert_eq!(inside.len(), expected);
    assert!(expected > 10 && expected < all.len());
    assert_error("/api/services.geojson?bbox=1,2,3", 400, Some("bbox"));
    assert_error("/api/services.geojson?bbox=-1.7,53.8,-1.8,53.9", 400, Some("bbox"));
    assert_error("/api/services.geojson?category=spaceport", 400, Some("category"));
    assert_error("/api/services.geojson?tier=x", 400, Some("tier"));
}

#[test]
fn sensitive_services_are_never_shown_at_their_location() {
    let engine = Arc::new(load(&["gp"]));
    let app = needmap::serve::build(engine.clone(), PathBuf::from("/nonexistent-web"), "x:1").unwrap();
    let gps = engine.services.iter().filter(|s| s.category == "gp").count();
    assert!(gps > 50);
    let all = parse_features(&get_with(&app, "/api/services.geojson", &[]).text());
    assert_eq!(all.len(), engine.services.len() - gps);
    assert!(all.iter().all(|f| prop(f, "category") != "gp"));
    assert!(parse_features(&get_with(&app, "/api/services.geojson?category=gp", &[]).text()).is_empty());
    let ogc = get_with(&app, "/ogc/collections/services/items?limit=10000", &[]).json();
    assert_eq!(ogc["numberMatched"].as_u64().unwrap() as usize, engine.services.len() - gps);
    let gp_id = &engine.services.iter().find(|s| s.category == "gp").unwrap().id;
    assert_eq!(get_with(&app, &format!("/ogc/collections/services/items/{gp_id}"), &[]).status, 404);
    // Still counted in their areas.
    let areas = parse_features(&get_with(&app, "/api/areas/ward.geojson", &[]).text());
    let counted: u64 = areas.iter().map(|f| prop(f, "services_gp").as_u64().unwrap()).sum();
    assert_eq!(counted as usize, engine.services.iter().filter(|s| s.category == "gp" && s.areas[2].is_some()).count());
    let meta = get_with(&app, "/api/meta", &[]).json();
    assert_eq!(meta["categories"].as_array().unwrap().iter().find(|c| c["id"] == "gp").unwrap()["services_shown"], 0);
    // Not in any service tile.
    for z in [10u8, 13] {
        for (x, y) in district_tiles(z) {
            let r = get_with(&app, &format!("/tiles/services/{z}/{x}/{y}.mvt"), &[]);
            if r.status == 200 {
                let layers = check_tile(&r.body, "services");
                for f in &layers[0].features {
                    assert_ne!(layers[0].props(f)["category"], MvtValue::Str("gp".into()));
                }
            }
        }
    }
}

#[test]
fn tilejson_is_tilejson_3() {
    for layer in ["ward", "oa", "services"] {
        let r = get(&format!("/tiles/{layer}.json"));
        assert_eq!(r.status, 200);
        assert_eq!(r.ctype(), "application/json");
        let t = r.json();
        assert_eq!(t["tilejson"], "3.0.0");
        let url = t["tiles"][0].as_str().unwrap();
        assert_eq!(url, format!("http://needmap.test:8080/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt"));
        let b: Vec<f64> = t["bounds"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert!(b.len() == 4 && b[0] < b[2] && b[1] < b[3] && b[0] > -2.2 && b[2] < -1.5);
        assert!(t["minzoom"].as_u64().unwrap() <= t["maxzoom"].as_u64().unwrap());
        let vl = &t["vector_layers"][0];
        assert_eq!(vl["id"], layer);
        assert!(vl["fields"].as_object().unwrap().len() >= 5);
        if layer != "services" {
            assert_eq!(vl["fields"]["imd_score"], "Number");
            assert_eq!(vl["fields"]["name"], "String");
        }
    }
    let q = get("/tiles/ward.json?category=gp").json();
    assert!(q["tiles"][0].as_str().unwrap().ends_with(".mvt?category=gp"));
    assert!(q["vector_layers"][0]["fields"]["services_selected"].is_string());
    assert_error("/tiles/county.json", 404, None);
    assert_error("/tiles/ward.json?method=x", 400, Some("method"));
}

#[test]
fn tiles_decode_with_an_independent_reader_and_carry_report_numbers() {
    // 10/507/329 holds Bradford city centre.
    let r = get("/tiles/ward/10/507/329.mvt");
    assert_eq!(r.status, 200);
    assert_eq!(r.ctype(), "application/vnd.mapbox-vector-tile");
    let layers = check_tile(&r.body, "ward");
    let geo = parse_features(&get("/api/areas/ward.geojson").text());
    let mut seen = 0;
    for f in &layers[0].features {
        let p = layers[0].props(f);
        let MvtValue::Str(code) = &p["code"] else { panic!("code is a string") };
        let g = geo.iter().find(|g| g.id == Some(geojson::feature::Id::String(code.clone()))).unwrap();
        let MvtValue::Num(score) = p["imd_score"] else { panic!("imd_score is a number") };
        assert!((score - prop(g, "imd_score").as_f64().unwrap()).abs() < 1e-9);
        let MvtValue::Int(total) = p["services_total"] else { panic!("count is an integer") };
        assert_eq!(total as u64, prop(g, "services_total").as_u64().unwrap());
        seen += 1;
    }
    assert!(seen >= 5, "the city-centre tile shows several wards");
    // A tile in the Atlantic is empty: 204 with no body.
    let empty = get("/tiles/ward/10/100/100.mvt");
    assert_eq!(empty.status, 204);
    assert!(empty.body.is_empty());
    let s = get("/tiles/services/10/507/329.mvt");
    assert_eq!(s.status, 200);
    check_tile(&s.body, "services");

    assert_error("/tiles/county/1/0/0.mvt", 404, None);
    assert_error("/tiles/ward/16/0/0.mvt", 404, None);
    assert_error("/tiles/ward/2/4/0.mvt", 404, None);
    assert_error("/tiles/ward/a/0/0.mvt", 400, Some("z"));
    assert_error("/tiles/ward/1/-1/0.mvt", 400, Some("x"));
    assert_error("/tiles/ward/1/0/0.png", 400, Some("y"));
    assert_error("/tiles/ward/10/507/329.mvt?category=zzz", 400, Some("category"));
}

#[test]
fn narrowed_tiles_carry_exactly_the_fields_asked_for() {
    // 10/507/329 holds Bradford city centre.
    let full = get("/tiles/ward/10/507/329.mvt");
    let r = get("/tiles/ward/10/507/329.mvt?fields=imd_score,code");
    assert_eq!(r.status, 200);
    assert!(r.body.len() * 3 < full.body.len(), "narrowed {} bytes, full {}", r.body.len(), full.body.len());
    let narrow = check_tile(&r.body, "ward");
    let wide = check_tile(&full.body, "ward");
    assert_eq!(narrow[0].features.len(), wide[0].features.len(), "the same areas");
    let geo = parse_features(&get("/api/areas/ward.geojson").text());
    for (f, g) in narrow[0].features.iter().zip(&wide[0].features) {
        assert_eq!(f.geometry, g.geometry, "the same geometry");
        let p = narrow[0].props(f);
        assert_eq!(p.keys().map(String::as_str).collect::<Vec<_>>(), ["code", "imd_score"]);
        let MvtValue::Str(code) = &p["code"] else { panic!("code is a string") };
        let area = geo.iter().find(|a| a.id == Some(geojson::feature::Id::String(code.clone()))).unwrap();
        let MvtValue::Num(score) = p["imd_score"] else { panic!("imd_score is a number") };
        assert!((score - prop(area, "imd_score").as_f64().unwrap()).abs() < 1e-9);
    }
    let mut keys = narrow[0].keys.clone();
    keys.sort();
    assert_eq!(keys, ["code", "imd_score"]);
    // TileJSON lists the chosen fields only and carries them to the tile URLs.
    let t = get("/tiles/ward.json?fields=code,name").json();
    assert_eq!(t["vector_layers"][0]["fields"], serde_json::json!({"code": "String", "name": "String"}));
    assert!(t["tiles"][0].as_str().unwrap().ends_with(".mvt?fields=code,name"));
    // With a service filter the gap fields can be chosen too.
    let g = get("/tiles/ward/10/507/329.mvt?category=gp&fields=code,gap_class");
    assert_eq!(g.status, 200);
    let gl = check_tile(&g.body, "ward");
    assert!(gl[0].features.iter().all(|f| gl[0].props(f).keys().all(|k| k == "code" || k == "gap_class")));
    assert!(gl[0].features.iter().any(|f| gl[0].props(f).contains_key("gap_class")));
    assert_error("/tiles/ward/10/507/329.mvt?fields=code,nope", 400, Some("fields"));
    assert_error("/tiles/ward.json?fields=nope", 400, Some("fields"));
    assert_error("/tiles/services/10/507/329.mvt?fields=name", 400, Some("fields"));
}

#[test]
fn every_tile_of_the_district_is_valid_at_three_zooms() {
    let mut counts = BTreeMap::new();
    for z in [8u8, 11, 14] {
        let tiles = district_tiles(z);
        for layer in ENGINE.levels.iter().map(|l| l.id.as_str()).chain(["services"]) {
            let mut ids = HashSet::new();
            for (x, y) in &tiles {
                let r = get(&format!("/tiles/{layer}/{z}/{x}/{y}.mvt"));
                assert!(r.status == 200 || r.status == 204, "{layer}/{z}/{x}/{y}: {}", r.status);
                if r.status == 200 {
                    for f in &check_tile(&r.body, layer)[0].features {
                        ids.insert(f.id.unwrap());
                    }
                }
            }
            counts.insert((z, layer), ids.len());
        }
    }
    // Every area appears somewhere at each zoom (none lost to clipping or simplification at z11+).
    for l in &ENGINE.levels {
        assert_eq!(counts[&(11, l.id.as_str())], l.len(), "{} at z11", l.id);
        assert_eq!(counts[&(14, l.id.as_str())], l.len(), "{} at z14", l.id);
    }
    let inside = ENGINE.services.iter().filter(|s| s.areas[0].is_some()).count();
    assert!(counts[&(14, "services")] >= inside);
}

#[test]
fn ogc_api_features_core() {
    let landing = get("/ogc/");
    assert_eq!(landing.status, 200);
    let l = landing.json();
    let rels: Vec<&str> = l["links"].as_array().unwrap().iter().map(|x| x["rel"].as_str().unwrap()).collect();
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(rels.contains(&rel), "landing page lacks {rel}");
    }
    let api = get("/ogc/api");
    assert_eq!(api.status, 200);
    assert!(api.ctype().starts_with("application/vnd.oai.openapi+json"));
    assert_eq!(api.json()["openapi"], "3.0.3");
    let conf = get("/ogc/conformance").json();
    assert!(conf["conformsTo"].as_array().unwrap().iter().any(|c| c == "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
    let cs = get("/ogc/collections").json();
    assert_eq!(cs["collections"].as_array().unwrap().len(), ENGINE.levels.len() + 1);
    let c = get("/ogc/collections/lsoa").json();
    assert_eq!(c["id"], "lsoa");
    assert_eq!(c["extent"]["spatial"]["bbox"][0].as_array().unwrap().len(), 4);
    assert!(c["links"].as_array().unwrap().iter().any(|l| l["rel"] == "items"));

    // Page through every LSOA by following `next` links.
    let n = ENGINE.levels[ENGINE.level_index("lsoa").unwrap()].len();
    let mut url = "/ogc/collections/lsoa/items?limit=100".to_string();
    let mut codes = Vec::new();
    loop {
        let r = get(&url);
        assert_eq!(r.status, 200, "{url}");
        assert_eq!(r.ctype(), "application/geo+json");
        let text = r.text();
        let page = parse_features(&text);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["numberMatched"].as_u64().unwrap() as usize, n);
        assert_eq!(v["numberReturned"].as_u64().unwrap() as usize, page.len());
        codes.extend(page.iter().map(|f| format!("{:?}", f.id.clone().unwrap())));
        match v["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next") {
            Some(next) => url = next["href"].as_str().unwrap().strip_prefix("http://needmap.test:8080").unwrap().to_string(),
            None => break,
        }
    }
    assert_eq!(codes.len(), n);
    assert_eq!(codes.iter().collect::<HashSet<_>>().len(), n, "pages do not overlap");

    // bbox keeps the areas that intersect it.
    let v = get("/ogc/collections/ward/items?bbox=-1.76,53.79,-1.75,53.80").json();
    let k = v["numberMatched"].as_u64().unwrap();
    assert!((1..30).contains(&k), "{k}");
    let one = get("/ogc/collections/ward/items/E05001341");
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["id"], "E05001341");
    assert_eq!(one.json()["type"], "Feature");
    let sid = &ENGINE.services[0].id;
    assert_eq!(get(&format!("/ogc/collections/services/items/{sid}")).json()["properties"]["id"], sid.as_str());
    assert_error("/ogc/collections/ward/items/E99999999", 404, None);
    assert_error("/ogc/collections/nope", 404, None);
    assert_error("/ogc/collections/ward/items?limit=0", 400, Some("limit"));
    assert_error("/ogc/collections/ward/items?limit=10001", 400, Some("limit"));
    assert_error("/ogc/collections/ward/items?offset=-1", 400, Some("offset"));
    assert_error("/ogc/collections/ward/items?bbox=a,b,c,d", 400, Some("bbox"));
}

#[test]
fn caching_compression_and_cors() {
    let r = get("/api/areas/ward.geojson");
    let etag = r.headers.get(header::ETAG).expect("ETag").to_str().unwrap().to_string();
    assert!(etag.starts_with("W/\""));
    assert!(r.headers.get(header::CACHE_CONTROL).unwrap().to_str().unwrap().contains("max-age"));
    let again = get_with(&APP, "/api/areas/ward.geojson", &[("if-none-match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let other = get("/api/areas/lsoa.geojson");
    assert_ne!(other.headers.get(header::ETAG).unwrap().to_str().unwrap(), etag);

    let gz = get_with(&APP, "/api/areas/ward.geojson", &[("accept-encoding", "gzip")]);
    assert_eq!(gz.headers.get(header::CONTENT_ENCODING).unwrap(), "gzip");
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(gz.body.as_slice()).read_to_end(&mut plain).unwrap();
    assert_eq!(plain, r.body);
    assert!(gz.body.len() * 3 < r.body.len());
    let br = get_with(&APP, "/tiles/ward/10/507/329.mvt", &[("accept-encoding", "br")]);
    assert_eq!(br.headers.get(header::CONTENT_ENCODING).unwrap(), "br");

    let head = send(&APP, Request::head("/api/areas/ward.geojson").body(Body::empty()).unwrap());
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.headers.get(header::CONTENT_TYPE).unwrap(), "application/geo+json");

    let cors = get_with(&APP, "/api/meta", &[("origin", "http://elsewhere.example")]);
    assert_eq!(cors.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(), "*");
}

#[test]
fn static_files_never_leave_the_web_folder() {
    let root = std::env::temp_dir().join(format!("needmap-serve-test-{}", std::process::id()));
    let web = root.join("web");
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(web.join("index.html"), "<html>map</html>").unwrap();
    std::fs::write(root.join("secret.txt"), "SECRET").unwrap();
    let app = needmap::serve::build(ENGINE.clone(), web.clone(), "x:1").unwrap();
    let index = get_with(&app, "/", &[]);
    assert_eq!(index.status, 200);
    assert_eq!(index.text(), "<html>map</html>");
    for attack in ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt", "/web/../../secret.txt", "//secret.txt", "/..\\secret.txt", "/%5c..%5csecret.txt"] {
        let r = get_with(&app, attack, &[]);
        assert_ne!(r.status, 200, "{attack}");
        assert!(!String::from_utf8_lossy(&r.body).contains("SECRET"), "{attack} leaked a file");
    }
    // Without an index.html, `/` still answers with a start page.
    let bare = get("/");
    assert_eq!(bare.status, 200);
    assert!(bare.text().contains("/ogc/"));
    assert_error("/api/nothing", 404, None);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn web_files_are_answered_from_copies_compressed_once() {
    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web");
    let app = needmap::serve::build(ENGINE.clone(), web.clone(), "x:1").unwrap();
    let file = std::fs::read(web.join("js/main.js")).unwrap();
    // The copies are made on a start-up thread; until then the folder answers (without an ETag).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let r = loop {
        let r = get_with(&app, "/js/main.js", &[("accept-encoding", "gzip, br")]);
        assert_eq!(r.status, 200);
        if r.headers.contains_key(header::ETAG) || std::time::Instant::now() > deadline {
            break r;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(r.headers[header::CONTENT_ENCODING], "br");
    assert!(r.ctype().starts_with("text/javascript"), "{}", r.ctype());
    let mut plain = Vec::new();
    brotli::Decompressor::new(&r.body[..], 4096).read_to_end(&mut plain).unwrap();
    assert_eq!(plain, file, "the brotli copy is the file");
    assert!(r.body.len() * 3 < file.len());
    let g = get_with(&app, "/js/main.js", &[("accept-encoding", "gzip")]);
    assert_eq!(g.headers[header::CONTENT_ENCODING], "gzip");
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&g.body[..]).read_to_end(&mut plain).unwrap();
    assert_eq!(plain, file);
    let etag = r.headers[header::ETAG].to_str().unwrap().to_string();
    assert_eq!(get_with(&app, "/js/main.js", &[("if-none-match", &etag)]).status, 304);
    let plain = get_with(&app, "/js/main.js", &[]);
    assert!(!plain.headers.contains_key(header::CONTENT_ENCODING));
    assert_eq!(plain.body, file);
    // A Range request is answered by the folder, documentation and hidden files never.
    assert_eq!(get_with(&app, "/js/main.js", &[("range", "bytes=0-9")]).status, 206);
    assert_eq!(get_with(&app, "/README.md", &[]).status, 404);
    assert_eq!(get_with(&app, "/", &[]).status, 200);
}

#[test]
fn serves_over_tcp_and_shuts_down_gracefully() {
    RT.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = needmap::serve::build(ENGINE.clone(), PathBuf::from("/nonexistent-web"), &addr.to_string()).unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(needmap::serve::run(listener, app, async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::new();
        let r = client.get(format!("http://{addr}/tiles/ward.json")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let t: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(t["tiles"][0], format!("http://{addr}/tiles/ward/{{z}}/{{x}}/{{y}}.mvt"));
        tx.send(()).unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(10), server).await.expect("shuts down").unwrap().unwrap();
        assert!(client.get(format!("http://{addr}/api/meta")).send().await.is_err(), "no longer listening");
    });
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("api".to_string()),
        Just("areas".to_string()),
        Just("ward.geojson".to_string()),
        Just("oa.geojson".to_string()),
        Just("services.geojson".to_string()),
        Just("report".to_string()),
        Just("ward.csv".to_string()),
        Just("tiles".to_string()),
        Just("ward.json".to_string()),
        Just("services".to_string()),
        Just("ogc".to_string()),
        Just("collections".to_string()),
        Just("items".to_string()),
        Just("..".to_string()),
        Just("%2e%2e".to_string()),
        Just("%ff%fe".to_string()),
        Just("".to_string()),
        (0u32..40).prop_map(|z| z.to_string()),
        (0u32..70000).prop_map(|z| format!("{z}.mvt")),
        "[a-zA-Z0-9._~%-]{0,12}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("indicator"), Just("category"), Just("tier"), Just("method"), Just("bbox"), Just("limit"),
        Just("offset"), Just("bbox-crs"), Just("f"), Just("x")
    ];
    let value = prop_oneof![
        Just("imd_score".to_string()), Just("gp".to_string()), Just("1".to_string()), Just("2sfca".to_string()),
        Just("-1.8,53.7,-1.7,53.9".to_string()), Just("NaN,1,2,3".to_string()), Just("99999999999999999999".to_string()),
        Just("%00%ff".to_string()), "[a-z0-9,.%-]{0,16}",
    ];
    prop::collection::vec((name, value), 0..4)
        .prop_map(|kv| kv.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// No path or query makes the server fail: no 500, and every error is
    /// the JSON error body.
    #[test]
    fn router_never_fails_on_any_path_or_query(segs in prop::collection::vec(segment(), 1..6), q in query()) {
        let path = format!("/{}", segs.join("/"));
        let uri = if q.is_empty() { path.clone() } else { format!("{path}?{q}") };
        prop_assume!(uri.parse::<axum::http::Uri>().is_ok());
        let r = get(&uri);
        prop_assert!(r.status.as_u16() < 500, "{uri}: {} {}", r.status, String::from_utf8_lossy(&r.body));
        if r.status.as_u16() >= 400 {
            prop_assert!(r.ctype().starts_with("application/json"), "{uri}: {}", r.ctype());
            let v = r.json();
            prop_assert_eq!(v["status"].as_u64(), Some(u64::from(r.status.as_u16())));
            prop_assert!(v["error"].is_string() && v["message"].is_string() && v.get("parameter").is_some(), "{uri}: {v}");
        }
    }

    /// Any tile over the district, at any zoom, decodes and is valid MVT 2.1.
    #[test]
    fn any_district_tile_is_valid(z in 0u8..=15, fx in 0.0f64..1.0, fy in 0.0f64..1.0, layer in 0usize..7) {
        let tiles = district_tiles(z);
        let (x0, y0) = tiles[0];
        let (x1, y1) = *tiles.last().unwrap();
        let x = x0 + ((f64::from(x1 - x0 + 1) * fx) as u32).min(x1 - x0);
        let y = y0 + ((f64::from(y1 - y0 + 1) * fy) as u32).min(y1 - y0);
        let name = ENGINE.levels.get(layer).map(|l| l.id.clone()).unwrap_or_else(|| "services".into());
        let r = get(&format!("/tiles/{name}/{z}/{x}/{y}.mvt"));
        prop_assert!(r.status == 200 || r.status == 204);
        if r.status == 200 {
            check_tile(&r.body, &name);
        }
    }
}

#[test]
fn downloads_export_and_print_what_the_map_shows() {
    // GeoJSON export with gap fields and provenance.
    let r = get("/api/export/ward.geojson?category=gp&method=2sfca");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.ctype().starts_with("application/geo+json"));
    assert!(r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("needmap-ward.geojson"));
    let doc = r.json();
    assert!(doc["needmap"]["dataset"].is_object() || doc["needmap"]["dataset"].is_string(), "{}", doc["needmap"]);
    let features = parse_features(&r.text());
    assert_eq!(features.len(), 30);
    assert!(features.iter().all(|f| f.properties.as_ref().unwrap().contains_key("gap_class")));
    // CSV and its provenance.
    let csv = get("/api/export/ward.csv").text();
    assert!(csv.lines().next().unwrap().contains("imd_score"));
    assert_eq!(csv.lines().count(), 31);
    let prov = get("/api/export/ward.csv?provenance=true").json();
    assert!(prov.to_string().contains("imd2019_lsoa.csv"));
    // Shapefile as a zip with every part and the provenance sidecar.
    let z = get("/api/export/ward.zip");
    assert_eq!(z.status, 200);
    assert_eq!(&z.body[..2], b"PK");
    for part in ["needmap-ward.shp", "needmap-ward.dbf", "needmap-ward.prj", "needmap-ward.shp.provenance.json"] {
        assert!(z.body.windows(part.len()).any(|w| w == part.as_bytes()), "{part} missing");
    }
    // Printed committee map; the file name says committee and paper.
    let pdf = get("/api/print/ward.pdf?area=Keighley&paper=a3&landscape=true");
    assert_eq!(pdf.status, 200);
    assert!(pdf.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("needmap-keighley-a3.pdf"));
    assert!(pdf.ctype().starts_with("application/pdf") && pdf.body.starts_with(b"%PDF"));
    let gap = get("/api/print/ward.pdf?gap=true&category=gp");
    assert_eq!(gap.status, 200, "{}", String::from_utf8_lossy(&gap.body[..gap.body.len().min(300)]));
    // The preview: the same page as a PNG shown inline, at 48 dpi unless asked (A4 portrait 397 x 561 px).
    let png = get("/api/print/ward.png?area=Keighley&paper=a4");
    assert_eq!(png.status, 200);
    assert_eq!(png.ctype(), "image/png");
    assert!(png.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline; filename=\"needmap-keighley-a4.png\""));
    let size = |b: &[u8]| (u32::from_be_bytes(b[16..20].try_into().unwrap()), u32::from_be_bytes(b[20..24].try_into().unwrap()));
    assert_eq!(&png.body[1..4], b"PNG");
    let (w, h) = size(&png.body);
    assert!((396..=398).contains(&w) && (560..=562).contains(&h), "{w} x {h}");
    let a3 = get("/api/print/ward.png?paper=a3&landscape=true&dpi=24");
    let (w, h) = size(&a3.body);
    assert!(w > h && (395..=398).contains(&w), "{w} x {h}");
    assert_error("/api/print/ward.png?dpi=1000", 400, Some("dpi"));
    assert_error("/api/print/ward.pdf?dpi=48", 400, Some("dpi"));
    assert_error("/api/print/ward.svg", 404, None);
    // Bad requests name the parameter.
    assert_error("/api/export/ward.xls", 400, Some("format"));
    assert_error("/api/print/ward.pdf?paper=a9", 400, Some("paper"));
    assert_error("/api/export/nowhere.csv", 404, None);
}

#[test]
fn downloads_of_this_committee_and_this_view() {
    use geo::{BoundingRect, Contains, Intersects};
    let ward = ENGINE.level_index("ward").unwrap();
    let con = ENGINE.level_index("constituency").unwrap();
    let rows = |r: &Resp| -> Vec<String> {
        let mut rd = csv::Reader::from_reader(r.body.as_slice());
        rd.records().map(|x| x.unwrap()[0].to_string()).collect()
    };
    // This committee: the wards whose interior point is in the constituency, by brute force.
    let mut total = 0;
    for c in &ENGINE.levels[con].areas {
        let r = get(&format!("/api/export/ward.csv?area={}", c.code));
        assert_eq!(r.status, 200, "{}", r.text());
        let disposition = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().to_string();
        assert!(disposition.contains(&format!("needmap-ward-{}.csv", needmap::print::slug(&c.name))), "{disposition}");
        let mut want: Vec<String> = ENGINE.levels[ward].areas.iter().filter(|a| c.bng.contains(&geo::Point(a.interior_bng))).map(|a| a.code.clone()).collect();
        let mut got = rows(&r);
        want.sort();
        got.sort();
        assert_eq!(got, want, "{}", c.name);
        assert!(!got.is_empty());
        total += got.len();
    }
    assert_eq!(total, ENGINE.levels[ward].len(), "the committees split the wards between them");
    // By name too, with services and GeoJSON; the provenance records the extent.
    let name = &ENGINE.levels[con].areas[0].name;
    let g = get(&format!("/api/export/lsoa.geojson?area={}&category=gp", name.replace(' ', "%20"))).json();
    let n = g["features"].as_array().unwrap().len();
    assert!(n > 20 && n < ENGINE.levels[ENGINE.level_index("lsoa").unwrap()].len(), "{n}");
    assert!(g.to_string().contains(&format!("constituency {name}")), "provenance names the extent");
    let s = get(&format!("/api/export/ward.geojson?layer=services&category=gp&area={}", ENGINE.levels[con].areas[0].code)).json();
    let inside = ENGINE.services.iter().filter(|x| x.category == "gp" && !ENGINE.categories.get(&x.category).is_some_and(|c| c.sensitive) && ENGINE.levels[con].areas[0].bng.contains(&geo::Point(x.bng))).count();
    assert_eq!(s["features"].as_array().unwrap().len(), inside);
    // This view: the wards whose bounding box meets the box.
    let view = geo::Rect::new(geo::coord! { x: -1.80, y: 53.76 }, geo::coord! { x: -1.74, y: 53.80 });
    let r = get("/api/export/ward.csv?bbox=-1.80,53.76,-1.74,53.80");
    assert!(r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("needmap-ward-view.csv"));
    let mut want: Vec<String> = ENGINE.levels[ward].areas.iter().filter(|a| a.wgs84.bounding_rect().unwrap().intersects(&view)).map(|a| a.code.clone()).collect();
    let mut got = rows(&r);
    want.sort();
    got.sort();
    assert_eq!(got, want);
    assert!(got.len() >= 3 && got.len() < 30, "{}", got.len());
    // A Shapefile in British National Grid for this view.
    let z = get("/api/export/ward.zip?crs=bng&bbox=-1.80,53.76,-1.74,53.80");
    assert_eq!(z.status, 200);
    assert_eq!(&z.body[..2], b"PK", "a zip (GDAL reads BNG Shapefiles in tests/it/files.rs)");
    for bad in ["bbox=1,2,3", "bbox=3,2,1,4", "bbox=a,b,c,d", "area=Atlantis", "bbox=-1.8,53.7,-1.7,53.8&area=Keighley"] {
        let r = get(&format!("/api/export/ward.csv?{bad}"));
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
    }
}

// ------------------------------------------------------------------ hardening (issue 8, server)

/// An app with its own configuration (and state, to look at its caches).
fn app_with(config: needmap::serve::ServeConfig, web: PathBuf) -> (Router, Arc<needmap::serve::AppState>) {
    let state = Arc::new(needmap::serve::AppState::with_config(ENGINE.clone(), web, config).unwrap());
    (needmap::serve::router(state.clone()), state)
}

fn config(public_url: &str) -> needmap::serve::ServeConfig {
    needmap::serve::ServeConfig::new(public_url).unwrap()
}

/// A request from `peer` (as the accept loop marks it).
fn get_from(app: &Router, uri: &str, peer: &str, headers: &[(&str, &str)]) -> Resp {
    let mut b = Request::get(uri).header(header::HOST, "needmap.test:8080");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let mut req = b.body(Body::empty()).unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(peer.parse::<std::net::SocketAddr>().unwrap()));
    send(app, req)
}

fn assert_json_error(r: &Resp, status: u16, what: &str) {
    assert_eq!(r.status.as_u16(), status, "{what}: {}", String::from_utf8_lossy(&r.body));
    assert!(r.ctype().starts_with("application/json"), "{what}: content type {}", r.ctype());
    let v = r.json();
    assert_eq!(v["status"], status, "{what}: {v}");
    for k in ["error", "message"] {
        assert!(v[k].as_str().is_some_and(|s| !s.is_empty()), "{what}: no {k} in {v}");
    }
    assert!(v.get("parameter").is_some(), "{what}: no parameter member in {v}");
}

#[test]
fn absolute_urls_come_from_the_public_url_never_the_host_header() {
    let evil = [("host", "evil.example.com")];
    let t = get_with(&APP, "/tiles/ward.json", &evil).json();
    assert_eq!(t["tiles"][0], "http://needmap.test:8080/tiles/ward/{z}/{x}/{y}.mvt");
    for uri in ["/ogc/", "/ogc/collections", "/ogc/collections/ward/items?limit=1", "/api/meta"] {
        let body = get_with(&APP, uri, &evil).text();
        assert!(!body.contains("evil.example.com"), "{uri} reflects the Host header");
        assert!(body.contains("http://needmap.test:8080/"), "{uri} lacks the public URL");
    }
    // Cached documents and ETags do not vary with the Host header either.
    let a = get_with(&APP, "/api/meta", &evil);
    let b = get("/api/meta");
    assert_eq!(a.headers[header::ETAG], b.headers[header::ETAG]);
    assert_eq!(a.body, b.body);

    // X-Forwarded-* only from a trusted proxy.
    let mut c = config("https://maps.example.org/needmap");
    c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let (app, _) = app_with(c, PathBuf::from("/nonexistent-web"));
    let fwd = [("x-forwarded-host", "proxy.example.net"), ("x-forwarded-proto", "https")];
    let own = get_from(&app, "/tiles/ward.json", "10.9.8.7:5000", &fwd).json();
    assert_eq!(own["tiles"][0], "https://maps.example.org/needmap/tiles/ward/{z}/{x}/{y}.mvt", "untrusted peer");
    let proxied = get_from(&app, "/tiles/ward.json", "127.0.0.1:5000", &fwd).json();
    assert_eq!(proxied["tiles"][0], "https://proxy.example.net/tiles/ward/{z}/{x}/{y}.mvt", "trusted proxy");
    let no_peer = get_with(&app, "/tiles/ward.json", &fwd).json();
    assert_eq!(no_peer["tiles"][0], "https://maps.example.org/needmap/tiles/ward/{z}/{x}/{y}.mvt", "unknown peer");
    assert!(needmap::serve::ServeConfig::new("ftp://x").is_err());
}

#[test]
fn every_error_has_the_json_body() {
    let root = std::env::temp_dir().join(format!("needmap-errors-test-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("index.html"), "<html>map</html>").unwrap();
    std::fs::write(root.join("data.txt"), "0123456789").unwrap();
    let (app, _) = app_with(config("needmap.test:8080"), root.clone());
    let cases: Vec<(Request<Body>, u16, &str)> = vec![
        (Request::post("/api/meta").body(Body::empty()).unwrap(), 405, "POST"),
        (Request::delete("/ogc/collections").body(Body::empty()).unwrap(), 405, "DELETE"),
        (Request::get(format!("/api/areas/ward.geojson?indicator={}", "x".repeat(9000))).body(Body::empty()).unwrap(), 414, "long URL"),
        (
            {
                let mut b = Request::get("/api/meta");
                for i in 0..150 {
                    b = b.header(format!("x-h{i}"), "v");
                }
                b.body(Body::empty()).unwrap()
            },
            431,
            "many headers",
        ),
        (Request::get("/api/meta").header("x-big", "y".repeat(40_000)).body(Body::empty()).unwrap(), 431, "large header"),
        (Request::get("/data.txt").header(header::RANGE, "bytes=500-600").body(Body::empty()).unwrap(), 416, "range"),
        (Request::post("/api/meta").header(header::CONTENT_LENGTH, "1000000").body(Body::from(vec![b'x'; 1_000_000])).unwrap(), 413, "body"),
        (Request::get("/api/areas/ward.geojson?indicator=%ZZ").body(Body::empty()).unwrap(), 400, "bad escape"),
        (Request::get("/nothing/here").body(Body::empty()).unwrap(), 404, "static 404"),
        (Request::get("/api/areas/nowhere.geojson").body(Body::empty()).unwrap(), 404, "unknown level"),
    ];
    for (req, status, what) in cases {
        let r = send(&app, req);
        assert_json_error(&r, status, what);
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
    }
    let r = send(&app, Request::post("/api/meta").body(Body::empty()).unwrap());
    assert!(r.headers.get(header::ALLOW).is_some(), "405 keeps Allow");
    // A served range still works.
    let part = send(&app, Request::get("/data.txt").header(header::RANGE, "bytes=2-4").body(Body::empty()).unwrap());
    assert_eq!((part.status.as_u16(), part.text().as_str()), (206, "234"));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn unknown_and_invalid_parameters_are_400_everywhere() {
    let cases = [
        ("/api/print/ward.pdf?method=bogus", "method"),
        ("/api/print/ward.pdf?dpi=0", "dpi"),
        ("/api/print/ward.pdf?dpi=100000", "dpi"),
        ("/api/print/ward.pdf?dpi=abc", "dpi"),
        ("/api/print/ward.pdf?committee_level=nosuch", "committee_level"),
        ("/api/print/ward.pdf?landscape=yes", "landscape"),
        ("/api/export/ward.geojson?provenance=maybe", "provenance"),
        ("/api/export/ward.csv?format=shapefile", "format"),
        ("/api/export/ward.csv?bom=perhaps", "bom"),
        ("/ogc/collections?f=xml", "f"),
        ("/ogc/collections/ward/items?f=xml", "f"),
        ("/ogc/collections/ward/items?colour=red", "colour"),
        ("/ogc/collections/ward/items?crs=http://www.opengis.net/def/crs/EPSG/0/27700", "crs"),
        ("/ogc/collections/ward/items/E05001341?crs=EPSG:4326", "crs"),
        ("/ogc/collections/ward/items?datetime=2020-01-01T00:00:00Z", "datetime"),
        ("/ogc/collections/ward/items?bbox-crs=EPSG:4326", "bbox-crs"),
        ("/ogc/?x=1", "x"),
        ("/api/meta?verbose=1", "verbose"),
        ("/api/report/ward.csv?indicator=imd_score", "indicator"),
        ("/api/areas/ward.geojson?indicators=imd_score", "indicators"),
        ("/api/services.geojson?categories=gp", "categories"),
        ("/tiles/ward.json?x=1", "x"),
        ("/tiles/ward/10/507/329.mvt?z=1", "z"),
    ];
    for (uri, parameter) in cases {
        assert_error(uri, 400, Some(parameter));
    }
    // The message lists what the endpoint accepts.
    let m = get("/api/print/ward.pdf?colour=red").json()["message"].as_str().unwrap().to_string();
    assert!(m.contains("paper") && m.contains("committee_level"), "{m}");
    // Accepted values still work.
    for uri in [
        "/ogc/collections?f=json",
        "/ogc/collections/ward/items?f=geojson&limit=1&crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "/api/export/ward.csv?provenance=false",
        "/api/areas/ward.geojson?indicator=imd_score&category=gp&method=nearest",
    ] {
        assert_eq!(get(uri).status, 200, "{uri}");
    }
}

#[test]
fn security_headers_on_every_response_and_cors_only_on_the_api() {
    let root = std::env::temp_dir().join(format!("needmap-headers-test-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("index.html"), "<html>map</html>").unwrap();
    let (app, _) = app_with(config("needmap.test:8080"), root.clone());
    let origin = [("origin", "http://elsewhere.example")];
    for uri in ["/", "/index.html", "/api/meta", "/tiles/ward.json", "/ogc/collections", "/api/nothing", "/tiles/ward/10/507/329.mvt"] {
        let r = get_with(&app, uri, &origin);
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{uri}");
        assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY", "{uri}");
        assert!(r.headers.get(header::REFERRER_POLICY).is_some(), "{uri}");
        let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe"), "{uri}: {csp}");
    }
    for uri in ["/api/meta", "/tiles/ward.json", "/ogc/collections"] {
        assert_eq!(get_with(&app, uri, &origin).headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*", "{uri}");
    }
    for uri in ["/", "/index.html"] {
        let r = get_with(&app, uri, &origin);
        assert_eq!(r.status, 200);
        assert!(r.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(), "CORS on the HTML at {uri}");
    }
    // Preflight for the API.
    let pre = send(
        &app,
        Request::options("/api/meta")
            .header("origin", "http://elsewhere.example")
            .header("access-control-request-method", "GET")
            .body(Body::empty())
            .unwrap(),
    );
    assert!(pre.status.is_success(), "{}", pre.status);
    assert_eq!(pre.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn web_folder_documentation_and_hidden_files_are_not_served() {
    let root = std::env::temp_dir().join(format!("needmap-hidden-test-{}", std::process::id()));
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("js")).unwrap();
    std::fs::write(root.join("index.html"), "<html>map</html>").unwrap();
    std::fs::write(root.join("README.md"), "SECRET readme").unwrap();
    std::fs::write(root.join(".env"), "SECRET=1").unwrap();
    std::fs::write(root.join(".git/config"), "SECRET git").unwrap();
    std::fs::write(root.join("js/app.js"), "export const x = 1;").unwrap();
    let (app, _) = app_with(config("needmap.test:8080"), root.clone());
    assert_eq!(get_with(&app, "/js/app.js", &[]).status, 200);
    for uri in ["/README.md", "/readme.md", "/.env", "/%2eenv", "/%2Eenv", "/.git/config", "/js/../.env", "/js/%2e%2e/.env", "/js/../README.md"] {
        let r = get_with(&app, uri, &[]);
        assert_json_error(&r, 404, uri);
        assert!(!r.text().contains("SECRET"), "{uri}");
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn no_file_system_paths_in_any_response() {
    let data = ENGINE.data_dir.display().to_string();
    let manifest = ENGINE.manifest_path.display().to_string();
    let here = env!("CARGO_MANIFEST_DIR");
    let web = "/nonexistent-web";
    let mut uris: Vec<String> = vec![
        "/".into(),
        "/api/meta".into(),
        "/api/services.geojson".into(),
        "/ogc/".into(),
        "/ogc/api".into(),
        "/ogc/collections".into(),
        "/ogc/collections/services/items?limit=20".into(),
        "/ogc/collections/ward/schema".into(),
        "/api/nothing".into(),
        "/api/areas/x.geojson".into(),
        "/api/print/ward.pdf?dpi=1".into(),
    ];
    for l in &ENGINE.levels {
        uris.push(format!("/api/areas/{}.geojson", l.id));
        uris.push(format!("/api/report/{}.csv", l.id));
        uris.push(format!("/tiles/{}.json", l.id));
        uris.push(format!("/ogc/collections/{}", l.id));
    }
    // Downloads carry provenance: the manifest by folder and file only.
    uris.extend(["/api/export/ward.geojson", "/api/export/ward.csv?provenance=true", "/api/export/ward.zip"].map(String::from));
    for uri in &uris {
        let body = String::from_utf8_lossy(&get(uri).body).into_owned();
        if uri.contains("provenance=true") {
            assert!(body.contains("\"manifest\": \"bradford/dataset.toml\"") || body.contains("\"manifest\":\"bradford/dataset.toml\""), "{body}");
        }
        for path in [data.as_str(), manifest.as_str(), here, web, "/work/", "/root/", "/home/", "/tmp/"] {
            assert!(!body.contains(path), "{uri} names the path {path}");
        }
    }
}

#[test]
fn ogc_schema_link_headers_and_typed_properties() {
    let c = get("/ogc/collections/ward").json();
    let links = c["links"].as_array().unwrap();
    let describedby = links.iter().find(|l| l["rel"] == "describedby").expect("describedby link");
    assert_eq!(describedby["type"], "application/schema+json");
    let schema = get("/ogc/collections/ward/schema");
    assert_eq!(schema.ctype(), "application/schema+json");
    let s = schema.json();
    assert_eq!(s["type"], "object");
    assert_eq!(s["properties"]["type"]["enum"][0], "Feature");
    let props = s["properties"]["properties"]["properties"].as_object().unwrap();
    assert_eq!(props["code"]["type"], "string");
    assert_eq!(props["imd_score"]["type"], "number");
    // The schema has exactly the properties of the items.
    let item = get("/ogc/collections/ward/items?limit=1").json();
    let keys: Vec<&String> = item["features"][0]["properties"].as_object().unwrap().keys().collect();
    assert_eq!(keys, props.keys().collect::<Vec<_>>());
    for (k, v) in item["features"][0]["properties"].as_object().unwrap() {
        let t = props[k]["type"].as_str().unwrap();
        match v {
            Value::Null => {}
            Value::String(_) => assert_eq!(t, "string", "{k}"),
            Value::Number(n) => assert!(t == "number" || (t == "integer" && n.is_u64()), "{k}: {t} {n}"),
            other => panic!("{k}: {other}"),
        }
    }
    let gap = get("/ogc/collections/ward/schema?category=gp&method=2sfca").json();
    assert_eq!(gap["properties"]["properties"]["properties"]["access_2sfca"]["type"], "number");
    let svc = get("/ogc/collections/services/schema").json();
    assert_eq!(svc["properties"]["properties"]["properties"]["capacity"]["type"], "number");
    let q = get("/ogc/collections/ward/queryables");
    assert_eq!(q.status, 200);
    assert!(q.json()["properties"].as_object().unwrap().is_empty());
    // Link headers repeat the document's links.
    let page = get("/ogc/collections/lsoa/items?limit=10&offset=10");
    let link: Vec<&str> = page.headers.get_all(header::LINK).iter().map(|v| v.to_str().unwrap()).collect();
    for rel in ["self", "next", "prev", "collection"] {
        assert!(link.iter().any(|l| l.contains(&format!("rel=\"{rel}\""))), "no Link rel={rel}: {link:?}");
    }
    assert!(link.iter().any(|l| l.starts_with("<http://needmap.test:8080/ogc/collections/lsoa/items?")));
    assert!(get("/ogc/").headers.get(header::LINK).is_some());
    let api = get("/ogc/api").json();
    let params = api["paths"]["/collections/{collectionId}/items"]["get"]["parameters"].as_array().unwrap();
    for name in ["bbox", "limit", "offset", "crs", "f", "datetime"] {
        assert!(params.iter().any(|p| p["name"] == name), "OpenAPI lacks {name}");
    }
}

#[test]
fn exports_and_prints_beyond_the_limit_get_503_with_retry_after() {
    let mut c = config("needmap.test:8080");
    c.limits.max_downloads = 1;
    let (app, _) = app_with(c, PathBuf::from("/nonexistent-web"));
    let statuses: Vec<(u16, Option<String>, Vec<u8>)> = RT.block_on(async {
        let jobs: Vec<_> = (0..4)
            .map(|i| {
                let app = app.clone();
                let uri = if i % 2 == 0 { "/api/print/ward.pdf?paper=a3" } else { "/api/export/oa.geojson" };
                tokio::spawn(async move {
                    let res = app.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
                    let retry = res.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_string());
                    let status = res.status().as_u16();
                    (status, retry, axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec())
                })
            })
            .collect();
        let mut out = Vec::new();
        for j in jobs {
            out.push(j.await.unwrap());
        }
        out
    });
    let ok = statuses.iter().filter(|s| s.0 == 200).count();
    let busy: Vec<_> = statuses.iter().filter(|s| s.0 == 503).collect();
    assert!(ok >= 1 && !busy.is_empty() && ok + busy.len() == 4, "{:?}", statuses.iter().map(|s| s.0).collect::<Vec<_>>());
    for b in busy {
        assert_eq!(b.1.as_deref(), Some("5"));
        let v: Value = serde_json::from_slice(&b.2).unwrap();
        assert_eq!(v["error"], "busy");
    }
    // Once the work is done the limit frees up.
    assert_eq!(send(&app, Request::get("/api/export/ward.csv").body(Body::empty()).unwrap()).status, 200);
}

#[test]
fn caches_are_bounded_by_bytes() {
    const BUDGET: usize = 24 << 20;
    let mut c = config("needmap.test:8080");
    c.limits.table_cache_bytes = BUDGET;
    c.limits.document_cache_bytes = BUDGET;
    let (app, state) = app_with(c, PathBuf::from("/nonexistent-web"));
    let oa = ENGINE.levels[ENGINE.level_index("oa").unwrap()].len();
    let mut n = 0;
    let mut first_table = 0;
    for cat in ENGINE.categories.keys().take(5) {
        for method in ["nearest", "2sfca", "e2sfca"] {
            let r = get_with(&app, &format!("/api/areas/oa.geojson?category={cat}&method={method}"), &[]);
            if r.status != 200 {
                continue;
            }
            n += 1;
            if n == 1 {
                first_table = state.tables.bytes();
            }
            // Answers beyond the budget are still complete.
            assert_eq!(r.json()["features"].as_array().unwrap().len(), oa);
        }
    }
    assert!(n >= 9, "{n} gap queries answered");
    assert!(first_table > 0 && n * first_table > BUDGET, "one OA table counts {first_table} bytes: the test needs more queries");
    assert!(state.tables.bytes() <= BUDGET, "tables hold {} bytes", state.tables.bytes());
    assert!(state.documents.bytes() <= BUDGET, "documents hold {} bytes", state.documents.bytes());
    assert!(state.tables.len() < n && state.documents.len() < n, "{} tables, {} documents of {n}", state.tables.len(), state.documents.len());
    assert!(state.tables.len() >= 1 && state.documents.len() >= 1);
}

// ------------------------------------------------------------------ connections (over TCP)

/// Start `app` on 127.0.0.1 with `limits`; returns its address, a shutdown
/// trigger and the server task.
async fn start(
    app: Router,
    limits: needmap::serve::Limits,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(needmap::serve::connections::serve(
        listener,
        app,
        async {
            let _ = rx.await;
        },
        limits,
    ));
    (addr, tx, server)
}

/// Whether the server closed `s` within `within` (EOF or reset on read).
async fn closed_within(s: &mut tokio::net::TcpStream, within: std::time::Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue, // a response (e.g. 408) before the close
        }
    }
}

#[test]
fn header_read_and_idle_timeouts_close_connections() {
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;
    RT.block_on(async {
        let limits = needmap::serve::Limits {
            header_read_timeout: Duration::from_millis(500),
            idle_timeout: Duration::from_millis(1500),
            ..Default::default()
        };
        let (addr, tx, server) = start(APP.clone(), limits).await;
        // Half a request head: closed after the header-read timeout.
        let mut half = tokio::net::TcpStream::connect(addr).await.unwrap();
        half.write_all(b"GET /api/meta HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        let t = std::time::Instant::now();
        assert!(closed_within(&mut half, Duration::from_secs(5)).await, "half-sent request kept open");
        assert!(t.elapsed() >= Duration::from_millis(400), "closed too early: {:?}", t.elapsed());
        // A connection that never sends anything is closed too.
        let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
        assert!(closed_within(&mut silent, Duration::from_secs(5)).await, "silent connection kept open");
        // A keep-alive connection after a full request: closed once idle.
        let mut ka = tokio::net::TcpStream::connect(addr).await.unwrap();
        ka.write_all(b"GET /ogc/conformance HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let t = std::time::Instant::now();
        assert!(closed_within(&mut ka, Duration::from_secs(6)).await, "idle keep-alive connection kept open");
        assert!(t.elapsed() >= Duration::from_millis(400), "{:?}", t.elapsed());
        tx.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), server).await.expect("shuts down").unwrap().unwrap();
    });
}

#[test]
fn thousands_of_idle_sockets_do_not_lock_out_a_client() {
    use std::time::Duration;
    RT.block_on(async {
        let limits = needmap::serve::Limits {
            max_connections: 32,
            header_read_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(120),
            ..Default::default()
        };
        let (addr, tx, server) = start(APP.clone(), limits).await;
        let mut idle = Vec::new();
        for _ in 0..3000 {
            match tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr)).await {
                Ok(Ok(s)) => idle.push(s),
                _ => break,
            }
        }
        assert!(idle.len() >= 2000, "only {} sockets opened", idle.len());
        // A real client still gets in at once (the oldest idle sockets make room).
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let r = client.get(format!("http://{addr}/api/meta")).send().await.expect("server reachable");
            assert_eq!(r.status(), 200);
            assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        }
        // The first idle sockets were closed by the server.
        assert!(closed_within(&mut idle[0], Duration::from_secs(2)).await);
        drop(idle);
        tx.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(15), server).await.expect("shuts down").unwrap().unwrap();
    });
}

/// `needmap serve` on a free port; returns the child and its address.
fn spawn_server(extra: &[&str]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_needmap"))
        .args(["serve", "--addr", "127.0.0.1:0", "--prerender", "0", "--web", "/nonexistent-web"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start needmap serve");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line
        .split_whitespace()
        .skip_while(|w| *w != "on")
        .nth(1)
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (child, addr)
}

#[test]
fn sigterm_with_a_half_sent_request_exits_within_the_deadline() {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let (mut child, addr) = spawn_server(&["--shutdown-grace", "2", "--header-timeout", "60", "--idle-timeout", "120"]);
    // One half-sent request, one request whose body never comes.
    let mut half = std::net::TcpStream::connect(&addr).unwrap();
    half.write_all(b"GET /api/meta HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut body = std::net::TcpStream::connect(&addr).unwrap();
    body.write_all(b"GET /api/meta HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    assert!(std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t.elapsed() > Duration::from_secs(8) {
            let _ = child.kill();
            panic!("still running {:?} after SIGTERM", t.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());
    drop((half, body));
}

#[test]
fn gdal_reads_the_ogc_api_with_typed_fields() {
    let found = std::process::Command::new("ogrinfo").arg("--version").output();
    let version = found.expect("ogrinfo (Debian gdal-bin) is needed: `make deps` installs it");
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("GDAL"));
    let (mut child, addr) = spawn_server(&[]);
    let ogr = |args: &[&str]| -> String {
        let out = std::process::Command::new("ogrinfo").args(["-ro", "-so", "--config", "GDAL_HTTP_TIMEOUT", "60"]).args(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "ogrinfo {args:?}: {}{}", text, String::from_utf8_lossy(&out.stderr));
        text
    };
    let root = format!("OAPIF:http://{addr}/ogc/");
    let layers = ogr(&[&root]);
    for l in &ENGINE.levels {
        let listed = layers.lines().any(|x| x.ends_with(&format!(": {}", l.id)) || x.contains(&format!(": {} (", l.id)));
        assert!(listed, "no layer {}: {layers}", l.id);
    }
    for l in ["ward", "lsoa", "services"] {
        let info = ogr(&[&root, l]);
        let n = if l == "services" {
            needmap::serve::tiles::visible_services(&ENGINE).count()
        } else {
            ENGINE.levels[ENGINE.level_index(l).unwrap()].len()
        };
        assert!(info.contains(&format!("Feature Count: {n}")), "{l}: {info}");
        let field = |name: &str| info.lines().find(|x| x.trim_start().starts_with(&format!("{name}: "))).map(|x| x.trim().to_string());
        if l == "services" {
            assert!(field("capacity").is_some_and(|f| f.starts_with("capacity: Real")), "{l}: {info}");
        } else {
            assert!(field("imd_score").is_some_and(|f| f.starts_with("imd_score: Real")), "{l}: {info}");
            assert!(field("code").is_some_and(|f| f.starts_with("code: String")), "{l}: {info}");
        }
        // Every numeric column of the area table is numeric for GDAL, nulls or not.
        if l != "services" {
            let s = get(&format!("/ogc/collections/{l}/schema")).json();
            for (name, p) in s["properties"]["properties"]["properties"].as_object().unwrap() {
                let f = field(name).unwrap_or_else(|| panic!("{l}: no field {name}: {info}"));
                match p["type"].as_str().unwrap() {
                    "number" => assert!(f.contains(": Real"), "{l}: {f}"),
                    "integer" => assert!(f.contains(": Integer"), "{l}: {f}"),
                    _ => assert!(f.contains(": String"), "{l}: {f}"),
                }
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}
