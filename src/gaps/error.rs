//! Errors of the gap analysis: every message names the parameter, file or
//! feature at fault and what to do.

/// Why a gap analysis cannot be computed.
#[derive(Debug, thiserror::Error)]
pub enum GapError {
    #[error("unknown level `{level}`; levels are: {known}")]
    UnknownLevel { level: String, known: String },
    #[error("origins at level `{origins}` cannot be aggregated to `{level}`: `{level}` is not a parent level of `{origins}`. Use --origins with a level inside `{level}` (e.g. oa or lsoa)")]
    NotAParent { level: String, origins: String },
    #[error("unknown category `{category}`; categories are: {known}")]
    UnknownCategory { category: String, known: String },
    #[error("unknown tier `{tier}`; tiers are: {known}")]
    UnknownTier { tier: String, known: String },
    #[error("choose services with a category and/or a tier (e.g. --category gp or --tier 2)")]
    NoFilter,
    #[error("category `{category}` is marked sensitive in dataset.toml: distances, times, coverage and access measured to its sites would locate them, so they are not computed for maps, downloads or prints. Its sites are still counted in areas of at least {min_population} residents (see services_{category} in the area report). For internal analysis only: `needmap gaps --include-sensitive` (never publish its output)")]
    SensitiveCategory { category: String, min_population: f64 },
    #[error("no services match {filter}; nothing to measure access to. Check `needmap check` for the services loaded")]
    NoServices { filter: String },
    #[error("unknown indicator `{indicator}`; indicators are: {known}")]
    UnknownIndicator { indicator: String, known: String },
    #[error("indicator `{indicator}` is published for {published} and is not offered at level `{level}` (every {level} area would only repeat its {published_level} value). Use --level {published_level} or a coarser level, or a need indicator published for `{level}` or finer")]
    NotPublishedAt { indicator: String, level: String, published: String, published_level: String },
    #[error("indicator `{indicator}` cannot be a gap need: {reason}. Choose a count, a percentage, a share, a score or a national decile (e.g. the manifest's need_indicator)")]
    NotANeed { indicator: String, reason: String },
    #[error("dataset.toml [dataset] {field} = `{indicator}` is not an indicator of this dataset; indicators are: {known}")]
    BadDefaultNeed { field: String, indicator: String, known: String },
    #[error("{name} = `{value}`: {reason}")]
    BadParameter { name: String, value: String, reason: String },
    #[error("network mode needs a road network: add `[network] osm_pbf = \"file.osm.pbf\"` to dataset.toml (e.g. a Geofabrik extract), or use --mode estimated")]
    NoNetwork,
    #[error("{file}: {message}")]
    Network { file: String, message: String },
    #[error("postcode origins: {message}; or use --origins with a level (e.g. oa or lsoa)")]
    NoPostcodes { message: String },
    #[error("travel-time file {file}: {message}")]
    TravelTimes { file: String, message: String },
}
