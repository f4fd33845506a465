//! Squares of where people live: postcode origins summarised on a British
//! National Grid square grid, the fine-zoom surface that the LSOA and OA maps
//! summarise.
//!
//! Each postcode origin (see [`super::Origins::postcodes`]) falls in the
//! square holding its point; squares are aligned on the grid's origin
//! (south-west corners at multiples of the square size in EPSG:27700), so
//! the same squares come out for every query and scenario. A square's
//! figures are aggregated exactly as an area's are (population-weighted means
//! of the origins' nearest times and access, population shares covered, sums
//! of people in need and unmet need), see [`super::compute_grid`].
//!
//! **Disclosure.** A square is published only when it holds at least
//! [`GridRule::min_population`] residents (total population, for every
//! category) and at least
//! [`GridRule::min_postcodes`] postcode units (or an area origin, which is a
//! published area's own figure): a square of one or two postcode units would
//! show a single postcode's figure. The other squares are left out of the
//! table (and out of the gap index) and counted in [`GridSummary`].

use std::collections::BTreeMap;

use geo::Coord;

use super::GapTable;
use crate::report::{Cell, Report};

/// Square sizes the grid offers, metres.
pub const SQUARE_SIZES_M: [u32; 3] = [250, 500, 1000];

/// The disclosure rule of the squares (`[disclosure]` in dataset.toml).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GridRule {
    /// Side of a square, metres (one of [`SQUARE_SIZES_M`]).
    pub size_m: u32,
    /// Fewest residents (the total population, whatever the category
    /// serves) a published square holds.
    pub min_population: f64,
    /// Fewest postcode units a published square holds.
    pub min_postcodes: usize,
}

/// What the disclosure rule left out, and the squares kept.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GridSummary {
    pub rule: GridRule,
    /// Squares holding at least one origin.
    pub squares: usize,
    /// Squares published (rows of the table).
    pub published: usize,
    /// Squares left out by the rule, the served population and the
    /// residents in them.
    pub withheld: usize,
    pub withheld_population: f64,
    pub withheld_residents: f64,
}

/// One square: its south-west corner (EPSG:27700 metres) and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Square {
    pub easting: i64,
    pub northing: i64,
    pub size_m: u32,
    /// Postcode units among its origins.
    pub postcodes: usize,
    /// Area origins (areas holding no postcode unit) among its origins.
    pub area_origins: usize,
    /// Residents (the total population) of its origins, whatever the
    /// category serves: what the disclosure rule counts.
    pub residents: f64,
}

impl Square {
    /// `E412000N436000`: the south-west corner, unique within one square size.
    pub fn code(&self) -> String {
        format!("E{}N{}", self.easting, self.northing)
    }

    /// `500 m square SE 120 360` (OS grid reference of the south-west
    /// corner to the square's precision), or the corner in metres outside
    /// the national grid's lettered squares.
    pub fn name(&self) -> String {
        let at = grid_reference(self.easting as f64, self.northing as f64, digits_for(self.size_m))
            .unwrap_or_else(|| format!("E{} N{}", self.easting, self.northing));
        format!("{} m square {at}", self.size_m)
    }

    /// The square's ring (south-west, south-east, north-east, north-west,
    /// south-west), EPSG:27700 metres, counter-clockwise.
    pub fn ring_bng(&self) -> [Coord<f64>; 5] {
        let (x0, y0, s) = (self.easting as f64, self.northing as f64, self.size_m as f64);
        [
            Coord { x: x0, y: y0 },
            Coord { x: x0 + s, y: y0 },
            Coord { x: x0 + s, y: y0 + s },
            Coord { x: x0, y: y0 + s },
            Coord { x: x0, y: y0 },
        ]
    }

    /// Whether the rule lets this square's figures be published.
    pub fn disclosed(&self, rule: &GridRule) -> bool {
        self.residents >= rule.min_population && (self.postcodes >= rule.min_postcodes || self.area_origins > 0)
    }
}

/// Digits per axis of a grid reference that names a square of `size_m`
/// exactly: 250 m squares need 10 m (4 digits), 500 m 100 m (3), 1 km 2.
fn digits_for(size_m: u32) -> u32 {
    let mut precision = 1u32;
    while precision < 100_000 && size_m % (precision * 10) == 0 {
        precision *= 10;
    }
    5 - precision.ilog10()
}

/// The OS grid reference of a point (EPSG:27700 metres), `digits` per axis
/// (1 to 5), truncated as grid references are; `None` outside the lettered
/// 100 km squares (0 to 700 km east, 0 to 1,300 km north).
///
/// ```
/// use needmap::gaps::grid_reference;
/// assert_eq!(grid_reference(412_345.0, 436_789.0, 3).as_deref(), Some("SE 123 367"));
/// assert_eq!(grid_reference(651_409.0, 313_177.0, 5).as_deref(), Some("TG 51409 13177"));
/// assert_eq!(grid_reference(-1.0, 0.0, 3), None);
/// ```
pub fn grid_reference(easting: f64, northing: f64, digits: u32) -> Option<String> {
    if !(0.0..700_000.0).contains(&easting) || !(0.0..1_300_000.0).contains(&northing) || !(1..=5).contains(&digits) {
        return None;
    }
    let (e100, n100) = ((easting / 100_000.0).floor() as i64, (northing / 100_000.0).floor() as i64);
    // First letter: the 500 km square; second: the 100 km square in it; `I` is not used.
    let mut l1 = (19 - n100) - (19 - n100).rem_euclid(5) + (e100 + 10) / 5;
    let mut l2 = ((19 - n100) * 5).rem_euclid(25) + e100.rem_euclid(5);
    if l1 > 7 {
        l1 += 1;
    }
    if l2 > 7 {
        l2 += 1;
    }
    let letter = |i: i64| char::from(b'A' + i as u8);
    let scale = 10f64.powi(5 - digits as i32);
    let e = ((easting.rem_euclid(100_000.0)) / scale).floor() as u64;
    let n = ((northing.rem_euclid(100_000.0)) / scale).floor() as u64;
    let w = digits as usize;
    Some(format!("{}{} {e:0w$} {n:0w$}", letter(l1), letter(l2)))
}

/// The gap table of the published squares ([`super::compute_grid`]).
#[derive(Debug, Clone)]
pub struct GridTable {
    /// One row per published square (code `E412000N436000`, name its grid
    /// reference), `origin_level` `postcode`.
    pub table: GapTable,
    /// The squares of the rows, in the same order.
    pub squares: Vec<Square>,
    pub summary: GridSummary,
}

impl GridTable {
    /// The gap table's columns ([`GapTable::to_report`]) followed by the
    /// square's `easting`, `northing` (south-west corner, EPSG:27700),
    /// `size_m`, `postcodes` (units), `area_origins` and `residents` (the
    /// total population, which the disclosure rule counts).
    pub fn to_report(&self) -> Report {
        let mut r = self.table.to_report();
        r.columns.extend(["easting", "northing", "size_m", "postcodes", "area_origins", "residents"].map(String::from));
        for (row, s) in r.rows.iter_mut().zip(&self.squares) {
            row.extend([
                Cell::Number(Some(s.easting as f64)),
                Cell::Number(Some(s.northing as f64)),
                Cell::Count(u64::from(s.size_m)),
                Cell::Count(s.postcodes as u64),
                Cell::Count(s.area_origins as u64),
                Cell::Number(Some(s.residents)),
            ]);
        }
        r
    }
}

/// The squares of a set of origins: which square each origin is in.
#[derive(Debug, Clone, Default)]
pub struct Squares {
    pub squares: Vec<Square>,
    /// Per origin: its square (every origin has one).
    pub of_origin: Vec<usize>,
}

impl Squares {
    /// Place each origin point (EPSG:27700) in its `size_m` square; `unit`
    /// says per origin whether it is a postcode unit (else an area origin).
    /// Squares are in (northing, easting) order of their corners.
    pub fn of(points: impl Iterator<Item = Coord<f64>>, unit: impl Iterator<Item = bool>, size_m: u32) -> Squares {
        let s = size_m as f64;
        let mut by_corner: BTreeMap<(i64, i64), (usize, usize)> = BTreeMap::new();
        let corners: Vec<(i64, i64)> = points
            .zip(unit)
            .map(|(p, is_unit)| {
                let corner = ((p.y / s).floor() as i64 * size_m as i64, (p.x / s).floor() as i64 * size_m as i64);
                let e = by_corner.entry(corner).or_default();
                if is_unit {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
                corner
            })
            .collect();
        let index: BTreeMap<(i64, i64), usize> = by_corner.keys().enumerate().map(|(i, c)| (*c, i)).collect();
        Squares {
            squares: by_corner
                .iter()
                .map(|(&(n, e), &(postcodes, area_origins))| Square { easting: e, northing: n, size_m, postcodes, area_origins, residents: 0.0 })
                .collect(),
            of_origin: corners.iter().map(|c| index[c]).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.squares.len()
    }

    pub fn is_empty(&self) -> bool {
        self.squares.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_references_name_the_square_at_its_precision() {
        let sq = |e, n, size_m| Square { easting: e, northing: n, size_m, postcodes: 3, area_origins: 0, residents: 0.0 };
        assert_eq!(sq(412_000, 436_500, 500).name(), "500 m square SE 120 365");
        assert_eq!(sq(412_250, 436_500, 250).name(), "250 m square SE 1225 3650");
        assert_eq!(sq(412_000, 436_000, 1000).name(), "1000 m square SE 12 36");
        assert_eq!(sq(412_000, 436_000, 500).code(), "E412000N436000");
        // Ben Nevis NN 166 712 and the origin square SV.
        assert_eq!(grid_reference(216_600.0, 771_200.0, 3).as_deref(), Some("NN 166 712"));
        assert_eq!(grid_reference(0.0, 0.0, 1).as_deref(), Some("SV 0 0"));
        assert_eq!(grid_reference(700_000.0, 0.0, 3), None);
    }

    #[test]
    fn origins_fall_in_the_square_holding_them_and_edges_go_north_east() {
        let pts = [Coord { x: 412_000.0, y: 436_000.0 }, Coord { x: 412_499.9, y: 436_499.9 }, Coord { x: 412_500.0, y: 436_000.0 }, Coord { x: 411_999.0, y: 436_000.0 }];
        let sq = Squares::of(pts.into_iter(), [true, true, false, true].into_iter(), 500);
        assert_eq!(sq.len(), 3);
        assert_eq!(sq.of_origin[0], sq.of_origin[1]);
        let s = &sq.squares[sq.of_origin[0]];
        assert_eq!((s.easting, s.northing, s.postcodes, s.area_origins), (412_000, 436_000, 2, 0));
        let east = &sq.squares[sq.of_origin[2]];
        assert_eq!((east.easting, east.postcodes, east.area_origins), (412_500, 0, 1));
        assert_eq!(sq.squares[sq.of_origin[3]].easting, 411_500);
    }

    #[test]
    fn the_rule_needs_people_and_postcodes_unless_an_area_origin_is_there() {
        let rule = GridRule { size_m: 500, min_population: 100.0, min_postcodes: 3 };
        let sq = |postcodes, area_origins, residents| Square { easting: 0, northing: 0, size_m: 500, postcodes, area_origins, residents };
        assert!(sq(3, 0, 100.0).disclosed(&rule));
        assert!(!sq(3, 0, 99.9).disclosed(&rule));
        assert!(!sq(2, 0, 1_000.0).disclosed(&rule));
        assert!(sq(0, 1, 1_500.0).disclosed(&rule));
        assert!(!sq(0, 1, 50.0).disclosed(&rule));
    }
}
