//! Print-ready maps for Area Committees, with no browser: an SVG page
//! (map in British National Grid metres projected to the page, title and
//! subtitle, legend with class breaks, scale bar, north arrow, attribution,
//! data vintages, date printed, non-colliding area labels) converted to a
//! vector PDF with `svg2pdf` or a PNG with `resvg`.
//!
//! The same disclosure control as exports applies
//! ([`crate::export::disclosure`]): small counts of people are suppressed
//! and `sensitive` services are never drawn.
//!
//! The server calls [`render_pdf`] / [`render_png`] with a [`PrintRequest`]
//! for the current view; the CLI adds `--all-committees`.

pub mod classes;
mod compose;
mod convert;
pub mod labels;
pub mod page;
mod summary_table;
pub mod svg;

use std::path::PathBuf;

pub use compose::{committee_areas, render_svg, PrintedMap};
pub use convert::{pdf_from_svg, png_from_svg};
pub use page::{Layout, Paper};
pub use summary_table::{SummaryTable, TableRow, TableSection, SIDE_BY_SIDE_SHRINK};

use crate::engine::Engine;
use crate::export::Disclosure;
use crate::report::Report;

/// The attribution printed on every map.
pub const ATTRIBUTION: &str = "Contains OS data © Crown copyright and database right; © OpenStreetMap contributors, ODbL";

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("unknown level `{level}`; levels are: {known}")]
    UnknownLevel { level: String, known: String },
    #[error("unknown indicator `{indicator}`; indicators are: {known}")]
    UnknownIndicator { indicator: String, known: String },
    #[error("indicator `{indicator}` is {published} and is not offered at level `{level}`, so every area would be \"No data\"; print it at one of: {levels}")]
    NotOffered { indicator: String, level: String, published: String, levels: String },
    #[error("cannot map the change of need: {message}")]
    Change { message: String },
    #[error("the dataset has no indicators to map")]
    NoIndicators,
    #[error("unknown service category `{category}`; categories are: {known}")]
    UnknownCategory { category: String, known: String },
    #[error("no area called `{area}` at level `{level}`; areas are: {known}")]
    UnknownArea { area: String, level: String, known: String },
    #[error("--area frames an area of level `{committee}`, but level `{level}` does not nest inside it; print at `{committee}` or a finer level")]
    AreaLevel { level: String, committee: String },
    #[error("the table has no `{column}` column{hint}")]
    MissingColumn { column: String, hint: String },
    #[error("the level `{level}` has no areas to draw")]
    Empty { level: String },
    #[error("no font found for map text: install the Debian package fonts-dejavu-core (or any font with the family `{family}`)")]
    NoFonts { family: String },
    #[error("cannot read the map SVG: {0}")]
    Svg(String),
    #[error("cannot convert the map to PDF: {0}")]
    Pdf(String),
    #[error("cannot render the map to PNG: {0}")]
    Png(String),
    #[error("parameter `{name}`: `{value}` is not valid; expected {expected}")]
    BadParameter { name: String, value: String, expected: String },
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
    #[error("cannot create folder {path}: {source}")]
    Folder { path: PathBuf, source: std::io::Error },
}

/// What the map shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Theme {
    /// A need indicator by id (`None`: `imd_score` when present, else the first
    /// offered at the level). One not offered at the level is refused
    /// ([`PrintError::NotOffered`]).
    Indicator(Option<String>),
    /// Coverage gaps for one service category: the table's `gap_class`
    /// column as a 3 x 3 bivariate map, with the category's (non-sensitive)
    /// service points.
    Gap { category: String },
    /// Need over time: the change class of a series between two vintages
    /// ([`crate::report::change`]) on a diverging palette (need rose /
    /// no change / need fell). `series: None` is the manifest's first.
    Change { series: Option<String>, from: String, to: String },
}

/// One printed map.
#[derive(Debug, Clone)]
pub struct PrintRequest {
    /// Level of the areas drawn (`ward`, `lsoa`, ...).
    pub level: String,
    pub theme: Theme,
    /// Table keyed by `code` for `level`: `None` uses
    /// [`crate::report::area_report`]. For [`Theme::Gap`] pass a table with a
    /// `gap_class` column (a gap table, or the area table with gap columns appended).
    pub table: Option<Report>,
    /// Frame one area (name or code) of `committee_level`, label its wards and grey the rest.
    pub area: Option<String>,
    /// Level of Area Committees (default `constituency`).
    pub committee_level: String,
    pub paper: Paper,
    pub landscape: bool,
    /// Override the title / subtitle.
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub disclosure: Disclosure,
    /// Date shown as printed (default today, e.g. `24 November 2026`).
    pub printed_on: Option<String>,
    /// Extra lines for the notes (e.g. how gap access was measured).
    pub notes: Vec<String>,
    /// A table of figures drawn under the map (e.g. a scenario's committee summary).
    pub summary: Option<SummaryTable>,
}

impl PrintRequest {
    pub fn new(level: &str, theme: Theme) -> PrintRequest {
        PrintRequest {
            level: level.to_string(),
            theme,
            table: None,
            area: None,
            committee_level: "constituency".into(),
            paper: Paper::A4,
            landscape: false,
            title: None,
            subtitle: None,
            disclosure: Disclosure::default(),
            printed_on: None,
            notes: Vec::new(),
            summary: None,
        }
    }
}

impl PrintRequest {
    /// A request from URL query parameters (for the server's Print action):
    /// `level` (default `ward`), `indicator`, or `gap=true` with `category`,
    /// or `change_from` and `change_to` (and `series`) for a change map,
    /// `area`, `committee_level`, `paper` (`a4`|`a3`), `landscape`
    /// (`true`|`false`), `title`, `subtitle`, `threshold`. A gap map still
    /// needs its table (`table`) set by the caller.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use needmap::print::{PrintRequest, Paper, Theme};
    /// let q: BTreeMap<String, String> = [("area", "Keighley"), ("paper", "a3"), ("landscape", "true")]
    ///     .into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    /// let r = PrintRequest::from_params(&q).unwrap();
    /// assert_eq!((r.paper, r.landscape, r.area.as_deref()), (Paper::A3, true, Some("Keighley")));
    /// assert_eq!(r.theme, Theme::Indicator(None));
    /// ```
    pub fn from_params(params: &std::collections::BTreeMap<String, String>) -> Result<PrintRequest, PrintError> {
        let bad = |name: &str, value: &str, expected: &str| PrintError::BadParameter {
            name: name.into(),
            value: value.into(),
            expected: expected.into(),
        };
        let text = |k: &str| params.get(k).filter(|v| !v.is_empty()).cloned();
        let flag = |k: &str| -> Result<bool, PrintError> {
            match text(k) {
                None => Ok(false),
                Some(v) => v.parse().map_err(|_| bad(k, &v, "true or false")),
            }
        };
        let theme = if let (Some(from), Some(to)) = (text("change_from"), text("change_to")) {
            Theme::Change { series: text("series"), from, to }
        } else if flag("gap")? {
            let category = text("category").ok_or_else(|| bad("category", "", "a service category for gap=true"))?;
            Theme::Gap { category }
        } else {
            Theme::Indicator(text("indicator"))
        };
        let mut r = PrintRequest::new(&text("level").unwrap_or_else(|| "ward".into()), theme);
        r.area = text("area");
        if let Some(c) = text("committee_level") {
            r.committee_level = c;
        }
        if let Some(v) = text("paper") {
            r.paper = <Paper as clap::ValueEnum>::from_str(&v, true).map_err(|_| bad("paper", &v, "a4 or a3"))?;
        }
        r.landscape = flag("landscape")?;
        r.title = text("title");
        r.subtitle = text("subtitle");
        if let Some(v) = text("threshold") {
            r.disclosure.threshold = v.parse().map_err(|_| bad("threshold", &v, "a whole number of people"))?;
        }
        Ok(r)
    }
}

/// Render the map as a one-page vector PDF of exactly the requested paper size.
pub fn render_pdf(engine: &Engine, request: &PrintRequest) -> Result<Vec<u8>, PrintError> {
    let map = render_svg(engine, request)?;
    pdf_from_svg(&map.svg)
}

/// Render the map as a PNG at `dpi`.
pub fn render_png(engine: &Engine, request: &PrintRequest, dpi: f32) -> Result<Vec<u8>, PrintError> {
    let map = render_svg(engine, request)?;
    png_from_svg(&map.svg, dpi)
}

/// `Bradford East` -> `bradford-east`, for file names.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}
