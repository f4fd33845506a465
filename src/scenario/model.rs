//! The scenario document: a named, ordered list of edits over the baseline
//! services, as JSON (`<scenarios dir>/<id>.json`, also the HTTP body).
//!
//! Reading goes through a loose shape ([`RawScenario`], every edit field
//! optional) so that each mistake is reported naming its edit (`edit 3
//! (move): ...`) rather than as a bare serde message.

use serde::{Deserialize, Serialize};

use super::ScenarioError;

/// The schema version written in `needmap_scenario`.
pub const SCHEMA_VERSION: u32 = 1;

/// Most edits one scenario may hold.
pub const MAX_EDITS: usize = 10_000;

/// A what-if scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawScenario", into = "RawScenario")]
pub struct Scenario {
    /// `needmap_scenario` in JSON: the schema version (1).
    pub schema: u32,
    /// 1-64 characters of `[a-z0-9_-]`; also the file name.
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// Managed by the store: 1 on create, +1 on every update (0 = not stored).
    pub version: u64,
    /// Who saved it last.
    pub author: Option<String>,
    /// RFC 3339 UTC time of the last save.
    pub updated: Option<String>,
    pub edits: Vec<Edit>,
}

/// One change to the services, applied in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// A new site.
    Add {
        /// Default `scenario-<n>` (n = the 1-based edit number).
        id: Option<String>,
        name: String,
        category: String,
        /// Default: the category's tier.
        tier: Option<String>,
        /// Default: the category's capacity (1 unless dataset.toml sets one).
        capacity: Option<f64>,
        place: Place,
    },
    /// A service (baseline, or added earlier) to a new point.
    Move { service: String, place: Place },
    /// A service closes.
    Close { service: String },
    /// A service's capacity changes.
    Capacity { service: String, capacity: f64 },
}

/// Where a site is.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// WGS84 degrees.
    LonLat { lon: f64, lat: f64 },
    /// British National Grid (EPSG:27700) metres.
    Grid { easting: f64, northing: f64 },
    /// Looked up in the manifest's `[postcodes]` file.
    Postcode { postcode: String },
}

impl Edit {
    /// `add`, `move`, `close` or `capacity` (the JSON `op`).
    pub fn op(&self) -> &'static str {
        match self {
            Edit::Add { .. } => "add",
            Edit::Move { .. } => "move",
            Edit::Close { .. } => "close",
            Edit::Capacity { .. } => "capacity",
        }
    }

    /// The service an edit changes (`None` for `add`).
    pub fn service(&self) -> Option<&str> {
        match self {
            Edit::Add { .. } => None,
            Edit::Move { service, .. } | Edit::Close { service } | Edit::Capacity { service, .. } => Some(service),
        }
    }
}

impl Scenario {
    /// An empty scenario (no edits, not stored yet).
    pub fn new(id: &str, name: &str) -> Scenario {
        Scenario {
            schema: SCHEMA_VERSION,
            id: id.to_string(),
            name: name.to_string(),
            description: None,
            version: 0,
            author: None,
            updated: None,
            edits: Vec::new(),
        }
    }

    /// Parse scenario JSON; `source` names the file or request body in messages.
    /// Shape errors name the edit; checks against the dataset are made by
    /// [`Scenario::apply`].
    pub fn from_json(text: &str, source: &str) -> Result<Scenario, ScenarioError> {
        let raw: RawScenario = serde_json::from_str(text).map_err(|e| ScenarioError::Json {
            origin: source.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        Scenario::try_from(raw).map_err(|e| e.within(source))
    }

    /// Pretty JSON with a stable key order (the order of the fields above).
    pub fn to_json(&self) -> String {
        let raw = RawScenario::from(self.clone());
        serde_json::to_string_pretty(&raw).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// The JSON shape, loosely typed so that errors can name the edit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    #[serde(default = "default_schema")]
    pub needmap_scenario: u32,
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(default)]
    pub edits: Vec<RawEdit>,
}

fn default_schema() -> u32 {
    SCHEMA_VERSION
}

/// One edit as JSON: `op` and whichever fields it needs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEdit {
    pub op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub easting: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub northing: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
}

impl TryFrom<RawScenario> for Scenario {
    type Error = ScenarioError;

    fn try_from(raw: RawScenario) -> Result<Scenario, ScenarioError> {
        if raw.needmap_scenario != SCHEMA_VERSION {
            return Err(ScenarioError::Schema { found: raw.needmap_scenario, origin: String::new() });
        }
        if raw.edits.len() > MAX_EDITS {
            return Err(ScenarioError::TooManyEdits { count: raw.edits.len(), limit: MAX_EDITS });
        }
        let edits = raw
            .edits
            .into_iter()
            .enumerate()
            .map(|(i, e)| edit_from_raw(i + 1, e))
            .collect::<Result<Vec<Edit>, ScenarioError>>()?;
        let s = Scenario {
            schema: raw.needmap_scenario,
            id: raw.id,
            name: raw.name,
            description: raw.description,
            version: raw.version,
            author: raw.author,
            updated: raw.updated,
            edits,
        };
        s.check()?;
        Ok(s)
    }
}

fn edit_from_raw(number: usize, e: RawEdit) -> Result<Edit, ScenarioError> {
    let op: &'static str = match e.op.as_str() {
        "add" => "add",
        "move" => "move",
        "close" => "close",
        "capacity" => "capacity",
        other => {
            return Err(ScenarioError::edit(number, other, "`op` must be one of add, move, close, capacity"));
        }
    };
    let err = |message: String| ScenarioError::edit(number, op, message);
    let allowed: &[&str] = match op {
        "add" => &["id", "name", "category", "tier", "capacity", "lon", "lat", "easting", "northing", "postcode"],
        "move" => &["service", "lon", "lat", "easting", "northing", "postcode"],
        "close" => &["service"],
        _ => &["service", "capacity"],
    };
    let present = [
        ("id", e.id.is_some()),
        ("service", e.service.is_some()),
        ("name", e.name.is_some()),
        ("category", e.category.is_some()),
        ("tier", e.tier.is_some()),
        ("capacity", e.capacity.is_some()),
        ("lon", e.lon.is_some()),
        ("lat", e.lat.is_some()),
        ("easting", e.easting.is_some()),
        ("northing", e.northing.is_some()),
        ("postcode", e.postcode.is_some()),
    ];
    if let Some((field, _)) = present.iter().find(|(f, p)| *p && !allowed.contains(f)) {
        return Err(err(format!("`{field}` does not belong to a {op} edit (it takes {})", allowed.join(", "))));
    }
    let required = |v: Option<String>, field: &str| -> Result<String, ScenarioError> {
        match v.map(|v| v.trim().to_string()) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(err(format!("`{field}` is required"))),
        }
    };
    let place = match op {
        "add" | "move" => Some(place_from_raw(&e).map_err(err)?),
        _ => None,
    };
    Ok(match (op, place) {
        ("add", Some(place)) => Edit::Add {
            name: required(e.name, "name")?,
            category: required(e.category, "category")?,
            id: e.id.map(|v| v.trim().to_string()),
            tier: e.tier.map(|v| v.trim().to_string()),
            capacity: e.capacity,
            place,
        },
        ("move", Some(place)) => Edit::Move { place, service: required(e.service, "service")? },
        ("close", _) => Edit::Close { service: required(e.service, "service")? },
        _ => Edit::Capacity {
            capacity: e.capacity.ok_or_else(|| err("`capacity` is required".into()))?,
            service: required(e.service, "service")?,
        },
    })
}

/// Exactly one place: `lon`+`lat`, `easting`+`northing` or `postcode`.
fn place_from_raw(e: &RawEdit) -> Result<Place, String> {
    let mut places = Vec::new();
    match (e.lon, e.lat) {
        (Some(lon), Some(lat)) => places.push(Place::LonLat { lon, lat }),
        (None, None) => {}
        _ => return Err("give both `lon` and `lat`".into()),
    }
    match (e.easting, e.northing) {
        (Some(easting), Some(northing)) => places.push(Place::Grid { easting, northing }),
        (None, None) => {}
        _ => return Err("give both `easting` and `northing`".into()),
    }
    if let Some(p) = &e.postcode {
        places.push(Place::Postcode { postcode: p.trim().to_string() });
    }
    match places.len() {
        1 => Ok(places.remove(0)),
        0 => Err("no place: give `lon` and `lat`, or `easting` and `northing` (EPSG:27700), or `postcode`".into()),
        _ => Err("two places: give only one of `lon`/`lat`, `easting`/`northing` or `postcode`".into()),
    }
}

impl From<Scenario> for RawScenario {
    fn from(s: Scenario) -> RawScenario {
        RawScenario {
            needmap_scenario: s.schema,
            id: s.id,
            name: s.name,
            description: s.description,
            version: s.version,
            author: s.author,
            updated: s.updated,
            edits: s.edits.into_iter().map(RawEdit::from).collect(),
        }
    }
}

impl From<Edit> for RawEdit {
    fn from(e: Edit) -> RawEdit {
        let mut raw = RawEdit { op: e.op().to_string(), ..Default::default() };
        fn put_place(raw: &mut RawEdit, p: Place) {
            match p {
                Place::LonLat { lon, lat } => (raw.lon, raw.lat) = (Some(lon), Some(lat)),
                Place::Grid { easting, northing } => (raw.easting, raw.northing) = (Some(easting), Some(northing)),
                Place::Postcode { postcode } => raw.postcode = Some(postcode),
            }
        }
        match e {
            Edit::Add { id, name, category, tier, capacity, place } => {
                (raw.id, raw.name, raw.category, raw.tier, raw.capacity) = (id, Some(name), Some(category), tier, capacity);
                put_place(&mut raw, place);
            }
            Edit::Move { service, place } => {
                raw.service = Some(service);
                put_place(&mut raw, place);
            }
            Edit::Close { service } => raw.service = Some(service),
            Edit::Capacity { service, capacity } => (raw.service, raw.capacity) = (Some(service), Some(capacity)),
        }
        raw
    }
}
