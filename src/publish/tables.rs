//! The JSON documents of a published site: `meta.json` (the server's
//! `/api/meta` with `static: true` and the site's file names), the area
//! tables (the server's `/api/areas/{level}.geojson` answers, baseline and one
//! per published category) and the non-sensitive service points.

use serde_json::{json, Value};

use crate::serve::query::{AreaQuery, Params};
use crate::serve::services::{push_service, ServiceFilter};
use crate::serve::tiles::visible_services;
use crate::serve::{geojson::FeatureCollection, AppState};

use super::error::PublishError;
use super::SiteLayout;

/// The area table of level `level` (every indicator and provision column,
/// geometry in CRS84), with the gap fields of `category` when given.
pub fn areas_json(state: &AppState, level: usize, category: Option<&str>) -> Result<String, PublishError> {
    let q = match category {
        None => AreaQuery::default(),
        Some(c) => {
            let raw = serde_urlencoded::to_string([("category", c)]).unwrap_or_default();
            AreaQuery::from_params(&state.engine, &Params::parse(Some(&raw))?)?
        }
    };
    Ok(crate::serve::areas::areas_document(state, level, &q, true, false)?)
}

/// The codes, names and parents of level `level`'s areas (no geometry, no
/// figures): what a profile needs to name the place an area lies in.
pub fn names_json(state: &AppState, level: usize) -> Result<String, PublishError> {
    let table = state.table(level, &AreaQuery::default())?;
    let keep: Vec<String> = ["code", "name", "parent_code"].into_iter().filter(|c| table.column(c).is_some()).map(String::from).collect();
    let cols = crate::serve::tiles::field_columns(&table, &keep).map_err(|e| crate::serve::ServeError::Internal(e.field))?;
    let narrowed = crate::report::Report {
        columns: cols.iter().map(|&i| table.columns[i].clone()).collect(),
        rows: table.rows.iter().map(|r| cols.iter().map(|&i| r[i].clone()).collect()).collect(),
    };
    let mut fc = FeatureCollection::new();
    for (a, area) in state.engine.levels[level].areas.iter().enumerate() {
        fc.push(&crate::serve::geojson::string(&area.code), "null", &crate::serve::geojson::properties(&narrowed, a));
    }
    let l = &state.engine.levels[level];
    Ok(fc.finish(&[("name", Value::String(l.id.clone())), ("level", json!({ "id": l.id, "label": l.label }))]))
}

/// Every service point that may be shown (sensitive categories never are).
pub fn services_json(state: &AppState) -> String {
    let mut fc = FeatureCollection::new();
    for i in ServiceFilter::default().select(&state.engine) {
        push_service(&mut fc, &state.engine, i);
    }
    let hidden = state.engine.services.len() - visible_services(&state.engine).count();
    fc.finish(&[("attribution", Value::String(state.attribution.clone())), ("hiddenSensitive", Value::from(hidden))])
}

/// `meta.json`: `/api/meta` for the published levels, with `static: true`,
/// the site's files in place of the API's URLs, and what needs the server
/// marked as absent.
pub fn meta_json(state: &AppState, layout: &SiteLayout, levels: &[usize], categories: &[String]) -> Value {
    let mut m = crate::serve::meta::meta_json(state, ".");
    let ids: Vec<&str> = levels.iter().map(|&l| state.engine.levels[l].id.as_str()).collect();
    if let Some(list) = m["levels"].as_array_mut() {
        list.retain(|l| l["id"].as_str().is_some_and(|id| ids.contains(&id)));
        for l in list.iter_mut() {
            let id = l["id"].as_str().unwrap_or_default().to_string();
            l["geojson"] = json!(layout.areas(&id, None));
            l["pmtiles"] = json!(layout.tiles(&id));
            l["categories"] = json!(categories.iter().map(|c| json!({"category": c, "geojson": layout.areas(&id, Some(c))})).collect::<Vec<_>>());
            for k in ["csv", "tilejson", "ogc_items"] {
                l[k] = Value::Null;
            }
        }
    }
    // An indicator is listed at the published levels only.
    if let Some(list) = m["indicators"].as_array_mut() {
        for i in list.iter_mut() {
            if let Some(ls) = i["levels"].as_array_mut() {
                ls.retain(|l| l.as_str().is_some_and(|id| ids.contains(&id)));
            }
        }
    }
    m["static"] = Value::Bool(true);
    m["published"] = json!({
        "levels": ids,
        "categories": categories,
        "notice": super::NOTICE,
    });
    m["services"] = json!({ "total": state.engine.services.len(), "geojson": layout.services_geojson(), "pmtiles": layout.tiles(crate::serve::tiles::SERVICES) });
    m["tiles"]["layers"] = json!(ids.iter().map(|id| layout.tiles(id)).chain([layout.tiles(crate::serve::tiles::SERVICES)]).collect::<Vec<_>>());
    m["scenarios"] = json!({ "url": null, "editing": false });
    m["links"] = json!({ "self": "meta.json" });
    // Gap fields exist for the published categories only (each its own table).
    m["gaps"]["published_categories"] = json!(categories);
    m
}
