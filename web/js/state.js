// The view state and its URL hash, so a link restores the same map.
// Hash form: #level=ward&indicator=imd_score&view=choropleth&class=jenks&k=5&palette=viridis
//            &category=gp&tier=1&method=2sfca&travel=walk&catchment=2km&services=1&tiles=1&scenario=hub-in-bowling&z=10.4&c=-1.8500,53.8300
// Pure functions (no DOM): unit-tested with node --test.

export const DEFAULTS = Object.freeze({
  level: 'ward',
  indicator: 'imd_score',
  view: 'choropleth', // 'choropleth' | 'gaps' | 'change' (a scenario against the baseline) | 'trend' (need over time)
  classification: 'quantile', // 'quantile' | 'jenks' | 'equal'
  classes: 5,
  palette: 'viridis',
  category: '',
  tier: '',
  method: '',
  travel: '', // '' (server default: walk) | 'walk' | 'drive'
  catchment: '', // '' (server default) | '800m', '2km', '15min', ...
  services: false, // service points are off until asked for, so they do not hide the areas
  tiles: false, // draw the areas from the vector tiles instead of GeoJSON
  scenario: '', // id of the saved scenario the map shows ('' = the baseline)
  trendFrom: '', // need over time: vintage A ('' = the series' oldest)
  trendTo: '', // vintage B ('' = the newest)
  squares: '', // gap map from where people live: '' (areas) | '250' | '500' | '1000' metre squares
  zoom: null,
  center: null, // [lon, lat]
});

const KEYS = {
  level: 'level', indicator: 'indicator', view: 'view', classification: 'class', classes: 'k',
  palette: 'palette', category: 'category', tier: 'tier', method: 'method', travel: 'travel', catchment: 'catchment',
  services: 'services', tiles: 'tiles',
  scenario: 'scenario', trendFrom: 'from', trendTo: 'to', squares: 'sq',
};

const TOKEN = /^[A-Za-z0-9_.-]{0,64}$/;

/** Parse a location hash into a full state (unknown or malformed values fall back to defaults). */
export function parseHash(hash) {
  const state = { ...DEFAULTS };
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  for (const [field, key] of Object.entries(KEYS)) {
    const raw = params.get(key);
    if (raw === null || !TOKEN.test(raw)) continue;
    if (field === 'classes') {
      const k = Number.parseInt(raw, 10);
      if (k >= 2 && k <= 9) state.classes = k;
    } else if (field === 'services') {
      state.services = raw !== '0';
    } else if (field === 'tiles') {
      state.tiles = raw === '1';
    } else if (field === 'view') {
      if (raw === 'choropleth' || raw === 'gaps' || raw === 'change' || raw === 'trend') state.view = raw;
    } else if (field === 'travel') {
      if (raw === 'walk' || raw === 'drive') state.travel = raw;
    } else if (field === 'catchment') {
      if (/^\d+(\.\d+)?(m|km|min)$/.test(raw)) state.catchment = raw;
    } else if (field === 'squares') {
      if (['250', '500', '1000'].includes(raw)) state.squares = raw;
    } else if (field === 'classification') {
      if (['quantile', 'jenks', 'equal'].includes(raw)) state.classification = raw;
    } else {
      state[field] = raw;
    }
  }
  const z = Number.parseFloat(params.get('z'));
  if (Number.isFinite(z) && z >= 0 && z <= 24) state.zoom = z;
  const c = (params.get('c') || '').split(',').map(Number);
  if (c.length === 2 && c.every(Number.isFinite) && Math.abs(c[0]) <= 180 && Math.abs(c[1]) <= 90) {
    state.center = c;
  }
  return state;
}

/** Format a state as a location hash (defaults left out, coordinates to 4 decimals). */
export function formatHash(state) {
  const params = new URLSearchParams();
  for (const [field, key] of Object.entries(KEYS)) {
    const v = state[field];
    if (field === 'services') {
      params.set(key, v ? '1' : '0');
    } else if (field === 'tiles') {
      if (v) params.set(key, '1');
    } else if (v !== undefined && v !== null && v !== '') {
      params.set(key, String(v));
    }
  }
  if (Number.isFinite(state.zoom)) params.set('z', state.zoom.toFixed(2));
  if (Array.isArray(state.center)) params.set('c', `${state.center[0].toFixed(4)},${state.center[1].toFixed(4)}`);
  return `#${params.toString().replace(/%2C/g, ',')}`;
}
