//! A small SVG writer in page millimetres, and the projection from British
//! National Grid metres to the page.

use std::fmt::Write as _;

use geo::{Coord, MultiPolygon, Rect as GeoRect};

use super::labels::Rect;

/// Font used for every text (Debian `fonts-dejavu-core`).
pub const FONT: &str = "DejaVu Sans";

/// Escape text for XML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// BNG metres -> page millimetres: the extent fitted and centred in a frame.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    /// Millimetres per metre.
    pub scale: f64,
    centre: Coord<f64>,
    frame_centre: (f64, f64),
}

impl Projection {
    /// Fit `extent` (BNG) into `frame` with a margin of `pad` (fraction).
    pub fn fit(extent: GeoRect<f64>, frame: Rect, pad: f64) -> Projection {
        let (ew, eh) = (extent.width().max(1.0), extent.height().max(1.0));
        let scale = (frame.w / ew).min(frame.h / eh) * (1.0 - 2.0 * pad);
        Projection {
            scale,
            centre: extent.center(),
            frame_centre: (frame.x + frame.w / 2.0, frame.y + frame.h / 2.0),
        }
    }

    pub fn point(&self, c: Coord<f64>) -> (f64, f64) {
        (
            self.frame_centre.0 + (c.x - self.centre.x) * self.scale,
            self.frame_centre.1 - (c.y - self.centre.y) * self.scale,
        )
    }

    /// The representative fraction, e.g. 120000 for 1:120,000.
    pub fn denominator(&self) -> f64 {
        1000.0 / self.scale
    }

    /// SVG path data for a multipolygon (rings closed; fill-rule evenodd).
    pub fn path(&self, mp: &MultiPolygon<f64>) -> String {
        let mut d = String::new();
        for p in &mp.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                let mut last: Option<(i64, i64)> = None;
                for (i, c) in ring.0.iter().enumerate() {
                    let (x, y) = self.point(*c);
                    // Skip points closer than 0.01 mm to the last one.
                    let key = ((x * 100.0).round() as i64, (y * 100.0).round() as i64);
                    if last == Some(key) {
                        continue;
                    }
                    last = Some(key);
                    let _ = write!(d, "{}{:.2} {:.2}", if i == 0 { "M" } else { "L" }, x, y);
                }
                d.push('Z');
            }
        }
        d
    }
}

/// An SVG document being written.
pub struct Svg {
    pub body: String,
}

impl Svg {
    pub fn new() -> Svg {
        Svg { body: String::new() }
    }

    pub fn raw(&mut self, s: &str) {
        self.body.push_str(s);
        self.body.push('\n');
    }

    pub fn rect(&mut self, r: Rect, fill: &str, stroke: Option<(&str, f64)>) {
        let stroke = stroke
            .map(|(c, w)| format!(r#" stroke="{c}" stroke-width="{w:.3}""#))
            .unwrap_or_default();
        let _ = writeln!(
            self.body,
            r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{fill}"{stroke}/>"#,
            r.x, r.y, r.w, r.h
        );
    }

    /// Text at (x, y) baseline; `anchor` is start, middle or end.
    #[allow(clippy::too_many_arguments)] // mirrors the SVG attributes one to one
    pub fn text(&mut self, x: f64, y: f64, size: f64, text: &str, anchor: &str, weight: &str, fill: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.2}" y="{y:.2}" font-family="{FONT}" font-size="{size:.2}" font-weight="{weight}" text-anchor="{anchor}" fill="{fill}">{}</text>"#,
            escape(text)
        );
    }

    /// Text with a white halo, for labels over coloured areas.
    pub fn halo_text(&mut self, x: f64, y: f64, size: f64, text: &str) {
        let _ = writeln!(
            self.body,
            r##"<text x="{x:.2}" y="{y:.2}" font-family="{FONT}" font-size="{size:.2}" text-anchor="middle" fill="#000000" stroke="#ffffff" stroke-width="{:.2}" stroke-linejoin="round" paint-order="stroke">{}</text>"##,
            size * 0.25,
            escape(text)
        );
    }

    pub fn path(&mut self, d: &str, fill: &str, stroke: &str, width: f64) {
        if d.is_empty() {
            return;
        }
        let _ = writeln!(
            self.body,
            r#"<path d="{d}" fill="{fill}" fill-rule="evenodd" stroke="{stroke}" stroke-width="{width:.3}" stroke-linejoin="round"/>"#
        );
    }

    pub fn circle(&mut self, x: f64, y: f64, r: f64, fill: &str, stroke: &str, width: f64) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{x:.2}" cy="{y:.2}" r="{r:.2}" fill="{fill}" stroke="{stroke}" stroke-width="{width:.3}"/>"#
        );
    }

    /// The finished document: `width` x `height` mm, sized in points so that
    /// a PDF at 72 dpi has exactly the paper size.
    pub fn finish(&self, width: f64, height: f64) -> String {
        let (wpt, hpt) = (width * super::page::PT_PER_MM, height * super::page::PT_PER_MM);
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{wpt:.4}" height="{hpt:.4}" viewBox="0 0 {width} {height}">
<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>
{}</svg>
"##,
            self.body
        )
    }
}

impl Default for Svg {
    fn default() -> Self {
        Svg::new()
    }
}

/// Break `text` into lines of at most `width` mm at font size `size`.
pub fn wrap(text: &str, width: f64, size: f64) -> Vec<String> {
    let max = ((width / (size * 0.55)).floor() as usize).max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
