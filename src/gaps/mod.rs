//! Coverage gaps: where need is high and provision is far or oversubscribed.
//!
//! For one service filter (category and/or tier) and one level, [`compute`]
//! measures from every origin (OA or LSOA representative point, see
//! [`origins`]) the distance and time to the nearest and k-th nearest
//! service ([`nearest`]), coverage within thresholds ([`coverage`]),
//! floating-catchment accessibility ([`fca`]: 2SFCA, E2SFCA), people in need
//! ([`need`]), unmet need ([`unmet`]: people in need who lack access) and the
//! gap index ([`gap`]: unmet need x access terciles, rank by unmet need). Travel is `estimated` from straight-line distance
//! ([`travel`]) or routed on an OpenStreetMap road `network` ([`network`]).
//! Scores for wards, constituencies and other parent levels are
//! population-weighted means of the origin scores; coverage shares are
//! shares of population; people in need and unmet need are sums.
//!
//! [`compute_grid`] summarises postcode origins on squares of the British
//! National Grid instead of areas ([`grid`]), withholding squares too small
//! to publish.
//!
//! The server calls [`compute_with`] per request with a [`GapContext`] built
//! once (travel model, optional road network).

mod compute;
mod coverage;
mod error;
mod fca;
mod gap;
pub mod grid;
mod nearest;
mod need;
pub mod network;
mod origins;
mod rescore;
mod table;
mod travel;
mod unmet;

pub use compute::{compute, compute_grid, compute_with, GapContext};
pub use grid::{grid_reference, GridRule, GridSummary, GridTable, Square, Squares, SQUARE_SIZES_M};
pub use coverage::{coverage_curve, shares, Thresholds};
pub use error::GapError;
pub use fca::{floating_catchment, Accessibility, Decay, Pair};
pub use gap::{gap_index, terciles, GapClass, GapIndex, Tercile};
pub use nearest::{nearest_straight_line, Nearest};
pub use need::{people_in_need, InNeed, PeopleInNeed};
pub use origins::{population_level, rep_points, served_population, OriginPiece, OriginPoints, Origins, RepKind, UnitOrigins};
pub use rescore::{Rescore, ServiceEdit};
pub use table::{District, GapRow, GapTable};
pub use travel::{DriveFit, DriveModel, Travel, TravelModel, WALK_CIRCUITY, WALK_SPEED_KMH};
pub use unmet::{default_unmet_minutes, district_access, UnmetRule};

/// How access is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Access = minus the minutes to the nearest service.
    Nearest,
    /// Two-step floating catchment (step catchment).
    #[value(name = "2sfca")]
    #[serde(rename = "2sfca")]
    TwoStep,
    /// Enhanced 2SFCA with Gaussian decay.
    #[value(name = "e2sfca")]
    #[serde(rename = "e2sfca")]
    Enhanced,
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Nearest => "nearest",
            Method::TwoStep => "2sfca",
            Method::Enhanced => "e2sfca",
        }
    }
}

/// Where travel distances and times come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Straight-line distance and modelled time.
    Estimated,
    /// Routed on the OpenStreetMap road network.
    Network,
}

impl Mode {
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Estimated => "estimated",
            Mode::Network => "network",
        }
    }
}

/// The floating catchment: a distance or a travel time (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Catchment {
    Km(f64),
    Minutes(f64),
}

impl Catchment {
    pub fn value(&self) -> f64 {
        match *self {
            Catchment::Km(v) | Catchment::Minutes(v) => v,
        }
    }

    /// `2km` or `15min`.
    pub fn label(&self) -> String {
        let v = crate::report::Cell::Number(Some(self.value())).render();
        match self {
            Catchment::Km(_) => format!("{v}km"),
            Catchment::Minutes(_) => format!("{v}min"),
        }
    }
}

/// One gap analysis request.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GapQuery {
    /// Output level (`oa`, `lsoa`, `ward`, `constituency`, ...).
    pub level: String,
    /// Origin level; default: `level` itself when it has published
    /// centroids or no finer level, else the finest level inside it.
    pub origins: Option<String>,
    /// Origins at area points (default) or at every postcode unit
    /// ([`OriginPoints::Postcodes`]: `--origins postcode`; `origins` is
    /// then unused).
    #[serde(default)]
    pub origin_points: OriginPoints,
    pub category: Option<String>,
    pub tier: Option<String>,
    /// Need indicator id; `None`: the manifest's default for the category
    /// (`[dataset] child_need_indicator` for categories serving children,
    /// else `need_indicator`). After [`compute`] the table's query names it.
    pub indicator: Option<String>,
    pub method: Method,
    pub catchment: Catchment,
    /// Gaussian sigma for E2SFCA, in the catchment's unit (default half the catchment).
    pub sigma: Option<f64>,
    pub mode: Mode,
    pub travel: Travel,
    pub thresholds: Thresholds,
    /// The k of "k-th nearest" (default 3).
    pub k: usize,
    /// Farthest an origin or service may be from the road network, metres (network mode).
    pub max_snap_m: f64,
    /// Nearest method: minutes beyond which people in need lack access
    /// (default [`default_unmet_minutes`]: 20 walking, 15 driving).
    #[serde(default)]
    pub unmet_minutes: Option<f64>,
    /// Measure access to services of `sensitive` categories too. Off by
    /// default: a sensitive category is refused ([`GapError::SensitiveCategory`])
    /// and sensitive services are left out of tier filters, because distances
    /// to them locate them. Only the CLI's `--include-sensitive` (internal
    /// analysis, never for publication) sets it.
    #[serde(default)]
    pub include_sensitive: bool,
    /// Floating catchments: the access rate that unmet need is a shortfall
    /// against. `None`: this table's own district rate. A scenario comparison
    /// sets the baseline's rate, so an area whose access did not change does
    /// not get "worse" because a new site raised the district rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_access: Option<f64>,
}

impl Default for GapQuery {
    fn default() -> Self {
        GapQuery {
            level: "ward".into(),
            origins: None,
            origin_points: OriginPoints::Areas,
            category: None,
            tier: None,
            indicator: None,
            method: Method::TwoStep,
            catchment: Catchment::Km(2.0),
            sigma: None,
            mode: Mode::Estimated,
            travel: Travel::Walk,
            thresholds: Thresholds::default(),
            k: 3,
            max_snap_m: 500.0,
            unmet_minutes: None,
            include_sensitive: false,
            reference_access: None,
        }
    }
}
