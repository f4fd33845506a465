//! Coverage: the share of population within distance and time thresholds of
//! the nearest service, and the district's cumulative curve.

use super::GapError;

/// Thresholds for coverage shares (defaults 800 m, 1.6 km, 10 and 20 minutes).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Thresholds {
    pub metres: Vec<f64>,
    pub minutes: Vec<f64>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            metres: vec![800.0, 1600.0],
            minutes: vec![10.0, 20.0],
        }
    }
}

impl Thresholds {
    /// Parse a list such as `800m,1.6km,10min,20min`.
    ///
    /// ```
    /// use needmap::gaps::Thresholds;
    /// let t = Thresholds::parse("800m, 1.6km, 10min").unwrap();
    /// assert_eq!(t.metres, vec![800.0, 1600.0]);
    /// assert_eq!(t.minutes, vec![10.0]);
    /// assert_eq!(t.labels(), vec!["800m", "1600m", "10min"]);
    /// assert!(Thresholds::parse("5 parsecs").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Thresholds, GapError> {
        let mut t = Thresholds { metres: vec![], minutes: vec![] };
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (num, unit) = part.split_at(part.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(part.len()));
            let bad = || GapError::BadParameter {
                name: "thresholds".into(),
                value: part.to_string(),
                reason: "write each threshold as a positive number with a unit: `800m`, `1.6km`, `10min`".into(),
            };
            let v: f64 = num.trim().parse().map_err(|_| bad())?;
            if !(v.is_finite() && v > 0.0) {
                return Err(bad());
            }
            match unit.trim() {
                "m" => t.metres.push(v),
                "km" => t.metres.push(v * 1000.0),
                "min" | "mins" | "minutes" => t.minutes.push(v),
                _ => return Err(bad()),
            }
        }
        if t.metres.is_empty() && t.minutes.is_empty() {
            return Err(GapError::BadParameter {
                name: "thresholds".into(),
                value: text.to_string(),
                reason: "give at least one threshold, e.g. `800m,10min`".into(),
            });
        }
        Ok(t)
    }

    /// Column suffixes: `800m`, `1600m`, `10min`, ...
    pub fn labels(&self) -> Vec<String> {
        let num = |v: f64| crate::report::Cell::Number(Some(v)).render();
        self.metres
            .iter()
            .map(|m| format!("{}m", num(*m)))
            .chain(self.minutes.iter().map(|m| format!("{}min", num(*m))))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.metres.len() + self.minutes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a point at `metres` / `minutes` from its nearest service is
    /// covered, per threshold; unreachable points are never covered.
    pub fn covered(&self, metres: Option<f64>, minutes: Option<f64>) -> Vec<bool> {
        self.metres
            .iter()
            .map(|t| metres.is_some_and(|d| d <= *t))
            .chain(self.minutes.iter().map(|t| minutes.is_some_and(|m| m <= *t)))
            .collect()
    }
}

/// Population-weighted share covered at each threshold; `None` when the
/// total population is zero.
pub fn shares(covered: &[Vec<bool>], population: &[f64], thresholds: usize) -> Vec<Option<f64>> {
    let total: f64 = population.iter().sum();
    (0..thresholds)
        .map(|t| {
            (total > 0.0).then(|| {
                covered.iter().zip(population).filter(|(c, _)| c[t]).map(|(_, p)| p).sum::<f64>() / total
            })
        })
        .collect()
}

/// Cumulative coverage: (distance in metres, share of population whose
/// nearest service is within it), every `step_m` up to the farthest origin.
/// Unreachable origins count in the total but are never covered.
///
/// ```
/// use needmap::gaps::coverage_curve;
/// let c = coverage_curve(&[Some(150.0), Some(450.0), None], &[1.0, 1.0, 2.0], 200.0);
/// assert_eq!(c, vec![(0.0, 0.0), (200.0, 0.25), (400.0, 0.25), (600.0, 0.5)]);
/// ```
pub fn coverage_curve(nearest_m: &[Option<f64>], population: &[f64], step_m: f64) -> Vec<(f64, f64)> {
    let total: f64 = population.iter().filter(|p| p.is_finite() && **p > 0.0).sum();
    if total <= 0.0 || step_m.is_nan() || step_m <= 0.0 {
        return Vec::new();
    }
    let mut pts: Vec<(f64, f64)> = nearest_m
        .iter()
        .zip(population)
        .filter_map(|(d, p)| d.filter(|d| d.is_finite()).map(|d| (d, if p.is_finite() && *p > 0.0 { *p } else { 0.0 })))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let max = pts.last().map(|p| p.0).unwrap_or(0.0);
    let steps = (max / step_m).ceil() as usize;
    let mut out = Vec::with_capacity(steps + 1);
    let (mut i, mut acc) = (0, 0.0);
    for s in 0..=steps {
        let d = s as f64 * step_m;
        while i < pts.len() && pts[i].0 <= d {
            acc += pts[i].1;
            i += 1;
        }
        out.push((d, acc / total));
    }
    out
}
