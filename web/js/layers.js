// Map style: the offline basemap drawn from the boundaries themselves (district outline,
// constituency and ward lines) and the thematic layers (areas, selection, services).
import { NO_DATA, DECILE_COLOURS, BIVARIATE } from './palettes.js';

export const ATTRIBUTION_OS = 'Contains OS data © Crown copyright and database right; contains ONS data © Crown copyright';
export const ATTRIBUTION_OSM = '© OpenStreetMap contributors, ODbL';

/** A style with no external resources at all (no tiles, sprite or glyphs). */
export function offlineStyle() {
  return {
    version: 8,
    name: 'needmap offline',
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eceee9' } }],
  };
}

const EMPTY = { type: 'FeatureCollection', features: [] };

/** Add the needmap sources and layers on top of whatever style is loaded. */
export function addLayers(map) {
  const geojson = (data, extra = {}) => ({ type: 'geojson', data, ...extra });
  // Keyed by area code: the fill colour reads feature state (feature_state.js).
  map.addSource('areas', geojson(EMPTY, { promoteId: 'code' }));
  map.addSource('base-wards', geojson(EMPTY));
  map.addSource('base-constituencies', geojson(EMPTY));
  map.addSource('selection', geojson(EMPTY));
  map.addSource('services', geojson(EMPTY));

  // District outline by casing: a wide dark line round every constituency, covered inside by
  // the opaque constituency fill, leaves only the outer half of the line on the district's
  // edge. No polygon union needed, and robust to borders that do not share vertices.
  map.addLayer({
    id: 'district-casing', type: 'line', source: 'base-constituencies',
    layout: { 'line-join': 'round' },
    paint: { 'line-color': '#101418', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 5, 14, 10] },
  });
  map.addLayer({
    id: 'district-fill', type: 'fill', source: 'base-constituencies',
    paint: { 'fill-color': '#ffffff', 'fill-antialias': false },
  });
  // The ward fill also covers slivers between the (separately generalised) constituencies.
  map.addLayer({
    id: 'district-fill-wards', type: 'fill', source: 'base-wards',
    paint: { 'fill-color': '#ffffff', 'fill-antialias': false },
  });
  map.addLayer({
    id: 'areas-fill', type: 'fill', source: 'areas',
    paint: {
      'fill-color': NO_DATA,
      'fill-opacity': ['interpolate', ['linear'], ['zoom'], 9, 0.9, 14, 0.72],
    },
  });
  map.addLayer({
    id: 'areas-tiles-fill', type: 'fill', source: 'areas', layout: { visibility: 'none' },
    paint: { 'fill-color': NO_DATA },
  });
  map.addLayer({
    id: 'areas-line', type: 'line', source: 'areas',
    paint: {
      'line-color': '#ffffff',
      'line-opacity': ['interpolate', ['linear'], ['zoom'], 9, 0.35, 13, 0.8],
      'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.3, 14, 1.2],
    },
  });
  map.addLayer({
    id: 'base-ward-lines', type: 'line', source: 'base-wards',
    paint: {
      'line-color': '#3d4248',
      'line-opacity': 0.75,
      'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.5, 14, 1.4],
    },
  });
  map.addLayer({
    id: 'base-constituency-lines', type: 'line', source: 'base-constituencies',
    paint: {
      // Solid: each shared border is drawn once per side, and two dash patterns out of
      // phase would look solid in places and dashed in others.
      'line-color': '#1b1f24',
      'line-opacity': 0.85,
      'line-width': ['interpolate', ['linear'], ['zoom'], 9, 1.1, 14, 2.2],
    },
  });
  map.addLayer({
    id: 'selection-line', type: 'line', source: 'selection',
    layout: { 'line-join': 'round' },
    paint: { 'line-color': '#e36209', 'line-width': 3.5 },
  });
  map.addLayer({
    id: 'services', type: 'symbol', source: 'services',
    layout: {
      'icon-image': ['coalesce', ['image', ['concat', 'svc-', ['get', 'category']]], ['image', 'svc-other']],
      'icon-size': serviceIconSize(1),
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
      'symbol-sort-key': ['to-number', ['get', 'tier'], 9],
    },
  });
}

/**
 * `step` expression colouring `field` by classes (left-closed thresholds from classify.js);
 * classes left empty by duplicate thresholds are skipped; missing values get NO_DATA.
 */
export function classExpression(field, classes, colours) {
  if (!classes || classes.breaks.length === 0) return NO_DATA;
  const step = ['step', ['get', field], colours[0]];
  classes.thresholds.forEach((t, i) => {
    if (step.length > 3 && t <= step[step.length - 2]) step[step.length - 1] = colours[i + 1];
    else step.push(t, colours[i + 1]);
  });
  return ['case', ['==', ['typeof', ['get', field]], 'number'], step, NO_DATA];
}

/** `match` expression colouring national deciles 1..10 (decile 1 = most deprived). */
export function decileExpression(field) {
  const m = ['match', ['round', ['get', field]]];
  DECILE_COLOURS.forEach((c, i) => m.push(i + 1, c));
  m.push(NO_DATA);
  return ['case', ['==', ['typeof', ['get', field]], 'number'], m, NO_DATA];
}

/** `match` expression on the precomputed `_bivariate` cell (need * 3 + access). */
export function bivariateExpression() {
  const m = ['match', ['get', '_bivariate']];
  for (let need = 0; need < 3; need++) for (let access = 0; access < 3; access++) m.push(need * 3 + access, BIVARIATE[need][access]);
  m.push(NO_DATA);
  return m;
}

/** Symbol size by zoom: small dots at district scale, full size in the street. */
export function serviceIconSize(scale = 1) {
  return ['interpolate', ['linear'], ['zoom'], 8, 0.5 * scale, 10, 0.6 * scale, 12, 0.78 * scale, 14, 1, 17, 1.3];
}

/**
 * Draw the areas of `level` from vector tiles (the server's TileJSON at tiles/<level>.json, or
 * `url`, e.g. a published copy's `pmtiles://` archive; source layer named after the level)
 * instead of GeoJSON: replaces the `areas-tiles-fill` layer, keeping its place and paint. The
 * tiles carry only `code` and `name` (`fields=code,name`): main.js sets the fields the colour
 * expressions read as feature state (promoteId `code`).
 */
export function useTileSource(map, level, fillColor, url = `tiles/${encodeURIComponent(level)}.json?fields=code,name`) {
  const id = `tiles-${level}`;
  if (!map.getSource(id)) map.addSource(id, { type: 'vector', url, promoteId: 'code' });
  if (map.getLayer('areas-tiles-fill')) map.removeLayer('areas-tiles-fill');
  map.addLayer({
    id: 'areas-tiles-fill', type: 'fill', source: id, 'source-layer': level,
    paint: {
      'fill-color': fillColor ?? NO_DATA,
      'fill-opacity': ['interpolate', ['linear'], ['zoom'], 9, 0.9, 14, 0.72],
      'fill-outline-color': 'rgba(255,255,255,0.6)',
    },
  }, 'areas-line');
}
