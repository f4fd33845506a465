//! The register file: open, create and write it, every write one
//! transaction with its audit-log rows.
//!
//! SQLite in rollback-journal mode with `synchronous = FULL`: a process
//! killed mid-write leaves the last committed state (the journal is rolled
//! back on the next open).

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row, Transaction};

use super::geometry::{point_blob, read_point_blob};
use super::gpkg::{self, BNG_SRS_ID};
use super::record::{LocatedBy, RegisteredService, SourceRecord};
use super::schema::{self, CHANGES, PARTNERS, SERVICES, SUBMISSIONS};
use super::RegisterError;

/// The service register, open on one GeoPackage file.
pub struct Register {
    pub(in crate::register) conn: Connection,
    pub(in crate::register) path: PathBuf,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    pub at: String,
    pub who: String,
    /// `add`, `update`, `delete` or `merge`.
    pub action: String,
    pub service_id: Option<String>,
    /// The row before, as JSON (None for an add).
    pub before: Option<serde_json::Value>,
    /// The row after, as JSON (None for a delete).
    pub after: Option<serde_json::Value>,
    pub note: Option<String>,
}

/// A partner organisation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Partner {
    pub id: String,
    pub name: String,
    pub contact: Option<String>,
}

/// Now, as the GeoPackage DATETIME text (`2026-12-04T01:02:03.456Z`).
pub fn now_text() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    time::OffsetDateTime::now_utc().format(&format).unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

const SERVICE_COLUMNS: &str = "id, name, category, subcategory, tier, capacity, status, postcode, located_by, lon, lat, easting, northing, source, source_file, source_ids, opening_hours, contact, partner, created, updated";

impl Register {
    /// Create a new, empty register at `path` (refused when the file
    /// exists, unless `replace`). It is built in a temporary file beside
    /// `path` and renamed into place, so a failed create leaves nothing.
    pub fn create(path: &Path, replace: bool) -> Result<Register, RegisterError> {
        Self::create_with(path, replace, |_| Ok(()))
    }

    /// As [`Register::create`], and `fill` runs on the new register before
    /// it is put in place (the seeding of `needmap register init`).
    pub fn create_with(
        path: &Path,
        replace: bool,
        fill: impl FnOnce(&mut Register) -> Result<(), RegisterError>,
    ) -> Result<Register, RegisterError> {
        if path.exists() && !replace {
            return Err(RegisterError::Exists { path: path.to_path_buf() });
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "register.gpkg".into());
        let partial = path.with_file_name(format!(".{name}.needmap-partial"));
        let io = |e: std::io::Error| RegisterError::Io { path: partial.clone(), message: e.to_string() };
        if partial.exists() {
            std::fs::remove_file(&partial).map_err(io)?;
        }
        {
            let conn = Connection::open(&partial).map_err(|e| RegisterError::sqlite(&partial, e))?;
            let mut register = Register { conn, path: partial.clone() };
            register.set_up().map_err(|e| RegisterError::sqlite(&partial, e))?;
            register.init_schema().map_err(|e| RegisterError::sqlite(&partial, e))?;
            fill(&mut register)?;
        }
        std::fs::rename(&partial, path).map_err(io)?;
        Self::open(path)
    }

    /// Open an existing register for reading and writing.
    pub fn open(path: &Path) -> Result<Register, RegisterError> {
        Self::open_with(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
    }

    /// Open an existing register for reading only (the engine's way).
    pub fn open_read_only(path: &Path) -> Result<Register, RegisterError> {
        Self::open_with(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
    }

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Register, RegisterError> {
        if !path.is_file() {
            return Err(RegisterError::Missing { path: path.to_path_buf() });
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| RegisterError::sqlite(path, e))?;
        let register = Register { conn, path: path.to_path_buf() };
        if !flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY) {
            register.set_up().map_err(|e| RegisterError::sqlite(path, e))?;
        }
        let not = |message: String| RegisterError::NotARegister { path: path.to_path_buf(), message };
        match gpkg::is_geopackage(&register.conn) {
            Ok(true) => {}
            Ok(false) => return Err(not("its application_id is not GPKG".into())),
            Err(e) => return Err(not(e.to_string())),
        }
        for table in [SERVICES, PARTNERS, CHANGES, SUBMISSIONS] {
            let found: Option<String> = register
                .conn
                .query_row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1", [table], |r| r.get(0))
                .optional()
                .map_err(|e| RegisterError::sqlite(path, e))?;
            if found.is_none() {
                return Err(not(format!("it has no `{table}` table")));
            }
        }
        Ok(register)
    }

    fn set_up(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // journal_mode answers with the mode set: read it back.
        self.conn.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get::<_, String>(0))?;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(())
    }

    fn init_schema(&mut self) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        gpkg::create_core(&tx)?;
        tx.execute_batch(schema::TABLES)?;
        gpkg::add_feature_table(&tx, SERVICES, "geom", "Services: the partners' service register", BNG_SRS_ID)?;
        gpkg::add_attributes_table(&tx, PARTNERS, "Partner organisations")?;
        gpkg::add_attributes_table(&tx, CHANGES, "Audit log: who changed which service when, the row before and after")?;
        gpkg::add_attributes_table(&tx, SUBMISSIONS, "Partners' uploads, held as drafts until published")?;
        tx.commit()
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> RegisterError {
        RegisterError::sqlite(&self.path, e)
    }

    /// Every service, in the order they were added.
    pub fn services(&self) -> Result<Vec<RegisteredService>, RegisterError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT fid, geom, {SERVICE_COLUMNS} FROM services ORDER BY fid"))
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?, service_from_row(r, 2))))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (fid, geom, service) = row.map_err(|e| self.err(e))?;
            let bad = |message: String| RegisterError::BadRow { path: self.path.clone(), row: format!("fid {fid}"), message };
            let service = service.map_err(bad)?;
            let (srs, point) = read_point_blob(&geom).map_err(|m| bad(format!("geom: {m}")))?;
            if srs != BNG_SRS_ID {
                return Err(bad(format!("geom is in SRS {srs}, not {BNG_SRS_ID}")));
            }
            if (point.x - service.easting).abs() > 1e-6 || (point.y - service.northing).abs() > 1e-6 {
                return Err(bad(format!(
                    "geom ({}, {}) differs from easting/northing ({}, {}); the row was edited by hand: make them agree",
                    point.x, point.y, service.easting, service.northing
                )));
            }
            out.push(service);
        }
        Ok(out)
    }

    /// One service by id.
    pub fn service(&self, id: &str) -> Result<Option<RegisteredService>, RegisterError> {
        Ok(self.services()?.into_iter().find(|s| s.id == id))
    }

    /// Number of services.
    pub fn count(&self) -> Result<usize, RegisterError> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM services", [], |r| r.get(0)).map_err(|e| self.err(e))?;
        Ok(n as usize)
    }

    /// An id starting with `prefix` that no service has yet (`prefix00001`, ...).
    pub fn next_id(&self, prefix: &str) -> Result<String, RegisterError> {
        let mut n = self.count()? + 1;
        loop {
            let id = format!("{prefix}{n:05}");
            let taken: Option<i64> = self
                .conn
                .query_row("SELECT fid FROM services WHERE id = ?1", [&id], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(e))?;
            if taken.is_none() {
                return Ok(id);
            }
            n += 1;
        }
    }

    /// Add services, all or none, in one transaction; each gets an `add`
    /// row in the audit log. Ids must be new. `created`/`updated` are set
    /// to now when empty.
    pub fn add_services(&mut self, services: &[RegisteredService], who: &str, note: Option<&str>) -> Result<(), RegisterError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| RegisterError::sqlite(&path, e))?;
        let now = now_text();
        for s in services {
            let mut s = s.clone();
            if s.created.is_empty() {
                s.created = now.clone();
            }
            if s.updated.is_empty() {
                s.updated = now.clone();
            }
            insert_service(&tx, &s).map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                    RegisterError::DuplicateId { id: s.id.clone() }
                }
                e => RegisterError::sqlite(&path, e),
            })?;
            log(&tx, &now, who, "add", Some(&s.id), None, Some(&s), note).map_err(|e| RegisterError::sqlite(&path, e))?;
        }
        gpkg::touch_contents(&tx, SERVICES, &now).map_err(|e| RegisterError::sqlite(&path, e))?;
        tx.commit().map_err(|e| RegisterError::sqlite(&path, e))
    }

    /// Replace a service's row (found by its id), logged as `update`.
    pub fn update_service(&mut self, service: &RegisteredService, who: &str, note: Option<&str>) -> Result<(), RegisterError> {
        let before = self.service(&service.id)?.ok_or_else(|| RegisterError::UnknownService { id: service.id.clone() })?;
        let path = self.path.clone();
        let e = |e| RegisterError::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        let now = now_text();
        let mut after = service.clone();
        after.created = before.created.clone();
        after.updated = now.clone();
        tx.execute("DELETE FROM services WHERE id = ?1", [&after.id]).map_err(e)?;
        insert_service(&tx, &after).map_err(e)?;
        log(&tx, &now, who, "update", Some(&after.id), Some(&before), Some(&after), note).map_err(e)?;
        gpkg::touch_contents(&tx, SERVICES, &now).map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Merge duplicates in one transaction: `kept` replaces the row of its
    /// id, the rows `removed` are deleted, and one `merge` row records every
    /// row before and the row after.
    pub fn merge(&mut self, kept: &RegisteredService, removed: &[String], who: &str, note: &str) -> Result<(), RegisterError> {
        let all = self.services()?;
        let find = |id: &str| all.iter().find(|s| s.id == id).cloned().ok_or_else(|| RegisterError::UnknownService { id: id.to_string() });
        let mut before = vec![find(&kept.id)?];
        for id in removed {
            if id == &kept.id {
                return Err(RegisterError::Invalid(format!("service `{id}` cannot be merged into itself")));
            }
            before.push(find(id)?);
        }
        let path = self.path.clone();
        let e = |e| RegisterError::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        let now = now_text();
        let mut after = kept.clone();
        after.created = before[0].created.clone();
        after.updated = now.clone();
        for s in &before {
            tx.execute("DELETE FROM services WHERE id = ?1", [&s.id]).map_err(e)?;
        }
        insert_service(&tx, &after).map_err(e)?;
        tx.execute(
            "INSERT INTO changes (at, who, action, service_id, before, after, note) VALUES (?1, ?2, 'merge', ?3, ?4, ?5, ?6)",
            params![now, who, after.id, json(&before), json(&after), note],
        )
        .map_err(e)?;
        gpkg::touch_contents(&tx, SERVICES, &now).map_err(e)?;
        tx.commit().map_err(e)
    }

    /// Add a partner organisation (logged as `add-partner`).
    pub fn add_partner(&mut self, partner: &Partner, who: &str) -> Result<(), RegisterError> {
        let path = self.path.clone();
        let e = |e| RegisterError::sqlite(&path, e);
        let tx = self.conn.transaction().map_err(e)?;
        let now = now_text();
        tx.execute(
            "INSERT INTO partners (id, name, contact, created) VALUES (?1, ?2, ?3, ?4)",
            params![partner.id, partner.name, partner.contact, now],
        )
        .map_err(e)?;
        tx.execute(
            "INSERT INTO changes (at, who, action, after) VALUES (?1, ?2, 'add-partner', ?3)",
            params![now, who, json(partner)],
        )
        .map_err(e)?;
        tx.execute("UPDATE gpkg_contents SET last_change = ?1 WHERE table_name IN ('partners', 'changes')", [&now]).map_err(e)?;
        tx.commit().map_err(e)
    }

    /// The partner organisations.
    pub fn partners(&self) -> Result<Vec<Partner>, RegisterError> {
        let mut stmt = self.conn.prepare("SELECT id, name, contact FROM partners ORDER BY fid").map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok(Partner { id: r.get(0)?, name: r.get(1)?, contact: r.get(2)? }))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The audit log, oldest first.
    pub fn changes(&self) -> Result<Vec<Change>, RegisterError> {
        let mut stmt = self
            .conn
            .prepare("SELECT at, who, action, service_id, before, after, note FROM changes ORDER BY fid")
            .map_err(|e| self.err(e))?;
        let parse = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
        let rows = stmt
            .query_map([], |r| {
                Ok(Change {
                    at: r.get(0)?,
                    who: r.get(1)?,
                    action: r.get(2)?,
                    service_id: r.get(3)?,
                    before: parse(r.get(4)?),
                    after: parse(r.get(5)?),
                    note: r.get(6)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// SQLite's `PRAGMA integrity_check`: `ok` or the problems found.
    pub fn integrity_check(&self) -> Result<String, RegisterError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check").map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| self.err(e))?;
        let lines: Vec<String> = rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?;
        Ok(lines.join("\n"))
    }
}

pub(in crate::register) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

#[allow(clippy::too_many_arguments)]
pub(in crate::register) fn log(
    tx: &Transaction<'_>,
    now: &str,
    who: &str,
    action: &str,
    id: Option<&str>,
    before: Option<&RegisteredService>,
    after: Option<&RegisteredService>,
    note: Option<&str>,
) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT INTO changes (at, who, action, service_id, before, after, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![now, who, action, id, before.map(json), after.map(json), note],
    )
}

pub(in crate::register) fn insert_service(tx: &Transaction<'_>, s: &RegisteredService) -> rusqlite::Result<usize> {
    tx.execute(
        &format!("INSERT INTO services (geom, {SERVICE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"),
        params![
            point_blob(BNG_SRS_ID, s.bng()),
            s.id,
            s.name,
            s.category,
            s.subcategory,
            s.tier,
            s.capacity,
            s.status,
            s.postcode,
            s.located_by.as_str(),
            s.lon,
            s.lat,
            s.easting,
            s.northing,
            s.source,
            s.source_file,
            json(&s.source_ids),
            s.opening_hours,
            s.contact,
            s.partner,
            s.created,
            s.updated,
        ],
    )
}

/// A service from the columns of [`SERVICE_COLUMNS`] starting at `at`.
fn service_from_row(r: &Row<'_>, at: usize) -> Result<RegisteredService, String> {
    let get_text = |i: usize| r.get::<_, String>(at + i).map_err(|e| e.to_string());
    let get_opt = |i: usize| r.get::<_, Option<String>>(at + i).map_err(|e| e.to_string());
    let get_f64 = |i: usize, name: &str| -> Result<f64, String> {
        let v: f64 = r.get(at + i).map_err(|e| format!("{name}: {e}"))?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(format!("{name} is not a finite number"))
        }
    };
    let located = get_text(8)?;
    let source_ids_text = get_text(15)?;
    let source_ids: Vec<SourceRecord> =
        serde_json::from_str(&source_ids_text).map_err(|e| format!("source_ids `{source_ids_text}` is not a JSON list of records: {e}"))?;
    Ok(RegisteredService {
        id: get_text(0)?,
        name: get_text(1)?,
        category: get_text(2)?,
        subcategory: get_opt(3)?,
        tier: get_text(4)?,
        capacity: r.get::<_, Option<f64>>(at + 5).map_err(|e| format!("capacity: {e}"))?,
        status: get_opt(6)?,
        postcode: get_opt(7)?,
        located_by: LocatedBy::parse(&located).ok_or_else(|| format!("located_by `{located}` is not coordinates or postcode"))?,
        lon: get_f64(9, "lon")?,
        lat: get_f64(10, "lat")?,
        easting: get_f64(11, "easting")?,
        northing: get_f64(12, "northing")?,
        source: get_text(13)?,
        source_file: get_text(14)?,
        source_ids,
        opening_hours: get_opt(16)?,
        contact: get_opt(17)?,
        partner: get_opt(18)?,
        created: get_text(19)?,
        updated: get_text(20)?,
    })
}
