//! Candidate sites for new services: points of other categories, a CSV file,
//! or the cell centres of a British National Grid grid inside the district.

use std::path::{Path, PathBuf};

use geo::Coord;

use super::SuggestError;
use crate::crs::{Transform, BNG, WGS84};
use crate::engine::Engine;
use crate::load::{parse_number, read_table, Diagnostics};

/// Where candidates come from (`--candidates`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateSpec {
    /// The (non-sensitive) service points of these categories.
    Services(Vec<String>),
    /// A CSV file with `lon`/`lat` or `easting`/`northing` columns.
    File(PathBuf),
    /// Cell centres of a BNG grid with this cell size (metres) that fall inside an area.
    Grid { metres: f64 },
}

/// Largest number of grid cells (a 100 m grid over a large district).
pub const MAX_GRID_CELLS: usize = 200_000;
/// Largest number of candidates read from a file.
pub const MAX_FILE_CANDIDATES: usize = 100_000;

impl CandidateSpec {
    /// Parse `services:a,b`, `grid:500m` (or `grid:1km`), or a file path.
    ///
    /// ```
    /// use needmap::suggest::CandidateSpec;
    /// assert_eq!(CandidateSpec::parse("grid:500m").unwrap(), CandidateSpec::Grid { metres: 500.0 });
    /// assert_eq!(CandidateSpec::parse("services:library, community_centre").unwrap(),
    ///     CandidateSpec::Services(vec!["library".into(), "community_centre".into()]));
    /// assert!(CandidateSpec::parse("grid:5 parsecs").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<CandidateSpec, SuggestError> {
        let bad = |reason: &str| SuggestError::BadCandidates {
            spec: text.to_string(),
            reason: reason.into(),
        };
        let t = text.trim();
        if let Some(list) = t.strip_prefix("services:") {
            let cats: Vec<String> = list.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
            if cats.is_empty() {
                return Err(bad("name at least one category after `services:`"));
            }
            return Ok(CandidateSpec::Services(cats));
        }
        if let Some(size) = t.strip_prefix("grid:") {
            let size = size.trim();
            let (num, unit) = size.split_at(size.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(size.len()));
            let v: f64 = num.trim().parse().map_err(|_| bad("the grid cell size must be a number with a unit, e.g. `grid:500m` or `grid:1km`"))?;
            let metres = match unit.trim() {
                "m" => v,
                "km" => v * 1000.0,
                _ => return Err(bad("the grid cell size needs a unit `m` or `km`, e.g. `grid:500m`")),
            };
            if !(metres.is_finite() && (50.0..=50_000.0).contains(&metres)) {
                return Err(bad("the grid cell size must be 50 m to 50 km"));
            }
            return Ok(CandidateSpec::Grid { metres });
        }
        if t.is_empty() {
            return Err(bad("empty"));
        }
        Ok(CandidateSpec::File(PathBuf::from(t)))
    }

    /// Text for outputs (`services:library,community_centre`, `grid:500m`, the file path).
    pub fn label(&self) -> String {
        match self {
            CandidateSpec::Services(c) => format!("services:{}", c.join(",")),
            CandidateSpec::File(p) => p.display().to_string(),
            CandidateSpec::Grid { metres } => format!("grid:{}m", crate::load::number_text(*metres)),
        }
    }
}

/// One candidate site.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub bng: Coord<f64>,
    pub wgs84: Coord<f64>,
}

/// The candidate sites and what was left out.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    pub sites: Vec<Candidate>,
    pub notes: Vec<String>,
}

/// The candidates of `spec` for new sites of `category` (its own sites are
/// already open and are never candidates; sensitive sites never are).
pub fn candidates(engine: &Engine, spec: &CandidateSpec, category: &str) -> Result<Candidates, SuggestError> {
    let found = match spec {
        CandidateSpec::Services(cats) => from_services(engine, cats, category)?,
        CandidateSpec::File(path) => {
            let path = if path.is_absolute() || path.exists() { path.clone() } else { engine.data_dir.join(path) };
            from_file(&path)?
        }
        CandidateSpec::Grid { metres } => from_grid(engine, *metres)?,
    };
    if found.sites.is_empty() {
        return Err(SuggestError::NoCandidates {
            reason: format!("`{}` gives no sites{}", spec.label(), found.notes.first().map(|n| format!(" ({n})")).unwrap_or_default()),
        });
    }
    Ok(found)
}

fn from_services(engine: &Engine, cats: &[String], category: &str) -> Result<Candidates, SuggestError> {
    let mut out = Candidates::default();
    for c in cats {
        let cat = engine.categories.get(c).ok_or_else(|| SuggestError::BadCandidates {
            spec: format!("services:{}", cats.join(",")),
            reason: format!(
                "unknown category `{c}`; categories are: {}",
                engine.categories.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
            ),
        })?;
        if cat.sensitive {
            return Err(SuggestError::SensitiveCandidates { category: c.clone() });
        }
        if c == category {
            out.notes.push(format!("`{c}` sites are already open (they are the existing sites), so they are not candidates"));
        }
    }
    let mut sensitive = 0;
    for s in engine.services.iter().filter(|s| cats.contains(&s.category) && s.category != category) {
        if s.sensitive {
            sensitive += 1;
            continue;
        }
        out.sites.push(Candidate {
            id: s.id.clone(),
            name: s.name.clone(),
            bng: s.bng,
            wgs84: s.wgs84,
        });
    }
    if sensitive > 0 {
        out.notes.push(format!("{sensitive} sensitive site(s) of the candidate categories are never candidates"));
    }
    Ok(out)
}

fn from_file(path: &Path) -> Result<Candidates, SuggestError> {
    let file = path.display().to_string();
    let mut diags = Diagnostics::default();
    let table = read_table(path, &mut diags).map_err(|e| SuggestError::CandidateFile {
        file: file.clone(),
        message: e.to_string(),
    })?;
    let col = |names: &[&str]| names.iter().find_map(|n| table.headers.iter().position(|h| h.eq_ignore_ascii_case(n)));
    let (lon, lat) = (col(&["lon", "longitude"]), col(&["lat", "latitude"]));
    let (east, north) = (col(&["easting", "x"]), col(&["northing", "y"]));
    let (xc, yc, crs) = match (lon, lat, east, north) {
        (Some(x), Some(y), None, None) => (x, y, WGS84),
        (None, None, Some(x), Some(y)) => (x, y, BNG),
        (Some(_), Some(_), Some(_), Some(_)) => {
            return Err(SuggestError::CandidateFile {
                file,
                message: "has both lon/lat and easting/northing columns; keep one pair so the place is unambiguous".into(),
            })
        }
        _ => {
            return Err(SuggestError::CandidateFile {
                file,
                message: format!(
                    "needs columns `lon` and `lat` (WGS84 degrees) or `easting` and `northing` (British National Grid metres); its columns are: {}",
                    table.headers.join(", ")
                ),
            })
        }
    };
    let (idc, namec) = (col(&["id"]), col(&["name"]));
    let to_bng = Transform::new(WGS84, BNG).map_err(|e| SuggestError::CandidateFile { file: file.clone(), message: e.to_string() })?;
    let to_wgs = Transform::new(BNG, WGS84).map_err(|e| SuggestError::CandidateFile { file: file.clone(), message: e.to_string() })?;
    if table.rows.len() > MAX_FILE_CANDIDATES {
        return Err(SuggestError::CandidateFile {
            file,
            message: format!("has {} rows; at most {MAX_FILE_CANDIDATES} candidates are accepted", table.rows.len()),
        });
    }
    let mut out = Candidates::default();
    let mut ids = std::collections::HashSet::new();
    for (n, (line, rec)) in table.rows.iter().enumerate() {
        let row_err = |message: String| SuggestError::CandidateRow { file: file.clone(), line: *line, message };
        let number = |c: usize| -> Result<f64, SuggestError> {
            let cell = rec.get(c).unwrap_or("");
            match parse_number(cell) {
                Ok(Some(v)) if v.is_finite() => Ok(v),
                Ok(_) => Err(row_err(format!("column `{}` is empty; give a number", table.headers[c]))),
                Err(e) => Err(row_err(format!("column `{}` = `{cell}`: {e}", table.headers[c]))),
            }
        };
        let (x, y) = (number(xc)?, number(yc)?);
        let (bng, wgs84) = if crs == WGS84 {
            if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
                return Err(row_err(format!("lon {x}, lat {y} is not a place on Earth (lon -180..180, lat -90..90); are the columns swapped?")));
            }
            let c = Coord { x, y };
            (to_bng.coord(c).map_err(|e| row_err(e.to_string()))?, c)
        } else {
            if !(-10_000.0..=710_000.0).contains(&x) || !(-10_000.0..=1_300_000.0).contains(&y) {
                return Err(row_err(format!(
                    "easting {x}, northing {y} is outside British National Grid (easting 0-700000, northing 0-1300000 metres)"
                )));
            }
            let c = Coord { x, y };
            (c, to_wgs.coord(c).map_err(|e| row_err(e.to_string()))?)
        };
        let id = match idc.map(|c| rec.get(c).unwrap_or("").trim().to_string()).filter(|s| !s.is_empty()) {
            Some(id) => id,
            None => format!("candidate-{}", n + 1),
        };
        if !ids.insert(id.clone()) {
            return Err(row_err(format!("id `{id}` is used by an earlier row; ids must be unique")));
        }
        let name = namec.map(|c| rec.get(c).unwrap_or("").trim().to_string()).filter(|s| !s.is_empty()).unwrap_or_else(|| id.clone());
        out.sites.push(Candidate { id, name, bng, wgs84 });
    }
    let skipped = diags.skipped_total();
    if skipped > 0 {
        return Err(SuggestError::CandidateFile {
            file,
            message: format!("{skipped} row(s) cannot be read (wrong number of fields or bad text); fix them so that no candidate is lost"),
        });
    }
    Ok(out)
}

fn from_grid(engine: &Engine, metres: f64) -> Result<Candidates, SuggestError> {
    let level = engine.levels.len().checked_sub(1).ok_or_else(|| SuggestError::NoCandidates { reason: "the dataset has no levels".into() })?;
    let lvl = &engine.levels[level];
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for a in &lvl.areas {
        use geo::BoundingRect;
        if let Some(r) = a.bng.bounding_rect() {
            x0 = x0.min(r.min().x);
            y0 = y0.min(r.min().y);
            x1 = x1.max(r.max().x);
            y1 = y1.max(r.max().y);
        }
    }
    if !(x0.is_finite() && x1.is_finite()) {
        return Err(SuggestError::NoCandidates { reason: format!("the {} level has no area with a geometry", lvl.id) });
    }
    // Cells aligned on the grid's origin so that the same grid comes out every time.
    let (i0, i1) = ((x0 / metres).floor() as i64, (x1 / metres).ceil() as i64);
    let (j0, j1) = ((y0 / metres).floor() as i64, (y1 / metres).ceil() as i64);
    let cells = ((i1 - i0).max(0) as usize).saturating_mul((j1 - j0).max(0) as usize);
    if cells > MAX_GRID_CELLS * 4 {
        return Err(SuggestError::BadCandidates {
            spec: format!("grid:{}m", crate::load::number_text(metres)),
            reason: format!("{cells} cells over the district's extent; use a larger cell size"),
        });
    }
    let to_wgs = Transform::new(BNG, WGS84).map_err(|e| SuggestError::NoCandidates { reason: e.to_string() })?;
    let mut out = Candidates::default();
    for j in j0..j1 {
        for i in i0..i1 {
            let c = Coord {
                x: (i as f64 + 0.5) * metres,
                y: (j as f64 + 0.5) * metres,
            };
            if engine.indexes[level].locate_by(c, |a| &lvl.areas[a].bng).is_none() {
                continue;
            }
            let wgs84 = to_wgs.coord(c).map_err(|e| SuggestError::NoCandidates { reason: e.to_string() })?;
            let (e, n) = (c.x.round() as i64, c.y.round() as i64);
            out.sites.push(Candidate {
                id: format!("grid-{e}-{n}"),
                name: format!("grid cell E{e} N{n}"),
                bng: c,
                wgs84,
            });
        }
    }
    if out.sites.len() > MAX_GRID_CELLS {
        return Err(SuggestError::BadCandidates {
            spec: format!("grid:{}m", crate::load::number_text(metres)),
            reason: format!("{} cells fall inside the district (at most {MAX_GRID_CELLS}); use a larger cell size", out.sites.len()),
        });
    }
    Ok(out)
}
