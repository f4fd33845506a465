// Client for the needmap server API (/api/meta, /api/areas, /api/services, /api/report), or for
// the files of a published copy (static_site.js) when there is no server.

import { isStatic, useStaticSite, fileFor, filterServices, publishedPage } from './static_site.js';

/** Error carrying the URL and the server's JSON error message when there is one. */
export class ApiError extends Error {
  constructor(url, status, message) {
    super(`${url}: ${status ? `HTTP ${status}: ` : ''}${message}`);
    this.url = url;
    this.status = status;
  }
}

async function getJson(url, fresh = false) {
  if (isStatic()) return getStaticJson(url);
  return fetchJson(url, fresh);
}

/** The answer of API URL `url` from the published copy's files. */
async function getStaticJson(url) {
  const where = fileFor(url);
  if (!where) throw new ApiError(url, 0, 'this published copy has no such data: it needs the needmap server');
  const body = await fetchJson(where.file);
  return where.filter ? filterServices(body, where.filter) : body;
}

async function fetchJson(url, fresh = false) {
  let response;
  try {
    // `fresh`: the answer can change under the same URL (a scenario saved again): revalidate.
    response = await fetch(url, { headers: { Accept: 'application/json, application/geo+json' }, cache: fresh ? 'no-cache' : 'default' });
  } catch (e) {
    throw new ApiError(url, 0, `cannot reach the server (${e.message})`);
  }
  if (!response.ok) {
    let message = response.statusText;
    try {
      const body = await response.json();
      message = body.message || body.error || body.detail || message;
    } catch { /* not JSON */ }
    throw new ApiError(url, response.status, message);
  }
  return response.json();
}

/** Entries of a list or of an object keyed by id, as objects with an `id`. */
function entries(x) {
  if (Array.isArray(x)) return x.map((v) => (typeof v === 'string' ? { id: v } : v));
  if (x && typeof x === 'object') {
    return Object.entries(x).map(([id, v]) => (typeof v === 'object' && v ? { id, ...v } : { id, label: String(v) }));
  }
  return [];
}

/**
 * Read /api/meta and normalise it: `levels`, `indicators`, `categories`, `tiers` become arrays
 * of objects with `id` and `label` (lists and id-keyed objects are both accepted).
 */
export async function loadMeta() {
  let raw;
  try {
    // A published copy's page says so (no request for an /api/meta that is not there).
    raw = publishedPage() ? await fetchJson('meta.json') : await fetchJson('api/meta');
  } catch (e) {
    // No server: a published copy (`needmap publish`) has meta.json with `static: true`.
    let site = null;
    try { site = await fetchJson('meta.json'); } catch { /* not a published copy either */ }
    if (!site || site.static !== true) throw e;
    raw = site;
  }
  useStaticSite(raw);
  const dataset = raw.dataset ?? {};
  const levels = entries(raw.levels ?? raw.area_levels).map((l) => ({ ...l, label: l.label ?? l.name ?? l.id }));
  const indicators = entries(raw.indicators).map((i) => ({ ...i, label: i.label ?? i.id }));
  const tiers = entries(raw.tiers).map((t) => ({ ...t, id: String(t.id), label: t.label ?? `Tier ${t.id}` }));
  const categories = entries(raw.categories).map((c) => ({
    ...c, label: c.label ?? c.id, tier: c.tier === undefined || c.tier === null ? '' : String(c.tier),
  }));
  const sources = entries(raw.sources ?? raw.data_sources);
  const methods = entries(raw.methods ?? raw.access_methods ?? raw.gaps?.methods).map((m) => m.id);
  return {
    raw,
    name: dataset.name ?? raw.name ?? 'needmap',
    levels,
    indicators,
    tiers,
    categories,
    sources,
    methods,
    tierNote: raw.tier_note ?? dataset.tier_note ?? '',
    travelMode: raw.travel_mode ?? raw.travel?.modes?.[0] ?? '',
    gaps: { available: raw.gaps?.available ?? null, note: raw.gaps?.note ?? '' },
    bounds: Array.isArray(raw.bounds) && raw.bounds.length === 4 && raw.bounds.every(Number.isFinite) ? raw.bounds : null,
    attribution: typeof raw.attribution === 'string' ? raw.attribution : '',
    basemapStyle: raw.basemap_style ?? raw.basemap?.style ?? null,
  };
}

const cache = new Map();
const versions = new Map(); // URL -> cache key of the scenario version kept

/** Query string of the non-empty parameters. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** URL of the areas GeoJSON of a level with optional category, tier, method and indicator. */
export function areasUrl(level, params = {}) {
  return `api/areas/${encodeURIComponent(level)}.geojson${query(params)}`;
}

/** URL of the CSV report of a level. */
export function reportUrl(level) {
  return `api/report/${encodeURIComponent(level)}.csv`;
}

/**
 * URL of an export of a level (`geojson`, `csv` or `zip` = Shapefile), with provenance.
 * CSV downloads start with a UTF-8 byte order mark unless `bom` is given: Excel on
 * Windows reads UTF-8 without one as ANSI and garbles names such as "Tong & Holme Wood".
 */
export function exportUrl(level, format, params = {}) {
  const p = format === 'csv' && params.bom === undefined ? { ...params, bom: 'true' } : params;
  return `api/export/${encodeURIComponent(level)}.${format}${query(p)}`;
}

/** URL of the print-ready PDF map of a level; `format: 'png'` is the same page as a preview image. */
export function printUrl(level, params = {}, format = 'pdf') {
  return `api/print/${encodeURIComponent(level)}.${format}${query(params)}`;
}

/**
 * Areas of a level as a GeoJSON FeatureCollection, cached per URL and `version` (the version
 * of the scenario in `params.scenario`: each save changes the answer under the same URL).
 */
export function loadAreas(level, params = {}, version = null) {
  const url = areasUrl(level, params);
  const key = version === null ? url : `${url}#v${version}`;
  if (!cache.has(key)) {
    // Keep one version of a scenario's answer: the older ones will not be asked for again.
    if (version !== null) {
      if (versions.has(url)) cache.delete(versions.get(url));
      versions.set(url, key);
    }
    const p = getJson(url, version !== null).then((fc) => {
      if (!fc || !Array.isArray(fc.features)) throw new ApiError(url, 200, 'not a GeoJSON FeatureCollection');
      return fc;
    });
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return cache.get(key);
}

/** Service points, optionally filtered by category and tier, of a scenario when `params.scenario` is set. */
export function loadServices(params = {}) {
  return getJson(`api/services.geojson${query(params)}`, Boolean(params.scenario));
}

/** The squares of where people live (`/api/grid.geojson`): a FeatureCollection with a `grid` member. */
export function loadGrid(params = {}) {
  return getJson(`api/grid.geojson${query(params)}`, Boolean(params.scenario));
}

/** Search areas, services and postcodes: `{ query, results, more, ambiguous }` (/api/search). */
export function searchPlaces(q, limit = 10) {
  return getJson(`api/search${query({ q, limit })}`);
}
