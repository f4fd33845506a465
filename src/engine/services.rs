//! Loading service files and the category/tier table.

use std::collections::BTreeMap;

use super::build::{EngineError, Transforms};
use crate::dataset::{DatasetLocation, ServiceFileSpec};
use crate::load::{parse_number, read_points, Diagnostics, LoadError, PointColumns};
use crate::model::{Category, Service, Tier};

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

pub fn load_services(
    loc: &DatasetLocation,
    categories: &BTreeMap<String, Category>,
    transforms: &mut Transforms,
    diags: &mut Diagnostics,
) -> Result<Vec<Service>, EngineError> {
    let mut out = Vec::new();
    let mut unknown: BTreeMap<(String, String), usize> = BTreeMap::new();
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
            let name = p
                .fields
                .get(&spec.name_column)
                .filter(|v| !v.is_empty())
                .cloned()
                .unwrap_or_else(|| cat.map(|c| c.label.clone()).unwrap_or_else(|| category.clone()));
            out.push(Service {
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
            });
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

fn tier_of(
    spec: &ServiceFileSpec,
    tiers: &BTreeMap<String, crate::dataset::TierSpec>,
    fields: &std::collections::HashMap<String, String>,
    cat: Option<&Category>,
    file: &str,
    location: &str,
    diags: &mut Diagnostics,
) -> String {
    let default = cat.map(|c| c.tier.clone()).unwrap_or_else(|| UNCLASSIFIED_TIER.to_string());
    let Some(given) = spec.tier_column.as_ref().and_then(|c| fields.get(c)).filter(|v| !v.is_empty()) else {
        return default;
    };
    let given = given.to_ascii_lowercase();
    if tiers.contains_key(&given) {
        given
    } else {
        let known: Vec<&str> = tiers.keys().map(|k| k.as_str()).collect();
        diags.warn(file, location, format!("tier `{given}` is not one of {}; the category's tier is used", known.join(", ")));
        default
    }
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
