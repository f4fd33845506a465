//! Paper sizes and the page layout: header, map frame and a panel for the
//! legend and notes (below the map in portrait, beside it in landscape),
//! and on request a band under the map for a table of figures.

use super::labels::Rect;

/// ISO paper sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    #[default]
    A4,
    A3,
}

impl Paper {
    /// Width and height in millimetres, portrait.
    pub fn mm(&self) -> (f64, f64) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::A3 => (297.0, 420.0),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Paper::A4 => "A4",
            Paper::A3 => "A3",
        }
    }
}

/// Millimetres to PostScript points.
pub const PT_PER_MM: f64 = 72.0 / 25.4;

/// Where everything goes on one page (millimetres, y down).
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub landscape: bool,
    /// Scale of type and furniture relative to A4 (A3 = 1.41).
    pub k: f64,
    pub margin: f64,
    /// Top-left of the title block.
    pub title_at: (f64, f64),
    pub frame: Rect,
    /// Legend and notes.
    pub panel: Rect,
    /// A band under the map, as wide as it, for a table ([`Layout::reserve_band`]).
    pub band: Option<Rect>,
}

impl Layout {
    pub fn new(paper: Paper, landscape: bool) -> Layout {
        let (pw, ph) = paper.mm();
        let (width, height) = if landscape { (ph, pw) } else { (pw, ph) };
        let k = pw / 210.0;
        let margin = 10.0 * k;
        let header = 20.0 * k;
        let top = margin + header;
        let (frame, panel) = if landscape {
            let side = 78.0 * k;
            let gap = 5.0 * k;
            let frame = Rect {
                x: margin,
                y: top,
                w: width - 2.0 * margin - side - gap,
                h: height - top - margin,
            };
            let panel = Rect {
                x: frame.x + frame.w + gap,
                y: top,
                w: side,
                h: frame.h,
            };
            (frame, panel)
        } else {
            let below = 70.0 * k;
            let gap = 4.0 * k;
            let frame = Rect {
                x: margin,
                y: top,
                w: width - 2.0 * margin,
                h: height - top - margin - below - gap,
            };
            let panel = Rect {
                x: margin,
                y: frame.y + frame.h + gap,
                w: frame.w,
                h: below,
            };
            (frame, panel)
        };
        Layout {
            width,
            height,
            landscape,
            k,
            margin,
            title_at: (margin, margin),
            frame,
            panel,
            band: None,
        }
    }

    /// Take a band `height` mm high (at most 40% of the map's height) from
    /// the bottom of the map frame, with a gap above it, and return it.
    pub fn reserve_band(&mut self, height: f64) -> Rect {
        let gap = 3.0 * self.k;
        let height = height.clamp(0.0, self.frame.h * 0.4);
        self.frame.h -= height + gap;
        let band = Rect {
            x: self.frame.x,
            y: self.frame.y + self.frame.h + gap,
            w: self.frame.w,
            h: height,
        };
        self.band = Some(band);
        band
    }

    /// Page size in points (what the PDF MediaBox says).
    pub fn points(&self) -> (f64, f64) {
        (self.width * PT_PER_MM, self.height * PT_PER_MM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_fits_on_the_page() {
        for paper in [Paper::A4, Paper::A3] {
            for landscape in [false, true] {
                let l = Layout::new(paper, landscape);
                let page = Rect { x: 0.0, y: 0.0, w: l.width, h: l.height };
                assert!(page.contains(&l.frame) && page.contains(&l.panel));
                assert!(!l.frame.intersects(&l.panel));
                assert!(l.frame.w > 100.0 && l.frame.h > 100.0);
                let mut with = l;
                let band = with.reserve_band(1000.0);
                assert!(page.contains(&band) && !band.intersects(&with.frame) && !band.intersects(&with.panel));
                assert!(with.frame.h >= l.frame.h * 0.55, "the map keeps most of its height");
            }
        }
        let (w, h) = Layout::new(Paper::A4, false).points();
        assert!((w - 595.2756).abs() < 1e-3 && (h - 841.8898).abs() < 1e-3);
    }
}
