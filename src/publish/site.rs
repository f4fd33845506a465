//! The web app's files copied into the site (the same files `needmap serve`
//! serves: no hidden files, no Markdown documentation).

use std::path::Path;

use super::error::PublishError;

/// Files the published site cannot work without, and how to get them.
const REQUIRED: [(&str, &str); 4] = [
    ("index.html", "give the web app folder with --web DIR"),
    ("js/main.js", "give the web app folder with --web DIR"),
    ("vendor/maplibre-gl.mjs", "run `make web-vendor` to fetch MapLibre GL JS and the PMTiles reader"),
    ("vendor/pmtiles.js", "run `make web-vendor` to fetch the PMTiles reader"),
];

/// Copy the web app in `web` into `out`; returns the number of files and bytes copied.
pub fn copy_web_app(web: &Path, out: &Path) -> Result<(usize, u64), PublishError> {
    for (file, hint) in REQUIRED {
        if !web.join(file).is_file() {
            return Err(PublishError::WebApp { dir: web.to_path_buf(), missing: file.to_string(), hint: hint.to_string() });
        }
    }
    let mut totals = (0, 0);
    copy_dir(web, out, &mut totals)?;
    mark_published(&out.join("index.html"))?;
    Ok(totals)
}

/// The tag by which the page knows it is a published copy (`web/js/static_site.js`).
pub const PUBLISHED_TAG: &str = r#"<meta name="needmap-site" content="published">"#;

/// Put [`PUBLISHED_TAG`] into the page's `<head>`, so it reads `meta.json` at once.
fn mark_published(index: &Path) -> Result<(), PublishError> {
    let html = std::fs::read_to_string(index).map_err(PublishError::io(index))?;
    let Some(at) = html.find("</head>") else {
        return Err(PublishError::WebApp { dir: index.to_path_buf(), missing: "</head>".into(), hint: "the page needs a <head> element".into() });
    };
    let marked = format!("{}  {PUBLISHED_TAG}\n{}", &html[..at], &html[at..]);
    std::fs::write(index, marked).map_err(PublishError::io(index))
}

fn copy_dir(from: &Path, to: &Path, totals: &mut (usize, u64)) -> Result<(), PublishError> {
    std::fs::create_dir_all(to).map_err(PublishError::io(to))?;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .map_err(PublishError::io(from))?
        .collect::<Result<_, _>>()
        .map_err(PublishError::io(from))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.to_ascii_lowercase().ends_with(".md") {
            continue;
        }
        let path = e.path();
        let target = to.join(e.file_name());
        let kind = e.file_type().map_err(PublishError::io(&path))?;
        if kind.is_dir() {
            copy_dir(&path, &target, totals)?;
        } else if path.is_file() {
            totals.1 += std::fs::copy(&path, &target).map_err(PublishError::io(&path))?;
            totals.0 += 1;
        }
    }
    Ok(())
}
