//! Domain types: areas and levels, indicators, services, tiers and categories.

mod area;
mod category;
mod indicator;
mod service;

pub use area::{Area, Level};
pub use category::{Category, Tier};
pub use indicator::Indicator;
pub use service::Service;
