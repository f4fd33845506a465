//! `GET /api/services.geojson?category=&tier=&bbox=`: service points with
//! their attributes and the codes of the areas they fall in.
//!
//! Services of a `sensitive` category are never output at their location.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use geo::{Intersects, Point, Rect};

use super::app::{with_type, AppState, GEOJSON};
use super::errors::ServeError;
use super::geojson::{geometry_json, number, string, FeatureCollection};
use super::query::{categories, tier, Params};
use super::tiles::visible_services;
use crate::Engine;

/// Which services to list.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub categories: Option<Vec<String>>,
    pub tier: Option<String>,
    pub bbox: Option<Rect<f64>>,
}

impl ServiceFilter {
    pub fn from_params(engine: &Engine, p: &Params) -> Result<ServiceFilter, ServeError> {
        Ok(ServiceFilter { categories: categories(engine, p)?, tier: tier(engine, p)?, bbox: p.bbox()? })
    }

    /// Indexes of the services shown (never sensitive ones), in file order.
    pub fn select(&self, engine: &Engine) -> Vec<usize> {
        visible_services(engine)
            .filter(|&i| {
                let s = &engine.services[i];
                self.categories.as_ref().is_none_or(|cs| cs.contains(&s.category))
                    && self.tier.as_ref().is_none_or(|t| t == &s.tier)
                    && self.bbox.is_none_or(|b| b.intersects(&Point::from(s.wgs84)))
            })
            .collect()
    }
}

/// The `properties` object of service `i`: attributes and `<level>_code`
/// for every level.
pub fn service_properties(engine: &Engine, i: usize) -> String {
    let s = &engine.services[i];
    let opt = |v: &Option<String>| v.as_deref().map(string).unwrap_or_else(|| "null".into());
    let label = engine.categories.get(&s.category).map(|c| c.label.clone());
    let mut out = format!(
        r#"{{"id":{},"name":{},"category":{},"category_label":{},"subcategory":{},"tier":{},"partner":{},"capacity":{},"status":{},"source_file":{}"#,
        string(&s.id),
        string(&s.name),
        string(&s.category),
        opt(&label),
        string(&s.subcategory),
        string(&s.tier),
        opt(&s.partner),
        number(s.capacity),
        opt(&s.status),
        string(&s.source_file),
    );
    for (l, level) in engine.levels.iter().enumerate() {
        let code = s.areas.get(l).copied().flatten().and_then(|a| level.areas.get(a)).map(|a| a.code.clone());
        out.push_str(&format!(",{}:{}", string(&format!("{}_code", level.id)), opt(&code)));
    }
    out.push('}');
    out
}

/// Append service `i` as a feature (id = service id).
pub fn push_service(fc: &mut FeatureCollection, engine: &Engine, i: usize) {
    let s = &engine.services[i];
    fc.push(&string(&s.id), &geometry_json(&Point::from(s.wgs84).into()), &service_properties(engine, i));
}

/// `GET /api/services.geojson`.
pub async fn services(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Result<Response, ServeError> {
    let params = Params::parse(raw.as_deref())?;
    let filter = ServiceFilter::from_params(&state.engine, &params)?;
    let mut fc = FeatureCollection::new();
    for i in filter.select(&state.engine) {
        push_service(&mut fc, &state.engine, i);
    }
    let hidden = state.engine.services.len() - visible_services(&state.engine).count();
    let body = fc.finish(&[
        ("attribution", serde_json::Value::String(state.attribution.clone())),
        ("hiddenSensitive", serde_json::Value::from(hidden)),
    ]);
    Ok(with_type(GEOJSON, body))
}
