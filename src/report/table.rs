//! A typed table and its writers.

use std::io::Write;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the report: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unknown level `{level}`; levels are: {known}")]
    UnknownLevel { level: String, known: String },
}

/// Output format of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Table,
}

/// The shortest decimal text that reads back as exactly `v`: full precision
/// for machine outputs, never an exponent, `-0` as `0`.
///
/// ```
/// use needmap::report::full_precision;
/// assert_eq!(full_precision(0.000048123456789), "0.000048123456789");
/// assert_eq!(full_precision(2.5), "2.5");
/// assert_eq!(full_precision(-0.0), "0");
/// assert_eq!(full_precision(1e21), "1000000000000000000000");
/// assert_eq!(full_precision(0.1 + 0.2).parse::<f64>().unwrap(), 0.1 + 0.2);
/// ```
pub fn full_precision(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else {
        format!("{v}")
    }
}

/// One cell: text, a number (missing when `None`), or an integer count.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(Option<String>),
    Number(Option<f64>),
    Count(u64),
}

impl Cell {
    /// Text for CSV and tables: numbers at full precision ([`full_precision`]);
    /// missing values empty. Never `NaN` or `inf`.
    pub fn render(&self) -> String {
        match self {
            Cell::Text(t) => t.clone().unwrap_or_default(),
            Cell::Count(n) => n.to_string(),
            Cell::Number(Some(v)) if v.is_finite() => full_precision(*v),
            Cell::Number(_) => String::new(),
        }
    }

    /// The cell as a JSON value: numbers at full precision, missing and
    /// non-finite values as `null`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Text(Some(t)) => serde_json::Value::String(t.clone()),
            Cell::Count(n) => serde_json::Value::from(*n),
            Cell::Number(Some(v)) if v.is_finite() => {
                serde_json::Number::from_f64(if *v == 0.0 { 0.0 } else { *v }).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null)
            }
            _ => serde_json::Value::Null,
        }
    }
}

/// A table with named columns.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Report {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    pub fn write(&self, format: Format, out: &mut dyn Write) -> Result<(), ReportError> {
        match format {
            Format::Csv => self.write_csv(out),
            Format::Json => self.write_json(out),
            Format::Table => self.write_table(out),
        }
    }

    pub fn write_csv(&self, out: &mut dyn Write) -> Result<(), ReportError> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(&self.columns)?;
        for row in &self.rows {
            w.write_record(row.iter().map(Cell::render))?;
        }
        w.flush()?;
        Ok(())
    }

    /// Rows as JSON objects keyed by column.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    serde_json::Value::Object(
                        self.columns
                            .iter()
                            .zip(row)
                            .map(|(c, v)| (c.clone(), v.to_json()))
                            .collect(),
                    )
                })
                .collect(),
        )
    }

    pub fn write_json(&self, out: &mut dyn Write) -> Result<(), ReportError> {
        serde_json::to_writer_pretty(&mut *out, &self.to_json())?;
        writeln!(out)?;
        Ok(())
    }

    pub fn write_table(&self, out: &mut dyn Write) -> Result<(), ReportError> {
        let rendered: Vec<Vec<String>> = self.rows.iter().map(|r| r.iter().map(Cell::render).collect()).collect();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|c| {
                rendered
                    .iter()
                    .map(|r| r[c].chars().count())
                    .chain(std::iter::once(self.columns[c].chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String], out: &mut dyn Write| -> std::io::Result<()> {
            let parts: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            writeln!(out, "{}", parts.join("  ").trim_end())
        };
        line(&self.columns, out)?;
        for r in &rendered {
            line(r, out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_render_at_full_precision_without_exponent_or_nan() {
        assert_eq!(Cell::Number(Some(1e-7)).render(), "0.0000001");
        assert_eq!(Cell::Number(Some(4.8123456789e-5)).render(), "0.000048123456789");
        assert_eq!(Cell::Number(Some(123456789.5)).render(), "123456789.5");
        assert_eq!(Cell::Number(Some(f64::NAN)).render(), "");
        assert_eq!(Cell::Number(Some(f64::INFINITY)).render(), "");
        assert_eq!(Cell::Number(Some(-0.0000001)).render(), "-0.0000001");
        assert_eq!(Cell::Number(Some(-0.0)).render(), "0");
        assert_eq!(Cell::Number(Some(2.50)).render(), "2.5");
    }
}
