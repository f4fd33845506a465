//! Tabular outputs (`needmap report`, later `gaps`): a typed table written as
//! CSV, JSON or an aligned text table; the change of need over time
//! (`needmap change`) and its emerging gaps.

mod areas;
pub mod change;
pub mod emerging;
mod parent_values;
mod table;

pub use areas::area_report;
pub use change::{need_change, ChangeClass, ChangeError, ChangeQuery, NeedChange};
pub use emerging::{emerging_gaps, EmergingGaps};
pub use parent_values::add_parent_values;
pub use table::{full_precision, Cell, Format, Report, ReportError};
