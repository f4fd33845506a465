//! The checks of a submission's rows, each message naming the row and the
//! field and saying what to do.
//!
//! | check | severity |
//! |---|---|
//! | no name; no category; category not in the manifest (the nearest ids are suggested) | error |
//! | tier not in the manifest; capacity not a number or implausible | error |
//! | tier other than the category's default | warning (allowed, flagged) |
//! | no place; half a coordinate pair; a postcode that is not one | error |
//! | postcode not in the lookup (new, terminated, mistyped): listed, never guessed | error when it is the only place, warning when coordinates place the row |
//! | coordinates over 1 km from the postcode given | warning |
//! | point outside the district (in no area of any level) | warning (allowed, flagged) |
//! | Excel error value in a cell | error; formula | warning (from the upload) |
//! | the same service as an earlier row of the file, or as a register service (the dedupe rule) | duplicate: decide keep, skip or merge |
//!
//! A category is matched by id (any case), or by its label; a tier by id (any case).

use std::collections::BTreeSet;

use geo::Coord;

use super::report::{Duplicate, Message, RowState, Side, ValidationReport};
use super::{Decision, Submission, SubmittedRow};
use crate::dataset::Manifest;
use crate::load::{normalise_postcode, parse_number};
use crate::register::dedupe::{DedupeRule, MAX_MERGE_DISTANCE_M};
use crate::register::names::{name_tokens, token_similarity};
use crate::register::placing::{GivenPlace, Placer};
use crate::register::record::RegisteredService;
use crate::register::upload::{normalise_header, Field, Severity};

/// How far coordinates may lie from the postcode given with them before a warning.
pub const POSTCODE_MISMATCH_M: f64 = 1000.0;

/// Everything a submission is checked against.
pub struct Checker<'a> {
    pub manifest: &'a Manifest,
    pub placer: &'a Placer<'a>,
    /// The register's services now.
    pub existing: &'a [RegisteredService],
    pub rule: &'a DedupeRule,
    /// Whether a BNG point lies in the district (None: not checked).
    pub inside: Option<&'a dyn Fn(Coord<f64>) -> bool>,
}

/// What one row would become (id, source and partner are set at publication).
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub row: usize,
    pub service: RegisteredService,
}

fn field_order(field: &str) -> usize {
    Field::ALL.iter().position(|f| f.id() == field).unwrap_or(Field::ALL.len())
}

impl Checker<'_> {
    fn category(&self, text: &str, msg: &mut dyn FnMut(Field, Severity, String)) -> Option<String> {
        let cats = &self.manifest.categories;
        if cats.contains_key(text) {
            return Some(text.to_string());
        }
        let key = normalise_header(text);
        if let Some(id) = cats.keys().find(|id| normalise_header(id) == key) {
            return Some(id.clone());
        }
        if let Some((id, _)) = cats.iter().find(|(_, c)| normalise_header(&c.label) == key) {
            msg(Field::Category, Severity::Warning, format!("`{text}` is the label of category `{id}`: read as `{id}`"));
            return Some(id.clone());
        }
        let mut near: Vec<(f64, &String)> = cats
            .iter()
            .map(|(id, c)| (strsim::jaro_winkler(&key, &normalise_header(id)).max(strsim::jaro_winkler(&key, &normalise_header(&c.label))), id))
            .filter(|(s, _)| *s >= 0.8)
            .collect();
        near.sort_by(|a, b| b.0.total_cmp(&a.0));
        let hint = match near.first() {
            Some((_, id)) => format!(" Did you mean `{id}`?"),
            None => String::new(),
        };
        let known: Vec<&str> = cats.keys().map(String::as_str).collect();
        msg(Field::Category, Severity::Error, format!("`{text}` is not a category of the manifest; give one of {}.{hint}", known.join(", ")));
        None
    }

    /// One row: its messages, and the service it would become when it has no error.
    fn row(&self, r: &SubmittedRow, report: &mut ValidationReport) -> (Vec<Message>, Option<RegisteredService>) {
        let mut messages: Vec<Message> = Vec::new();
        let mut msg = |field: Field, severity: Severity, message: String| messages.push(Message { row: r.row, field: field.id().into(), severity, message });
        let name = r.get(Field::Name);
        if name.is_none() {
            msg(Field::Name, Severity::Error, "empty: every service needs a name".into());
        }
        let category = match r.get(Field::Category) {
            None => {
                msg(Field::Category, Severity::Error, format!("empty: give a category of the manifest ({})", self.manifest.categories.keys().cloned().collect::<Vec<_>>().join(", ")));
                None
            }
            Some(c) => self.category(c, &mut msg),
        };
        let default_tier = category.as_ref().and_then(|c| self.manifest.categories.get(c)).map(|c| c.tier.clone());
        let tier = match r.get(Field::Tier) {
            None => default_tier.clone(),
            Some(t) => match self.manifest.tiers.keys().find(|k| k.eq_ignore_ascii_case(t) || normalise_header(k) == normalise_header(t)) {
                Some(k) => {
                    if let (Some(d), Some(c)) = (&default_tier, &category) {
                        if d != k {
                            msg(Field::Tier, Severity::Warning, format!("tier `{k}` differs from category `{c}`'s tier `{d}`: allowed, but check it is meant"));
                        }
                    }
                    Some(k.clone())
                }
                None => {
                    let known: Vec<&str> = self.manifest.tiers.keys().map(String::as_str).collect();
                    msg(Field::Tier, Severity::Error, format!("`{t}` is not a tier of the manifest; give one of {}, or leave it empty for the category's tier", known.join(", ")));
                    None
                }
            },
        };
        let number = |field: Field, msg: &mut dyn FnMut(Field, Severity, String)| match r.get(field).map(parse_number) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(v))) => Some(v),
            Some(Err(m)) => {
                msg(field, Severity::Error, format!("{m}; give a number"));
                None
            }
        };
        let capacity = number(Field::Capacity, &mut msg);
        if let Some(c) = capacity.filter(|c| !(0.0..=crate::engine::MAX_CAPACITY).contains(c)) {
            msg(Field::Capacity, Severity::Error, format!("{c} is not a plausible capacity; give a number from 0 to {:e}", crate::engine::MAX_CAPACITY));
        }
        let pair = |a: Field, b: Field, msg: &mut dyn FnMut(Field, Severity, String)| match (number(a, msg), number(b, msg)) {
            (Some(x), Some(y)) => Some((x, y)),
            (None, None) => None,
            (Some(_), None) => {
                msg(b, Severity::Error, format!("empty while `{a}` is given: give both `{a}` and `{b}`, or neither"));
                None
            }
            (None, Some(_)) => {
                msg(a, Severity::Error, format!("empty while `{b}` is given: give both `{a}` and `{b}`, or neither"));
                None
            }
        };
        let lon_lat = pair(Field::Lon, Field::Lat, &mut msg);
        let easting_northing = pair(Field::Easting, Field::Northing, &mut msg);
        let postcode = r.get(Field::Postcode);
        let normalised = postcode.and_then(normalise_postcode);
        let has_coordinates = lon_lat.is_some() || easting_northing.is_some();
        if let (Some(raw), None, true) = (postcode, &normalised, has_coordinates) {
            msg(Field::Postcode, Severity::Error, format!("`{raw}` is not a postcode (like BD5 7AA); correct it or leave it empty"));
        }
        let placement = match self.placer.place(GivenPlace { lon_lat, easting_northing, postcode }) {
            Ok(p) => Some(p),
            Err(p) => {
                if let Some(code) = &p.unknown_postcode {
                    report.unknown_postcodes.push((r.row, code.clone()));
                }
                let field = Field::parse(p.field).unwrap_or(Field::Postcode);
                msg(field, Severity::Error, p.message);
                None
            }
        };
        if let (Some(place), Some(code)) = (&placement, &normalised) {
            if has_coordinates {
                match self.placer.postcode_point(code) {
                    Some(p) => {
                        let d = (p.bng.x - place.bng.x).hypot(p.bng.y - place.bng.y);
                        if d > POSTCODE_MISMATCH_M {
                            msg(Field::Postcode, Severity::Warning, format!("the coordinates lie {:.1} km from {code}'s centre: check the coordinates or the postcode", d / 1000.0));
                        }
                    }
                    None => {
                        report.unknown_postcodes.push((r.row, code.clone()));
                        msg(Field::Postcode, Severity::Warning, format!("{code} is not in the postcode lookup (new, terminated or mistyped); the row is placed by its coordinates. Check the postcode"));
                    }
                }
            }
        }
        if let (Some(place), Some(inside)) = (&placement, self.inside) {
            if !inside(place.bng) {
                let field = if lon_lat.is_some() { Field::Lon } else if easting_northing.is_some() { Field::Easting } else { Field::Postcode };
                msg(field, Severity::Warning, format!("the place ({:.0}, {:.0}) lies outside the district: allowed, but check it is meant (it counts in no area)", place.bng.x, place.bng.y));
            }
        }
        if messages.iter().any(|m| m.severity == Severity::Error) {
            return (messages, None);
        }
        let (Some(name), Some(category), Some(tier), Some(place)) = (name, category, tier, placement) else { return (messages, None) };
        let text = |f: Field| r.get(f).map(String::from);
        let service = RegisteredService {
            id: String::new(),
            name: name.to_string(),
            category,
            subcategory: text(Field::Subcategory),
            tier,
            capacity,
            status: text(Field::Status),
            postcode: normalised,
            located_by: place.located_by,
            lon: place.wgs84.x,
            lat: place.wgs84.y,
            easting: place.bng.x,
            northing: place.bng.y,
            source: String::new(),
            source_file: "register".into(),
            source_ids: Vec::new(),
            opening_hours: text(Field::OpeningHours),
            contact: text(Field::Contact),
            partner: None,
            created: String::new(),
            updated: String::new(),
        };
        (messages, Some(service))
    }

    fn pair(&self, a: &RegisteredService, b: &RegisteredService, ta: &BTreeSet<String>, tb: &BTreeSet<String>) -> Option<(f64, bool, f64)> {
        if !self.rule.categories_compatible(&a.category, &b.category) {
            return None;
        }
        let d = (a.easting - b.easting).hypot(a.northing - b.northing);
        let same_postcode = a.postcode.is_some() && a.postcode == b.postcode;
        if !(d <= self.rule.radius_m || same_postcode && d <= MAX_MERGE_DISTANCE_M) {
            return None;
        }
        let similarity = token_similarity(ta, tb);
        (similarity >= self.rule.min_similarity).then_some((d, same_postcode, similarity))
    }

    /// Check every row of `submission`: the report, and the service each
    /// row without errors would become (in file order).
    pub fn check(&self, submission: &Submission) -> (ValidationReport, Vec<Draft>) {
        let mut report = ValidationReport { rows: submission.rows.len(), ..Default::default() };
        let mut drafts: Vec<Draft> = Vec::new();
        let mut messages: Vec<Message> = Vec::new();
        for r in &submission.rows {
            let (mut m, service) = self.row(r, &mut report);
            for note in submission.cells.iter().filter(|n| n.row == r.row) {
                m.push(Message { row: r.row, field: note.field.id().into(), severity: note.severity, message: note.message.clone() });
            }
            if let Some(Decision::Merge(id)) = &r.decision {
                if !self.existing.iter().any(|s| &s.id == id) {
                    m.push(Message { row: r.row, field: "row".into(), severity: Severity::Error, message: format!("decided to merge into `{id}`, which is not a service of the register; decide again") });
                }
            }
            let has_error = m.iter().any(|m| m.severity == Severity::Error);
            messages.extend(m);
            if let (Some(service), false) = (service, has_error) {
                drafts.push(Draft { row: r.row, service });
            }
        }
        // Duplicates: earlier rows of the file, then register services.
        let side_row = |d: &Draft| Side { what: format!("row {}", d.row), name: d.service.name.clone(), category: d.service.category.clone(), postcode: d.service.postcode.clone(), source: submission.file_name.clone() };
        let tokens: Vec<BTreeSet<String>> = drafts.iter().map(|d| name_tokens(&d.service.name, &self.rule.stop_words)).collect();
        let existing_tokens: Vec<BTreeSet<String>> = self.existing.iter().map(|s| name_tokens(&s.name, &self.rule.stop_words)).collect();
        for (j, dj) in drafts.iter().enumerate() {
            let values_j = &submission.row(dj.row).map(|r| &r.values);
            for (i, di) in drafts[..j].iter().enumerate() {
                let identical = values_j.is_some() && submission.row(di.row).map(|r| &r.values) == *values_j;
                let pair = self.pair(&dj.service, &di.service, &tokens[j], &tokens[i]);
                if identical || pair.is_some() {
                    let (distance_m, same_postcode, similarity) = pair.unwrap_or_else(|| {
                        let d = (dj.service.easting - di.service.easting).hypot(dj.service.northing - di.service.northing);
                        (d, dj.service.postcode.is_some() && dj.service.postcode == di.service.postcode, token_similarity(&tokens[j], &tokens[i]))
                    });
                    report.duplicates.push(Duplicate { row: dj.row, of_row: Some(di.row), of_service: None, this: side_row(dj), that: side_row(di), distance_m, same_postcode, similarity, identical });
                }
            }
            let mut found: Vec<Duplicate> = self
                .existing
                .iter()
                .zip(&existing_tokens)
                .filter_map(|(s, ts)| {
                    let (distance_m, same_postcode, similarity) = self.pair(&dj.service, s, &tokens[j], ts)?;
                    Some(Duplicate {
                        row: dj.row,
                        of_row: None,
                        of_service: Some(s.id.clone()),
                        this: side_row(dj),
                        that: Side { what: s.id.clone(), name: s.name.clone(), category: s.category.clone(), postcode: s.postcode.clone(), source: s.source.clone() },
                        distance_m,
                        same_postcode,
                        similarity,
                        identical: false,
                    })
                })
                .collect();
            found.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.distance_m.total_cmp(&b.distance_m)));
            report.duplicates.extend(found);
        }
        for d in &report.duplicates {
            let (what, of) = match (&d.of_row, &d.of_service) {
                (Some(r), _) if d.identical => ("the same as", format!("row {r} (every field)")),
                (Some(r), _) => ("may be the same service as", format!("row {r} `{}`", d.that.name)),
                (_, Some(id)) => ("may be the same service as", format!("register service {id} `{}` ({})", d.that.name, d.that.source)),
                _ => continue,
            };
            let place = if d.same_postcode { format!("the same postcode, {:.0} m away", d.distance_m) } else { format!("{:.0} m away", d.distance_m) };
            let how = if d.of_row.is_some() {
                "decide: skip it, or keep both"
            } else {
                "decide: skip it, merge it into that service, or keep both"
            };
            messages.push(Message {
                row: d.row,
                field: Field::Name.id().into(),
                severity: Severity::Warning,
                message: format!("{what} {of}: {place}, name similarity {:.2}; {how}", d.similarity),
            });
        }
        messages.sort_by(|a, b| (a.row, field_order(&a.field)).cmp(&(b.row, field_order(&b.field))));
        report.messages = messages;
        for r in &submission.rows {
            let has_error = report.messages.iter().any(|m| m.row == r.row && m.severity == Severity::Error);
            let duplicate = report.duplicates.iter().any(|d| d.row == r.row);
            let state = match (&r.decision, has_error) {
                (Some(Decision::Skip), _) => RowState::Skip,
                (_, true) => RowState::Error,
                (Some(Decision::Keep), _) => if duplicate { RowState::Keep } else { RowState::Ready },
                (Some(Decision::Merge(_)), _) => RowState::Merge,
                (None, false) => if duplicate { RowState::Duplicate } else { RowState::Ready },
            };
            report.states.push((r.row, state));
        }
        (report, drafts)
    }
}
