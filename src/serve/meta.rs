//! `GET /api/meta`: what the dataset holds and where to get it.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value};

use super::app::{AppState, JSON};
use super::encoding::{respond, CachedBody};
use super::columns::GAPS_AVAILABLE;
use super::query::GapMethod;
use super::view::in_view;
use super::tiles::{self, MAX_ZOOM, MIN_ZOOM, SERVICES};

/// The metadata document (also used by the OGC landing page).
pub fn meta_json(state: &AppState, base: &str) -> Value {
    let e = &state.engine;
    let m = &e.manifest;
    // Section 2 of issue 9: an indicator is offered at its published level and
    // coarser ones; finer levels list it as "published for <level>" (greyed).
    let published_for = |k: usize| {
        let p = &e.indicators[k].published_level;
        format!("published for {}", e.level(p).map(|l| l.plural_name()).unwrap_or_else(|| p.clone()))
    };
    let levels: Vec<Value> = e
        .levels
        .iter()
        .enumerate()
        .map(|(li, l)| {
            let offered: Vec<&str> = (0..e.indicators.len()).filter(|&k| e.offers(k, li)).map(|k| e.indicators[k].id.as_str()).collect();
            let not_offered: Vec<Value> = (0..e.indicators.len())
                .filter(|&k| !e.offers(k, li))
                .map(|k| json!({ "id": e.indicators[k].id, "note": published_for(k) }))
                .collect();
            json!({
                "indicators": offered,
                "indicators_not_offered": not_offered,
                "id": l.id,
                "label": l.label,
                "note": l.note,
                "areas": l.len(),
                "parent": l.parent_level.map(|p| e.levels[p].id.clone()),
                "geojson": in_view(state, format!("{base}/api/areas/{}.geojson", l.id)),
                "csv": in_view(state, format!("{base}/api/report/{}.csv", l.id)),
                "tilejson": in_view(state, format!("{base}/tiles/{}.json", l.id)),
                "ogc_items": in_view(state, format!("{base}/ogc/collections/{}/items", l.id)),
            })
        })
        .collect();
    let indicators: Vec<Value> = e
        .indicators
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
            v["levels"] = json!((0..e.levels.len()).filter(|&l| e.offers(k, l)).map(|l| e.levels[l].id.as_str()).collect::<Vec<_>>());
            v["published_for"] = json!(published_for(k));
            let need = crate::gaps::InNeed::of(i);
            v["gap_need"] = json!(need.is_ok());
            v["gap_need_note"] = json!(need.err());
            v["ordinal"] = Value::Bool(i.is_ordinal());
            v["decile1_column"] = json!(i.decile1_column());
            v
        })
        .collect();
    let mut counts = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    for s in &e.services {
        let c = counts.entry(s.category.as_str()).or_default();
        c.0 += 1;
        if !tiles::is_sensitive(e, s) {
            c.1 += 1;
        }
    }
    let categories: Vec<Value> = e
        .categories
        .values()
        .map(|c| {
            let (n, shown) = counts.get(c.id.as_str()).copied().unwrap_or_default();
            json!({
                "id": c.id, "label": c.label, "tier": c.tier, "serves": c.serves, "partner": c.partner,
                "capacity": c.capacity, "sensitive": c.sensitive, "services": n, "services_shown": shown,
            })
        })
        .collect();
    // Need over time: the series, their vintages (oldest first) and the
    // levels where every vintage's score and decile are offered.
    let series: Vec<Value> = crate::model::Series::of(&e.indicators)
        .iter()
        .map(|s| {
            let used: Vec<usize> = s.vintages.iter().flat_map(|v| v.score.into_iter().chain(v.decile)).collect();
            json!({
                "id": s.id,
                "vintages": s.vintages.iter().map(|v| json!({
                    "vintage": v.label,
                    "score": v.score.map(|k| e.indicators[k].id.as_str()),
                    "decile": v.decile.map(|k| e.indicators[k].id.as_str()),
                    "indicators": v.indicators.iter().map(|&k| e.indicators[k].id.as_str()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "levels": (0..e.levels.len()).filter(|&l| used.iter().all(|&k| e.offers(k, l))).map(|l| e.levels[l].id.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let travel_modes: Vec<&str> = std::iter::once("estimated").chain(m.network.as_ref().map(|_| "network")).collect();
    let b = state.bounds;
    json!({
        "name": m.dataset.name,
        "description": m.dataset.description,
        "authority_code": m.dataset.authority_code,
        "version": env!("CARGO_PKG_VERSION"),
        "bounds": [b.min().x, b.min().y, b.max().x, b.max().y],
        "levels": levels,
        "indicators": indicators,
        "populations": e.populations,
        "total_population": m.dataset.total_population,
        "child_population": m.dataset.child_population,
        "categories": categories,
        "tiers": e.tiers,
        "tier_note": m.tier_note,
        "services": { "total": e.services.len(), "geojson": format!("{base}/api/services.geojson"), "tilejson": format!("{base}/tiles/{SERVICES}.json") },
        "sources": m.sources,
        "attribution": state.attribution,
        "travel": {
            "modes": travel_modes,
            "travel_times": m.travel_times.as_ref().map(|t| json!({"file": t.file, "origin_level": t.origin_level})),
        },
        "gaps": {
            "available": GAPS_AVAILABLE,
            "methods": GapMethod::ALL.map(GapMethod::id),
            "default_method": "2sfca",
            "travel_note": state.gap_context.travel_note,
            "note": "area outputs gain access and gap fields (nearest_m, nearest_min, coverage_*, access_<method>, in_need, unmet_need, unmet_need_per_1k, gap_class, gap_rank = rank by unmet need) when `method` or a single `category` is given; estimated travel",
            "need_indicator": m.dataset.need_indicator,
            "child_need_indicator": m.dataset.child_need_indicator,
            "need_caveat": m.dataset.need_caveat,
        },
        "grid": {
            "available": m.postcodes.is_some(),
            "url": format!("{base}/api/grid.geojson"),
            "sizes_m": crate::gaps::SQUARE_SIZES_M,
            "default_size_m": super::grid::DEFAULT_CELL_M,
            // Squares count need at this level's rates (the total population's level).
            "need_level": e.levels.get(crate::gaps::population_level(e, &m.dataset.total_population)).map(|l| l.id.as_str()),
            "min_population": m.disclosure.grid_min_population,
            "min_postcodes": m.disclosure.grid_min_postcodes,
            "note": "squares of the British National Grid summarising access from every postcode unit (where people live), for one `category` or `tier`; squares with fewer residents or postcode units than the minimums are not sent",
        },
        "change": {
            "series": series,
            "classes": crate::report::ChangeClass::ALL.map(|c| json!({"id": c.label(), "label": c.words()})),
            "columns": crate::report::change::CHANGE_COLUMNS,
            "share_tolerance": crate::report::change::SHARE_TOLERANCE,
            "caveat": crate::report::change::CHANGE_CAVEAT,
            "rule": format!("at the published level: the national decile moved down = need rose, up = need fell; at coarser levels: the population share in deciles 1-2 rose (fell) by at least {} percentage points", crate::report::change::SHARE_TOLERANCE * 100.0),
            "note": "area outputs gain change_* columns and change_class (need-rose, no-change, need-fell, no-data) with `change_from` and `change_to` (and `series`); with one `category` also emerging_gap (1 = need rose and access in the lowest tercile)",
        },
        "scenario": state.scenario.as_ref().map(|t| json!({
            "id": t.id, "name": t.name, "version": t.version, "edits": t.edits, "warnings": t.warnings,
            "url": format!("{base}/api/scenarios/{}", t.id),
        })),
        "scenarios": { "url": format!("{base}/api/scenarios"), "editing": state.config.edits.allowed },
        "basemap_style": m.dataset.basemap_style,
        "tiles": { "minzoom": MIN_ZOOM, "maxzoom": MAX_ZOOM, "layers": state.tiles.layers.iter().map(|l| format!("{base}/tiles/{}.json", l.id)).collect::<Vec<_>>() },
        "links": {
            "self": format!("{base}/api/meta"),
            "ogc": format!("{base}/ogc/"),
            "areas": format!("{base}/api/areas/{{level}}.geojson?indicator=&category=&tier=&method="),
            "report": format!("{base}/api/report/{{level}}.csv"),
            "tiles": format!("{base}/tiles/{{layer}}/{{z}}/{{x}}/{{y}}.mvt"),
        },
    })
}

/// `GET /api/meta`.
pub async fn meta(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let base = state.base_url(&headers);
    let body = state.documents.get(&format!("meta {base}")).unwrap_or_else(|| {
        let body = Arc::new(CachedBody::new(meta_json(&state, &base).to_string()));
        let bytes = 2 * body.raw().len();
        state.documents.insert_weighted(format!("meta {base}"), body, bytes)
    });
    respond(JSON, &body, &headers)
}
