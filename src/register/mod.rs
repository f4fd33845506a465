//! The partners' service register: one GeoPackage file (SQLite) that QGIS
//! and GDAL open as it is.
//!
//! - [`gpkg`]: the GeoPackage core tables (application id, SRS, contents,
//!   geometry columns); [`geometry`]: GeoPackage point blobs;
//! - [`schema`]: the register's tables (`services`, `partners`, `changes`,
//!   `submissions`); [`record`]: a service row;
//! - [`store`]: [`Register`], every write one transaction with its audit log;
//! - [`seed`]: the rows of the manifest's service files (`register init`);
//! - [`engine_services`]: the rows as the engine's services (`[register]`);
//! - [`placing`]: coordinates, else the postcode's centroid;
//! - [`import`]: a CSV of services checked row by row;
//! - [`names`] and [`dedupe`]: duplicate candidates and merges;
//! - [`upload`]: a partner's CSV or XLSX read into rows of fields;
//! - [`submission`]: uploads held as validated drafts, fixed, published or rejected.

pub mod dedupe;
pub mod engine_services;
mod error;
pub mod geometry;
pub mod gpkg;
pub mod import;
pub mod names;
pub mod placing;
pub mod record;
pub mod schema;
pub mod seed;
pub mod store;
pub mod submission;
pub mod upload;

pub use dedupe::{DedupeOutcome, DedupeRule, MAX_MERGE_DISTANCE_M};
pub use error::RegisterError;
pub use import::{plan_import, ImportPlan, RowProblem};
pub use placing::{GivenPlace, Placement, Placer};
pub use record::{LocatedBy, RegisteredService, SourceRecord};
pub use seed::seed_services;
pub use store::{Change, Partner, Register};
pub use submission::{Checker, Decision, Publication, Submission, SubmissionStatus, ValidationReport};
