//! Tabular outputs (`needmap report`, later `gaps`): a typed table written as
//! CSV, JSON or an aligned text table.

mod areas;
mod table;

pub use areas::area_report;
pub use table::{full_precision, Cell, Format, Report, ReportError};
