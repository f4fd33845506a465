//! SVG to vector PDF (svg2pdf) and to PNG (resvg), with the system fonts.
//!
//! svg2pdf 0.13 and resvg 0.49 each bring their own `usvg`, so the SVG is
//! parsed by the one that matches the converter. System fonts are loaded
//! once per process into each font database.

use std::sync::{Arc, OnceLock};

use super::svg::FONT;
use super::PrintError;

fn pdf_fonts() -> Result<Arc<svg2pdf::usvg::fontdb::Database>, PrintError> {
    static DB: OnceLock<Arc<svg2pdf::usvg::fontdb::Database>> = OnceLock::new();
    let db = DB.get_or_init(|| {
        let mut db = svg2pdf::usvg::fontdb::Database::new();
        db.load_system_fonts();
        Arc::new(db)
    });
    if db.faces().any(|f| f.families.iter().any(|(name, _)| name == FONT)) {
        Ok(db.clone())
    } else {
        Err(PrintError::NoFonts { family: FONT.into() })
    }
}

fn png_fonts() -> Result<Arc<resvg::usvg::fontdb::Database>, PrintError> {
    static DB: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    let db = DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_system_fonts();
        Arc::new(db)
    });
    if db.faces().any(|f| f.families.iter().any(|(name, _)| name == FONT)) {
        Ok(db.clone())
    } else {
        Err(PrintError::NoFonts { family: FONT.into() })
    }
}

/// A one-page vector PDF whose MediaBox is the SVG's size in points.
pub fn pdf_from_svg(svg: &str) -> Result<Vec<u8>, PrintError> {
    let options = svg2pdf::usvg::Options {
        fontdb: pdf_fonts()?,
        font_family: FONT.into(),
        ..Default::default()
    };
    let tree = svg2pdf::usvg::Tree::from_str(svg, &options).map_err(|e| PrintError::Svg(e.to_string()))?;
    let page = svg2pdf::PageOptions { dpi: 72.0 };
    svg2pdf::to_pdf(&tree, svg2pdf::ConversionOptions::default(), page).map_err(|e| PrintError::Pdf(e.to_string()))
}

/// A PNG of the page at `dpi` dots per inch (clamped to 10..=300).
pub fn png_from_svg(svg: &str, dpi: f32) -> Result<Vec<u8>, PrintError> {
    let options = resvg::usvg::Options {
        fontdb: png_fonts()?,
        font_family: FONT.into(),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &options).map_err(|e| PrintError::Svg(e.to_string()))?;
    // The SVG is sized in points (1/72 inch).
    let dpi = if dpi.is_finite() { dpi.clamp(10.0, 300.0) } else { 150.0 };
    let scale = dpi / 72.0;
    let size = tree.size();
    let (w, h) = ((size.width() * scale).ceil() as u32, (size.height() * scale).ceil() as u32);
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w.max(1), h.max(1))
        .ok_or_else(|| PrintError::Png(format!("cannot allocate a {w} x {h} image")))?;
    resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| PrintError::Png(e.to_string()))
}
