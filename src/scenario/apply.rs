//! Applying a scenario to the baseline: checks each edit against the
//! dataset and yields the scenario's engine (the baseline is not changed).

use std::collections::HashMap;

use geo::Coord;
use serde::Serialize;

use super::model::{Edit, Place, Scenario};
use super::ScenarioError;
use crate::crs::{Transform, BNG, WGS84};
use crate::engine::Engine;
use crate::model::Service;

/// A scenario applied: its engine, warnings and what changed per edit.
#[derive(Debug)]
pub struct Applied {
    /// The scenario's engine: the baseline's areas, values and overlays
    /// (shared, not copied) with the scenario's services, service index,
    /// provision and outside counts.
    pub engine: Engine,
    /// Sites outside every area of the district, and the like.
    pub warnings: Vec<String>,
    /// One entry per edit, in order.
    pub changed: Vec<ServiceChange>,
}

/// What one edit did to one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceChange {
    /// 1-based edit number.
    pub edit: usize,
    /// `add`, `move`, `close` or `capacity`.
    pub op: &'static str,
    pub id: String,
    pub name: String,
    pub category: String,
    pub sensitive: bool,
    /// Point before and after as [lon, lat] (WGS84). Always empty for
    /// sites of sensitive categories, which are never located.
    pub old: Option<[f64; 2]>,
    pub new: Option<[f64; 2]>,
    pub old_capacity: Option<f64>,
    pub new_capacity: Option<f64>,
}

/// Transforms made on first use in each thread (a PROJ set-up costs tens of
/// milliseconds; PROJ objects cannot be shared between threads).
#[derive(Default)]
struct Transforms {
    to_bng: Option<Transform>,
    to_wgs84: Option<Transform>,
}

impl Transforms {
    fn get<'a>(slot: &'a mut Option<Transform>, from: &str, to: &str) -> Result<&'a Transform, String> {
        if slot.is_none() {
            *slot = Some(Transform::new(from, to).map_err(|e| e.to_string())?);
        }
        slot.as_ref().ok_or_else(|| format!("no transform from {from} to {to}"))
    }
}

thread_local! {
    static TRANSFORMS: std::cell::RefCell<Transforms> = std::cell::RefCell::new(Transforms::default());
}

/// Project `c` to BNG (`to_bng`) or from BNG to WGS84, with this thread's transforms.
fn project(c: Coord<f64>, to_bng: bool) -> Result<Coord<f64>, String> {
    TRANSFORMS.with(|t| {
        let mut t = t.borrow_mut();
        let transform = if to_bng {
            Transforms::get(&mut t.to_bng, WGS84, BNG)?
        } else {
            Transforms::get(&mut t.to_wgs84, BNG, WGS84)?
        };
        transform.coord(c).map_err(|e| e.to_string())
    })
}

/// The baseline services plus the scenario's as they stand after each edit.
struct Working<'a> {
    engine: &'a Engine,
    /// Services in order: baseline first, added ones after; `None` = closed.
    services: Vec<Option<Service>>,
    by_id: HashMap<String, usize>,
}

impl Working<'_> {
    /// The index of a live service, or why it cannot be edited.
    fn live(&self, id: &str) -> Result<usize, String> {
        match self.by_id.get(id) {
            None => Err(format!(
                "no service has id `{id}`; ids are in the `id` column of the service files (`needmap export --layer services` lists them), or given to sites added earlier in this scenario"
            )),
            Some(&i) if self.services[i].is_none() => Err(format!("service `{id}` is closed by an earlier edit of this scenario; it cannot be edited again")),
            Some(&i) => Ok(i),
        }
    }

    /// The live service `id`, to change.
    fn live_mut(&mut self, id: &str) -> Result<&mut Service, String> {
        let i = self.live(id)?;
        self.services[i].as_mut().ok_or_else(|| format!("service `{id}` is closed"))
    }

    /// A place as (BNG, WGS84) coordinates.
    fn locate(&self, place: &Place) -> Result<(Coord<f64>, Coord<f64>), String> {
        match place {
            Place::LonLat { lon, lat } => {
                let wgs84 = Coord { x: *lon, y: *lat };
                let bng = project(wgs84, true).map_err(|e| format!("lon/lat ({lon}, {lat}) cannot be projected: {e}"))?;
                Ok((bng, wgs84))
            }
            Place::Grid { easting, northing } => {
                let bng = Coord { x: *easting, y: *northing };
                let wgs84 = project(bng, false).map_err(|e| format!("easting/northing ({easting}, {northing}) cannot be projected: {e}"))?;
                Ok((bng, wgs84))
            }
            Place::Postcode { postcode } => match self.engine.postcodes() {
                None => Err(format!(
                    "postcode {postcode} cannot be looked up: dataset.toml has no [postcodes] file. Give lon/lat or easting/northing instead"
                )),
                Some(Err(e)) => Err(format!("postcode {postcode} cannot be looked up: {e}")),
                Some(Ok(table)) => match table.get(postcode) {
                    Some(p) => Ok((p.bng, p.wgs84)),
                    None => Err(format!(
                        "postcode {postcode} is not in {} (it may be newer than the file, or mistyped). Give lon/lat or easting/northing instead",
                        table.file
                    )),
                },
            },
        }
    }
}

fn lon_lat(s: &Service) -> Option<[f64; 2]> {
    (!s.sensitive).then_some([s.wgs84.x, s.wgs84.y])
}

impl Scenario {
    /// Check every edit against the dataset and apply the scenario to
    /// `engine` (the baseline); `engine` itself is not changed.
    pub fn apply(&self, engine: &Engine) -> Result<Applied, ScenarioError> {
        let scope = format!("scenario `{}`", self.id);
        self.check().map_err(|e| e.within(&scope))?;
        let mut w = Working {
            engine,
            services: engine.services.iter().cloned().map(Some).collect(),
            by_id: engine.services.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect(),
        };
        let mut changed = Vec::with_capacity(self.edits.len());
        for (i, edit) in self.edits.iter().enumerate() {
            let number = i + 1;
            let change = apply_edit(&mut w, number, edit).map_err(|m| ScenarioError::edit(number, edit.op(), m).within(&scope))?;
            changed.push(change);
        }
        let scenario_engine = engine.with_services(w.services.into_iter().flatten().collect());
        let mut warnings = Vec::new();
        let by_id: HashMap<&str, &Service> = scenario_engine.services.iter().map(|s| (s.id.as_str(), s)).collect();
        for c in changed.iter().filter(|c| matches!(c.op, "add" | "move")) {
            let outside = by_id.get(c.id.as_str()).is_some_and(|s| s.areas.iter().all(|a| a.is_none()));
            if outside {
                warnings.push(format!(
                    "edit {} ({}): `{}` lies outside every area of the district; it is kept (it serves people near the boundary) and counted as outside",
                    c.edit, c.op, c.name
                ));
            }
        }
        Ok(Applied { engine: scenario_engine, warnings, changed })
    }
}

fn apply_edit(w: &mut Working, number: usize, edit: &Edit) -> Result<ServiceChange, String> {
    match edit {
        Edit::Add { id, name, category, tier, capacity, place } => {
            let id = id.clone().unwrap_or_else(|| format!("scenario-{number}"));
            if w.by_id.contains_key(&id) {
                return Err(format!("id `{id}` is already used by another service; give the new site its own `id`"));
            }
            let cat = w.engine.categories.get(category).ok_or_else(|| {
                let known: Vec<&str> = w.engine.categories.keys().map(String::as_str).collect();
                format!("unknown category `{category}` (categories are: {})", known.join(", "))
            })?;
            let tier = match tier {
                None => cat.tier.clone(),
                Some(t) => {
                    let t = t.to_ascii_lowercase();
                    if !w.engine.tiers.iter().any(|x| x.id == t) {
                        let known: Vec<&str> = w.engine.tiers.iter().map(|t| t.id.as_str()).collect();
                        return Err(format!("unknown tier `{t}` (tiers are: {})", known.join(", ")));
                    }
                    t
                }
            };
            let (bng, wgs84) = w.locate(place)?;
            let service = Service {
                id: id.clone(),
                name: name.clone(),
                category: category.clone(),
                subcategory: String::new(),
                tier,
                partner: cat.partner.clone(),
                capacity: capacity.unwrap_or(cat.capacity),
                status: Some("proposed (scenario)".into()),
                sensitive: cat.sensitive,
                wgs84,
                bng,
                source_file: "scenario".into(),
                areas: Vec::new(),
            };
            let change = ServiceChange {
                edit: number,
                op: "add",
                id: id.clone(),
                name: name.clone(),
                category: category.clone(),
                sensitive: service.sensitive,
                old: None,
                new: lon_lat(&service),
                old_capacity: None,
                new_capacity: Some(service.capacity),
            };
            w.by_id.insert(id, w.services.len());
            w.services.push(Some(service));
            Ok(change)
        }
        Edit::Move { service, place } => {
            w.live(service)?;
            let (bng, wgs84) = w.locate(place)?;
            let s = w.live_mut(service)?;
            let old = lon_lat(s);
            (s.bng, s.wgs84) = (bng, wgs84);
            s.areas.clear();
            Ok(change_of(number, "move", s, old, lon_lat(s), None, None))
        }
        Edit::Close { service } => {
            let i = w.live(service)?;
            let s = w.services[i].take().ok_or_else(|| format!("service `{service}` is closed"))?;
            Ok(change_of(number, "close", &s, lon_lat(&s), None, Some(s.capacity), None))
        }
        Edit::Capacity { service, capacity } => {
            let s = w.live_mut(service)?;
            let old = s.capacity;
            s.capacity = *capacity;
            Ok(change_of(number, "capacity", s, lon_lat(s), lon_lat(s), Some(old), Some(*capacity)))
        }
    }
}

fn change_of(
    edit: usize,
    op: &'static str,
    s: &Service,
    old: Option<[f64; 2]>,
    new: Option<[f64; 2]>,
    old_capacity: Option<f64>,
    new_capacity: Option<f64>,
) -> ServiceChange {
    ServiceChange {
        edit,
        op,
        id: s.id.clone(),
        name: s.name.clone(),
        category: s.category.clone(),
        sensitive: s.sensitive,
        old,
        new,
        old_capacity,
        new_capacity,
    }
}
