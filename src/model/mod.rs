//! Domain types: areas and levels, indicators, services, tiers and categories.

mod area;
mod category;
mod indicator;
mod series;
mod service;

pub use area::{Area, Level};
pub use category::{Category, Tier};
pub use indicator::{Indicator, SeriesVintage};
pub use series::{Series, Vintage};
pub use service::Service;
