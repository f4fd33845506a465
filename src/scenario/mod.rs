//! What-if scenarios: a named, ordered list of edits (add, move, close,
//! capacity) over the baseline services, applied as an overlay that yields
//! the scenario's own [`Engine`](crate::Engine) (the baseline stays
//! immutable; areas, values and overlays are shared, not copied).
//!
//! `model.rs` is the JSON document, `validate.rs` the checks it can make on
//! its own, `apply.rs` the checks against the dataset and the scenario
//! engine, `store.rs` the versioned folder of scenario files, `compare.rs`
//! the per-area baseline-vs-scenario table, `summary.rs` the committee
//! summary and `summary_table.rs` that summary as a table for printed maps.

mod apply;
mod compare;
mod error;
mod model;
mod store;
mod summary;
mod summary_table;
mod validate;

pub use apply::{Applied, ServiceChange};
pub use compare::{compare, AreaChange, Comparison, CoverageChange, Delta, Status, TOLERANCE};
pub use error::ScenarioError;
pub use model::{Edit, Place, RawEdit, RawScenario, Scenario, MAX_EDITS, SCHEMA_VERSION};
pub use store::ScenarioStore;
pub use summary::{thousands, AreaNote, DecileReach, RatioChange, Reach, Summary, ThresholdChange, MOST_IMPROVED};
pub use summary_table::{printed_summary, signed, threshold_words, PrintedSummary};
pub use validate::{check_id, id_from_name, valid_id, BNG_BOUNDS};
