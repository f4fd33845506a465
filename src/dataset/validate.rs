//! Cross-checks of a manifest beyond its TOML shape: names that refer to
//! other entries, parent cycles, and file paths that stay in the data folder.

use std::collections::BTreeSet;
use std::path::{Component, Path};

use super::Manifest;

/// 1-based line and column of a byte offset in text.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    (line, offset.min(bytes.len()) - start + 1)
}

/// Every check; the message says what to fix.
pub(crate) fn check_references(m: &Manifest) -> Result<(), String> {
    check_parent_cycles(m)?;
    check_populations(m)?;
    check_series(m)?;
    check_weights(m)?;
    check_paths(m)
}

/// `weights = "postcodes"` needs the `[postcodes]` file.
fn check_weights(m: &Manifest) -> Result<(), String> {
    match m.indicator_tables.iter().find(|t| t.weights == super::ApportionWeights::Postcodes) {
        Some(t) if m.postcodes.is_none() => Err(format!(
            "indicator table `{}` has `weights = \"postcodes\"` but the manifest has no [postcodes] section; add [postcodes] with the postcode file or remove `weights`",
            t.file
        )),
        _ => Ok(()),
    }
}

/// A vintage as a number for sorting (`"2015"` -> 2015), or why it is not one.
pub fn vintage_order(vintage: &str) -> Result<f64, String> {
    match vintage.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("vintage `{vintage}` is not a year or other number, so the series' vintages cannot be put in order")),
    }
}

/// `series` and `vintage` come together; a vintage is a number (so the
/// editions sort); a series has one indicator per (kind, vintage).
fn check_series(m: &Manifest) -> Result<(), String> {
    let mut seen: std::collections::BTreeMap<(String, String, String), &str> = Default::default();
    for t in &m.indicator_tables {
        for i in &t.indicators {
            let (series, vintage) = match (&i.series, &i.vintage) {
                (None, None) => continue,
                (Some(s), Some(v)) => (s, v),
                (Some(s), None) => {
                    return Err(format!(
                        "indicator `{}` has `series = \"{s}\"` but no `vintage`; give the edition it is, e.g. `vintage = \"2019\"`",
                        i.id
                    ))
                }
                (None, Some(v)) => {
                    return Err(format!(
                        "indicator `{}` has `vintage = \"{v}\"` but no `series`; name the series it is an edition of, e.g. `series = \"imd\"`",
                        i.id
                    ))
                }
            };
            if series.trim().is_empty() {
                return Err(format!("indicator `{}` has an empty `series`; name the series or leave both `series` and `vintage` out", i.id));
            }
            vintage_order(vintage).map_err(|e| format!("indicator `{}`: {e}; write the year, e.g. `vintage = \"2019\"`", i.id))?;
            let kind = format!("{:?}", i.kind).to_lowercase();
            let key = (series.clone(), kind.clone(), vintage.trim().to_string());
            if let Some(first) = seen.insert(key, &i.id) {
                return Err(format!(
                    "indicators `{first}` and `{}` are both the {kind} of series `{series}` vintage {vintage}; a series has one indicator per kind and vintage",
                    i.id
                ));
            }
        }
    }
    Ok(())
}

fn check_parent_cycles(m: &Manifest) -> Result<(), String> {
    for start in &m.levels {
        let mut chain = vec![start.id.as_str()];
        let mut current = start;
        while let Some(parent) = current.parent.as_deref() {
            if chain.contains(&parent) {
                chain.push(parent);
                return Err(format!(
                    "levels' parents form a cycle ({}); each level's parent must be a coarser level",
                    chain.join(" -> ")
                ));
            }
            chain.push(parent);
            match m.level(parent) {
                Some(next) => current = next,
                None => break, // reported as an unknown parent
            }
        }
    }
    Ok(())
}

fn check_populations(m: &Manifest) -> Result<(), String> {
    let populations: BTreeSet<&str> = m
        .indicator_tables
        .iter()
        .flat_map(|t| t.populations.keys().map(|k| k.as_str()))
        .collect();
    let known = || {
        if populations.is_empty() {
            "no indicator table gives any population".to_string()
        } else {
            format!("populations are: {}", populations.iter().copied().collect::<Vec<_>>().join(", "))
        }
    };
    for (id, cat) in &m.categories {
        if let Some(serves) = &cat.serves {
            if !populations.contains(serves.as_str()) {
                return Err(format!(
                    "category `{id}` serves unknown population `{serves}` ({}). Use a population id from an [indicator_table.populations] table",
                    known()
                ));
            }
        }
    }
    let child = m.dataset.child_population.as_str();
    let served = m.categories.values().any(|c| c.serves.as_deref() == Some(child));
    if !populations.is_empty() && !populations.contains(child) && (child != "children" || served) {
        return Err(format!(
            "`child_population = \"{child}\"` names no population ({}). Add it under an [indicator_table.populations] table or fix the name",
            known()
        ));
    }
    Ok(())
}

/// Every file the manifest names, with where it is named.
fn files(m: &Manifest) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for l in &m.levels {
        if let Some(f) = &l.file {
            out.push((format!("level `{}` file", l.id), f.as_str()));
        }
    }
    for t in &m.indicator_tables {
        out.push(("indicator_table file".into(), t.file.as_str()));
    }
    for s in &m.service_files {
        out.push(("service_file file".into(), s.file.as_str()));
    }
    for c in &m.centroids {
        out.push(("centroids file".into(), c.file.as_str()));
    }
    if let Some(p) = &m.postcodes {
        out.push(("postcodes file".into(), p.file.as_str()));
    }
    if let Some(r) = &m.register {
        out.push(("register file".into(), r.file.as_str()));
    }
    if let Some(t) = &m.travel_times {
        out.push(("travel_times file".into(), t.file.as_str()));
        out.push(("travel_times destinations_file".into(), t.destinations_file.as_str()));
    }
    if let Some(n) = &m.network {
        out.push(("network osm_pbf".into(), n.osm_pbf.as_str()));
    }
    out
}

/// Whether a relative path stays inside its folder (no root, no `..` above it).
pub(crate) fn stays_inside(path: &Path) -> bool {
    let mut depth = 0i32;
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return false,
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::CurDir => {}
            Component::Normal(_) => depth += 1,
        }
    }
    true
}

fn check_paths(m: &Manifest) -> Result<(), String> {
    if m.dataset.allow_paths_outside {
        return Ok(());
    }
    for (what, file) in files(m) {
        if !stays_inside(Path::new(file)) {
            return Err(format!(
                "{what} `{file}` leads outside the data folder; refused. Copy the file into the data folder, or set `allow_paths_outside = true` under [dataset] if this is intended"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vintages_must_be_numbers() {
        assert_eq!(vintage_order(" 2015 "), Ok(2015.0));
        assert!(vintage_order("spring").unwrap_err().contains("`spring`"));
        assert!(vintage_order("inf").is_err());
    }

    #[test]
    fn paths_that_stay_inside() {
        assert!(stays_inside(Path::new("lsoa.geojson")));
        assert!(stays_inside(Path::new("sub/../lsoa.geojson")));
        assert!(!stays_inside(Path::new("../other/lsoa.geojson")));
        assert!(!stays_inside(Path::new("sub/../../x")));
        assert!(!stays_inside(Path::new("/etc/passwd")));
    }

    #[test]
    fn line_and_column_of_an_offset() {
        assert_eq!(line_column(b"ab\ncd\nef", 4), (2, 2));
        assert_eq!(line_column(b"abc", 0), (1, 1));
    }
}
