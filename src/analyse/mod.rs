//! Analysis on loaded, indexed data: overlays, nesting, apportionment,
//! service assignment and provision.

mod apportion;
mod assign;
mod overlay;
mod provision;

pub use apportion::{apportion_counts, apportion_means, decile1_share, LevelValues};
pub use assign::assign_services;
pub use overlay::{Overlay, Piece};
pub use provision::Provision;
