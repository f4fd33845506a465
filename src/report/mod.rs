//! Tabular outputs (`needmap report`, later `gaps`): a typed table written as
//! CSV, JSON or an aligned text table.

mod areas;
mod parent_values;
mod table;

pub use areas::area_report;
pub use parent_values::add_parent_values;
pub use table::{full_precision, Cell, Format, Report, ReportError};
