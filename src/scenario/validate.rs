//! Checks a scenario can make on its own, without the dataset: the id,
//! the number of edits, coordinates in range, capacities. Checks against the
//! dataset (service ids, categories, postcodes) are made while applying.

use super::model::{Edit, Place, Scenario, MAX_EDITS, SCHEMA_VERSION};
use super::ScenarioError;

/// Bounds of EPSG:27700 (British National Grid), metres: the CRS's area
/// of use as published by EPSG, projected.
pub const BNG_BOUNDS: [f64; 4] = [-104_009.36, -16_627.05, 688_806.01, 1_256_558.45];

/// Longest name or id of an added site.
const MAX_TEXT: usize = 200;

/// Whether `id` is a valid scenario id (1-64 characters of `[a-z0-9_-]`).
///
/// ```
/// use needmap::scenario::valid_id;
/// assert!(valid_id("hub-in-bowling"));
/// assert!(!valid_id("Hub in Bowling"));
/// assert!(!valid_id("../etc"));
/// ```
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Refuse an id that is not 1-64 characters of `[a-z0-9_-]`.
pub fn check_id(id: &str) -> Result<(), ScenarioError> {
    if valid_id(id) {
        return Ok(());
    }
    let reason = if id.is_empty() {
        "is empty".to_string()
    } else if id.len() > 64 {
        format!("is {} characters long", id.len())
    } else {
        "has characters other than a-z, 0-9, `_` and `-`".to_string()
    };
    Err(ScenarioError::BadId { id: id.to_string(), reason, origin: String::new() })
}

/// A scenario id made from a name: `Extra hub in Bowling` -> `extra-hub-in-bowling`.
///
/// ```
/// use needmap::scenario::id_from_name;
/// assert_eq!(id_from_name("Extra family hub in Bowling!"), "extra-family-hub-in-bowling");
/// assert_eq!(id_from_name("***"), "scenario");
/// ```
pub fn id_from_name(name: &str) -> String {
    let mut id = String::new();
    for c in name.chars().flat_map(|c| c.to_lowercase()) {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
        if id.len() >= 64 {
            break;
        }
    }
    let id = id.trim_end_matches('-').to_string();
    if id.is_empty() {
        "scenario".into()
    } else {
        id
    }
}

impl Scenario {
    /// Check the scenario on its own (see the module notes).
    pub fn check(&self) -> Result<(), ScenarioError> {
        if self.schema != SCHEMA_VERSION {
            return Err(ScenarioError::Schema { found: self.schema, origin: String::new() });
        }
        check_id(&self.id)?;
        if self.name.trim().is_empty() {
            return Err(ScenarioError::Invalid { message: "the scenario has no `name`; give it a short title".into(), origin: String::new() });
        }
        if self.edits.len() > MAX_EDITS {
            return Err(ScenarioError::TooManyEdits { count: self.edits.len(), limit: MAX_EDITS });
        }
        for (i, edit) in self.edits.iter().enumerate() {
            check_edit(edit).map_err(|m| ScenarioError::edit(i + 1, edit.op(), m))?;
        }
        Ok(())
    }
}

fn check_edit(edit: &Edit) -> Result<(), String> {
    let text = |field: &str, v: &str| -> Result<(), String> {
        if v.trim().is_empty() {
            Err(format!("`{field}` is empty"))
        } else if v.chars().count() > MAX_TEXT || v.chars().any(char::is_control) {
            Err(format!("`{field}` must be at most {MAX_TEXT} characters of plain text"))
        } else {
            Ok(())
        }
    };
    match edit {
        Edit::Add { id, name, category, tier, capacity, place } => {
            if let Some(id) = id {
                text("id", id)?;
            }
            text("name", name)?;
            text("category", category)?;
            if let Some(t) = tier {
                text("tier", t)?;
            }
            if let Some(c) = capacity {
                check_capacity(*c)?;
            }
            check_place(place)
        }
        Edit::Move { service, place } => {
            text("service", service)?;
            check_place(place)
        }
        Edit::Close { service } => text("service", service),
        Edit::Capacity { service, capacity } => {
            text("service", service)?;
            check_capacity(*capacity)
        }
    }
}

fn check_capacity(c: f64) -> Result<(), String> {
    let max = crate::engine::MAX_CAPACITY;
    if !c.is_finite() {
        Err(format!("capacity {c} is not a number"))
    } else if c < 0.0 {
        Err(format!("capacity {c} is negative; give 0 or more (0 = the site counts for distance but adds no supply)"))
    } else if c > max {
        Err(format!("capacity {c} is not plausible (over {max:e})"))
    } else {
        Ok(())
    }
}

fn check_place(place: &Place) -> Result<(), String> {
    match *place {
        Place::LonLat { lon, lat } => {
            if !(lon.is_finite() && lat.is_finite()) {
                Err(format!("lon/lat ({lon}, {lat}) are not numbers"))
            } else if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
                Err(format!("lon/lat ({lon}, {lat}) are out of range: lon must be -180 to 180 and lat -90 to 90 (are they swapped, or easting/northing?)"))
            } else {
                Ok(())
            }
        }
        Place::Grid { easting, northing } => {
            let [x0, y0, x1, y1] = BNG_BOUNDS;
            if !(easting.is_finite() && northing.is_finite()) {
                Err(format!("easting/northing ({easting}, {northing}) are not numbers"))
            } else if !(x0..=x1).contains(&easting) || !(y0..=y1).contains(&northing) {
                Err(format!(
                    "easting/northing ({easting}, {northing}) are outside the British National Grid (EPSG:27700: easting {x0} to {x1}, northing {y0} to {y1} m)"
                ))
            } else {
                Ok(())
            }
        }
        Place::Postcode { ref postcode } => match crate::load::normalise_postcode(postcode) {
            Some(_) => Ok(()),
            None => Err(format!("`{postcode}` is not a postcode (e.g. BD5 7AA)")),
        },
    }
}
