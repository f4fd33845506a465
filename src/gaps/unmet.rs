//! Unmet need: the number of people in need who lack access.
//!
//! - Nearest service (`--method nearest`): the people in need living more than
//!   the access threshold (default 20 minutes' walk or 15 minutes' drive,
//!   `--unmet-min`) from the nearest service of the filter.
//! - Floating catchments (2SFCA, E2SFCA): the need-weighted shortfall of
//!   access against the district rate, `people in need x max(0, 1 - access /
//!   district access)`, where the district access is the population-weighted
//!   mean access of all origins. An origin with half the district's access
//!   counts half its people in need as unmet.
//!
//! Computed per origin and summed (with the origin -> area split by area
//! share), so unmet need adds up from origins to wards, constituencies and
//! the district.

use super::Travel;

/// Default access threshold in minutes for unmet need with the nearest method.
///
/// ```
/// use needmap::gaps::{default_unmet_minutes, Travel};
/// assert_eq!(default_unmet_minutes(Travel::Walk), 20.0);
/// assert_eq!(default_unmet_minutes(Travel::Drive), 15.0);
/// ```
pub fn default_unmet_minutes(travel: Travel) -> f64 {
    match travel {
        Travel::Walk => 20.0,
        Travel::Drive => 15.0,
    }
}

/// When a person in need counts as lacking access.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UnmetRule {
    /// Living more than `minutes` from the nearest service.
    Beyond { minutes: f64 },
    /// The shortfall of access against the district's average access.
    Shortfall { district_access: f64 },
}

impl UnmetRule {
    /// Unmet need of one origin with `in_need` people in need; `None` when its
    /// access is unknown (an origin that cannot be routed).
    ///
    /// ```
    /// use needmap::gaps::UnmetRule;
    /// let beyond = UnmetRule::Beyond { minutes: 20.0 };
    /// assert_eq!(beyond.unmet(300.0, Some(25.0), None), Some(300.0));
    /// assert_eq!(beyond.unmet(300.0, Some(20.0), None), Some(0.0));
    /// let short = UnmetRule::Shortfall { district_access: 0.002 };
    /// assert_eq!(short.unmet(300.0, None, Some(0.001)), Some(150.0));
    /// assert_eq!(short.unmet(300.0, None, Some(0.004)), Some(0.0));
    /// ```
    pub fn unmet(&self, in_need: f64, nearest_min: Option<f64>, access: Option<f64>) -> Option<f64> {
        let in_need = if in_need.is_finite() && in_need > 0.0 { in_need } else { 0.0 };
        match *self {
            UnmetRule::Beyond { minutes } => nearest_min.map(|m| if m > minutes { in_need } else { 0.0 }),
            UnmetRule::Shortfall { district_access } => access.map(|a| {
                if district_access > 0.0 && district_access.is_finite() {
                    in_need * (1.0 - a / district_access).clamp(0.0, 1.0)
                } else {
                    // No service has any capacity: nobody has access.
                    in_need
                }
            }),
        }
    }

    /// One sentence for notes and legends.
    pub fn describe(&self, travel: Travel) -> String {
        match self {
            UnmetRule::Beyond { minutes } => format!(
                "unmet need = people in need living more than {} minutes' {} from the nearest service",
                crate::report::Cell::Number(Some(*minutes)).render(),
                if travel == Travel::Walk { "walk" } else { "drive" }
            ),
            UnmetRule::Shortfall { district_access } => format!(
                "unmet need = people in need x max(0, 1 - access / district access {})",
                crate::report::Cell::Number(Some(*district_access)).render()
            ),
        }
    }
}

/// Population-weighted mean of origin access (the district rate); 0 when no
/// origin has both.
pub fn district_access(access: &[Option<f64>], population: &[f64]) -> f64 {
    let (mut w, mut s) = (0.0, 0.0);
    for (a, p) in access.iter().zip(population) {
        if let Some(a) = a.filter(|a| a.is_finite()) {
            if p.is_finite() && *p > 0.0 {
                w += p;
                s += p * a;
            }
        }
    }
    if w > 0.0 {
        s / w
    } else {
        0.0
    }
}
