//! PMTiles v3 archives of a tile layer, from the server's own tile encoder.

use std::fs::File;
use std::path::Path;

use pmtiles::{PmTilesWriter, TileCoord, TileId, TileType};

use super::error::PublishError;
use crate::serve::tiles::{mercator, AreaAttributes, TileSet};
use crate::serve::AppState;

/// What one archive holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveSummary {
    /// Tiles with features (empty tiles are not stored).
    pub tiles: usize,
    /// Bytes of the tiles before compression.
    pub raw_bytes: u64,
    /// Size of the archive file.
    pub file_bytes: u64,
}

/// Render every non-empty tile of layer `layer` over the data's bounds, from
/// `min_zoom` to `max_zoom`, with the area attributes narrowed to `fields`
/// (area layers; `None` keeps every column), and write them (gzip, as
/// MapLibre reads them) to a PMTiles archive at `path`. `progress` is told
/// each zoom's tile count as it is done.
pub fn write_layer(
    state: &AppState,
    layer: usize,
    (min_zoom, max_zoom): (u8, u8),
    fields: Option<&[String]>,
    path: &Path,
    mut progress: impl FnMut(u8, usize),
) -> Result<ArchiveSummary, PublishError> {
    let tiles: &TileSet = &state.tiles;
    let l = &tiles.layers[layer];
    let table = match &l.kind {
        crate::serve::tiles::LayerKind::Areas(a) => Some(state.table(a.level, &Default::default())?),
        crate::serve::tiles::LayerKind::Services(_) => None,
    };
    let columns = match (&table, fields) {
        (Some(t), Some(f)) => Some(crate::serve::tiles::field_columns(t, f).map_err(|e| PublishError::Archive {
            path: path.to_path_buf(),
            message: format!("`{}` is not a field of layer {}; its fields are: {}", e.field, l.id, e.known),
        })?),
        _ => None,
    };
    let attributes = AreaAttributes { table: table.as_deref(), columns: columns.as_deref() };
    let b = state.bounds;
    let fail = |e: pmtiles::PmtError| PublishError::Archive { path: path.to_path_buf(), message: e.to_string() };
    let file = File::create(path).map_err(PublishError::io(path))?;
    let metadata = serde_json::json!({
        "name": l.id,
        "description": l.description,
        "attribution": state.attribution,
        "version": env!("CARGO_PKG_VERSION"),
        "vector_layers": [{ "id": l.id, "description": l.description, "minzoom": min_zoom, "maxzoom": max_zoom }],
    });
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .min_zoom(min_zoom)
        .max_zoom(max_zoom)
        .bounds(b.min().x, b.min().y, b.max().x, b.max().y)
        .center(b.center().x, b.center().y)
        .center_zoom(10.clamp(min_zoom, max_zoom))
        .metadata(metadata.to_string())
        .create(file)
        .map_err(fail)?;
    let mut summary = ArchiveSummary { tiles: 0, raw_bytes: 0, file_bytes: 0 };
    for z in min_zoom..=max_zoom {
        let (x0, y0, x1, y1) = mercator::tiles_covering(b, z);
        // In tile-id (Hilbert) order, which the archive's directory wants.
        let mut coords: Vec<(u64, u32, u32)> = (x0..=x1)
            .flat_map(|x| (y0..=y1).map(move |y| (x, y)))
            .map(|(x, y)| (TileId::from(TileCoord::new(z, x, y).expect("tile inside the zoom")).value(), x, y))
            .collect();
        coords.sort_unstable();
        let mut n = 0;
        for (_, x, y) in coords {
            let Some(bytes) = tiles.render_with(&state.engine, layer, z, x, y, attributes, None) else { continue };
            let coord = TileCoord::new(z, x, y).map_err(fail)?;
            writer.add_tile(coord, &bytes).map_err(fail)?;
            summary.raw_bytes += bytes.len() as u64;
            n += 1;
        }
        summary.tiles += n;
        progress(z, n);
    }
    writer.finalize().map_err(fail)?;
    summary.file_bytes = std::fs::metadata(path).map_err(PublishError::io(path))?.len();
    Ok(summary)
}
