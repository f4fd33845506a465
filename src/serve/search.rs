//! `GET /api/search?q=&limit=`: find areas of every level (by name, with
//! their place for statistical names, and by code), services by name
//! (non-sensitive ones only: a sensitive site is never listed, so never
//! located) and postcodes (through the manifest's `[postcodes]` lookup: the
//! postcode typed, in any case or spacing, or when it is not listed every
//! listed postcode one slip away), with typo tolerance ([`super::fuzzy`]).
//!
//! The answer is bounded: at most `limit` results (default 10, at most 50),
//! best first, with `more` counting those left off, and `ambiguous` set
//! unless exactly one result is clearly the answer (a single exact match).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use geo::Rect;
use serde_json::{json, Value};

use super::app::{with_type, AppState, JSON};
use super::errors::ServeError;
use super::fuzzy::{normalise, score};
use super::query::Params;
use super::tiles::visible_services;
use crate::engine::is_statistical_name;
use crate::load::{normalise_postcode, PostcodePoint};
use crate::Engine;

/// Most results one answer holds.
pub const MAX_LIMIT: usize = 50;
/// Results when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 10;
/// Weight of a match on an area's place rather than its own name, so the
/// ward "Bradford Moor" comes before the LSOAs in it.
const PLACE_WEIGHT: f64 = 0.9;
/// A best result this far ahead of the next one is the answer (no choice list).
const CLEAR_MARGIN: f64 = 0.05;
/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// What a search entry points at.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Area { level: usize, area: usize },
    Service(usize),
}

/// One searchable thing with its normalised name and code.
#[derive(Debug, Clone)]
struct Entry {
    target: Target,
    /// Normalised name (empty for areas named only by their code).
    name: String,
    /// Normalised name with its place ("bradford 059d bradford moor"), for
    /// statistical names; matches on it weigh [`PLACE_WEIGHT`].
    with_place: String,
    /// Code in upper case without spaces (areas and service ids).
    code: String,
}

/// Every area and non-sensitive service, normalised once at start-up.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    entries: Vec<Entry>,
}

/// One result, before it is written as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub score: f64,
    pub json: Value,
    /// Sort key after the score: kind (postcode, area by level, service), then name.
    order: (usize, String),
}

impl SearchIndex {
    /// Index the areas of every level and the services shown on the map.
    pub fn new(engine: &Engine) -> SearchIndex {
        let mut entries = Vec::new();
        for (l, level) in engine.levels.iter().enumerate() {
            for (a, area) in level.areas.iter().enumerate() {
                // An area named only by its code (output areas) is found by code.
                let name = if area.name == area.code { String::new() } else { normalise(&area.name) };
                let with_place = match engine.place_of(l, a) {
                    Some(_) if !name.is_empty() => normalise(&engine.name_with_place(l, a)),
                    _ => String::new(),
                };
                entries.push(Entry {
                    target: Target::Area { level: l, area: a },
                    name,
                    with_place,
                    code: compact_code(&area.code),
                });
            }
        }
        for i in visible_services(engine) {
            let s = &engine.services[i];
            entries.push(Entry {
                target: Target::Service(i),
                name: normalise(&s.name),
                with_place: String::new(),
                code: compact_code(&s.id),
            });
        }
        SearchIndex { entries }
    }

    /// Every match of `query`, best first (unbounded; [`answer`] bounds it).
    pub fn find(&self, engine: &Engine, query: &str) -> Vec<Hit> {
        let q = normalise(query);
        let code = compact_code(query);
        let mut hits: Vec<Hit> = Vec::new();
        for e in &self.entries {
            let by_code: f64 = if !code.is_empty() && e.code == code {
                1.0
            } else if code.len() >= 5 && e.code.starts_with(&code) {
                0.9
            } else {
                0.0
            };
            let s = by_code.max(score(&q, &e.name)).max(PLACE_WEIGHT * score(&q, &e.with_place));
            if s > 0.0 {
                hits.push(entry_hit(engine, e.target, s));
            }
        }
        hits.extend(postcode_hits(engine, query));
        sort(&mut hits);
        hits
    }
}

/// Score of a postcode one typing slip away from the query (a character
/// changed, missing, extra or two swapped): below exact names, so several
/// such postcodes make a choice list.
const POSTCODE_TYPO_SCORE: f64 = 0.8;

/// The postcode `query` is, or those one slip away when it is not in the
/// lookup (no postcodes without a `[postcodes]` section).
fn postcode_hits(engine: &Engine, query: &str) -> Vec<Hit> {
    let compact: String = query.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let shaped = compact.len() >= 4
        && compact.len() <= 8
        && compact.is_ascii()
        && compact.starts_with(|c: char| c.is_ascii_alphabetic())
        && compact.contains(|c: char| c.is_ascii_digit())
        && compact.chars().all(|c| c.is_ascii_alphanumeric());
    if !shaped {
        return Vec::new();
    }
    let lookup = match engine.postcodes() {
        None => return Vec::new(),
        Some(Err(e)) => {
            tracing::warn!("search: the postcode lookup is not available: {e}");
            return Vec::new();
        }
        Some(Ok(p)) => p,
    };
    if let Some(point) = lookup.get(&compact) {
        let code = normalise_postcode(&compact).unwrap_or(compact);
        return vec![postcode_hit(engine, &code, point, 1.0)];
    }
    let mut found: Vec<String> = one_slip_variants(&compact)
        .into_iter()
        .filter_map(|v| normalise_postcode(&v))
        .filter(|v| lookup.get(v).is_some())
        .collect();
    found.sort();
    found.dedup();
    found
        .iter()
        .filter_map(|code| lookup.get(code).map(|p| postcode_hit(engine, code, p, POSTCODE_TYPO_SCORE)))
        .collect()
}

/// Every text one slip from `compact` (upper-case letters and digits):
/// one character changed, deleted or inserted, or two neighbours swapped.
fn one_slip_variants(compact: &str) -> Vec<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let b = compact.as_bytes();
    let mut out = Vec::new();
    let text = |v: Vec<u8>| String::from_utf8(v).unwrap_or_default();
    for i in 0..=b.len() {
        for &c in ALPHABET {
            let mut ins = b.to_vec();
            ins.insert(i, c);
            out.push(text(ins));
            if i < b.len() && b[i] != c {
                let mut sub = b.to_vec();
                sub[i] = c;
                out.push(text(sub));
            }
        }
        if i < b.len() {
            let mut del = b.to_vec();
            del.remove(i);
            out.push(text(del));
        }
        if i + 1 < b.len() && b[i] != b[i + 1] {
            let mut swap = b.to_vec();
            swap.swap(i, i + 1);
            out.push(text(swap));
        }
    }
    out
}

/// A postcode result: its point and the area of every level it lies in.
fn postcode_hit(engine: &Engine, code: &str, point: &PostcodePoint, score: f64) -> Hit {
    let areas: Vec<Option<usize>> = engine
        .levels
        .iter()
        .zip(&engine.indexes)
        .map(|(level, index)| index.locate_by(point.bng, |i| &level.areas[i].bng))
        .collect();
    let place = place_among(engine, &areas);
    let label = match &place {
        Some(p) => format!("{code}, {p}"),
        None => code.to_string(),
    };
    Hit {
        score,
        order: (0, code.to_string()),
        json: json!({
            "kind": "postcode",
            "postcode": code,
            "place": place,
            "label": label,
            "score": score,
            "point": [point.wgs84.x, point.wgs84.y],
            "areas": areas_json(engine, &areas),
        }),
    }
}

/// Best first: score, then kind, then name.
fn sort(hits: &mut [Hit]) {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.order.cmp(&b.order)));
}

/// A code or id for matching: upper case, no spaces.
fn compact_code(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase()
}

fn bbox_json(b: &Rect<f64>) -> Value {
    json!([b.min().x, b.min().y, b.max().x, b.max().y])
}

/// The name of the finest area with a place name among `areas` (one
/// optional area index per level, engine order), for "in Bradford Moor".
fn place_among(engine: &Engine, areas: &[Option<usize>]) -> Option<String> {
    areas.iter().enumerate().rev().find_map(|(l, a)| {
        let name = &engine.levels.get(l)?.areas.get((*a)?)?.name;
        (!is_statistical_name(name)).then(|| name.clone())
    })
}

/// The areas of every level at `areas`, as `{level, code, name}` objects.
fn areas_json(engine: &Engine, areas: &[Option<usize>]) -> Vec<Value> {
    areas
        .iter()
        .enumerate()
        .filter_map(|(l, a)| {
            let level = engine.levels.get(l)?;
            let area = level.areas.get((*a)?)?;
            Some(json!({ "level": level.id, "code": area.code, "name": area.name }))
        })
        .collect()
}

fn entry_hit(engine: &Engine, target: Target, score: f64) -> Hit {
    match target {
        Target::Area { level: l, area: a } => {
            let level = &engine.levels[l];
            let area = &level.areas[a];
            let label = engine.name_with_place(l, a);
            Hit {
                score,
                order: (1 + l, label.clone()),
                json: json!({
                    "kind": "area",
                    "level": level.id,
                    "level_label": level.label,
                    "code": area.code,
                    "name": area.name,
                    "place": engine.place_of(l, a),
                    "label": label,
                    "score": score,
                    "point": [area.interior_wgs84.x, area.interior_wgs84.y],
                    "bbox": bbox_json(&area.bbox_wgs84),
                }),
            }
        }
        Target::Service(i) => {
            let s = &engine.services[i];
            let place = place_among(engine, &s.areas);
            let label = match &place {
                Some(p) => format!("{}, {p}", s.name),
                None => s.name.clone(),
            };
            Hit {
                score,
                order: (1 + engine.levels.len(), label.clone()),
                json: json!({
                    "kind": "service",
                    "id": s.id,
                    "name": s.name,
                    "category": s.category,
                    "category_label": engine.categories.get(&s.category).map(|c| c.label.clone()),
                    "tier": s.tier,
                    "place": place,
                    "label": label,
                    "score": score,
                    "point": [s.wgs84.x, s.wgs84.y],
                    "areas": areas_json(engine, &s.areas),
                }),
            }
        }
    }
}

/// The JSON answer for `hits` (best first): at most `limit` results, the
/// number left off, and whether the user must choose.
pub fn answer(query: &str, hits: &[Hit], limit: usize) -> Value {
    let exact = hits.iter().filter(|h| h.score >= 1.0).count();
    let ambiguous = match hits {
        [] | [_] => false,
        [best, next, ..] => exact != 1 && best.score - next.score < CLEAR_MARGIN,
    };
    let shown: Vec<&Value> = hits.iter().take(limit).map(|h| &h.json).collect();
    json!({
        "query": query,
        "results": shown,
        "more": hits.len().saturating_sub(limit),
        "ambiguous": ambiguous,
    })
}

/// `GET /api/search?q=&limit=`.
pub async fn search(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Result<Response, ServeError> {
    let params = Params::parse(raw.as_deref())?;
    let q = params.get("q")?.map(str::trim).unwrap_or("");
    if q.is_empty() {
        return Err(ServeError::bad("q", "`q` is required: a place, area name or code, service name or postcode"));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ServeError::bad("q", format!("`q` is longer than {MAX_QUERY_CHARS} characters; search for a shorter name")));
    }
    let limit = params.uint("limit", DEFAULT_LIMIT, MAX_LIMIT)?;
    if limit == 0 {
        return Err(ServeError::bad("limit", format!("`limit` must be 1 to {MAX_LIMIT}")));
    }
    let hits = state.search.find(&state.engine, q);
    Ok(with_type(JSON, answer(q, &hits, limit).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(score: f64, name: &str) -> Hit {
        Hit { score, json: json!({ "name": name }), order: (1, name.into()) }
    }

    #[test]
    fn one_exact_match_is_not_ambiguous() {
        let hits = [hit(1.0, "Tong"), hit(0.9, "Tong Street")];
        let a = answer("tong", &hits, 10);
        assert_eq!(a["ambiguous"], false);
        assert_eq!(a["results"].as_array().unwrap().len(), 2);
        assert_eq!(answer("tong", &[hit(1.0, "Tong"), hit(1.0, "Tong")], 10)["ambiguous"], true);
        assert_eq!(answer("tonq", &[hit(0.8, "Tong"), hit(0.7, "Toller")], 10)["ambiguous"], false);
        let typos = [hit(0.8, "Tong"), hit(0.78, "Toller")];
        assert_eq!(answer("tonq", &typos, 10)["ambiguous"], true);
        assert_eq!(answer("tonq", &typos[..1], 10)["ambiguous"], false);
    }

    #[test]
    fn one_slip_variants_cover_every_kind_of_slip() {
        let v = one_slip_variants("BD57AA");
        for slip in ["BD57AB", "BD5AA", "BDX57AA", "DB57AA", "BD57AAA"] {
            assert!(v.iter().any(|x| x == slip), "{slip}");
        }
        assert!(!v.iter().any(|x| x == "BD57AA"), "the text itself is not a variant");
    }

    #[test]
    fn answers_are_bounded() {
        let hits: Vec<Hit> = (0..30).map(|i| hit(0.9, &format!("a{i}"))).collect();
        let a = answer("a", &hits, 5);
        assert_eq!(a["results"].as_array().unwrap().len(), 5);
        assert_eq!(a["more"], 25);
    }

    #[test]
    fn best_first_then_kind_then_name() {
        let mut hits = vec![hit(0.9, "b"), hit(1.0, "z"), hit(0.9, "a")];
        hits[0].order = (2, "b".into());
        sort(&mut hits);
        let names: Vec<&str> = hits.iter().map(|h| h.json["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["z", "a", "b"]);
    }
}
