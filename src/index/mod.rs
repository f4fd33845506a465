//! R-trees over areas and services (BNG metres).

mod areas;
mod services;

pub use areas::AreaIndex;
pub use services::ServiceIndex;
