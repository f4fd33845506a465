//! Forgiving column matching: the upload's header names to [`Field`]s.
//!
//! A header is normalised (lower case, every character that is not a
//! letter or digit dropped: "Post Code", "post_code" and "POSTCODE" are all
//! `postcode`), then matched to a field, best first:
//! 1. **exact**: it is one of the field's names ([`Field::synonyms`]:
//!    "PCODE" is a postcode, "Service name" a name);
//! 2. **contains**: it holds one of the field's names of 4 or more letters
//!    ("Site post code (if known)" is a postcode);
//! 3. **similar**: Jaro-Winkler similarity of at least 0.9 to a name of 5
//!    or more letters (a typo: "Postocde").
//!
//! Each field takes one column and each column one field, the best matches
//! first (leftmost column on a tie). The match is returned for the partner
//! to confirm; columns that match nothing are listed as ignored.

use serde::{Deserialize, Serialize};

use super::Field;

/// Jaro-Winkler similarity from which a header counts as a misspelt name.
pub const SIMILAR_HEADER: f64 = 0.9;

/// A header in matching form: lower case, letters and digits only.
///
/// ```
/// use needmap::register::upload::normalise_header;
/// assert_eq!(normalise_header(" Post Code "), "postcode");
/// assert_eq!(normalise_header("Opening_Hours"), "openinghours");
/// ```
pub fn normalise_header(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// How a column was matched to its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchHow {
    /// Given by the partner (`--column field=Header`).
    Given,
    Exact,
    Contains,
    Similar,
}

/// One matched column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedColumn {
    pub field: Field,
    /// The header as written in the file.
    pub header: String,
    /// Its position, from 0.
    pub index: usize,
    pub how: MatchHow,
}

/// The upload's columns matched to fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnMatch {
    /// The matched columns, in field order.
    pub columns: Vec<MatchedColumn>,
    /// Headers that match no field (their values are not read).
    pub ignored: Vec<String>,
}

impl ColumnMatch {
    /// Match `headers` to fields (see the module's rule).
    pub fn from_headers(headers: &[String]) -> ColumnMatch {
        let keys: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
        // (rank, longer name first, column, field)
        let mut candidates: Vec<(MatchHow, std::cmp::Reverse<usize>, usize, Field)> = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            if key.is_empty() {
                continue;
            }
            for field in Field::ALL {
                let best = field
                    .synonyms()
                    .iter()
                    .filter_map(|s| {
                        let len = s.chars().count();
                        if key == s {
                            Some((MatchHow::Exact, std::cmp::Reverse(len)))
                        } else if len >= 4 && key.contains(s) {
                            Some((MatchHow::Contains, std::cmp::Reverse(len)))
                        } else if len >= 5 && strsim::jaro_winkler(key, s) >= SIMILAR_HEADER {
                            Some((MatchHow::Similar, std::cmp::Reverse(len)))
                        } else {
                            None
                        }
                    })
                    .min();
                if let Some((how, len)) = best {
                    candidates.push((how, len, i, field));
                }
            }
        }
        candidates.sort();
        let mut taken_column = vec![false; headers.len()];
        let mut columns: Vec<MatchedColumn> = Vec::new();
        for (how, _, i, field) in candidates {
            if taken_column[i] || columns.iter().any(|c| c.field == field) {
                continue;
            }
            taken_column[i] = true;
            columns.push(MatchedColumn { field, header: headers[i].clone(), index: i, how });
        }
        columns.sort_by_key(|c| c.field);
        let ignored = headers.iter().zip(&taken_column).filter(|(h, t)| !**t && !h.trim().is_empty()).map(|(h, _)| h.clone()).collect();
        ColumnMatch { columns, ignored }
    }

    /// Read `field` from the column named `header` (as the partner
    /// confirms or corrects the match); the column's previous field, if
    /// any, is unmatched.
    pub fn set(&mut self, field: Field, header: &str, headers: &[String]) -> Result<(), String> {
        let wanted = normalise_header(header);
        let index = headers
            .iter()
            .position(|h| h.trim() == header.trim())
            .or_else(|| headers.iter().position(|h| normalise_header(h) == wanted))
            .ok_or_else(|| format!("no column `{header}` in the file; its columns are {}", headers.join(", ")))?;
        self.columns.retain(|c| c.field != field && c.index != index);
        self.columns.push(MatchedColumn { field, header: headers[index].clone(), index, how: MatchHow::Given });
        self.columns.sort_by_key(|c| c.field);
        let used: Vec<usize> = self.columns.iter().map(|c| c.index).collect();
        self.ignored = headers.iter().enumerate().filter(|(i, h)| !used.contains(i) && !h.trim().is_empty()).map(|(_, h)| h.clone()).collect();
        Ok(())
    }

    /// The column read for `field`.
    pub fn column(&self, field: Field) -> Option<&MatchedColumn> {
        self.columns.iter().find(|c| c.field == field)
    }

    /// Required fields with no column: `name`, `category`, and a place
    /// (postcode, lon and lat, or easting and northing).
    pub fn missing(&self) -> Vec<String> {
        let has = |f| self.column(f).is_some();
        let mut out = Vec::new();
        for f in [Field::Name, Field::Category] {
            if !has(f) {
                out.push(f.id().to_string());
            }
        }
        if !has(Field::Postcode) && !(has(Field::Lon) && has(Field::Lat)) && !(has(Field::Easting) && has(Field::Northing)) {
            out.push("postcode (or lon and lat, or easting and northing)".into());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn forgiving_headers() {
        let h = headers(&["Service name", "Type", "Post Code", "PCODE", "Opening Hours", "Tel", "Notes", "Postocde2", "Your Ref"]);
        let m = ColumnMatch::from_headers(&h);
        let got: Vec<(Field, &str, MatchHow)> = m.columns.iter().map(|c| (c.field, c.header.as_str(), c.how)).collect();
        assert_eq!(
            got,
            vec![
                (Field::Name, "Service name", MatchHow::Exact),
                (Field::Category, "Type", MatchHow::Exact),
                (Field::Postcode, "Post Code", MatchHow::Exact),
                (Field::OpeningHours, "Opening Hours", MatchHow::Exact),
                (Field::Contact, "Tel", MatchHow::Exact),
                (Field::SourceId, "Your Ref", MatchHow::Exact),
            ]
        );
        assert_eq!(m.ignored, vec!["PCODE", "Notes", "Postocde2"], "one column per field: the leftmost exact one wins");
        assert_eq!(m.missing(), Vec::<String>::new());

        let m = ColumnMatch::from_headers(&headers(&["Name of the site", "category", "Postocde", "Longitude (degrees)", "Latitude"]));
        let how = |f| m.column(f).map(|c| c.how);
        assert_eq!(how(Field::Postcode), Some(MatchHow::Similar));
        assert_eq!(how(Field::Name), Some(MatchHow::Contains));
        assert_eq!(how(Field::Lon), Some(MatchHow::Contains));

        let mut m = ColumnMatch::from_headers(&headers(&["what", "category", "x"]));
        assert_eq!(m.missing(), vec!["name".to_string(), "postcode (or lon and lat, or easting and northing)".into()]);
        m.set(Field::Name, "WHAT", &headers(&["what", "category", "x"])).unwrap();
        assert_eq!(m.column(Field::Name).map(|c| (c.index, c.how)), Some((0, MatchHow::Given)));
        assert!(m.set(Field::Postcode, "nope", &headers(&["what"])).unwrap_err().contains("no column `nope`"));
    }
}
