//! A table of figures drawn on the printed page (the committee summary of a
//! scenario): a title and one or more sections, each with a bold header
//! row, ruled rows, the row labels left and the figures right-aligned. The
//! table is plain text: whoever fills it formats the numbers (thousands
//! separators, signs, units in the labels), so print does not depend on
//! where the figures come from.
//!
//! Sections sit side by side when the space is wide enough, else one under
//! another; the type shrinks until the table fits its space.

use super::labels::Rect;
use super::svg::Svg;

/// A table for the page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SummaryTable {
    /// Shown bold above the sections.
    pub title: String,
    pub sections: Vec<TableSection>,
}

/// One block of rows under one header row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableSection {
    /// Header of the label column (may be empty).
    pub heading: String,
    /// Headers of the figure columns.
    pub columns: Vec<String>,
    pub rows: Vec<TableRow>,
}

/// One row: a label and one figure per column (missing figures are blank).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableRow {
    pub label: String,
    pub cells: Vec<String>,
    /// Indented under the row above (e.g. "of whom children").
    pub indent: bool,
}

impl TableRow {
    pub fn new(label: impl Into<String>, cells: Vec<String>) -> TableRow {
        TableRow { label: label.into(), cells, indent: false }
    }

    pub fn indented(label: impl Into<String>, cells: Vec<String>) -> TableRow {
        TableRow { label: label.into(), cells, indent: true }
    }
}

/// Average advance of a character of DejaVu Sans, in font sizes (a little
/// generous, so that figures never run into each other).
const CHAR_WIDTH: f64 = 0.6;
/// Line height in font sizes.
const LINE: f64 = 1.45;
/// Gap between sections side by side, in font sizes.
const SECTION_GAP: f64 = 3.0;
/// How far the type may shrink to keep sections side by side.
pub const SIDE_BY_SIDE_SHRINK: f64 = 0.8;

fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * CHAR_WIDTH * size
}

impl SummaryTable {
    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(|s| s.rows.is_empty())
    }

    /// Every text of the table, in reading order (for tests and checks).
    pub fn texts(&self) -> Vec<String> {
        let mut out = vec![self.title.clone()];
        for s in &self.sections {
            out.push(s.heading.clone());
            out.extend(s.columns.iter().cloned());
            for r in &s.rows {
                out.push(r.label.clone());
                out.extend(r.cells.iter().cloned());
            }
        }
        out.retain(|t| !t.is_empty());
        out
    }

    /// Height in mm at font size `size` when the sections are side by side
    /// (`side_by_side`) or stacked.
    fn height(&self, size: f64, side_by_side: bool) -> f64 {
        let title = if self.title.is_empty() { 0.0 } else { size * 1.15 * LINE };
        let section = |s: &TableSection| (s.rows.len() + 1) as f64 * size * LINE;
        let body = if side_by_side {
            self.sections.iter().map(section).fold(0.0, f64::max)
        } else {
            self.sections.iter().map(section).sum::<f64>() + self.sections.len().saturating_sub(1) as f64 * size * LINE * 0.5
        };
        title + body + size * 0.4
    }

    /// Width in mm one section needs at `size`: label column plus figure columns.
    fn section_width(s: &TableSection, size: f64) -> f64 {
        let label = s
            .rows
            .iter()
            // A row with no figures (a sub-heading) may run across the figure columns.
            .filter(|r| !r.cells.is_empty())
            .map(|r| text_width(&r.label, size) + if r.indent { size } else { 0.0 })
            .chain(std::iter::once(text_width(&s.heading, size)))
            .fold(0.0, f64::max);
        label + Self::figure_widths(s, size).iter().sum::<f64>()
    }

    /// Width of each figure column at `size`, with a gap before it.
    fn figure_widths(s: &TableSection, size: f64) -> Vec<f64> {
        (0..s.columns.len())
            .map(|c| {
                let widest = s
                    .rows
                    .iter()
                    .filter_map(|r| r.cells.get(c))
                    .chain(std::iter::once(&s.columns[c]))
                    .map(|t| text_width(t, size))
                    .fold(0.0, f64::max);
                widest + 1.5 * size
            })
            .collect()
    }

    fn fits(&self, size: f64, width: f64, height: f64, side_by_side: bool) -> bool {
        let n = self.sections.len().max(1) as f64;
        let each = if side_by_side { (width - (n - 1.0) * SECTION_GAP * size) / n } else { width };
        let mut sub_headings = self.sections.iter().flat_map(|s| &s.rows).filter(|r| r.cells.is_empty());
        let wide_enough = self.sections.iter().all(|s| Self::section_width(s, size) <= each)
            && sub_headings.all(|r| text_width(&r.label, size) <= each)
            && text_width(&self.title, size * 1.15) <= width;
        wide_enough && self.height(size, side_by_side) <= height
    }

    /// The largest type size from `size` down to `min` at which the table fits
    /// `width` x `height` mm, and whether its sections go side by side (at
    /// `min` it may still overflow: the caller has made room for it). Side by
    /// side is preferred down to [`SIDE_BY_SIDE_SHRINK`] of `size`: it
    /// leaves more height to the map.
    pub fn fit(&self, width: f64, height: f64, size: f64, min: f64) -> (f64, bool) {
        let mut s = size;
        while self.sections.len() > 1 && s >= (size * SIDE_BY_SIDE_SHRINK).max(min) {
            if self.fits(s, width, height, true) {
                return (s, true);
            }
            s *= 0.95;
        }
        let mut s = size;
        loop {
            for side_by_side in [true, false] {
                if self.fits(s, width, height, side_by_side) {
                    return (s, side_by_side);
                }
            }
            if s <= min {
                return (min, self.sections.len() > 1 && self.fits(min, width, f64::INFINITY, true));
            }
            s = (s * 0.93).max(min);
        }
    }

    /// The height (mm) the table wants in a space `width` mm wide at type size
    /// `size` (shrinking to `min` if it is too wide).
    pub fn wanted_height(&self, width: f64, size: f64, min: f64) -> f64 {
        let (s, side_by_side) = self.fit(width, f64::INFINITY, size, min);
        self.height(s, side_by_side)
    }

    /// Draw the table into `space`, as large as fits between `size` and `min`;
    /// returns the type size used.
    pub fn draw(&self, svg: &mut Svg, space: Rect, size: f64, min: f64) -> f64 {
        let (size, side_by_side) = self.fit(space.w, space.h, size, min);
        let line = size * LINE;
        let mut y = space.y;
        if !self.title.is_empty() {
            y += size * 1.15 * LINE;
            svg.text(space.x, y - size * 0.45, size * 1.15, &self.title, "start", "bold", "#000000");
        }
        let n = self.sections.len().max(1) as f64;
        let each = if side_by_side { (space.w - (n - 1.0) * SECTION_GAP * size) / n } else { space.w };
        let top = y;
        for (i, s) in self.sections.iter().enumerate() {
            let (x0, y0) = if side_by_side { (space.x + i as f64 * (each + SECTION_GAP * size), top) } else { (space.x, y) };
            let figures = Self::figure_widths(s, size);
            // Figure columns fill from the right; the label column takes the rest.
            let mut rights = Vec::with_capacity(figures.len());
            let mut right = x0 + each;
            for w in figures.iter().rev() {
                rights.push(right);
                right -= w;
            }
            rights.reverse();
            let rule = |svg: &mut Svg, y: f64, weight: f64| {
                svg.raw(&format!(
                    r##"<line x1="{:.2}" y1="{y:.2}" x2="{:.2}" y2="{y:.2}" stroke="#000000" stroke-width="{:.3}"/>"##,
                    x0,
                    x0 + each,
                    weight
                ));
            };
            let baseline = |row_top: f64| row_top + line * 0.72;
            // Header.
            let mut ry = y0;
            rule(svg, ry, size * 0.08);
            svg.text(x0, baseline(ry), size, &s.heading, "start", "bold", "#000000");
            for (c, head) in s.columns.iter().enumerate() {
                svg.text(rights[c], baseline(ry), size, head, "end", "bold", "#000000");
            }
            ry += line;
            rule(svg, ry, size * 0.06);
            for (r, row) in s.rows.iter().enumerate() {
                let lx = x0 + if row.indent { size } else { 0.0 };
                svg.text(lx, baseline(ry), size, &row.label, "start", "normal", "#000000");
                for (c, cell) in row.cells.iter().enumerate().take(rights.len()) {
                    svg.text(rights[c], baseline(ry), size, cell, "end", "normal", "#000000");
                }
                ry += line;
                let last = r + 1 == s.rows.len();
                let (colour, weight) = if last { ("#000000", size * 0.08) } else { ("#bbbbbb", size * 0.04) };
                svg.raw(&format!(
                    r##"<line x1="{:.2}" y1="{ry:.2}" x2="{:.2}" y2="{ry:.2}" stroke="{colour}" stroke-width="{weight:.3}"/>"##,
                    x0,
                    x0 + each
                ));
            }
            if !side_by_side {
                y = ry + line * 0.5;
            }
        }
        size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> SummaryTable {
        SummaryTable {
            title: "Scenario against the baseline".into(),
            sections: vec![
                TableSection {
                    heading: "Residents".into(),
                    columns: vec!["800 m".into(), "1.6 km".into()],
                    rows: vec![TableRow::new("Newly within", vec!["+1,234".into(), "+56".into()]), TableRow::indented("of whom children", vec!["+300".into(), "0".into()])],
                },
                TableSection {
                    heading: String::new(),
                    columns: vec!["Baseline".into(), "Scenario".into(), "Change".into()],
                    rows: vec![TableRow::new("Unmet need (people)", vec!["12,000".into(), "11,000".into(), "\u{2212}1,000".into()])],
                },
            ],
        }
    }

    #[test]
    fn the_table_shrinks_to_fit_and_goes_side_by_side_when_wide() {
        let t = table();
        let (size, side) = t.fit(190.0, 40.0, 3.0, 1.5);
        assert_eq!((size, side), (3.0, true));
        let (size, side) = t.fit(60.0, 100.0, 3.0, 1.5);
        assert!(!side && size <= 3.0, "{size} {side}");
        let (small, _) = t.fit(190.0, 8.0, 3.0, 1.5);
        assert!((1.5..3.0).contains(&small));
        assert!(t.wanted_height(190.0, 3.0, 1.5) < t.wanted_height(60.0, 3.0, 1.5));
    }

    #[test]
    fn drawn_figures_are_right_aligned_and_rows_ruled() {
        let t = table();
        let mut svg = Svg::new();
        t.draw(&mut svg, Rect { x: 10.0, y: 10.0, w: 190.0, h: 40.0 }, 3.0, 1.5);
        let body = &svg.body;
        assert!(body.contains(r##"text-anchor="end" fill="#000000">+1,234</text>"##), "{body}");
        assert!(body.contains(r##"font-weight="bold" text-anchor="end" fill="#000000">Baseline</text>"##));
        // Above and below each header, and under every row.
        assert_eq!(body.matches("<line ").count(), (2 + 2) + (2 + 1));
        assert_eq!(t.texts().len(), 17);
        assert!(!t.is_empty() && SummaryTable::default().is_empty());
    }
}
