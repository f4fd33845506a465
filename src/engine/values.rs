//! Indicator tables and populations, joined to their level and apportioned:
//! populations to every level, indicators to their published level and the
//! levels coarser than it only (see [`offered_at`]).

use std::collections::{BTreeMap, HashMap};

use super::build::{EngineError, OverlayCache};
use crate::analyse::{apportion_counts, apportion_means, decile1_share, LevelValues};
use super::postcode_units::PostcodeUnits;
use super::postcode_weights::PostcodeWeights;
use crate::analyse::Overlay;
use crate::dataset::{ApportionWeights, DatasetLocation, IndicatorKind};
use crate::load::{number_text, parse_number, read_table, Diagnostics, Postcodes};
use crate::model::{Indicator, Level};

/// Indicators, population ids and per-level values.
pub struct Values {
    pub indicators: Vec<Indicator>,
    pub populations: Vec<String>,
    pub values: Vec<LevelValues>,
    /// The `[postcodes]` lookup, when a table's `weights = "postcodes"` read it.
    pub postcodes: Option<Postcodes>,
    /// Its units placed in every level, with it.
    pub postcode_units: Option<PostcodeUnits>,
}

struct Published {
    level: usize,
    values: Vec<Option<f64>>,
    weights: ApportionWeights,
}

/// The overlay `s -> t` that values published with `weights` are split by.
fn overlay_for<'a>(
    weights: ApportionWeights,
    by_postcode: &'a mut Option<PostcodeWeights<'_>>,
    levels: &[Level],
    overlays: &'a mut OverlayCache,
    (s, t): (usize, usize),
    diags: &mut Diagnostics,
) -> &'a Overlay {
    match (weights, by_postcode) {
        (ApportionWeights::Postcodes, Some(p)) => p.overlay(levels, overlays, s, t, diags),
        _ => overlays.get(levels, s, t),
    }
}

pub fn load_values(
    loc: &DatasetLocation,
    levels: &[Level],
    overlays: &mut OverlayCache,
    diags: &mut Diagnostics,
) -> Result<Values, EngineError> {
    let manifest = &loc.manifest;
    let mut indicators = Vec::new();
    let mut ind_src: Vec<Published> = Vec::new();
    let mut pop_src: BTreeMap<String, Published> = BTreeMap::new();
    let postcodes = match (&manifest.postcodes, manifest.indicator_tables.iter().any(|t| t.weights == ApportionWeights::Postcodes)) {
        (Some(spec), true) => {
            let p = Postcodes::read(&loc.data_dir, spec)?;
            diags.absorb(p.diagnostics.clone());
            Some(p)
        }
        _ => None,
    };
    let units = postcodes.as_ref().map(|p| PostcodeUnits::locate(p, levels, overlays.indexes()));
    let mut by_postcode = units.as_ref().map(PostcodeWeights::new);

    for spec in &manifest.indicator_tables {
        let level = levels.iter().position(|l| l.id == spec.level).expect("validated");
        let lvl = &levels[level];
        let path = loc.data_dir.join(&spec.file);
        let table = read_table(&path, diags)?;
        let file = table.file();
        let join = table.column(&spec.join_column)?;
        let pop_cols: Vec<(String, usize)> = spec
            .populations
            .iter()
            .map(|(id, col)| Ok((id.clone(), table.column(col)?)))
            .collect::<Result<_, crate::load::LoadError>>()?;
        let ind_cols: Vec<usize> = spec
            .indicators
            .iter()
            .map(|i| table.column(i.column.as_deref().unwrap_or(&i.id)))
            .collect::<Result<_, _>>()?;

        let n = lvl.len();
        let mut pops: Vec<Vec<Option<f64>>> = vec![vec![None; n]; pop_cols.len()];
        let mut inds: Vec<Vec<Option<f64>>> = vec![vec![None; n]; ind_cols.len()];
        let mut seen: HashMap<usize, u64> = HashMap::new();
        for (line, rec) in &table.rows {
            let code = rec.get(join).unwrap_or("").trim();
            let Some(&area) = lvl.by_code.get(code) else {
                diags.skip(
                    &file,
                    format!("row {line}"),
                    format!(
                        "join code `{code}` matches no area of level `{}`; row skipped. Check the table is for this dataset's areas",
                        lvl.id
                    ),
                );
                continue;
            };
            if let Some(first) = seen.insert(area, *line) {
                diags.skip(
                    &file,
                    format!("row {line}"),
                    format!("`{code}` already has a row (row {first}); this row skipped"),
                );
                continue;
            }
            let mut cell = |col: usize, name: &str, check: fn(f64) -> Result<(), String>| {
                match parse_number(rec.get(col).unwrap_or("")).and_then(|v| v.map(|v| check(v).map(|()| v)).transpose()) {
                    Ok(v) => v,
                    Err(msg) => {
                        diags.warn(
                            &file,
                            format!("row {line}"),
                            format!("column `{name}`: {msg}; value left missing for {code}"),
                        );
                        None
                    }
                }
            };
            for (k, (id, col)) in pop_cols.iter().enumerate() {
                pops[k][area] = cell(*col, id, plausible_population);
            }
            for (k, col) in ind_cols.iter().enumerate() {
                let ind = &spec.indicators[k];
                let check: fn(f64) -> Result<(), String> = if ind.kind == IndicatorKind::Decile { plausible_decile } else { any_value };
                inds[k][area] = cell(*col, &ind.id, check);
            }
        }
        let missing: Vec<&str> = (0..n)
            .filter(|i| !seen.contains_key(i))
            .map(|i| lvl.areas[i].code.as_str())
            .collect();
        for code in &missing {
            diags.warn(
                &file,
                format!("area {code}"),
                format!("area of level `{}` has no row in this table; its values are missing", lvl.id),
            );
        }
        for ((id, _), values) in pop_cols.into_iter().zip(pops) {
            if pop_src.contains_key(&id) {
                diags.warn(&file, "", format!("population `{id}` is given by an earlier table too; the earlier one is used"));
                continue;
            }
            pop_src.insert(id, Published { level, values, weights: spec.weights });
        }
        for (spec_i, values) in spec.indicators.iter().zip(inds) {
            if indicators.iter().any(|i: &Indicator| i.id == spec_i.id) {
                return Err(EngineError::Manifest {
                    message: format!("indicator `{}` is defined twice", spec_i.id),
                });
            }
            indicators.push(Indicator {
                id: spec_i.id.clone(),
                label: spec_i.label.clone(),
                unit: spec_i.unit.clone(),
                kind: spec_i.kind,
                direction: spec_i.direction,
                weight: spec_i
                    .weight
                    .clone()
                    .unwrap_or_else(|| manifest.dataset.total_population.clone()),
                published_level: lvl.id.clone(),
                source_file: spec.file.clone(),
                series: match (&spec_i.series, &spec_i.vintage) {
                    (Some(series), Some(vintage)) => Some(crate::model::SeriesVintage {
                        series: series.clone(),
                        vintage: vintage.clone(),
                    }),
                    _ => None,
                },
            });
            ind_src.push(Published { level, values, weights: spec.weights });
        }
    }

    let mut values: Vec<LevelValues> = levels
        .iter()
        .map(|_| LevelValues {
            indicators: vec![Vec::new(); indicators.len()],
            ..Default::default()
        })
        .collect();

    // Populations (counts) at every level.
    for (id, src) in &pop_src {
        for (t, level) in levels.iter().enumerate() {
            let overlay = overlay_for(src.weights, &mut by_postcode, levels, overlays, (src.level, t), diags);
            values[t]
                .populations
                .insert(id.clone(), apportion_counts(overlay, &src.values, level.len()));
        }
    }
    // Indicators at every level.
    for (k, (ind, src)) in indicators.iter().zip(&ind_src).enumerate() {
        let weight_at_source = values[src.level]
            .populations
            .get(&ind.weight)
            .cloned()
            .unwrap_or_else(|| vec![None; levels[src.level].len()]);
        for (t, level) in levels.iter().enumerate() {
            let n = level.len();
            if !offered_at(levels, src.level, t) {
                // Finer than published: spreading the value down would show a
                // parent's figure as if it were measured for each small area.
                values[t].indicators[k] = vec![None; n];
                if ind.kind == IndicatorKind::Decile {
                    values[t].decile1.insert(k, vec![None; n]);
                }
                continue;
            }
            let overlay = overlay_for(src.weights, &mut by_postcode, levels, overlays, (src.level, t), diags);
            values[t].indicators[k] = match ind.kind {
                IndicatorKind::Count => apportion_counts(overlay, &src.values, n),
                IndicatorKind::Score | IndicatorKind::Rate => {
                    apportion_means(overlay, &src.values, &weight_at_source, n)
                }
                IndicatorKind::Rank | IndicatorKind::Decile if t == src.level => src.values.clone(),
                IndicatorKind::Rank | IndicatorKind::Decile => vec![None; n],
            };
            if ind.kind == IndicatorKind::Decile {
                values[t]
                    .decile1
                    .insert(k, decile1_share(overlay, &src.values, &weight_at_source, n));
            }
        }
    }
    drop(by_postcode);
    let total = &manifest.dataset.total_population;
    if !pop_src.contains_key(total) {
        // No table gives the total (e.g. a manifest with levels only): it is
        // missing everywhere rather than absent, so every reader finds it.
        diags.warn(
            &loc.manifest_path.display().to_string(),
            "",
            format!("no indicator table gives the total population `{total}`; populations are missing. Add an [[indicator_table]] with `{total}` under its populations"),
        );
        for (v, level) in values.iter_mut().zip(levels) {
            v.populations.insert(total.clone(), vec![None; level.len()]);
        }
        pop_src.insert(total.clone(), Published { level: 0, values: Vec::new(), weights: ApportionWeights::Area });
    }
    let mut populations: Vec<String> = pop_src.keys().cloned().collect();
    populations.sort_by_key(|p| p != total);
    Ok(Values {
        indicators,
        populations,
        values,
        postcodes,
        postcode_units: units,
    })
}

/// Whether an indicator published at level `published` is offered at level
/// `target`: the published level itself and the levels above it in the parent
/// chain (an LSOA indicator at MSOA, ward, constituency, locality; never at
/// OA). Finer levels would only repeat the parent's value in every child.
pub fn offered_at(levels: &[Level], published: usize, target: usize) -> bool {
    let mut l = published;
    for _ in 0..=levels.len() {
        if l == target {
            return true;
        }
        match levels[l].parent_level {
            Some(p) => l = p,
            None => return false,
        }
    }
    false
}

/// Largest population one area can plausibly have (more than any country
/// but a handful); a bigger number is a data error such as `1e308`.
pub const MAX_AREA_POPULATION: f64 = 1e8;

fn plausible_population(v: f64) -> Result<(), String> {
    if v < 0.0 {
        Err(format!("population {} is negative", number_text(v)))
    } else if v > MAX_AREA_POPULATION {
        Err(format!("population {} is not plausible for one area (over {MAX_AREA_POPULATION:e})", number_text(v)))
    } else {
        Ok(())
    }
}

fn plausible_decile(v: f64) -> Result<(), String> {
    if v.fract() != 0.0 || !(1.0..=10.0).contains(&v) {
        Err(format!("decile {} is not a whole number from 1 to 10", number_text(v)))
    } else {
        Ok(())
    }
}

fn any_value(_: f64) -> Result<(), String> {
    Ok(())
}
