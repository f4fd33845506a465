//! ESRI Shapefile through the `shapefile` crate: .shp, .shx, .dbf (UTF-8,
//! declared in a .cpg) and a .prj with the ESRI WKT of WGS84 or British
//! National Grid. DBF field names are at most 10 characters: long column
//! names are shortened and the mapping goes into the provenance sidecar and
//! into a readable alias table, `<name>.fields.csv` (`field,column`), that
//! travels with the other files.
//!
//! Columns whose values are all whole numbers (counts, populations) are
//! integer fields (`N` with 0 decimals, at most 9 digits so that GDAL and
//! QGIS read them as Integer, else up to 18 for Integer64); other numbers
//! are `N` with as many decimals as the width leaves after the column's
//! widest integer part (at most 15), so small values such as access per
//! person keep their significant digits (Real).

use std::collections::HashSet;
use std::io::Cursor;

use ::shapefile::dbase::{self, FieldName, FieldValue, TableWriterBuilder};
use ::shapefile::{Point, Polygon, PolygonRing, ShapeWriter};
use geo::Geometry;

use super::features::FeatureTable;
use super::provenance::FieldMapping;
use super::{ExportError, OutputCrs};
use crate::report::Cell;

/// ESRI WKT for WGS84 longitude/latitude.
pub const WGS84_PRJ: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;

/// ESRI WKT for British National Grid (EPSG:27700).
pub const BNG_PRJ: &str = r#"PROJCS["British_National_Grid",GEOGCS["GCS_OSGB_1936",DATUM["D_OSGB_1936",SPHEROID["Airy_1830",6377563.396,299.3249646]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",400000.0],PARAMETER["False_Northing",-100000.0],PARAMETER["Central_Meridian",-2.0],PARAMETER["Scale_Factor",0.9996012717],PARAMETER["Latitude_Of_Origin",49.0],UNIT["Meter",1.0]]"#;

/// Longest DBF field name.
pub const MAX_FIELD_NAME: usize = 10;
/// Width of decimal fields (sign, integer digits, point, decimals).
const NUMERIC_WIDTH: u8 = 20;
/// Most decimals of a decimal field: the rest of the width after the
/// column's widest integer part, so small values keep their significant digits.
const MAX_DECIMALS: usize = 15;
/// Widest integer field GDAL still reads as an integer (Integer64 from 10 digits).
const MAX_INTEGER_WIDTH: usize = 18;
/// Width of integer fields with no value at all (GDAL Integer).
const EMPTY_INTEGER_WIDTH: u8 = 9;

/// The files of one Shapefile, in memory.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    pub shp: Vec<u8>,
    pub shx: Vec<u8>,
    pub dbf: Vec<u8>,
    pub prj: String,
    pub cpg: String,
    pub fields: Vec<FieldMapping>,
    /// The alias table: `field,column` per field, as CSV.
    pub aliases: Vec<u8>,
}

/// Extension of the alias table (`wards.fields.csv`).
pub const ALIASES_EXTENSION: &str = "fields.csv";

impl Parts {
    /// (extension, bytes) of every file, the alias table last.
    pub fn files(&self) -> [(&'static str, &[u8]); 6] {
        [
            ("shp", &self.shp),
            ("shx", &self.shx),
            ("dbf", &self.dbf),
            ("prj", self.prj.as_bytes()),
            ("cpg", self.cpg.as_bytes()),
            (ALIASES_EXTENSION, &self.aliases),
        ]
    }
}

/// The alias table: one `field,column,shortened` row per DBF field.
pub fn alias_table(fields: &[FieldMapping]) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(["field", "column", "shortened"])?;
    for f in fields {
        w.write_record([f.field.as_str(), f.column.as_str(), if f.shortened { "yes" } else { "no" }])?;
    }
    w.into_inner().map_err(|e| ExportError::Shapefile(format!("cannot write the alias table: {e}")))
}

fn abbreviation(token: &str) -> &str {
    match token {
        "services" => "s",
        "service" => "s",
        "tier" => "t",
        "population" => "pop",
        "children" => "ch",
        "decile" => "dec",
        "decile1" => "d1",
        "share" => "sh",
        "employment" => "emp",
        "income" => "inc",
        "education" => "edu",
        "health" => "hlth",
        "barriers" => "bar",
        "housing" => "hou",
        "living" => "liv",
        "environment" => "env",
        "economically" => "ec",
        "inactive" => "inact",
        "poverty" => "pov",
        "expectancy" => "exp",
        "female" => "f",
        "male" => "m",
        "level" => "lvl",
        "score" => "sc",
        "pct" => "pc",
        "rank" => "rk",
        "crime" => "crm",
        "community" => "com",
        "centre" => "ctr",
        "coverage" => "cov",
        "nearest" => "nr",
        "access" => "acc",
        "category" => "cat",
        "label" => "lbl",
        "parent" => "par",
        "source" => "src",
        "capacity" => "cap",
        other => other,
    }
}

fn drop_vowels(token: &str) -> String {
    let mut out = String::new();
    for (i, ch) in token.chars().enumerate() {
        if i == 0 || !"aeiou".contains(ch) {
            out.push(ch);
        }
    }
    out
}

/// DBF field names (at most 10 ASCII letters, digits or `_`, unique ignoring
/// case) for report columns; names that fit are kept.
///
/// ```
/// use needmap::export::shapefile::field_names;
/// let cols = ["code", "services_tier_0", "services_tier_1", "imd_decile1_pop_share"].map(String::from);
/// let names = field_names(&cols);
/// assert_eq!(names[0], "code");
/// assert!(names.iter().all(|n| n.len() <= 10));
/// assert_ne!(names[1], names[2]);
/// ```
pub fn field_names(columns: &[String]) -> Vec<String> {
    let mut used: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(columns.len());
    for col in columns {
        let clean: String = col
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
            .collect();
        let clean = if clean.is_empty() || clean.starts_with(|c: char| c.is_ascii_digit()) {
            format!("f_{clean}")
        } else {
            clean
        };
        let mut name = clean.clone();
        if name.len() > MAX_FIELD_NAME {
            // Abbreviate known words, then drop underscores, then vowels of
            // long words, then truncate: the first form that fits wins.
            let tokens: Vec<String> = clean.split('_').filter(|t| !t.is_empty()).map(|t| abbreviation(t).to_string()).collect();
            let short: Vec<String> = tokens.iter().map(|t| if t.len() > 3 { drop_vowels(t) } else { t.clone() }).collect();
            let forms = [tokens.join("_"), tokens.concat(), short.join("_"), short.concat()];
            name = forms.iter().find(|f| f.len() <= MAX_FIELD_NAME).cloned().unwrap_or_else(|| forms[3].clone());
            name.truncate(MAX_FIELD_NAME);
        }
        let mut candidate = name.clone();
        let mut n = 1;
        while used.contains(&candidate.to_ascii_lowercase()) {
            let suffix = n.to_string();
            let mut base = name.clone();
            base.truncate(MAX_FIELD_NAME - suffix.len());
            candidate = format!("{base}{suffix}");
            n += 1;
        }
        used.insert(candidate.to_ascii_lowercase());
        out.push(candidate);
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text(u8),
    /// Whole numbers, with the field width in digits (sign included).
    Integer(u8),
    /// Numbers with fractions, with the decimals the width leaves.
    Decimal(u8),
}

/// Digits (and sign) of a whole number written in full.
fn integer_width(v: f64) -> usize {
    format!("{v:.0}").len()
}

fn column_kinds(table: &crate::report::Report) -> Vec<Kind> {
    (0..table.columns.len())
        .map(|c| {
            let mut text_len = 0usize;
            let mut any_text = false;
            let mut any_fraction = false;
            let mut width = 0usize;
            let mut int_part = 1usize;
            for row in &table.rows {
                match row.get(c) {
                    Some(Cell::Text(Some(t))) => {
                        any_text = true;
                        text_len = text_len.max(t.len());
                    }
                    Some(Cell::Number(Some(v))) if v.is_finite() => {
                        int_part = int_part.max(integer_width(v.trunc()));
                        if v.fract() != 0.0 {
                            any_fraction = true;
                        } else {
                            width = width.max(integer_width(*v));
                        }
                    }
                    Some(Cell::Count(n)) => width = width.max(n.to_string().len()),
                    _ => {}
                }
            }
            if any_text {
                Kind::Text(text_len.clamp(1, 254) as u8)
            } else if any_fraction || width > MAX_INTEGER_WIDTH {
                Kind::Decimal((NUMERIC_WIDTH as usize).saturating_sub(int_part + 1).min(MAX_DECIMALS) as u8)
            } else if width == 0 {
                Kind::Integer(EMPTY_INTEGER_WIDTH)
            } else {
                Kind::Integer(width as u8)
            }
        })
        .collect()
}

fn truncate_utf8(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

fn to_polygon(mp: &geo::MultiPolygon<f64>) -> Option<Polygon> {
    let mut rings = Vec::new();
    for p in &mp.0 {
        let pts = |ls: &geo::LineString<f64>| ls.0.iter().map(|c| Point::new(c.x, c.y)).collect::<Vec<_>>();
        if p.exterior().0.len() < 4 {
            continue;
        }
        rings.push(PolygonRing::Outer(pts(p.exterior())));
        rings.extend(p.interiors().iter().filter(|r| r.0.len() >= 4).map(|r| PolygonRing::Inner(pts(r))));
    }
    (!rings.is_empty()).then(|| Polygon::with_rings(rings))
}

fn shp_error(e: impl std::fmt::Display) -> ExportError {
    ExportError::Shapefile(e.to_string())
}

/// Build the Shapefile for a feature table (polygons or points) in the given CRS.
pub fn build(features: &FeatureTable, crs: OutputCrs) -> Result<Parts, ExportError> {
    let table = &features.table;
    let names = field_names(&table.columns);
    let kinds = column_kinds(table);
    let mut builder = TableWriterBuilder::new();
    for (name, kind) in names.iter().zip(&kinds) {
        let field = FieldName::try_from(name.as_str()).map_err(shp_error)?;
        builder = match *kind {
            Kind::Text(len) => builder.add_character_field(field, len),
            Kind::Integer(width) => builder.add_numeric_field(field, width, 0),
            Kind::Decimal(decimals) => builder.add_numeric_field(field, NUMERIC_WIDTH, decimals),
        };
    }
    let geometries = match crs {
        OutputCrs::Wgs84 => &features.wgs84,
        OutputCrs::Bng => &features.bng,
    };
    let mut shp = Cursor::new(Vec::new());
    let mut shx = Cursor::new(Vec::new());
    let mut dbf = Cursor::new(Vec::new());
    {
        let mut shapes = ShapeWriter::with_shx(&mut shp, &mut shx);
        let mut records = builder.build_with_dest(&mut dbf);
        for (r, row) in table.rows.iter().enumerate() {
            let mut record = dbase::Record::default();
            for ((c, name), kind) in names.iter().enumerate().zip(&kinds) {
                let value = match (kind, row.get(c)) {
                    (Kind::Text(len), Some(Cell::Text(t))) => FieldValue::Character(t.as_ref().map(|t| truncate_utf8(t, *len as usize))),
                    (Kind::Text(_), Some(other)) => FieldValue::Character(Some(other.render()).filter(|s| !s.is_empty())),
                    (Kind::Integer(_), Some(Cell::Number(Some(v)))) if v.is_finite() => FieldValue::Numeric(Some(*v)),
                    (_, Some(Cell::Number(Some(v)))) if v.is_finite() => {
                        let prec = match kind {
                            Kind::Decimal(d) => *d as usize,
                            _ => 0,
                        };
                        let text = format!("{v:.prec$}");
                        if text.len() > NUMERIC_WIDTH as usize {
                            return Err(ExportError::Shapefile(format!(
                                "row {}: value {text} of column `{}` is too wide for a DBF number",
                                r + 1,
                                table.columns[c]
                            )));
                        }
                        FieldValue::Numeric(Some(*v))
                    }
                    (_, Some(Cell::Count(n))) => FieldValue::Numeric(Some(*n as f64)),
                    _ => FieldValue::Numeric(None),
                };
                record.insert(name.clone(), value);
            }
            match geometries.get(r) {
                Some(Geometry::MultiPolygon(mp)) => {
                    let poly = to_polygon(mp).ok_or_else(|| ExportError::Shapefile(format!("row {}: empty polygon", r + 1)))?;
                    shapes.write_shape(&poly).map_err(shp_error)?;
                }
                Some(Geometry::Point(p)) => shapes.write_shape(&Point::new(p.x(), p.y())).map_err(shp_error)?,
                _ => return Err(ExportError::Shapefile(format!("row {}: no polygon or point geometry", r + 1))),
            }
            records.write_record(&record).map_err(shp_error)?;
        }
        shapes.finalize().map_err(shp_error)?;
        records.finalize().map_err(shp_error)?;
    }
    let fields: Vec<FieldMapping> = names
        .iter()
        .zip(&table.columns)
        .map(|(f, c)| FieldMapping {
            field: f.clone(),
            column: c.clone(),
            shortened: f != c,
        })
        .collect();
    let aliases = alias_table(&fields)?;
    Ok(Parts {
        aliases,
        shp: shp.into_inner(),
        shx: shx.into_inner(),
        dbf: dbf.into_inner(),
        prj: match crs {
            OutputCrs::Wgs84 => WGS84_PRJ,
            OutputCrs::Bng => BNG_PRJ,
        }
        .to_string(),
        cpg: "UTF-8\n".to_string(),
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_shortened_uniquely() {
        let cols: Vec<String> = [
            "code",
            "barriers_housing_services_decile",
            "barriers_housing_services_decile1_pop_share",
            "services_children_per_1k",
            "services_community_centre",
            "services_tier_acute",
            "services_tier_0",
            "life_expectancy_male",
            "life_expectancy_female",
            "Name With Spaces",
        ]
        .map(String::from)
        .to_vec();
        let names = field_names(&cols);
        let mut seen = HashSet::new();
        for n in &names {
            assert!(n.len() <= MAX_FIELD_NAME, "{n}");
            assert!(n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{n}");
            assert!(seen.insert(n.to_ascii_lowercase()), "duplicate {n}");
        }
        assert_eq!(names[0], "code");
        assert_eq!(names[6], "s_t_0");
    }
}
