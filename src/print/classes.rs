//! Map classes: class breaks and colour-blind-safe palettes.
//!
//! Indicators use up to five quantile classes on the viridis ramp (readable
//! with every common colour-vision deficiency and in greyscale), darkest =
//! most need whichever way the indicator runs. Gap maps use a 3 x 3
//! bivariate scheme (need tercile x access tercile) after Joshua Stevens,
//! whose darkest cell is high need with low access: the gap.

use crate::dataset::Direction;

/// Viridis, five steps, light to dark.
pub const VIRIDIS5: [&str; 5] = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"];
/// Fill for areas with no value.
pub const NO_DATA: &str = "#ffffff";
/// Fill for areas whose value is suppressed (small counts): grey hatching,
/// defined as a pattern in the page's `<defs>`.
pub const SUPPRESSED: &str = "url(#suppressed)";
/// Fill for areas outside the framed committee (darker than the lightest
/// bivariate class, so the two are not confused).
pub const OUTSIDE: &str = "#cccccc";

/// One legend entry with its fill.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassEntry {
    pub label: String,
    pub fill: String,
}

/// Class breaks for one indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Classes {
    /// Upper bounds of every class but the last (ascending).
    pub breaks: Vec<f64>,
    /// Distinct values when there are at most five (one class each).
    pub values: Option<Vec<f64>>,
    pub entries: Vec<ClassEntry>,
    pub direction: Direction,
}

/// Round to 3 significant figures for legend text.
fn nice(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return 0.0;
    }
    let mag = 10f64.powi(v.abs().log10().floor() as i32 - 2);
    (v / mag).round() * mag
}

/// A number for the legend: no exponent, up to 2 decimals, thousands separated.
pub fn format_number(v: f64) -> String {
    let v = nice(v);
    let decimals = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else if v.abs() >= 1.0 || v == 0.0 {
        2
    } else {
        (2 - v.abs().log10().floor() as i64).clamp(2, 6) as usize
    };
    let s = format!("{:.*}", decimals, v);
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    let (sign, digits) = s.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", s.as_str()));
    let (int, frac) = digits.split_once('.').map(|(i, f)| (i, Some(f))).unwrap_or((digits, None));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Fill index so that the darkest class is the most need.
fn fill_for(k: usize, n: usize, direction: Direction) -> &'static str {
    // Spread n classes over the 5-step ramp.
    let step = |i: usize| if n <= 1 { 4 } else { (i * 4 + (n - 1) / 2) / (n - 1) };
    let i = match direction {
        Direction::HigherIsWorse => k,
        Direction::HigherIsBetter => n - 1 - k,
    };
    VIRIDIS5[step(i).min(4)]
}

impl Classes {
    /// Quantile classes (at most five) of the finite values.
    ///
    /// ```
    /// use needmap::print::classes::Classes;
    /// use needmap::dataset::Direction;
    /// let v: Vec<f64> = (1..=100).map(f64::from).collect();
    /// let c = Classes::quantiles(&v, Direction::HigherIsWorse);
    /// assert_eq!(c.entries.len(), 5);
    /// assert_eq!(c.class_of(1.0), Some(0));
    /// assert_eq!(c.class_of(100.0), Some(4));
    /// ```
    pub fn quantiles(values: &[f64], direction: Direction) -> Classes {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let mut distinct = v.clone();
        distinct.dedup();
        if distinct.len() <= 5 {
            let n = distinct.len();
            let entries = distinct
                .iter()
                .enumerate()
                .map(|(k, x)| ClassEntry {
                    label: format_number(*x),
                    fill: fill_for(k, n, direction).to_string(),
                })
                .collect();
            return Classes {
                breaks: Vec::new(),
                values: Some(distinct),
                entries,
                direction,
            };
        }
        let q = |p: f64| {
            let pos = p * (v.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
        };
        let mut breaks: Vec<f64> = (1..5).map(|k| q(k as f64 / 5.0)).collect();
        breaks.dedup();
        let n = breaks.len() + 1;
        let (min, max) = (v[0], v[v.len() - 1]);
        let mut entries = Vec::with_capacity(n);
        for k in 0..n {
            let lo = if k == 0 { min } else { breaks[k - 1] };
            let hi = if k == n - 1 { max } else { breaks[k] };
            entries.push(ClassEntry {
                label: format!("{} to {}", format_number(lo), format_number(hi)),
                fill: fill_for(k, n, direction).to_string(),
            });
        }
        Classes {
            breaks,
            values: None,
            entries,
            direction,
        }
    }

    /// Class index of a value (`None` when not finite).
    pub fn class_of(&self, v: f64) -> Option<usize> {
        if !v.is_finite() {
            return None;
        }
        if let Some(values) = &self.values {
            return values.iter().position(|x| *x == v).or_else(|| {
                // Nearest distinct value (values come from the same data).
                values
                    .iter()
                    .enumerate()
                    .min_by(|a, b| (a.1 - v).abs().total_cmp(&(b.1 - v).abs()))
                    .map(|(i, _)| i)
            });
        }
        Some(self.breaks.iter().position(|b| v <= *b).unwrap_or(self.breaks.len()))
    }

    pub fn fill_of(&self, v: f64) -> Option<&str> {
        self.class_of(v).map(|k| self.entries[k].fill.as_str())
    }
}

/// Bivariate 3 x 3 palette, rows = need (low, mid, high), columns = access
/// (high, mid, low): the last cell, high need with low access, is the gap.
/// The colours of the browser's `web/js/palettes.js` `BIVARIATE` (columns
/// reversed), so a print matches the screen; chosen to stay apart under
/// protanopia and deuteranopia (see there).
pub const BIVARIATE: [[&str; 3]; 3] = [
    ["#e8f1fa", "#d1d6d2", "#c0b4af"],
    ["#6caddb", "#779480", "#9a6449"],
    ["#166e9a", "#43604d", "#6f3c23"],
];

fn tercile(s: &str) -> Option<usize> {
    match s {
        "low" => Some(0),
        "mid" => Some(1),
        "high" => Some(2),
        _ => None,
    }
}

/// Fill for a `gap_class` label such as `high-need/low-access`; `None` for
/// `no-data`, `no-population` or anything else.
///
/// ```
/// use needmap::print::classes::gap_fill;
/// assert_eq!(gap_fill("high-need/low-access"), Some("#6f3c23"));
/// assert_eq!(gap_fill("low-need/high-access"), Some("#e8f1fa"));
/// assert_eq!(gap_fill("no-data"), None);
/// ```
pub fn gap_fill(class: &str) -> Option<&'static str> {
    let (need, access) = class.split_once('/')?;
    let need = tercile(need.strip_suffix("-need")?)?;
    let access = tercile(access.strip_suffix("-access")?)?;
    Some(BIVARIATE[need][2 - access])
}

/// Diverging, colour-blind-safe fills of the need-over-time classes
/// (ColorBrewer PuOr): orange = need rose, near white = no change, purple =
/// need fell; no data is [`NO_DATA`].
///
/// ```
/// use needmap::print::classes::change_fill;
/// assert_eq!(change_fill("need-rose"), Some("#e66101"));
/// assert_eq!(change_fill("no-data"), None);
/// ```
pub fn change_fill(class: &str) -> Option<&'static str> {
    match class {
        "need-rose" => Some("#e66101"),
        "no-change" => Some("#f7f7f7"),
        "need-fell" => Some("#5e3c99"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_puts_most_need_darkest() {
        let v: Vec<f64> = (1..=50).map(f64::from).collect();
        let worse = Classes::quantiles(&v, Direction::HigherIsWorse);
        let better = Classes::quantiles(&v, Direction::HigherIsBetter);
        assert_eq!(worse.fill_of(50.0), Some(VIRIDIS5[4]));
        assert_eq!(better.fill_of(1.0), Some(VIRIDIS5[4]));
        assert_eq!(better.fill_of(50.0), Some(VIRIDIS5[0]));
    }

    #[test]
    fn few_values_get_one_class_each() {
        let c = Classes::quantiles(&[1.0, 2.0, 3.0, 3.0, 5.0], Direction::HigherIsBetter);
        assert_eq!(c.entries.len(), 4);
        assert_eq!(c.class_of(5.0), Some(3));
        assert_eq!(c.entries[0].fill, VIRIDIS5[4]);
    }

    /// Breaks match numpy.percentile(values, [20, 40, 60, 80]) (linear interpolation).
    #[test]
    fn quintile_breaks_match_numpy() {
        let c = Classes::quantiles(&(1..=10).map(f64::from).collect::<Vec<_>>(), Direction::HigherIsWorse);
        for (got, want) in c.breaks.iter().zip([2.8, 4.6, 6.4, 8.2]) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
        let c = Classes::quantiles(&[3.5, 1.0, 7.0, 2.0, 9.0, 4.0, 11.0, 6.0, f64::NAN], Direction::HigherIsWorse);
        for (got, want) in c.breaks.iter().zip([2.6, 3.9, 6.2, 8.2]) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
    }

    #[test]
    fn numbers_format_for_legends() {
        assert_eq!(format_number(12345.0), "12,300");
        assert_eq!(format_number(0.123456), "0.123");
        assert_eq!(format_number(45.67), "45.7");
        assert_eq!(format_number(-3.0), "-3");
    }
}
