//! The instance as CSV files, so that an independent solver (PySAL spopt in
//! `tests/fixtures/suggest/make_suggest_fixtures.py`) solves exactly the
//! problem needmap solves:
//!
//! - `origins.csv`: `origin,code,x,y,demand` (BNG metres);
//! - `sites.csv`: `site,kind,id,name,x,y` with `kind` `existing` (always open)
//!   or `candidate`, existing sites first;
//! - `pairs.csv`: `origin,site,cost`. Coverage: every origin-site pair within
//!   the threshold (existing sites too), cost in the threshold's unit.
//!   P-median: for every origin with demand, its nearest existing site and
//!   every candidate strictly cheaper than that; any other candidate costs at
//!   least as much as the nearest existing site, which is always open, so
//!   the pairs hold the whole problem;
//! - `problem.json`: the parameters and needmap's own loss before.

use std::io::Write;
use std::path::Path;

use super::{Objective, Prepared, SuggestError};
use crate::engine::Engine;
use crate::index::ServiceIndex;

pub(super) fn write_problem(p: &Prepared, engine: &Engine, dir: &Path) -> Result<(), SuggestError> {
    let err = |file: &Path, e: std::io::Error| SuggestError::Write {
        file: file.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
    let write = |name: &str, text: String| -> Result<(), SuggestError> {
        let path = dir.join(name);
        let mut f = std::fs::File::create(&path).map_err(|e| err(&path, e))?;
        f.write_all(text.as_bytes()).map_err(|e| err(&path, e))
    };
    let csv_text = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let origins = &p.demand.origins;
    let level = &engine.levels[origins.level];
    let mut text = String::from("origin,code,x,y,demand\n");
    for (i, pt) in origins.points.iter().enumerate() {
        text += &format!("{i},{},{:?},{:?},{:?}\n", csv_text(&level.areas[i].code), pt.bng.x, pt.bng.y, p.demand.weight[i]);
    }
    write("origins.csv", text)?;
    let e = p.existing.len();
    let mut text = String::from("site,kind,id,name,x,y\n");
    for (k, &s) in p.existing.iter().enumerate() {
        let s = &engine.services[s];
        text += &format!("{k},existing,{},{},{:?},{:?}\n", csv_text(&s.id), csv_text(&s.name), s.bng.x, s.bng.y);
    }
    for (k, c) in p.candidates.sites.iter().enumerate() {
        text += &format!("{},candidate,{},{},{:?},{:?}\n", e + k, csv_text(&c.id), csv_text(&c.name), c.bng.x, c.bng.y);
    }
    write("sites.csv", text)?;
    let existing = ServiceIndex::new(p.existing.iter().enumerate().map(|(k, &i)| (k, engine.services[i].bng)));
    let mut text = String::from("origin,site,cost\n");
    let cost = &p.cost;
    match p.query.objective {
        Objective::Coverage => {
            let limit = cost.reach.value();
            let radius = cost.radius_m(limit);
            let candidates = ServiceIndex::new(p.candidates.sites.iter().enumerate().map(|(k, c)| (e + k, c.bng)));
            for (i, o) in origins.bng().enumerate() {
                if !(p.demand.weight[i] > 0.0) {
                    continue;
                }
                let mut near: Vec<(usize, f64)> = existing.within(o, radius).chain(candidates.within(o, radius)).map(|(s, d)| (s, cost.of(d))).filter(|(_, c)| *c <= limit).collect();
                near.sort_by_key(|x| x.0);
                for (s, c) in near {
                    text += &format!("{i},{s},{c:?}\n");
                }
            }
        }
        Objective::Pmedian => {
            let mut per_origin: Vec<Vec<(usize, f64)>> = vec![Vec::new(); origins.len()];
            for (j, pairs) in p.problem.pairs.iter().enumerate() {
                for &(i, c) in pairs {
                    per_origin[i as usize].push((e + j, c));
                }
            }
            for (i, o) in origins.bng().enumerate() {
                if !(p.demand.weight[i] > 0.0) {
                    continue;
                }
                if let Some((k, d)) = existing.nearest(o).next() {
                    text += &format!("{i},{k},{:?}\n", cost.of(d));
                }
                for (s, c) in &per_origin[i] {
                    text += &format!("{i},{s},{c:?}\n");
                }
            }
        }
    }
    write("pairs.csv", text)?;
    let meta = serde_json::json!({
        "query": p.query,
        "cost_unit": p.cost.unit(),
        "threshold": p.cost.reach.value(),
        "existing": e,
        "candidates": p.candidates.sites.len(),
        "loss_before": p.problem.loss_of(&p.problem.base),
    });
    write("problem.json", serde_json::to_string_pretty(&meta).unwrap_or_default())
}
