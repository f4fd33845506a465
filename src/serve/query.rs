//! Query-string parameters shared by the endpoints, parsed and validated.
//!
//! Unknown parameter *names* are ignored (so cache-busters and `f=json` work);
//! known parameters with values the server cannot use answer 400 naming the
//! parameter.

use geo::{coord, Rect};

use super::errors::ServeError;
use crate::gaps::{Catchment, Travel};
use crate::Engine;

/// Decoded `name=value` pairs of a query string.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Decode a raw query string (`a=1&b=2`).
    pub fn parse(raw: Option<&str>) -> Result<Params, ServeError> {
        let Some(raw) = raw else { return Ok(Params::default()) };
        serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
            .map(Params)
            .map_err(|e| ServeError::bad("query", format!("cannot decode the query string: {e}")))
    }

    /// Every parameter name given, once each, in order.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for (k, _) in &self.0 {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
        keys
    }

    /// The value of `name`, when given and not empty. A parameter given twice
    /// with different values is an error.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ServeError> {
        let mut found: Option<&str> = None;
        for (k, v) in &self.0 {
            if k == name && !v.trim().is_empty() {
                match found {
                    Some(prev) if prev != v.trim() => {
                        return Err(ServeError::bad(name, "given more than once with different values"))
                    }
                    _ => found = Some(v.trim()),
                }
            }
        }
        Ok(found)
    }

    /// A comma-separated list (`category=gp,pharmacy`).
    pub fn list(&self, name: &str) -> Result<Option<Vec<String>>, ServeError> {
        Ok(self.get(name)?.map(|v| {
            v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
        }))
    }

    /// A non-negative integer in `0..=max`, or `default` when absent.
    pub fn uint(&self, name: &str, default: usize, max: usize) -> Result<usize, ServeError> {
        match self.get(name)? {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n <= max => Ok(n),
                Ok(_) => Err(ServeError::bad(name, format!("`{v}` is more than the maximum {max}"))),
                Err(_) => Err(ServeError::bad(name, format!("`{v}` is not a whole number >= 0"))),
            },
        }
    }

    /// A `bbox=minLon,minLat,maxLon,maxLat` in CRS84 degrees.
    pub fn bbox(&self) -> Result<Option<Rect<f64>>, ServeError> {
        self.get("bbox")?.map(parse_bbox).transpose()
    }
}

/// Parse `minLon,minLat,maxLon,maxLat` (CRS84). Six numbers (with heights) are
/// accepted as OGC API Features allows; the heights are ignored.
pub fn parse_bbox(text: &str) -> Result<Rect<f64>, ServeError> {
    let bad = |m: String| ServeError::bad("bbox", m);
    let nums: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>().map_err(|_| bad(format!("`{s}` is not a number"))))
        .collect::<Result<_, _>>()?;
    let (x0, y0, x1, y1) = match nums.as_slice() {
        [a, b, c, d] => (*a, *b, *c, *d),
        [a, b, _, c, d, _] => (*a, *b, *c, *d),
        _ => return Err(bad(format!("needs 4 numbers minLon,minLat,maxLon,maxLat, got {}", nums.len()))),
    };
    if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) {
        return Err(bad("numbers must be finite".into()));
    }
    if !(-180.0..=180.0).contains(&x0) || !(-180.0..=180.0).contains(&x1) {
        return Err(bad("longitudes must be within -180..180".into()));
    }
    if !(-90.0..=90.0).contains(&y0) || !(-90.0..=90.0).contains(&y1) {
        return Err(bad("latitudes must be within -90..90".into()));
    }
    if x0 > x1 || y0 > y1 {
        return Err(bad("the minimum must not exceed the maximum (bboxes across the antimeridian are not supported)".into()));
    }
    Ok(Rect::new(coord! { x: x0, y: y0 }, coord! { x: x1, y: y1 }))
}

/// How access to services is measured, for the gap fields (issue 3's `--method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum GapMethod {
    #[serde(rename = "nearest")]
    Nearest,
    #[serde(rename = "2sfca")]
    TwoStep,
    #[serde(rename = "e2sfca")]
    EnhancedTwoStep,
}

impl GapMethod {
    pub const ALL: [GapMethod; 3] = [GapMethod::Nearest, GapMethod::TwoStep, GapMethod::EnhancedTwoStep];

    pub fn id(self) -> &'static str {
        match self {
            GapMethod::Nearest => "nearest",
            GapMethod::TwoStep => "2sfca",
            GapMethod::EnhancedTwoStep => "e2sfca",
        }
    }

    fn parse(v: &str) -> Result<GapMethod, ServeError> {
        GapMethod::ALL.into_iter().find(|m| m.id() == v).ok_or_else(|| {
            ServeError::bad("method", format!("unknown method `{v}`; methods are: nearest, 2sfca, e2sfca"))
        })
    }
}

/// What an area table should hold: `indicator`, `category`, `tier`, `method`,
/// `travel`, `catchment`, `origins`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AreaQuery {
    /// Indicator indexes to include (all when `None`).
    pub indicators: Option<Vec<usize>>,
    /// Service categories selected for the provision (and gap) columns.
    pub categories: Option<Vec<String>>,
    /// Tier selected for the provision (and gap) columns.
    pub tier: Option<String>,
    /// Access method for the gap columns.
    pub method: Option<GapMethod>,
    /// How people travel, for the gap columns (default walking).
    pub travel: Option<Travel>,
    /// Floating catchment for the gap columns, as its canonical label
    /// (`2km`, `20min`; see [`parse_catchment`]).
    pub catchment: Option<String>,
    /// Need over time: `change_from`, `change_to` and `series` (default the
    /// manifest's first series) add the change columns
    /// ([`crate::report::change::CHANGE_COLUMNS`]).
    pub change: Option<ChangeSelection>,
    /// Origins of the gap columns: `origins=postcode` (every postcode unit)
    /// or `origins=area` (the default area points).
    pub origins: Option<crate::gaps::OriginPoints>,
}

/// The two vintages of a series whose change the area table carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChangeSelection {
    pub series: String,
    pub from: String,
    pub to: String,
}

impl ChangeSelection {
    /// `series`, `change_from`, `change_to`, checked against the dataset's
    /// series (`None` when neither vintage is given).
    pub fn from_params(engine: &Engine, p: &Params) -> Result<Option<ChangeSelection>, ServeError> {
        let (from, to) = match (p.get("change_from")?, p.get("change_to")?) {
            (None, None) => {
                if p.get("series")?.is_some() {
                    return Err(ServeError::bad("series", "`series` selects the series of a change: give `change_from` and `change_to` too"));
                }
                return Ok(None);
            }
            (Some(_), None) => return Err(ServeError::bad("change_to", "`change_from` needs `change_to` (the later vintage), e.g. change_from=2015&change_to=2025")),
            (None, Some(_)) => return Err(ServeError::bad("change_from", "`change_to` needs `change_from` (the earlier vintage), e.g. change_from=2015&change_to=2025")),
            (Some(f), Some(t)) => (f, t),
        };
        use crate::report::ChangeError;
        let series = crate::report::change::find_series(engine, p.get("series")?).map_err(|e| {
            let name = if matches!(e, ChangeError::NoSeries) { "change_from" } else { "series" };
            ServeError::bad(name, e.to_string())
        })?;
        for (name, v) in [("change_from", from), ("change_to", to)] {
            if series.vintage(v).is_none() {
                return Err(ServeError::bad(
                    name,
                    format!("series `{}` has no vintage `{v}`; its vintages are: {}", series.id, series.labels()),
                ));
            }
        }
        if from == to {
            return Err(ServeError::bad("change_to", format!("the change needs two different vintages; `{from}` was given as both")));
        }
        Ok(Some(ChangeSelection { series: series.id, from: from.to_string(), to: to.to_string() }))
    }

    /// The change query at level `level_id`.
    pub fn at(&self, level_id: &str) -> crate::report::ChangeQuery {
        crate::report::ChangeQuery {
            series: Some(self.series.clone()),
            from: self.from.clone(),
            to: self.to.clone(),
            level: level_id.to_string(),
        }
    }
}

/// Farthest floating catchment the API accepts, km.
pub const MAX_CATCHMENT_KM: f64 = 50.0;
/// Longest floating catchment the API accepts, minutes.
pub const MAX_CATCHMENT_MIN: f64 = 120.0;

/// `catchment=2km`, `1.5km`, `800m` or `20min`: a distance or a travel time.
pub fn parse_catchment(v: &str) -> Result<Catchment, ServeError> {
    let bad = |why: &str| ServeError::bad("catchment", format!("`{v}` {why}: give a distance such as `2km` or `800m` (at most {MAX_CATCHMENT_KM} km), or a travel time such as `20min` (at most {MAX_CATCHMENT_MIN} minutes)"));
    let t = v.trim().to_ascii_lowercase();
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => t.split_at(i),
        None => return Err(bad("has no unit")),
    };
    let x: f64 = number.trim().parse().map_err(|_| bad("is not a number with a unit"))?;
    let c = match unit {
        "km" => Catchment::Km(x),
        "m" => Catchment::Km(x / 1000.0),
        "min" | "mins" | "minutes" => Catchment::Minutes(x),
        _ => return Err(bad("has an unknown unit")),
    };
    let max = match c {
        Catchment::Km(_) => MAX_CATCHMENT_KM,
        Catchment::Minutes(_) => MAX_CATCHMENT_MIN,
    };
    if !(c.value().is_finite() && c.value() > 0.0 && c.value() <= max) {
        return Err(bad("is out of range"));
    }
    Ok(c)
}

impl AreaQuery {
    /// Validate `indicator`, `category`, `tier` and `method` against the dataset.
    pub fn from_params(engine: &Engine, p: &Params) -> Result<AreaQuery, ServeError> {
        let indicators = match p.list("indicator")? {
            None => None,
            Some(ids) => Some(
                ids.iter()
                    .map(|id| {
                        engine.indicator_index(id).ok_or_else(|| {
                            ServeError::bad(
                                "indicator",
                                format!("unknown indicator `{id}`; indicators are: {}", known(engine.indicators.iter().map(|i| i.id.as_str()))),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(AreaQuery {
            indicators,
            categories: categories(engine, p)?,
            tier: tier(engine, p)?,
            method: p.get("method")?.map(GapMethod::parse).transpose()?,
            travel: match p.get("travel")? {
                None => None,
                Some("walk") => Some(Travel::Walk),
                Some("drive") => Some(Travel::Drive),
                Some(other) => return Err(ServeError::bad("travel", format!("unknown travel `{other}`; use walk or drive"))),
            },
            catchment: p.get("catchment")?.map(parse_catchment).transpose()?.map(|c| c.label()),
            change: ChangeSelection::from_params(engine, p)?,
            origins: match p.get("origins")? {
                None => None,
                Some("postcode") => Some(crate::gaps::OriginPoints::Postcodes),
                Some("area") => Some(crate::gaps::OriginPoints::Areas),
                Some(other) => return Err(ServeError::bad("origins", format!("unknown origins `{other}`; use postcode (every postcode unit) or area"))),
            },
        })
    }

    /// Whether nothing was asked for (the default, cacheable table).
    pub fn is_default(&self) -> bool {
        *self == AreaQuery::default()
    }
}

/// Validate `category` (comma list) against the manifest's categories.
pub fn categories(engine: &Engine, p: &Params) -> Result<Option<Vec<String>>, ServeError> {
    let Some(list) = p.list("category")? else { return Ok(None) };
    for c in &list {
        if !engine.categories.contains_key(c) && !engine.services.iter().any(|s| &s.category == c) {
            return Err(ServeError::bad(
                "category",
                format!("unknown category `{c}`; categories are: {}", known(engine.categories.keys().map(String::as_str))),
            ));
        }
    }
    Ok(Some(list))
}

/// Validate `tier` against the manifest's tiers.
pub fn tier(engine: &Engine, p: &Params) -> Result<Option<String>, ServeError> {
    let Some(t) = p.get("tier")? else { return Ok(None) };
    let ok = engine.tiers.iter().any(|x| x.id == t) || engine.services.iter().any(|s| s.tier == t);
    if ok {
        Ok(Some(t.to_string()))
    } else {
        Err(ServeError::bad(
            "tier",
            format!("unknown tier `{t}`; tiers are: {}", known(engine.tiers.iter().map(|t| t.id.as_str()))),
        ))
    }
}

fn known<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_parses_and_rejects() {
        let r = parse_bbox("-1.9,53.7,-1.7,53.9").unwrap();
        assert_eq!(r.min().x, -1.9);
        assert!(parse_bbox("1,2,3").is_err());
        assert!(parse_bbox("1,2,0,3").is_err());
        assert!(parse_bbox("a,2,3,4").is_err());
        assert!(parse_bbox("NaN,2,3,4").is_err());
        assert!(parse_bbox("0,-91,1,1").is_err());
        assert!(parse_bbox("0,0,0,1,1,0").is_ok());
    }

    #[test]
    fn params_reject_conflicting_repeats() {
        let p = Params::parse(Some("a=1&a=2&b=%20x%20")).unwrap();
        assert!(p.get("a").is_err());
        assert_eq!(p.get("b").unwrap(), Some("x"));
        assert_eq!(p.uint("c", 7, 10).unwrap(), 7);
        let p = Params::parse(Some("limit=11")).unwrap();
        assert!(p.uint("limit", 7, 10).is_err());
    }
}
