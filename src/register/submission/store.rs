//! Submissions in the register's `submissions` table, and their review.
//!
//! A row of `submissions` holds the partner (`partner_id`), `status`,
//! `file_name`, the draft as JSON in `rows` (column match, file notes,
//! cell notes, rows with their decisions, who uploaded it, the reason of a
//! rejection, the services published) and the latest validation report as
//! JSON in `report`. Every change of a submission is one transaction with
//! its row in `changes` (`submit`, `fix`, `decide`, `send`, `publish`,
//! `reject`; `service_id` empty, the submission named in `note`).
//! Publication adds the services (`add` rows naming the reviewer), fills
//! and extends the services rows are merged into (`update` rows), and
//! marks the submission published, all in ONE transaction: on any error
//! nothing of it is written.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

use super::report::{RowState, ValidationReport};
use super::validate::Checker;
use super::{Decision, Submission, SubmissionStatus, SubmittedRow};
use crate::register::gpkg;
use crate::register::record::{RegisteredService, SourceRecord};
use crate::register::schema::SERVICES;
use crate::register::store::{insert_service, json, log, now_text};
use crate::register::upload::{ColumnMatch, Field, FieldNote};
use crate::register::{Register, RegisterError};

/// The JSON of the `rows` column.
#[derive(Serialize, Deserialize)]
struct Payload {
    columns: ColumnMatch,
    notes: Vec<String>,
    cells: Vec<FieldNote>,
    rows: Vec<SubmittedRow>,
    submitted_by: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    published: Vec<String>,
}

/// What a publication did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Publication {
    /// Ids of the services added, with their rows.
    pub added: Vec<(usize, String)>,
    /// Services rows were merged into, with their rows.
    pub merged: Vec<(usize, String)>,
    /// Rows left out by decision.
    pub skipped: Vec<usize>,
    /// Rows left out by the explicit exclusion (errors, undecided duplicates).
    pub excluded: Vec<(usize, RowState)>,
}

/// The service id a published row gets: `sub<submission>-r<row>`.
pub fn published_id(submission: i64, row: usize) -> String {
    format!("sub{submission}-r{row}")
}

fn rows_list(rows: &[(usize, RowState)]) -> String {
    rows.iter().map(|(r, s)| format!("row {r} ({})", s.as_str())).collect::<Vec<_>>().join(", ")
}

/// The row `merged` becomes: its empty fields filled from `from` and the new record added.
fn merged_into(existing: &RegisteredService, from: &RegisteredService, record: SourceRecord) -> RegisteredService {
    let mut out = existing.clone();
    let fill = |mine: &mut Option<String>, theirs: &Option<String>| {
        if mine.as_deref().is_none_or(str::is_empty) {
            mine.clone_from(theirs);
        }
    };
    fill(&mut out.postcode, &from.postcode);
    fill(&mut out.subcategory, &from.subcategory);
    fill(&mut out.status, &from.status);
    fill(&mut out.opening_hours, &from.opening_hours);
    fill(&mut out.contact, &from.contact);
    fill(&mut out.partner, &from.partner);
    if out.capacity.is_none() {
        out.capacity = from.capacity;
    }
    if !out.source_ids.contains(&record) {
        out.source_ids.push(record);
    }
    out
}

impl Register {
    fn bad_submission(&self, id: i64, message: String) -> RegisterError {
        RegisterError::BadSubmission { path: self.path.clone(), id, message }
    }

    /// Validate `submission` and save it as a new draft; its `id` is set.
    pub fn save_submission(&mut self, submission: &mut Submission, checker: &Checker<'_>) -> Result<i64, RegisterError> {
        submission.revalidate(checker);
        submission.status = SubmissionStatus::Draft;
        let now = now_text();
        submission.created = now.clone();
        submission.updated = now.clone();
        let path = self.path.clone();
        let e = |e| RegisterError::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        tx.execute(
            "INSERT INTO submissions (partner_id, status, file_name, rows, report, created, updated) VALUES (?1, 'draft', ?2, ?3, ?4, ?5, ?5)",
            params![submission.partner, submission.file_name, json(&payload(submission)), json(&submission.report), now],
        )
        .map_err(e)?;
        let id = tx.last_insert_rowid();
        let note = format!("submission {id}: `{}` from {}: {}", submission.file_name, submission.partner, submission.report.summary());
        tx.execute("INSERT INTO changes (at, who, action, note) VALUES (?1, ?2, 'submit', ?3)", params![now, submission.submitted_by, note]).map_err(e)?;
        touch_tables(&tx, &now).map_err(e)?;
        tx.commit().map_err(e)?;
        submission.id = id;
        Ok(id)
    }

    /// One submission.
    pub fn submission(&self, id: i64) -> Result<Submission, RegisterError> {
        let row = self
            .conn
            .query_row(
                "SELECT fid, partner_id, status, file_name, rows, report, created, updated, reviewed_by FROM submissions WHERE fid = ?1",
                [id],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?, r.get::<_, String>(4)?, r.get::<_, Option<String>>(5)?, r.get::<_, String>(6)?, r.get::<_, String>(7)?, r.get::<_, Option<String>>(8)?)),
            )
            .optional()
            .map_err(|e| self.err_sql(e))?
            .ok_or(RegisterError::UnknownSubmission { id })?;
        let (fid, partner, status, file_name, rows, report, created, updated, reviewed_by) = row;
        let status = SubmissionStatus::parse(&status).ok_or_else(|| self.bad_submission(id, format!("status `{status}` is not draft, submitted, published or rejected")))?;
        let payload: Payload = serde_json::from_str(&rows).map_err(|e| self.bad_submission(id, format!("`rows` is not a submission's JSON: {e}")))?;
        let report: ValidationReport = match report {
            Some(r) => serde_json::from_str(&r).map_err(|e| self.bad_submission(id, format!("`report` is not a validation report's JSON: {e}")))?,
            None => ValidationReport::default(),
        };
        Ok(Submission {
            id: fid,
            partner,
            file_name: file_name.unwrap_or_default(),
            status,
            columns: payload.columns,
            notes: payload.notes,
            cells: payload.cells,
            rows: payload.rows,
            report,
            submitted_by: payload.submitted_by,
            reviewed_by,
            reason: payload.reason,
            published: payload.published,
            created,
            updated,
        })
    }

    /// Every submission, oldest first.
    pub fn submissions(&self) -> Result<Vec<Submission>, RegisterError> {
        let mut stmt = self.conn.prepare("SELECT fid FROM submissions ORDER BY fid").map_err(|e| self.err_sql(e))?;
        let ids: Vec<i64> = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err_sql(e))?.collect::<Result<_, _>>().map_err(|e| self.err_sql(e))?;
        ids.into_iter().map(|id| self.submission(id)).collect()
    }

    fn err_sql(&self, e: rusqlite::Error) -> RegisterError {
        RegisterError::sqlite(&self.path, e)
    }

    fn open_submission(&self, id: i64) -> Result<Submission, RegisterError> {
        let s = self.submission(id)?;
        if !s.status.open() {
            return Err(RegisterError::SubmissionClosed { id, status: s.status.as_str() });
        }
        Ok(s)
    }

    fn row_index(s: &Submission, row: usize) -> Result<usize, RegisterError> {
        s.rows.iter().position(|r| r.row == row).ok_or_else(|| RegisterError::UnknownRow {
            id: s.id,
            row,
            rows: match (s.rows.first(), s.rows.last()) {
                (Some(a), Some(b)) => format!("{} to {}", a.row, b.row),
                _ => "none".into(),
            },
        })
    }

    /// Write a changed submission and its audit row in one transaction.
    fn update_submission(&mut self, s: &Submission, who: &str, action: &str, before: Option<String>, after: Option<String>, note: &str) -> Result<(), RegisterError> {
        let path = self.path.clone();
        let e = |e| RegisterError::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        let now = now_text();
        tx.execute(
            "UPDATE submissions SET status = ?1, rows = ?2, report = ?3, updated = ?4, reviewed_by = ?5 WHERE fid = ?6",
            params![s.status.as_str(), json(&payload(s)), json(&s.report), now, s.reviewed_by, s.id],
        )
        .map_err(e)?;
        tx.execute("INSERT INTO changes (at, who, action, before, after, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", params![now, who, action, before, after, note]).map_err(e)?;
        touch_tables(&tx, &now).map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Replace fields of one row (an empty value clears the field) and
    /// validate the submission again. The audit row holds the row before and after.
    pub fn fix_submission_row(&mut self, id: i64, row: usize, set: &[(Field, String)], who: &str, checker: &Checker<'_>) -> Result<Submission, RegisterError> {
        let mut s = self.open_submission(id)?;
        let i = Self::row_index(&s, row)?;
        let before = json(&s.rows[i]);
        for (field, value) in set {
            let value = value.trim();
            if value.is_empty() {
                s.rows[i].values.remove(field);
            } else {
                s.rows[i].values.insert(*field, value.to_string());
            }
            // A fixed cell's formula or error note no longer applies.
            s.cells.retain(|n| !(n.row == row && n.field == *field));
        }
        s.revalidate(checker);
        let fields: Vec<String> = set.iter().map(|(f, v)| format!("{f}={v}")).collect();
        let note = format!("submission {id}: row {row} fixed ({}); now {}", fields.join(", "), s.report.state(row).map(RowState::as_str).unwrap_or("?"));
        let after = json(&s.rows[i]);
        self.update_submission(&s, who, "fix", Some(before), Some(after), &note)?;
        self.submission(id)
    }

    /// Record a decision on one row (None clears it) and validate again.
    pub fn decide_submission_row(&mut self, id: i64, row: usize, decision: Option<Decision>, who: &str, checker: &Checker<'_>) -> Result<Submission, RegisterError> {
        let mut s = self.open_submission(id)?;
        let i = Self::row_index(&s, row)?;
        if let Some(Decision::Merge(target)) = &decision {
            if !checker.existing.iter().any(|e| &e.id == target) {
                return Err(RegisterError::UnknownService { id: target.clone() });
            }
        }
        let before = json(&s.rows[i]);
        s.rows[i].decision = decision.clone();
        s.revalidate(checker);
        let what = match &decision {
            Some(Decision::Keep) => "keep".to_string(),
            Some(Decision::Skip) => "skip".to_string(),
            Some(Decision::Merge(t)) => format!("merge into {t}"),
            None => "decision cleared".to_string(),
        };
        let after = json(&s.rows[i]);
        self.update_submission(&s, who, "decide", Some(before), Some(after), &format!("submission {id}: row {row}: {what}"))?;
        self.submission(id)
    }

    /// The partner sends a draft for review.
    pub fn send_submission(&mut self, id: i64, who: &str) -> Result<Submission, RegisterError> {
        let mut s = self.open_submission(id)?;
        s.status = SubmissionStatus::Submitted;
        self.update_submission(&s, who, "send", None, None, &format!("submission {id} sent for review: {}", s.report.summary()))?;
        self.submission(id)
    }

    /// Reject a submission with a reason; nothing enters the register.
    pub fn reject_submission(&mut self, id: i64, who: &str, reason: &str) -> Result<Submission, RegisterError> {
        let mut s = self.open_submission(id)?;
        if reason.trim().is_empty() {
            return Err(RegisterError::Invalid("give a reason for the rejection (the partner sees it)".into()));
        }
        s.status = SubmissionStatus::Rejected;
        s.reviewed_by = Some(who.to_string());
        s.reason = Some(reason.trim().to_string());
        self.update_submission(&s, who, "reject", None, None, &format!("submission {id} rejected: {}", reason.trim()))?;
        self.submission(id)
    }

    /// Publish a submission as reviewer `who`: validated again against the
    /// register as it is now; refused while a row blocks (an error, an
    /// undecided duplicate) unless `exclude_blocking`, which leaves every
    /// blocking row out and says so in the audit log. Everything is one
    /// transaction.
    pub fn publish_submission(&mut self, id: i64, who: &str, exclude_blocking: bool, checker: &Checker<'_>) -> Result<Publication, RegisterError> {
        let mut s = self.open_submission(id)?;
        let (report, drafts) = checker.check(&s);
        s.report = report;
        let blocking = s.report.blocking();
        if !blocking.is_empty() && !exclude_blocking {
            return Err(RegisterError::SubmissionBlocked { id, rows: rows_list(&blocking) });
        }
        let mut publication = Publication { excluded: blocking.clone(), ..Default::default() };
        let drafts: BTreeMap<usize, RegisteredService> = drafts.into_iter().map(|d| (d.row, d.service)).collect();
        let mut additions: Vec<(usize, RegisteredService)> = Vec::new();
        let mut merges: Vec<(usize, RegisteredService, RegisteredService)> = Vec::new();
        let source = format!("submission:{id}");
        for r in &s.rows {
            let state = s.report.state(r.row).unwrap_or(RowState::Error);
            let record = SourceRecord { id: published_id(id, r.row), source: source.clone(), source_id: r.get(Field::SourceId).map(String::from) };
            match state {
                RowState::Ready | RowState::Keep => {
                    let mut service = drafts.get(&r.row).cloned().ok_or_else(|| self.bad_submission(id, format!("row {} is {} but has no service", r.row, state.as_str())))?;
                    service.id = record.id.clone();
                    service.source = source.clone();
                    service.partner = Some(s.partner.clone());
                    service.source_ids = vec![record];
                    additions.push((r.row, service));
                }
                RowState::Merge => {
                    let Some(Decision::Merge(target)) = &r.decision else { continue };
                    let existing = checker.existing.iter().find(|e| &e.id == target).ok_or_else(|| RegisterError::UnknownService { id: target.clone() })?;
                    let from = drafts.get(&r.row).cloned().ok_or_else(|| self.bad_submission(id, format!("row {} is to merge but has no service", r.row)))?;
                    let mut from = from;
                    from.partner = Some(s.partner.clone());
                    merges.push((r.row, existing.clone(), merged_into(existing, &from, record)));
                }
                RowState::Skip => publication.skipped.push(r.row),
                RowState::Error | RowState::Duplicate => {}
            }
        }
        for r in s.rows.iter_mut() {
            if blocking.iter().any(|(b, _)| *b == r.row) {
                r.decision = Some(Decision::Skip);
            }
        }
        let path = self.path.clone();
        let e = |e| RegisterError::sqlite(&path, e);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(e)?;
        let now = now_text();
        let from = format!("submission {id} (`{}`, partner {}, uploaded by {})", s.file_name, s.partner, s.submitted_by);
        for (row, service) in &mut additions {
            service.created = now.clone();
            service.updated = now.clone();
            insert_service(&tx, service).map_err(|err| match err {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => RegisterError::DuplicateId { id: service.id.clone() },
                err => RegisterError::sqlite(&path, err),
            })?;
            log(&tx, &now, who, "add", Some(&service.id), None, Some(service), Some(&format!("published from {from}, row {row}"))).map_err(e)?;
            publication.added.push((*row, service.id.clone()));
        }
        for (row, before, after) in &mut merges {
            after.updated = now.clone();
            tx.execute("DELETE FROM services WHERE id = ?1", [&before.id]).map_err(e)?;
            insert_service(&tx, after).map_err(e)?;
            log(&tx, &now, who, "update", Some(&after.id), Some(before), Some(after), Some(&format!("merged with row {row} of {from}"))).map_err(e)?;
            publication.merged.push((*row, after.id.clone()));
        }
        s.status = SubmissionStatus::Published;
        s.reviewed_by = Some(who.to_string());
        s.published = publication.added.iter().chain(&publication.merged).map(|(_, id)| id.clone()).collect();
        s.report = checker.check(&s).0;
        let changed = tx
            .execute(
                "UPDATE submissions SET status = 'published', rows = ?1, report = ?2, updated = ?3, reviewed_by = ?4 WHERE fid = ?5 AND status IN ('draft', 'submitted')",
                params![json(&payload(&s)), json(&s.report), now, who, id],
            )
            .map_err(e)?;
        if changed != 1 {
            return Err(RegisterError::Invalid(format!("submission {id} was changed by someone else while publishing; nothing was published, try again")));
        }
        let mut note = format!("{from} published: {} service(s) added, {} merged, {} row(s) skipped by decision", publication.added.len(), publication.merged.len(), publication.skipped.len());
        if !publication.excluded.is_empty() {
            note.push_str(&format!("; excluded by the reviewer: {}", rows_list(&publication.excluded)));
        }
        tx.execute("INSERT INTO changes (at, who, action, note) VALUES (?1, ?2, 'publish', ?3)", params![now, who, note]).map_err(e)?;
        gpkg::touch_contents(&tx, SERVICES, &now).map_err(e)?;
        touch_tables(&tx, &now).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(publication)
    }
}

fn payload(s: &Submission) -> Payload {
    Payload {
        columns: s.columns.clone(),
        notes: s.notes.clone(),
        cells: s.cells.clone(),
        rows: s.rows.clone(),
        submitted_by: s.submitted_by.clone(),
        reason: s.reason.clone(),
        published: s.published.clone(),
    }
}

fn touch_tables(tx: &rusqlite::Transaction<'_>, now: &str) -> rusqlite::Result<usize> {
    tx.execute("UPDATE gpkg_contents SET last_change = ?1 WHERE table_name IN ('submissions', 'changes')", [now])
}
