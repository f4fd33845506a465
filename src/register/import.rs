//! `needmap register import FILE`: services from a CSV, each row checked
//! and placed (coordinates, else postcode), all added in one transaction.
//!
//! Columns (header names in any case): `name` and `category` (required),
//! `id`, `subcategory`, `tier`, `capacity`, `status`, `postcode`, `lon` and
//! `lat` (WGS84) or `easting` and `northing` (EPSG:27700), `opening_hours`,
//! `contact`, `partner`, `source`, `source_id`. A row needs a place: its
//! coordinates or a postcode found in the `[postcodes]` lookup.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::dataset::Manifest;
use crate::load::{normalise_postcode, parse_number, read_table, Diagnostics};

use super::placing::{GivenPlace, Placer};
use super::record::{RegisteredService, SourceRecord};
use super::{Register, RegisterError};

/// The columns an import file may have.
pub const IMPORT_COLUMNS: &[&str] = &[
    "id", "name", "category", "subcategory", "tier", "capacity", "status", "postcode", "lon", "lat", "easting", "northing",
    "opening_hours", "contact", "partner", "source", "source_id",
];

/// A row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    /// `row 12` (the file's line).
    pub row: String,
    pub field: String,
    pub message: String,
}

/// A checked import file: the services to add and every problem found.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub services: Vec<RegisteredService>,
    pub problems: Vec<RowProblem>,
    /// Postcodes not in the lookup, with their rows: listed, never guessed.
    pub unknown_postcodes: Vec<(String, String)>,
    /// Columns of the file that are not import columns (ignored).
    pub ignored_columns: Vec<String>,
    /// Rows read.
    pub rows: usize,
}

impl ImportPlan {
    /// Services placed by their postcode.
    pub fn by_postcode(&self) -> usize {
        self.services.iter().filter(|s| s.located_by == super::LocatedBy::Postcode).count()
    }
}

/// Read and check an import file against the manifest and the register
/// (ids must be new). Nothing is written.
pub fn plan_import(path: &Path, manifest: &Manifest, placer: &Placer<'_>, register: &Register) -> Result<ImportPlan, RegisterError> {
    let mut diags = Diagnostics::default();
    let table = read_table(path, &mut diags).map_err(|e| RegisterError::Io { path: path.to_path_buf(), message: e.to_string() })?;
    let file = table.file();
    let index: HashMap<String, usize> = table.headers.iter().enumerate().map(|(i, h)| (h.trim().to_ascii_lowercase(), i)).collect();
    let mut plan = ImportPlan { rows: table.rows.len(), ..Default::default() };
    plan.ignored_columns = table.headers.iter().filter(|h| !IMPORT_COLUMNS.contains(&h.trim().to_ascii_lowercase().as_str())).cloned().collect();
    for required in ["name", "category"] {
        if !index.contains_key(required) {
            plan.problems.push(RowProblem { row: "header".into(), field: required.into(), message: format!("no `{required}` column; the file needs one") });
        }
    }
    if !plan.problems.is_empty() {
        return Ok(plan);
    }
    let existing: HashSet<String> = register.services()?.into_iter().map(|s| s.id).collect();
    let mut new_ids: HashSet<String> = HashSet::new();
    let mut next = register.count()? + 1;
    for (line, rec) in &table.rows {
        let row = format!("row {line}");
        let cell = |name: &str| index.get(name).and_then(|&i| rec.get(i)).map(str::trim).filter(|v| !v.is_empty());
        let mut bad = |field: &str, message: String| RowProblem { row: row.clone(), field: field.into(), message };
        let mut problems = Vec::new();
        let name = cell("name");
        if name.is_none() {
            problems.push(bad("name", "empty; every service needs a name".into()));
        }
        let category = cell("category").unwrap_or("");
        let cat = manifest.categories.get(category);
        if category.is_empty() {
            problems.push(bad("category", "empty; give a category id of dataset.toml".into()));
        } else if cat.is_none() {
            let known: Vec<&str> = manifest.categories.keys().map(String::as_str).collect();
            problems.push(bad("category", format!("`{category}` is not a category of dataset.toml ({})", known.join(", "))));
        }
        let tier = match cell("tier").map(str::to_ascii_lowercase) {
            Some(t) if manifest.tiers.contains_key(&t) => Some(t),
            Some(t) => {
                let known: Vec<&str> = manifest.tiers.keys().map(String::as_str).collect();
                problems.push(bad("tier", format!("`{t}` is not a tier ({})", known.join(", "))));
                None
            }
            None => cat.map(|c| c.tier.clone()),
        };
        let number = |field: &str, problems: &mut Vec<RowProblem>, bad: &mut dyn FnMut(&str, String) -> RowProblem| match cell(field).map(parse_number) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(v))) => Some(v),
            Some(Err(m)) => {
                problems.push(bad(field, m));
                None
            }
        };
        let capacity = number("capacity", &mut problems, &mut bad);
        if capacity.is_some_and(|c| !(0.0..=crate::engine::MAX_CAPACITY).contains(&c)) {
            problems.push(bad("capacity", format!("{} is not a plausible capacity (0 to {:e})", capacity.unwrap_or_default(), crate::engine::MAX_CAPACITY)));
        }
        let pair = |a: &str, b: &str, problems: &mut Vec<RowProblem>, bad: &mut dyn FnMut(&str, String) -> RowProblem| {
            match (number(a, problems, bad), number(b, problems, bad)) {
                (Some(x), Some(y)) => Some((x, y)),
                (None, None) => None,
                _ => {
                    problems.push(bad(a, format!("give both `{a}` and `{b}`, or neither")));
                    None
                }
            }
        };
        let lon_lat = pair("lon", "lat", &mut problems, &mut bad);
        let easting_northing = pair("easting", "northing", &mut problems, &mut bad);
        let postcode = cell("postcode");
        let normalised = postcode.and_then(normalise_postcode);
        if postcode.is_some() && normalised.is_none() && (lon_lat.is_some() || easting_northing.is_some()) {
            problems.push(bad("postcode", format!("`{}` is not a postcode (like BD5 7AA)", postcode.unwrap_or_default())));
        }
        let placement = match placer.place(GivenPlace { lon_lat, easting_northing, postcode }) {
            Ok(p) => Some(p),
            Err(p) => {
                if let Some(code) = &p.unknown_postcode {
                    plan.unknown_postcodes.push((row.clone(), code.clone()));
                }
                problems.push(bad(p.field, p.message));
                None
            }
        };
        let id = match cell("id") {
            Some(id) if existing.contains(id) => {
                problems.push(bad("id", format!("`{id}` is already in the register; leave id empty for a new one")));
                None
            }
            Some(id) if !new_ids.insert(id.to_string()) => {
                problems.push(bad("id", format!("`{id}` is used by an earlier row of this file")));
                None
            }
            Some(id) => Some(id.to_string()),
            None => loop {
                let id = format!("reg-{next:05}");
                next += 1;
                if !existing.contains(&id) && new_ids.insert(id.clone()) {
                    break Some(id);
                }
            },
        };
        if !problems.is_empty() {
            plan.problems.extend(problems);
            continue;
        }
        let (Some(id), Some(name), Some(tier), Some(place)) = (id, name, tier, placement) else { continue };
        let source = cell("source").map(String::from).unwrap_or_else(|| format!("import:{file}"));
        plan.services.push(RegisteredService {
            source_ids: vec![SourceRecord { id: id.clone(), source: source.clone(), source_id: cell("source_id").map(String::from) }],
            id,
            name: name.to_string(),
            category: category.to_string(),
            subcategory: cell("subcategory").map(String::from),
            tier,
            capacity,
            status: cell("status").map(String::from),
            postcode: normalised,
            located_by: place.located_by,
            lon: place.wgs84.x,
            lat: place.wgs84.y,
            easting: place.bng.x,
            northing: place.bng.y,
            source,
            source_file: "register".into(),
            opening_hours: cell("opening_hours").map(String::from),
            contact: cell("contact").map(String::from),
            partner: cell("partner").map(String::from).or_else(|| cat.and_then(|c| c.partner.clone())),
            created: String::new(),
            updated: String::new(),
        });
    }
    Ok(plan)
}
