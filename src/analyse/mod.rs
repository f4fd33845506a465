//! Analysis on loaded, indexed data: overlays, nesting, apportionment,
//! service assignment and provision.

mod apportion;
mod assign;
mod edges;
mod overlay;
mod postcode_weights;
mod provision;
mod shared_boundary;

pub use apportion::{apportion_counts, apportion_means, decile1_share, low_decile_share, LevelValues};
pub use assign::assign_services;
pub use edges::EdgeIndex;
pub use overlay::{edge_indexes, Overlay, Piece};
pub use postcode_weights::{postcode_weighted, PostcodeWeightStats, PostcodeWeighting};
pub use provision::{counted_area, counts_sensitive, Provision};
