//! Loading service files and the category/tier table.

use std::collections::BTreeMap;

use super::build::{EngineError, Transforms};
use crate::dataset::{DatasetLocation, ServiceFileSpec};
use crate::load::{number_text, parse_number, read_points, Diagnostics, LoadError, PointColumns};
use crate::model::{Category, Service, Tier};

/// Largest plausible capacity of one service (places, list size, beds).
pub const MAX_CAPACITY: f64 = 1e7;

/// Tier given to services whose category is not in the manifest's table.
pub const UNCLASSIFIED_TIER: &str = "unclassified";

pub fn categories(loc: &DatasetLocation) -> (BTreeMap<String, Category>, Vec<Tier>) {
    let m = &loc.manifest;
    let categories = m
        .categories
        .iter()
        .map(|(id, c)| {
            (
                id.clone(),
                Category {
                    id: id.clone(),
                    label: c.label.clone(),
                    tier: c.tier.clone(),
                    serves: c.serves.clone().unwrap_or_else(|| m.dataset.total_population.clone()),
                    partner: c.partner.clone(),
                    capacity: c.capacity.unwrap_or(1.0),
                    sensitive: c.sensitive,
                },
            )
        })
        .collect();
    let tiers = m
        .tiers
        .iter()
        .map(|(id, t)| Tier {
            id: id.clone(),
            label: t.label.clone(),
            description: t.description.clone(),
        })
        .collect();
    (categories, tiers)
}

/// Where a service read from a file came from: its postcode and source
/// columns (`postcode_column`, `source_column`, `source_id_column`), kept
/// by the register when it is seeded from the files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceOrigin {
    pub postcode: Option<String>,
    /// The `source_column` value, else the file name.
    pub source: String,
    pub source_id: Option<String>,
}

/// A service read from a manifest's service file, with its origin.
#[derive(Debug, Clone)]
pub struct FileService {
    pub service: Service,
    pub origin: ServiceOrigin,
}

/// The engine's services: from the register when the manifest names one,
/// else from the service files.
pub fn load_services(
    loc: &DatasetLocation,
    categories: &BTreeMap<String, Category>,
    transforms: &mut Transforms,
    diags: &mut Diagnostics,
) -> Result<Vec<Service>, EngineError> {
    if let Some(spec) = &loc.manifest.register {
        let path = loc.data_dir.join(&spec.file);
        let register = crate::register::Register::open_read_only(&path)?;
        return Ok(register.engine_services(&loc.manifest, categories, diags)?);
    }
    Ok(load_service_files(loc, categories, transforms, diags)?.into_iter().map(|f| f.service).collect())
}

/// The services of the manifest's service files (ids, categories, tiers,
/// capacities and both CRSs), with their origin columns.
pub fn load_service_files(
    loc: &DatasetLocation,
    categories: &BTreeMap<String, Category>,
    transforms: &mut Transforms,
    diags: &mut Diagnostics,
) -> Result<Vec<FileService>, EngineError> {
    let mut out = Vec::new();
    let mut unknown: BTreeMap<(String, String), usize> = BTreeMap::new();
    // Service id -> (file, location) where it was first seen.
    let mut ids: std::collections::HashMap<String, (String, String)> = std::collections::HashMap::new();
    for spec in &loc.manifest.service_files {
        let path = loc.data_dir.join(&spec.file);
        let columns = match (&spec.x_column, &spec.y_column) {
            (Some(x), Some(y)) => Some(PointColumns { x, y }),
            _ => None,
        };
        let points = read_points(&path, columns, &spec.crs, diags)?;
        let (to_wgs, to_bng) = transforms.pair(spec.crs.proj_def(), &path)?;
        let file = crate::load::display_name(&path);
        for p in points {
            let field = |c: &Option<String>| c.as_ref().and_then(|c| p.fields.get(c)).filter(|v| !v.is_empty()).cloned();
            let mut category = field(&spec.category_column)
                .or_else(|| spec.category.clone())
                .unwrap_or_default();
            for rule in &spec.reclassify {
                if p.fields.get(&rule.column).is_some_and(|v| v.contains(&rule.contains)) {
                    category = rule.category.clone();
                }
            }
            if category.is_empty() {
                diags.skip(&file, p.location.clone(), "no category; row skipped. Fill the category column");
                continue;
            }
            let cat = categories.get(&category);
            if cat.is_none() {
                *unknown.entry((file.clone(), category.clone())).or_default() += 1;
            }
            let tier = tier_of(spec, &loc.manifest.tiers, &p.fields, cat, &file, &p.location, diags);
            let capacity = capacity_of(spec, &p.fields, cat, &file, &p.location, diags);
            let crs_err = |source| LoadError::Crs { path: path.clone(), source };
            let wgs84 = to_wgs.coord(p.coord).map_err(crs_err)?;
            let bng = to_bng.coord(p.coord).map_err(crs_err)?;
            let id = p.fields.get(&spec.id_column).filter(|v| !v.is_empty()).cloned().unwrap_or_else(|| {
                diags.warn(&file, p.location.clone(), format!("no `{}`; id made from the file and row", spec.id_column));
                format!("{}:{}", spec.file, p.location)
            });
            let id = match ids.get(&id) {
                None => id,
                Some((first_file, first_at)) if *first_file == file => {
                    diags.skip(
                        &file,
                        p.location.clone(),
                        format!("service id `{id}` is used again (first at {first_at}); row skipped. Ids must be unique"),
                    );
                    continue;
                }
                Some((first_file, first_at)) => {
                    let renamed = format!("{}:{id}", spec.file);
                    diags.warn(
                        &file,
                        p.location.clone(),
                        format!("service id `{id}` is also used in {first_file} ({first_at}); this one is kept as `{renamed}`. Give each file its own ids"),
                    );
                    renamed
                }
            };
            ids.insert(id.clone(), (file.clone(), p.location.clone()));
            let name = p
                .fields
                .get(&spec.name_column)
                .filter(|v| !v.is_empty())
                .cloned()
                .unwrap_or_else(|| cat.map(|c| c.label.clone()).unwrap_or_else(|| category.clone()));
            let origin = ServiceOrigin {
                postcode: field(&spec.postcode_column),
                source: field(&spec.source_column).unwrap_or_else(|| spec.file.clone()),
                source_id: field(&spec.source_id_column),
            };
            let service = Service {
                id,
                name,
                subcategory: field(&spec.subcategory_column).unwrap_or_default(),
                partner: field(&spec.partner_column).or_else(|| cat.and_then(|c| c.partner.clone())),
                status: field(&spec.status_column),
                sensitive: cat.is_some_and(|c| c.sensitive),
                category,
                tier,
                capacity,
                wgs84,
                bng,
                source_file: spec.file.clone(),
                areas: Vec::new(),
            };
            out.push(FileService { service, origin });
        }
    }
    for ((file, category), n) in unknown {
        diags.warn(
            &file,
            "",
            format!(
                "{n} row(s) have category `{category}`, which has no entry under [categories]; they are kept with tier `{UNCLASSIFIED_TIER}`. Add the category to dataset.toml"
            ),
        );
    }
    Ok(out)
}

/// The tier of a service given as `given` (any case), or the category's
/// default (with a warning when `given` is not a tier id).
pub(crate) fn checked_tier(
    given: &str,
    tiers: &BTreeMap<String, crate::dataset::TierSpec>,
    cat: Option<&Category>,
    file: &str,
    location: &str,
    diags: &mut Diagnostics,
) -> String {
    let default = cat.map(|c| c.tier.clone()).unwrap_or_else(|| UNCLASSIFIED_TIER.to_string());
    let given = given.to_ascii_lowercase();
    if given.is_empty() || given == UNCLASSIFIED_TIER {
        return default;
    }
    if tiers.contains_key(&given) {
        given
    } else {
        let known: Vec<&str> = tiers.keys().map(|k| k.as_str()).collect();
        diags.warn(file, location, format!("tier `{given}` is not one of {}; the category's tier is used", known.join(", ")));
        default
    }
}

fn tier_of(
    spec: &ServiceFileSpec,
    tiers: &BTreeMap<String, crate::dataset::TierSpec>,
    fields: &std::collections::HashMap<String, String>,
    cat: Option<&Category>,
    file: &str,
    location: &str,
    diags: &mut Diagnostics,
) -> String {
    let given = spec.tier_column.as_ref().and_then(|c| fields.get(c)).map(|v| v.as_str()).unwrap_or("");
    checked_tier(given, tiers, cat, file, location, diags)
}

fn capacity_of(
    spec: &ServiceFileSpec,
    fields: &std::collections::HashMap<String, String>,
    cat: Option<&Category>,
    file: &str,
    location: &str,
    diags: &mut Diagnostics,
) -> f64 {
    let default = cat.map(|c| c.capacity).unwrap_or(1.0);
    let Some(cell) = spec.capacity_column.as_ref().and_then(|c| fields.get(c)) else {
        return default;
    };
    match parse_number(cell) {
        Ok(Some(v)) if v > MAX_CAPACITY => {
            diags.warn(file, location, format!("capacity {} is not plausible (over {MAX_CAPACITY:e}); default capacity {default} used. Fix the capacity column", number_text(v)));
            default
        }
        Ok(Some(v)) if v > 0.0 => v,
        Ok(Some(v)) => {
            diags.warn(file, location, format!("capacity {v} is not positive; the service is kept with capacity 0 and adds no supply"));
            0.0
        }
        Ok(None) => default,
        Err(msg) => {
            diags.warn(file, location, format!("capacity: {msg}; default capacity {default} used"));
            default
        }
    }
}

/// Share of a file's services outside every area above which swapped
/// coordinates are suspected, and share of those that swapping must bring
/// inside for the swap to be made.
const SWAP_SUSPECT_OUTSIDE: f64 = 0.9;
const SWAP_CONFIRM_INSIDE: f64 = 0.5;

/// Services whose file has x and y the wrong way round (latitude in the
/// longitude column): nearly all fall outside every area and swapping the
/// two brings most of them inside. Those files' coordinates are swapped
/// back, with a warning naming the file. Returns whether any was swapped.
pub fn fix_swapped_coordinates(
    services: &mut [crate::model::Service],
    loc: &DatasetLocation,
    levels: &[crate::model::Level],
    indexes: &[crate::index::AreaIndex],
    transforms: &mut Transforms,
    diags: &mut Diagnostics,
) -> Result<bool, EngineError> {
    let inside = |bng: geo::Coord<f64>| {
        levels
            .iter()
            .zip(indexes)
            .any(|(level, index)| index.locate_by(bng, |i| &level.areas[i].bng).is_some())
    };
    let mut any = false;
    for spec in &loc.manifest.service_files {
        let path = loc.data_dir.join(&spec.file);
        let (to_wgs, to_bng) = transforms.pair(spec.crs.proj_def(), &path)?;
        let raw = |s: &crate::model::Service| match spec.crs {
            crate::dataset::CrsSpec::Crs84 => s.wgs84,
            crate::dataset::CrsSpec::Bng => s.bng,
        };
        let members: Vec<usize> = (0..services.len()).filter(|&i| services[i].source_file == spec.file).collect();
        let outside: Vec<usize> = members.iter().copied().filter(|&i| services[i].areas.iter().all(|a| a.is_none())).collect();
        if members.is_empty() || (outside.len() as f64) < SWAP_SUSPECT_OUTSIDE * members.len() as f64 {
            continue;
        }
        let swapped: Vec<Option<(geo::Coord<f64>, geo::Coord<f64>)>> = outside
            .iter()
            .map(|&i| {
                let c = raw(&services[i]);
                let c = geo::Coord { x: c.y, y: c.x };
                let bng = to_bng.coord(c).ok()?;
                Some((to_wgs.coord(c).ok()?, bng)).filter(|_| inside(bng))
            })
            .collect();
        let fixed = swapped.iter().flatten().count();
        if (fixed as f64) < SWAP_CONFIRM_INSIDE * outside.len() as f64 {
            continue;
        }
        for (&i, s) in outside.iter().zip(swapped) {
            if let Some((wgs84, bng)) = s {
                services[i].wgs84 = wgs84;
                services[i].bng = bng;
            }
        }
        let (x, y) = (spec.x_column.as_deref().unwrap_or("x"), spec.y_column.as_deref().unwrap_or("y"));
        diags.warn(
            &crate::load::display_name(&path),
            "",
            format!(
                "{} of {} services lie outside every area, and {fixed} of them fall inside when x and y are swapped: the columns look the wrong way round (`{x}` holds y, `{y}` holds x). They were read swapped; fix `x_column`/`y_column` in dataset.toml or the file",
                outside.len(),
                members.len()
            ),
        );
        any = true;
    }
    Ok(any)
}
