//! `dataset.toml`: which file is which in a dataset folder.
//!
//! The manifest is the only place a local authority's particulars live; the
//! engine reads nothing Bradford-specific from code.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::DatasetError;

/// A whole dataset description.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub dataset: DatasetInfo,
    /// Area levels, coarsest first.
    #[serde(rename = "level", default)]
    pub levels: Vec<LevelSpec>,
    /// Tables of need indicators.
    #[serde(rename = "indicator_table", default)]
    pub indicator_tables: Vec<IndicatorTableSpec>,
    /// Files of service points.
    #[serde(rename = "service_file", default)]
    pub service_files: Vec<ServiceFileSpec>,
    /// Tier labels, keyed by tier id (`0`, `1`, `2`, `3`, `acute`).
    #[serde(default)]
    pub tiers: BTreeMap<String, TierSpec>,
    /// Category table: label, tier, who it serves.
    #[serde(default)]
    pub categories: BTreeMap<String, CategorySpec>,
    /// Whether the category -> tier table is illustrative (shown with every output).
    #[serde(default)]
    pub tier_note: Option<String>,
    /// Published representative points for small areas (used as travel origins).
    #[serde(rename = "centroids", default)]
    pub centroids: Vec<CentroidSpec>,
    /// Modelled road travel times used to calibrate the estimated mode.
    #[serde(default)]
    pub travel_times: Option<TravelTimeSpec>,
    /// Optional OpenStreetMap extract for network travel times.
    #[serde(default)]
    pub network: Option<NetworkSpec>,
    /// Data sources, for attribution and provenance.
    #[serde(rename = "source", default)]
    pub sources: Vec<SourceSpec>,
    /// Disclosure control: how sensitive sites are counted.
    #[serde(default)]
    pub disclosure: DisclosureSpec,
    /// Optional postcode lookup (postcode -> point), read on first use.
    #[serde(default)]
    pub postcodes: Option<PostcodeSpec>,
    /// Optional service register (a GeoPackage): when named, the engine
    /// reads services from it instead of the service files.
    #[serde(default)]
    pub register: Option<RegisterSpec>,
    /// Optional accounts file (`[accounts] file`) for `needmap users` and the
    /// server's logins; default `<data dir>/accounts.sqlite`.
    #[serde(default)]
    pub accounts: Option<AccountsSpec>,
}

/// `[accounts]`: where the accounts file is (see README "Accounts and roles").
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsSpec {
    /// The SQLite file of accounts, sessions and API tokens: relative to the
    /// data folder, or absolute (e.g. `/var/lib/needmap/accounts.sqlite`, to
    /// keep it outside a shared, read-only data folder).
    pub file: String,
}

/// `[register]`: the partners' service register, a GeoPackage seeded from
/// the service files by `needmap register init`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterSpec {
    /// The GeoPackage, relative to the data folder (e.g. `register.gpkg`).
    pub file: String,
    /// How `needmap register dedupe` finds duplicates.
    #[serde(default)]
    pub dedupe: DedupeSpec,
}

/// `[register.dedupe]`: the duplicate rule (see README "Service register").
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DedupeSpec {
    /// Two services of the same (or a compatible) category this close, in
    /// metres, are compared by name (default 50).
    #[serde(default = "default_dedupe_radius")]
    pub radius_m: f64,
    /// Least name similarity (0-1, token Jaccard after normalising) for a
    /// candidate (default 0.5).
    #[serde(default = "default_min_similarity")]
    pub min_similarity: f64,
    /// Groups of category ids whose services may be the same place (e.g. a
    /// surgery and its branch filed under two categories).
    #[serde(default)]
    pub compatible: Vec<Vec<String>>,
    /// Extra words dropped from names before comparing (added to the
    /// built-in list of generic words).
    #[serde(default)]
    pub stop_words: Vec<String>,
}

impl Default for DedupeSpec {
    fn default() -> Self {
        DedupeSpec {
            radius_m: default_dedupe_radius(),
            min_similarity: default_min_similarity(),
            compatible: Vec::new(),
            stop_words: Vec::new(),
        }
    }
}

fn default_dedupe_radius() -> f64 {
    50.0
}
fn default_min_similarity() -> f64 {
    0.5
}

/// `[postcodes]`: a table of postcode units and their points (e.g. OS
/// Code-Point Open), used to place scenario sites given by postcode.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PostcodeSpec {
    pub file: String,
    #[serde(default = "default_postcode_column")]
    pub postcode_column: String,
    #[serde(default = "default_easting")]
    pub x_column: String,
    #[serde(default = "default_northing")]
    pub y_column: String,
    /// CRS of the coordinates (default EPSG:27700).
    #[serde(default = "default_bng")]
    pub crs: CrsSpec,
}

fn default_postcode_column() -> String {
    "postcode".into()
}
fn default_easting() -> String {
    "easting".into()
}
fn default_northing() -> String {
    "northing".into()
}
fn default_bng() -> CrsSpec {
    CrsSpec::Bng
}

/// `[disclosure]`: rules that keep sensitive sites (refuges, ...) from being
/// located through any output.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureSpec {
    /// Services of a `sensitive` category are counted only in areas with at
    /// least this many residents (total population); in smaller areas they
    /// are left out of every count. Default 10,000.
    #[serde(default = "default_sensitive_min_population")]
    pub sensitive_min_population: f64,
    /// The squares of where people live (`/api/grid.geojson`) are shown only
    /// with at least this many residents (default 100, the fewest an output
    /// area of the census holds) ...
    #[serde(default = "default_grid_min_population")]
    pub grid_min_population: f64,
    /// ... and at least this many postcode units (default 3), so that no
    /// square shows one postcode's figure.
    #[serde(default = "default_grid_min_postcodes")]
    pub grid_min_postcodes: usize,
}

impl Default for DisclosureSpec {
    fn default() -> Self {
        DisclosureSpec {
            sensitive_min_population: default_sensitive_min_population(),
            grid_min_population: default_grid_min_population(),
            grid_min_postcodes: default_grid_min_postcodes(),
        }
    }
}

fn default_grid_min_population() -> f64 {
    100.0
}

fn default_grid_min_postcodes() -> usize {
    3
}

fn default_sensitive_min_population() -> f64 {
    10_000.0
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetInfo {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Code of the local authority, e.g. `E08000032`.
    #[serde(default)]
    pub authority_code: Option<String>,
    /// Which population id is the total population (default `total`).
    #[serde(default = "default_total")]
    pub total_population: String,
    /// Which population id counts children (default `children`).
    #[serde(default = "default_children")]
    pub child_population: String,
    /// Optional external MapLibre style URL for a basemap.
    #[serde(default)]
    pub basemap_style: Option<String>,
    /// Default need indicator of the gap analysis (unmet need).
    #[serde(default)]
    pub need_indicator: Option<String>,
    /// Default need indicator for categories serving `child_population`.
    #[serde(default)]
    pub child_need_indicator: Option<String>,
    /// A decile indicator (1 = most deprived 10% nationally) by which a
    /// scenario's summary splits who gains access (equity). None: no split.
    #[serde(default)]
    pub equity_decile_indicator: Option<String>,
    /// Caveats shown with the default need indicator (legend, /api/meta).
    #[serde(default)]
    pub need_caveat: Option<String>,
    /// Allow file paths that lead outside the data folder (absolute, or
    /// through `..`). Off by default: such paths are refused.
    #[serde(default)]
    pub allow_paths_outside: bool,
}

fn default_total() -> String {
    "total".into()
}
fn default_children() -> String {
    "children".into()
}

/// Coordinate reference system of an input file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum CrsSpec {
    /// WGS84 longitude/latitude (RFC 7946).
    #[default]
    #[serde(rename = "CRS84", alias = "EPSG:4326")]
    Crs84,
    /// British National Grid metres.
    #[serde(rename = "EPSG:27700")]
    Bng,
}

impl CrsSpec {
    pub fn proj_def(&self) -> &'static str {
        match self {
            CrsSpec::Crs84 => "OGC:CRS84",
            CrsSpec::Bng => "EPSG:27700",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LevelSpec {
    pub id: String,
    pub label: String,
    /// Boundary file (GeoJSON or Shapefile); absent for a grouped level.
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub id_field: Option<String>,
    #[serde(default)]
    pub name_field: Option<String>,
    /// CRS of a GeoJSON file (Shapefiles carry a .prj).
    #[serde(default)]
    pub crs: CrsSpec,
    /// The level one up, whose area is assigned as each area's parent by largest overlap.
    #[serde(default)]
    pub parent: Option<String>,
    /// A custom level built as groups of areas of another level.
    #[serde(default)]
    pub group: Option<GroupSpec>,
    /// Shown next to outputs at this level (e.g. "illustrative grouping").
    #[serde(default)]
    pub note: Option<String>,
    /// Most vertices one boundary feature may have (default 250,000).
    #[serde(default)]
    pub max_vertices: Option<usize>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// Level whose areas are grouped.
    pub of: String,
    #[serde(rename = "member")]
    pub members: Vec<GroupMember>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupMember {
    pub code: String,
    pub name: String,
    /// Codes of the member areas of the grouped level.
    pub areas: Vec<String>,
}

/// How an indicator combines when areas are merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorKind {
    Score,
    Rate,
    Count,
    Rank,
    Decile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsWorse,
    HigherIsBetter,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorTableSpec {
    pub file: String,
    pub join_column: String,
    /// Level the table is published at.
    pub level: String,
    /// Population columns: population id -> column.
    #[serde(default)]
    pub populations: BTreeMap<String, String>,
    #[serde(rename = "indicator", default)]
    pub indicators: Vec<IndicatorSpec>,
    /// How the table's counts are split over the pieces of other levels
    /// (default `area`; `postcodes` needs the `[postcodes]` file).
    #[serde(default)]
    pub weights: ApportionWeights,
}

/// `weights` of an `[[indicator_table]]`: what an area's counts are split
/// by where it is cut into pieces by another level's areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApportionWeights {
    /// The share of its area lying in each piece.
    #[default]
    Area,
    /// The share of its postcode units (the `[postcodes]` file) lying in
    /// each piece; area share where the area has no postcode unit.
    Postcodes,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSpec {
    pub id: String,
    /// CSV column; defaults to the id.
    #[serde(default)]
    pub column: Option<String>,
    pub label: String,
    #[serde(default)]
    pub unit: String,
    pub kind: IndicatorKind,
    pub direction: Direction,
    /// Population id that weights it (default: the total population).
    #[serde(default)]
    pub weight: Option<String>,
    /// Series this indicator is one edition of (`"imd"`): indicators of one
    /// series and kind at different vintages can be compared over time.
    #[serde(default)]
    pub series: Option<String>,
    /// Edition of the series (`"2015"`): a year or other number, so that the
    /// vintages of a series sort. Given with `series` or not at all.
    #[serde(default)]
    pub vintage: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFileSpec {
    pub file: String,
    #[serde(default = "default_id_col")]
    pub id_column: String,
    #[serde(default = "default_name_col")]
    pub name_column: String,
    /// Column holding the category; or use `category` for a whole file.
    #[serde(default)]
    pub category_column: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub subcategory_column: Option<String>,
    #[serde(default)]
    pub tier_column: Option<String>,
    #[serde(default)]
    pub partner_column: Option<String>,
    #[serde(default)]
    pub capacity_column: Option<String>,
    #[serde(default)]
    pub status_column: Option<String>,
    /// Column of the postcode (kept in the register; used by dedupe).
    #[serde(default)]
    pub postcode_column: Option<String>,
    /// Column naming where a row came from (e.g. `osm`, `nhs_2014`); else the file name.
    #[serde(default)]
    pub source_column: Option<String>,
    /// Column of the row's id in its source (kept in the register's `source_ids`).
    #[serde(default)]
    pub source_id_column: Option<String>,
    /// Coordinate columns for CSV (`lon`/`lat` or `easting`/`northing`).
    #[serde(default)]
    pub x_column: Option<String>,
    #[serde(default)]
    pub y_column: Option<String>,
    #[serde(default)]
    pub crs: CrsSpec,
    /// Rules that move a row to another category when a column contains a text.
    #[serde(rename = "reclassify", default)]
    pub reclassify: Vec<ReclassifyRule>,
}

fn default_id_col() -> String {
    "id".into()
}
fn default_name_col() -> String {
    "name".into()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReclassifyRule {
    pub column: String,
    pub contains: String,
    pub category: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TierSpec {
    pub label: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CategorySpec {
    pub label: String,
    pub tier: String,
    /// Population id this category serves (default: total population).
    #[serde(default)]
    pub serves: Option<String>,
    #[serde(default)]
    pub partner: Option<String>,
    /// Default capacity when the file gives none.
    #[serde(default)]
    pub capacity: Option<f64>,
    /// Never show exact locations (e.g. refuges).
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CentroidSpec {
    pub level: String,
    pub file: String,
    pub id_column: String,
    pub x_column: String,
    pub y_column: String,
    #[serde(default)]
    pub crs: CrsSpec,
    /// `population_weighted` or `published`.
    pub kind: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TravelTimeSpec {
    pub file: String,
    pub origin_column: String,
    pub origin_level: String,
    pub destination_column: String,
    pub minutes_column: String,
    /// Destinations file with coordinates.
    pub destinations_file: String,
    pub destinations_id_column: String,
    pub destinations_x_column: String,
    pub destinations_y_column: String,
    #[serde(default)]
    pub destinations_crs: CrsSpec,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    pub osm_pbf: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    pub title: String,
    pub files: Vec<String>,
    pub publisher: String,
    pub licence: String,
    pub vintage: String,
    #[serde(default)]
    pub attribution: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub caveat: Option<String>,
}

impl Manifest {
    /// Parse a manifest file.
    pub fn read(path: &Path) -> Result<Manifest, DatasetError> {
        let bytes = std::fs::read(path).map_err(|source| DatasetError::ReadManifest {
            path: path.to_path_buf(),
            source,
        })?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let (line, column) = super::validate::line_column(bytes, e.valid_up_to());
            DatasetError::ParseManifest {
                path: path.to_path_buf(),
                message: format!("not UTF-8 text at line {line}, column {column} (byte {}). Save the file as UTF-8", e.valid_up_to()),
            }
        })?;
        Self::parse(text, path)
    }

    /// Parse manifest text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, DatasetError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| DatasetError::ParseManifest {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        manifest.validate(path)?;
        Ok(manifest)
    }

    fn validate(&self, path: &Path) -> Result<(), DatasetError> {
        let bad = |message: String| DatasetError::InvalidManifest {
            path: path.to_path_buf(),
            message,
        };
        let min = self.disclosure.sensitive_min_population;
        if !(min.is_finite() && min >= 0.0) {
            return Err(bad(format!(
                "[disclosure] sensitive_min_population = {min}: give a number of residents, 0 or more (default 10000)"
            )));
        }
        let min = self.disclosure.grid_min_population;
        if !(min.is_finite() && min >= 0.0) {
            return Err(bad(format!("[disclosure] grid_min_population = {min}: give a number of residents, 0 or more (default 100)")));
        }
        let mut seen = std::collections::HashSet::new();
        for level in &self.levels {
            if !seen.insert(level.id.as_str()) {
                return Err(bad(format!("level `{}` is defined twice", level.id)));
            }
            match (&level.file, &level.group) {
                (Some(_), None) => {
                    if level.id_field.is_none() {
                        return Err(bad(format!("level `{}` has a file but no id_field", level.id)));
                    }
                }
                (None, Some(g)) => {
                    if !self.levels.iter().any(|l| l.id == g.of) {
                        return Err(bad(format!(
                            "level `{}` groups unknown level `{}`",
                            level.id, g.of
                        )));
                    }
                }
                _ => {
                    return Err(bad(format!(
                        "level `{}` needs exactly one of `file` or `group`",
                        level.id
                    )))
                }
            }
            if let Some(p) = &level.parent {
                if !self.levels.iter().any(|l| &l.id == p) {
                    return Err(bad(format!("level `{}` names unknown parent `{p}`", level.id)));
                }
            }
        }
        for table in &self.indicator_tables {
            if !seen.contains(table.level.as_str()) {
                return Err(bad(format!(
                    "indicator table {} is published at unknown level `{}`",
                    table.file, table.level
                )));
            }
            for ind in &table.indicators {
                if let Some(w) = &ind.weight {
                    if !self.indicator_tables.iter().any(|t| t.populations.contains_key(w)) {
                        return Err(bad(format!(
                            "indicator `{}` is weighted by unknown population `{w}`",
                            ind.id
                        )));
                    }
                }
            }
        }
        if !self.indicator_tables.is_empty()
            && !self
                .indicator_tables
                .iter()
                .any(|t| t.populations.contains_key(&self.dataset.total_population))
        {
            return Err(bad(format!(
                "no indicator table gives the total population `{}` (add it under `populations`)",
                self.dataset.total_population
            )));
        }
        let defaults = [
            ("need_indicator", &self.dataset.need_indicator),
            ("child_need_indicator", &self.dataset.child_need_indicator),
            ("equity_decile_indicator", &self.dataset.equity_decile_indicator),
        ];
        for (field, id) in defaults {
            let Some(id) = id else { continue };
            if !self.indicator_tables.iter().flat_map(|t| &t.indicators).any(|i| &i.id == id) {
                return Err(bad(format!(
                    "[dataset] {field} = `{id}` names no indicator; give the id of an [[indicator_table.indicator]]"
                )));
            }
        }
        for (id, cat) in &self.categories {
            if !self.tiers.contains_key(&cat.tier) {
                return Err(bad(format!("category `{id}` has unknown tier `{}`", cat.tier)));
            }
        }
        if let Some(r) = &self.register {
            let d = &r.dedupe;
            if !(d.radius_m.is_finite() && d.radius_m > 0.0 && d.radius_m <= 200.0) {
                return Err(bad(format!("[register.dedupe] radius_m = {}: give metres above 0 and at most 200", d.radius_m)));
            }
            if !(d.min_similarity.is_finite() && d.min_similarity > 0.0 && d.min_similarity <= 1.0) {
                return Err(bad(format!("[register.dedupe] min_similarity = {}: give a share above 0 and at most 1", d.min_similarity)));
            }
            for group in &d.compatible {
                for c in group {
                    if !self.categories.contains_key(c) {
                        return Err(bad(format!("[register.dedupe] compatible names category `{c}`, which is not under [categories]")));
                    }
                }
            }
        }
        super::validate::check_references(self).map_err(bad)?;
        for sf in &self.service_files {
            if sf.category_column.is_none() && sf.category.is_none() {
                return Err(bad(format!(
                    "service file {} needs `category_column` or `category`",
                    sf.file
                )));
            }
        }
        Ok(())
    }

    /// The level spec with this id.
    pub fn level(&self, id: &str) -> Option<&LevelSpec> {
        self.levels.iter().find(|l| l.id == id)
    }
}
