//! OGC API - Features - Part 1: Core, under `/ogc/` (the site root is the web
//! app). One collection per area level plus `services`; GeoJSON items with
//! `bbox`, `limit`, `offset`, `next`/`prev` links, `numberMatched` and
//! `numberReturned`, so a planner can add the layers in QGIS by URL.
//!
//! Each collection has a JSON Schema of its features (`/schema`, linked as
//! `describedby`) with the real type of every property, so GDAL keeps numbers
//! numeric even when a page has only nulls in a column, and `/queryables`
//! (none: features are selected by `bbox` only). Every document's links are
//! also sent as `Link` headers. The parameters each endpoint accepts (`f`,
//! `crs`, `datetime`, ...) are checked by [`super::parameters`].

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use geo::{Intersects, Point, Rect};
use serde_json::{json, Value};

use super::app::{path_param, with_type, AppState, GEOJSON, JSON};
use super::areas::push_area;
use super::errors::ServeError;
use super::geojson::{geometry_json, string, FeatureCollection};
use super::parameters::CRS84;
use super::view::in_view;
use super::query::{AreaQuery, Params};
use crate::report::Cell;
use super::services::{push_service, service_properties};
use super::tiles::{visible_services, SERVICES};

/// Default and maximum page sizes.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 10_000;

const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";
const JSON_SCHEMA: &str = "application/schema+json";
const REL_QUERYABLES: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";

/// Conformance classes implemented.
pub const CONFORMANCE: [&str; 3] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
];

fn link(href: String, rel: &str, kind: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": kind, "title": title })
}

/// A document of type `kind` with its `links` repeated as `Link` headers
/// (RFC 8288), as OGC API Features recommends.
fn with_links(kind: &'static str, body: String, links: &[Value]) -> Response {
    let mut res = with_type(kind, body);
    for l in links {
        let (Some(href), Some(rel)) = (l["href"].as_str(), l["rel"].as_str()) else { continue };
        let value = format!("<{href}>; rel=\"{rel}\"; type=\"{}\"", l["type"].as_str().unwrap_or(""));
        if let Ok(v) = HeaderValue::from_str(&value) {
            res.headers_mut().append(header::LINK, v);
        }
    }
    res
}

/// GeoJSON features (always CRS84, as `Content-Crs` says) with their links.
fn features_response(body: String, links: &[Value]) -> Response {
    let mut res = with_links(GEOJSON, body, links);
    if let Ok(v) = HeaderValue::from_str(&format!("<{CRS84}>")) {
        res.headers_mut().insert("content-crs", v);
    }
    res
}

/// `links` of a JSON document.
fn links_of(doc: &Value) -> Vec<Value> {
    doc["links"].as_array().cloned().unwrap_or_default()
}

/// A collection: an area level or the services.
enum Collection {
    Level(usize),
    Services,
}

fn collection_of(state: &AppState, id: &str) -> Result<Collection, ServeError> {
    if id == SERVICES {
        return Ok(Collection::Services);
    }
    state.engine.level_index(id).map(Collection::Level).ok_or_else(|| ServeError::UnknownLayer {
        layer: id.to_string(),
        known: state.engine.levels.iter().map(|l| l.id.as_str()).chain([SERVICES]).collect::<Vec<_>>().join(", "),
    })
}

fn collection_json(state: &AppState, base: &str, c: &Collection) -> Value {
    let (id, title, description, bbox) = match c {
        Collection::Level(l) => {
            let level = &state.engine.levels[*l];
            let desc = format!("{} areas with population, need indicators and provision counts", level.len());
            (level.id.clone(), level.label.clone(), desc, state.bounds)
        }
        Collection::Services => (
            SERVICES.to_string(),
            "Service points".to_string(),
            "Services by category and tier, with the areas they fall in (sensitive categories are not shown)".to_string(),
            state.bounds,
        ),
    };
    json!({
        "id": id,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": { "spatial": { "bbox": [[bbox.min().x, bbox.min().y, bbox.max().x, bbox.max().y]], "crs": CRS84 } },
        "links": [
            link(in_view(&state, format!("{base}/ogc/collections/{id}")), "self", JSON, "this collection"),
            link(in_view(&state, format!("{base}/ogc/collections/{id}/items")), "items", GEOJSON, "the features"),
            link(in_view(&state, format!("{base}/ogc/collections/{id}/schema")), "describedby", JSON_SCHEMA, "schema of the features"),
            // GDAL before 3.8 looks for this spelling only (its comparison is case-sensitive).
            link(in_view(&state, format!("{base}/ogc/collections/{id}/schema")), "describedBy", JSON_SCHEMA, "schema of the features"),
            link(in_view(&state, format!("{base}/ogc/collections/{id}/queryables")), REL_QUERYABLES, JSON_SCHEMA, "properties features can be selected by"),
        ],
    })
}

/// `GET /ogc/`: landing page.
pub async fn landing(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let base = state.base_url(&headers);
    let doc = json!({
        "title": format!("needmap: {}", state.engine.name()),
        "description": "Need and provision by area, as OGC API Features. Add this URL to QGIS (Layer > Add WFS / OGC API - Features Layer).",
        "attribution": state.attribution,
        "links": [
            link(in_view(&state, format!("{base}/ogc/")), "self", JSON, "this document"),
            link(in_view(&state, format!("{base}/ogc/api")), "service-desc", OPENAPI, "the API definition"),
            link(in_view(&state, format!("{base}/ogc/conformance")), "conformance", JSON, "conformance classes"),
            link(in_view(&state, format!("{base}/ogc/collections")), "data", JSON, "the collections"),
            link(in_view(&state, format!("{base}/api/meta")), "describedby", JSON, "dataset metadata"),
        ],
    });
    with_links(JSON, doc.to_string(), &links_of(&doc))
}

/// `GET /ogc/conformance`.
pub async fn conformance(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let links = [link(in_view(&state, format!("{}/ogc/conformance", state.base_url(&headers))), "self", JSON, "conformance classes")];
    with_links(JSON, json!({ "conformsTo": CONFORMANCE, "links": links }).to_string(), &links)
}

/// `GET /ogc/collections`.
pub async fn collections(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let base = state.base_url(&headers);
    let mut cs: Vec<Value> = (0..state.engine.levels.len()).map(|l| collection_json(&state, &base, &Collection::Level(l))).collect();
    cs.push(collection_json(&state, &base, &Collection::Services));
    let doc = json!({
        "links": [link(in_view(&state, format!("{base}/ogc/collections")), "self", JSON, "the collections")],
        "collections": cs,
    });
    with_links(JSON, doc.to_string(), &links_of(&doc))
}

/// `GET /ogc/collections/{id}`.
pub async fn collection(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ServeError> {
    let id = path_param(id)?;
    let c = collection_of(&state, &id)?;
    let doc = collection_json(&state, &state.base_url(&headers), &c);
    Ok(with_links(JSON, doc.to_string(), &links_of(&doc)))
}

/// JSON Schema type of every property of a collection's features, in order.
/// Area collections take the columns of the area table for the query (so
/// `category=gp` adds the gap fields); a column's type is that of its cells,
/// whether or not any value is present.
fn property_types(state: &AppState, c: &Collection, p: &Params) -> Result<Vec<(String, &'static str)>, ServeError> {
    Ok(match c {
        Collection::Level(l) => {
            let table = state.table(*l, &AreaQuery::from_params(&state.engine, p)?)?;
            table
                .columns
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let kind = match table.rows.iter().find_map(|r| r.get(i)) {
                        Some(Cell::Count(_)) => "integer",
                        Some(Cell::Number(_)) => "number",
                        _ => "string",
                    };
                    (name.clone(), kind)
                })
                .collect()
        }
        Collection::Services => {
            let mut fields: Vec<(String, &'static str)> = ["id", "name", "category", "category_label", "subcategory", "tier", "partner"]
                .into_iter()
                .map(|k| (k.to_string(), "string"))
                .collect();
            fields.push(("capacity".into(), "number"));
            fields.extend(["status", "source_file"].map(|k| (k.to_string(), "string")));
            fields.extend(state.engine.levels.iter().map(|l| (format!("{}_code", l.id), "string")));
            fields
        }
    })
}

/// `GET /ogc/collections/{id}/schema`: JSON Schema of the features.
pub async fn schema(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServeError> {
    let id = path_param(id)?;
    let c = collection_of(&state, &id)?;
    let props: serde_json::Map<String, Value> = property_types(&state, &c, &Params::parse(raw.as_deref())?)?
        .into_iter()
        .map(|(name, kind)| (name.clone(), json!({ "title": name, "type": kind })))
        .collect();
    let base = state.base_url(&headers);
    let here = format!("{base}/ogc/collections/{id}/schema");
    let geometry = match c {
        Collection::Level(_) => json!({ "type": "object", "properties": { "type": { "type": "string", "enum": ["Polygon", "MultiPolygon"] } } }),
        Collection::Services => json!({ "type": "object", "properties": { "type": { "type": "string", "enum": ["Point"] } } }),
    };
    // The schema of a GeoJSON Feature of the items, feature properties under
    // `properties.properties`, which is where GDAL reads the field types.
    let doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": here,
        "title": id,
        "description": "A feature of the items (GeoJSON); any property value may be null",
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": { "type": "string", "enum": ["Feature"] },
            "id": { "type": "string" },
            "geometry": geometry,
            "properties": { "type": "object", "properties": props },
        },
        "links": [link(here.clone(), "self", JSON_SCHEMA, "this schema")],
    });
    Ok(with_links(JSON_SCHEMA, doc.to_string(), &links_of(&doc)))
}

/// `GET /ogc/collections/{id}/queryables`: none (features are selected by
/// `bbox` only; property filters would be refused as unknown parameters).
pub async fn queryables(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ServeError> {
    let id = path_param(id)?;
    collection_of(&state, &id)?;
    let here = format!("{}/ogc/collections/{id}/queryables", state.base_url(&headers));
    let doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": here,
        "type": "object",
        "title": id,
        "description": "No property can be used to select features; use bbox, limit and offset",
        "properties": {},
        "links": [link(here.clone(), "self", JSON_SCHEMA, "this document")],
    });
    Ok(with_links(JSON_SCHEMA, doc.to_string(), &links_of(&doc)))
}

/// Rebuild a query string with `offset` replaced.
fn page_query(raw: Option<&str>, offset: usize, limit: usize) -> String {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    pairs.retain(|(k, _)| k != "offset" && k != "limit");
    pairs.push(("limit".into(), limit.to_string()));
    pairs.push(("offset".into(), offset.to_string()));
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// `GET /ogc/collections/{id}/items?bbox=&limit=&offset=`.
pub async fn items(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServeError> {
    let id = path_param(id)?;
    let c = collection_of(&state, &id)?;
    let p = Params::parse(raw.as_deref())?;
    let limit = p.uint("limit", DEFAULT_LIMIT, MAX_LIMIT)?;
    if limit == 0 {
        return Err(ServeError::bad("limit", "must be at least 1"));
    }
    let offset = p.uint("offset", 0, usize::MAX)?;
    let bbox: Option<Rect<f64>> = p.bbox()?;
    let engine = &state.engine;
    let mut fc = FeatureCollection::new();
    let matched: Vec<usize> = match &c {
        Collection::Level(l) => {
            let level = &engine.levels[*l];
            (0..level.len())
                .filter(|&a| {
                    bbox.is_none_or(|b| {
                        let area = &level.areas[a];
                        area.bbox_wgs84.intersects(&b) && area.wgs84.intersects(&b)
                    })
                })
                .collect()
        }
        Collection::Services => visible_services(engine)
            .filter(|&i| bbox.is_none_or(|b| b.intersects(&Point::from(engine.services[i].wgs84))))
            .collect(),
    };
    let page = matched.iter().skip(offset).take(limit);
    match &c {
        Collection::Level(l) => {
            let q = AreaQuery::from_params(engine, &p)?;
            let table = state.table(*l, &q)?;
            for &a in page {
                push_area(&mut fc, &state, *l, &table, a);
            }
        }
        Collection::Services => {
            for &i in page {
                push_service(&mut fc, engine, i);
            }
        }
    }
    let returned = fc.len();
    let base = state.base_url(&headers);
    let here = format!("{base}/ogc/collections/{id}/items");
    let mut links = vec![
        link(format!("{here}?{}", page_query(raw.as_deref(), offset, limit)), "self", GEOJSON, "this page"),
        link(in_view(&state, format!("{base}/ogc/collections/{id}")), "collection", JSON, "the collection"),
    ];
    if offset.saturating_add(returned) < matched.len() {
        links.push(link(format!("{here}?{}", page_query(raw.as_deref(), offset + returned, limit)), "next", GEOJSON, "next page"));
    }
    if offset > 0 {
        links.push(link(format!("{here}?{}", page_query(raw.as_deref(), offset.saturating_sub(limit), limit)), "prev", GEOJSON, "previous page"));
    }
    let body = fc.finish(&[
        ("numberMatched", Value::from(matched.len())),
        ("numberReturned", Value::from(returned)),
        ("links", Value::Array(links.clone())),
    ]);
    Ok(features_response(body, &links))
}

/// `GET /ogc/collections/{id}/items/{featureId}`.
pub async fn item(
    State(state): State<Arc<AppState>>,
    p: Result<Path<(String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServeError> {
    let (id, feature) = path_param(p)?;
    let c = collection_of(&state, &id)?;
    let engine = &state.engine;
    let unknown = || ServeError::UnknownFeature { collection: id.clone(), id: feature.clone() };
    let (geometry, properties) = match c {
        Collection::Level(l) => {
            let a = *engine.levels[l].by_code.get(&feature).ok_or_else(unknown)?;
            let q = AreaQuery::from_params(engine, &Params::parse(raw.as_deref())?)?;
            let table = state.table(l, &q)?;
            (state.geometry[l][a].clone(), super::geojson::properties(&table, a))
        }
        Collection::Services => {
            let i = visible_services(engine).find(|&i| engine.services[i].id == feature).ok_or_else(unknown)?;
            (geometry_json(&Point::from(engine.services[i].wgs84).into()), service_properties(engine, i))
        }
    };
    let base = state.base_url(&headers);
    let enc = |s: &str| serde_urlencoded::to_string([("", s)]).map(|e| e[1..].to_string()).unwrap_or_default();
    let links = vec![
        link(in_view(&state, format!("{base}/ogc/collections/{id}/items/{}", enc(&feature))), "self", GEOJSON, "this feature"),
        link(in_view(&state, format!("{base}/ogc/collections/{id}")), "collection", JSON, "the collection"),
    ];
    let body = format!(
        r#"{{"type":"Feature","id":{},"geometry":{geometry},"properties":{properties},"links":{}}}"#,
        string(&feature),
        Value::Array(links.clone())
    );
    Ok(features_response(body, &links))
}

/// `GET /ogc/api`: the OpenAPI 3.0 definition of the OGC endpoints.
pub async fn api_definition(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let base = state.base_url(&headers);
    let ids: Vec<String> = state.engine.levels.iter().map(|l| l.id.clone()).chain([SERVICES.to_string()]).collect();
    let json_ok = |d: &str, t: &str| json!({ "200": { "description": d, "content": { t: {} } } });
    let coll = json!({ "name": "collectionId", "in": "path", "required": true, "schema": { "type": "string", "enum": ids } });
    let crs = json!({ "name": "crs", "in": "query", "schema": { "type": "string", "enum": [CRS84], "default": CRS84 } });
    let f = json!({ "name": "f", "in": "query", "schema": { "type": "string", "enum": ["json", "geojson"] } });
    let doc = json!({
        "openapi": "3.0.3",
        "info": { "title": format!("needmap: {}", state.engine.name()), "version": env!("CARGO_PKG_VERSION") },
        "servers": [{ "url": format!("{base}/ogc") }],
        "paths": {
            "/": { "get": { "summary": "Landing page", "responses": json_ok("landing page", JSON) } },
            "/conformance": { "get": { "summary": "Conformance classes", "responses": json_ok("conformance", JSON) } },
            "/collections": { "get": { "summary": "Collections", "responses": json_ok("collections", JSON) } },
            "/collections/{collectionId}": { "get": { "summary": "One collection", "parameters": [coll.clone()], "responses": json_ok("collection", JSON) } },
            "/collections/{collectionId}/items": { "get": {
                "summary": "Features of a collection",
                "parameters": [coll.clone(),
                    { "name": "bbox", "in": "query", "style": "form", "explode": false, "schema": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT } },
                    { "name": "offset", "in": "query", "schema": { "type": "integer", "minimum": 0, "default": 0 } },
                    { "name": "bbox-crs", "in": "query", "schema": { "type": "string", "enum": [CRS84] } },
                    crs.clone(), f.clone(),
                    { "name": "datetime", "in": "query", "description": "Not supported: the data has no time dimension; any value is answered 400", "schema": { "type": "string" } }],
                "responses": json_ok("features", GEOJSON) } },
            "/collections/{collectionId}/schema": { "get": { "summary": "JSON Schema of the features", "parameters": [coll.clone()], "responses": json_ok("schema", JSON_SCHEMA) } },
            "/collections/{collectionId}/queryables": { "get": { "summary": "Properties features can be selected by (none)", "parameters": [coll.clone()], "responses": json_ok("queryables", JSON_SCHEMA) } },
            "/collections/{collectionId}/items/{featureId}": { "get": {
                "summary": "One feature",
                "parameters": [coll, { "name": "featureId", "in": "path", "required": true, "schema": { "type": "string" } }, crs, f],
                "responses": json_ok("feature", GEOJSON) } },
        },
    });
    with_type(OPENAPI, doc.to_string())
}
