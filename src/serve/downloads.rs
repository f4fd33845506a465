//! Downloads for the browser and the API (issue 5): exports and printed maps of
//! exactly what the map shows.
//!
//! - `GET /api/export/{level}.geojson|csv|zip` (zip = Shapefile, its
//!   `.fields.csv` alias table and provenance):
//!   the area table of the map's selection (`indicator`, `category`, `tier`,
//!   `method`, with gap fields when a category is chosen) or, with
//!   `layer=services`, the public service points; `threshold`, `bom`, `crs`.
//!   CSV provenance: the same URL with `provenance=true`.
//! - `GET /api/print/{level}.pdf?indicator=|gap=true&category=&area=&paper=&landscape=`:
//!   the committee map as a vector PDF (a download); `{level}.png` is the same page
//!   as a PNG shown inline, the browser's print preview (`dpi`, default 48); with `scenario=ID` titled
//!   "Scenario: <name>" (unless `title` is given) and, for a gap map, with
//!   the scenario's committee summary drawn as a table under the map.
//!
//! Disclosure control and the sensitive-site rule are applied by
//! [`crate::export`] and [`crate::print`] exactly as on the command line.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::Response;

use super::app::{path_param, with_type, AppState};
use super::errors::ServeError;
use super::query::{AreaQuery, Params};
use crate::export::{self, ExportError, ExportRequest, Format, Layer};
use crate::print::{self, PrintError, PrintRequest, Theme};

/// `GET /api/export/{level}.{geojson|csv|zip}`.
pub async fn export(
    State(state): State<Arc<AppState>>,
    file: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ServeError> {
    let file = path_param(file)?;
    let (level_id, ext) = file.rsplit_once('.').ok_or_else(|| ServeError::NotFound { path: format!("/api/export/{file}") })?;
    let format = match ext {
        "geojson" => Format::Geojson,
        "csv" => Format::Csv,
        "zip" => Format::Shapefile,
        _ => return Err(ServeError::bad("format", format!("unknown download `.{ext}`; use .geojson, .csv or .zip (Shapefile)"))),
    };
    let level = state.level(level_id)?;
    let params = Params::parse(raw.as_deref())?;
    let mut map = param_map(&params)?;
    map.insert("level".into(), level_id.to_string());
    let mut request = ExportRequest::from_params(&map).map_err(export_error)?;
    if request.layer == Layer::Areas {
        // The map's own table: its selection and gap fields pass through unchanged.
        let q = AreaQuery::from_params(&state.engine, &params)?;
        request.table = Some((*state.table(level, &q)?).clone());
        for key in ["indicator", "category", "tier", "method"] {
            if let Some(v) = map.get(key) {
                request.parameters.insert(key.into(), serde_json::Value::String(v.clone()));
            }
        }
        request.indicator = None;
        request.category = None;
        request.tier = None;
    }
    if let Some(t) = &state.scenario {
        request.parameters.insert("scenario".into(), serde_json::json!({ "id": t.id, "name": t.name, "version": t.version }));
    }
    let want_provenance = params.get("provenance")?.is_some_and(|v| v == "true");
    // The file name says what part it is: `needmap-ward-keighley.csv`, `needmap-ward-view.csv`.
    let part = match &request.extent {
        Some(crate::export::extent::Extent::Area { level, area }) => format!("-{}", print::slug(&area_name(&state, level, area))),
        Some(crate::export::extent::Extent::Bbox(_)) => "-view".to_string(),
        None => String::new(),
    };
    let layer = if request.layer == Layer::Services { "-services" } else { "" };
    let name = format!("needmap-{level_id}{layer}{part}");
    let state2 = state.clone();
    let (body, content_type, filename) = tokio::task::spawn_blocking(move || -> Result<_, ServeError> {
        let engine = &state2.engine;
        Ok(match format {
            Format::Geojson => {
                let mut out = Vec::new();
                export::write(engine, &request, format, &mut out).map_err(export_error)?;
                (out, super::app::GEOJSON, format!("{name}.geojson"))
            }
            Format::Csv => {
                let mut out = Vec::new();
                let provenance = export::write(engine, &request, format, &mut out).map_err(export_error)?;
                if want_provenance {
                    let mut p = Vec::new();
                    provenance.write(&mut p).map_err(export_error)?;
                    (p, "application/json", format!("{name}.csv.provenance.json"))
                } else {
                    (out, "text/csv; charset=utf-8", format!("{name}.csv"))
                }
            }
            Format::Shapefile => {
                let (parts, provenance) = export::shapefile_parts(engine, &request).map_err(export_error)?;
                let files = export::shapefile_files(&name, &parts, &provenance).map_err(export_error)?;
                (export::archive::zip(&files).map_err(export_error)?, "application/zip", format!("{name}.zip"))
            }
        })
    })
    .await
    .map_err(|e| ServeError::Internal(format!("export task failed: {e}")))??;
    Ok(attachment(with_type(content_type, body), &filename))
}

/// The preview's resolution when `dpi` is not given: an A4 page is 397 x 561 px.
const PREVIEW_DPI: f32 = 48.0;
/// The largest preview resolution: an A3 page at 150 dpi is 2480 x 1754 px.
const MAX_PREVIEW_DPI: f32 = 150.0;

/// `GET /api/print/{level}.pdf` (the printed map, a download) or
/// `GET /api/print/{level}.png` (the same page as an image, shown inline: the preview).
pub async fn print_pdf(
    State(state): State<Arc<AppState>>,
    file: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ServeError> {
    let file = path_param(file)?;
    let (level_id, preview) = match (file.strip_suffix(".pdf"), file.strip_suffix(".png")) {
        (Some(l), _) => (l, false),
        (_, Some(l)) => (l, true),
        _ => return Err(ServeError::NotFound { path: format!("/api/print/{file}") }),
    };
    let level = state.level(level_id)?;
    let params = Params::parse(raw.as_deref())?;
    let mut map = param_map(&params)?;
    let dpi = match map.remove("dpi") {
        None => PREVIEW_DPI,
        Some(_) if !preview => return Err(ServeError::bad("dpi", "`dpi` is for the preview image (`.png`); a PDF is vector".to_string())),
        Some(v) => match v.parse::<f32>() {
            Ok(d) if (12.0..=MAX_PREVIEW_DPI).contains(&d) => d,
            _ => return Err(ServeError::bad("dpi", format!("`{v}` is not valid: expected a resolution from 12 to {MAX_PREVIEW_DPI} dots per inch"))),
        },
    };
    map.insert("level".into(), level_id.to_string());
    // A change map: the vintages are checked here, so a bad one is a 400 naming it.
    super::query::ChangeSelection::from_params(&state.engine, &params)?;
    let mut request = PrintRequest::from_params(&map).map_err(print_error)?;
    let mut gap_query = None;
    if let (Theme::Change { .. }, Some(_)) = (&request.theme, params.get("category")?) {
        // A change map with one category: the area table with `emerging_gap`, outlined.
        let q = AreaQuery::from_params(&state.engine, &params)?;
        let table = state.table(level, &q)?;
        if table.column("emerging_gap").is_some() {
            request.table = Some((*table).clone());
            request.notes.push("Emerging gaps (dashed): need rose and access to the category in the lowest third.".into());
        }
    }
    if let Theme::Gap { category } = &request.theme {
        let mut q = AreaQuery::from_params(&state.engine, &params)?;
        q.categories = Some(vec![category.clone()]);
        let table = state.table(level, &q)?;
        if table.column("gap_class").is_none() {
            return Err(ServeError::bad("category", format!("no gap scores for category `{category}` (no services match); choose another category")));
        }
        request.table = Some((*table).clone());
        if state.scenario.is_some() {
            gap_query = Some(super::columns::gap_query(&state.engine, level, &q)?);
        }
    }
    if let Some(t) = &state.scenario {
        request.notes.push(t.describe());
        if request.title.is_none() {
            request.title = Some(format!("Scenario: {}", t.name));
        }
    }
    let state2 = state.clone();
    // The file name says committee (or level) and paper: `needmap-keighley-a3.pdf`.
    let place = match request.area.as_deref() {
        Some(a) => area_name(&state, &request.committee_level, a),
        None => level_id.to_string(),
    };
    let slug = format!("{}-{}", print::slug(&place), request.paper.as_str().to_lowercase());
    let pdf = tokio::task::spawn_blocking(move || {
        // A scenario's gap map carries the committee summary, as the compare endpoint computes it.
        if let (Some(t), Some(base), Some(q)) = (&state2.scenario, &state2.baseline, &gap_query) {
            let c = super::scenarios::comparison(&state2, base, &state2.engine, q)?;
            let printed = crate::scenario::printed_summary(base, &t.name, &c);
            request.notes.extend(printed.notes);
            request.summary = Some(printed.table);
        }
        if preview {
            print::render_png(&state2.engine, &request, dpi)
        } else {
            print::render_pdf(&state2.engine, &request)
        }
        .map_err(print_error)
    })
    .await
        .map_err(|e| ServeError::Internal(format!("print task failed: {e}")))??;
    if preview {
        return Ok(disposition(with_type("image/png", pdf), "inline", &format!("needmap-{slug}.png")));
    }
    Ok(attachment(with_type("application/pdf", pdf), &format!("needmap-{slug}.pdf")))
}

/// The name of area `area` (a code or a name) of `level`, for file names; as given when unknown.
fn area_name(state: &AppState, level: &str, area: &str) -> String {
    state
        .engine
        .level_index(level)
        .and_then(|l| state.engine.levels[l].areas.iter().find(|a| a.code.eq_ignore_ascii_case(area.trim())))
        .map_or_else(|| area.to_string(), |a| a.name.clone())
}

/// Query parameters as a map; a parameter given twice with different values is an error.
fn param_map(params: &Params) -> Result<BTreeMap<String, String>, ServeError> {
    let mut map = BTreeMap::new();
    for key in params.keys() {
        if let Some(v) = params.get(&key)? {
            map.insert(key, v.to_string());
        }
    }
    Ok(map)
}

fn attachment(res: Response, filename: &str) -> Response {
    disposition(res, "attachment", filename)
}

/// `Content-Disposition: {kind}; filename="{filename}"` (`attachment` downloads, `inline` shows).
fn disposition(mut res: Response, kind: &str, filename: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("{kind}; filename=\"{filename}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

fn export_error(e: ExportError) -> ServeError {
    match e {
        ExportError::BadParameter { name, value, expected } => {
            ServeError::bad(&name, format!("`{value}` is not valid: expected {expected}"))
        }
        other => ServeError::bad("export", other.to_string()),
    }
}

fn print_error(e: PrintError) -> ServeError {
    match e {
        PrintError::BadParameter { name, value, expected } => {
            ServeError::bad(&name, format!("`{value}` is not valid: expected {expected}"))
        }
        e @ PrintError::NotOffered { .. } => ServeError::bad("indicator", e.to_string()),
        e @ PrintError::Change { .. } => ServeError::bad("change_from", e.to_string()),
        other => ServeError::bad("print", other.to_string()),
    }
}
