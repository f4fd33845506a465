// A published copy of the map (`needmap publish`): no server, only files.
//
// `meta.json` (the server's /api/meta with `static: true`) names the site's files: the area
// tables (`data/areas/{level}.geojson`, and `{level}.category-{c}.geojson` with the access and
// gap fields of each published category), the service points and one PMTiles archive per layer.
// api.js asks `fileFor` where an API answer is; the areas are drawn from the PMTiles archives
// (read with the vendored `pmtiles` package over HTTP Range requests) and coloured from the
// tables through feature state, so the tiles carry only `code` and `name`. What needs the server
// (what-if scenarios, search, exports, printed maps, other service filters) is hidden.

/** The sentence the published page shows. */
export const NOTICE = 'This is a published copy: what-if editing needs the needmap server.';

import { defaultNeed } from './need.js';

let site = null; // meta.json of the published copy, or null on the server

/**
 * Whether this page says it is a published copy: `needmap publish` puts
 * `<meta name="needmap-site" content="published">` in its index.html, so the page reads
 * meta.json at once instead of asking for /api/meta first.
 */
export function publishedPage(doc = globalThis.document) {
  return Boolean(doc?.querySelector('meta[name="needmap-site"][content="published"]'));
}

/** Whether the page is a published copy. */
export function isStatic() {
  return site !== null;
}

/** Remember the published copy's `meta.json` (api.js calls this when `/api/meta` is absent). */
export function useStaticSite(meta) {
  site = meta && meta.static === true ? meta : null;
}

/** Area query parameters a published table can answer: none, or one published category (with its default need). */
const STATIC_AREA_PARAMS = new Set(['category', 'indicator']);

/**
 * The site file that holds the answer of API URL `url`, or null when the published copy has
 * none (it needs the server). `filter` is the service filter to apply to the file, if any.
 *
 * ```js
 * fileFor('api/areas/ward.geojson') // => { file: 'data/areas/ward.geojson' }
 * fileFor('api/areas/ward.geojson?category=gp') // => { file: 'data/areas/ward.category-gp.geojson' }
 * fileFor('api/search?q=x') // => null
 * ```
 */
export function fileFor(url, meta = site) {
  if (!meta) return null;
  const u = new URL(url, 'http://site.invalid/');
  const path = u.pathname.replace(/^\/+/, '');
  const params = [...u.searchParams.entries()].filter(([, v]) => v !== '');
  if (path === 'api/meta') return { file: 'meta.json' };
  const areas = /^api\/areas\/([^/]+)\.geojson$/.exec(path);
  if (areas) {
    const id = decodeURIComponent(areas[1]);
    // Levels above the published ones: names only (a profile's "in <place>").
    const names = (meta.published?.names ?? []).find((l) => l.id === id);
    if (names) return params.length === 0 ? { file: names.geojson } : null;
    const level = (meta.levels ?? []).find((l) => l.id === id);
    if (!level || params.some(([k]) => !STATIC_AREA_PARAMS.has(k))) return null;
    const category = params.find(([k]) => k === 'category')?.[1];
    const need = params.find(([k]) => k === 'indicator')?.[1];
    // The published gap fields count people in need by the category's default need only.
    if (need && (!category || need !== defaultNeed(meta, category, level.id))) return null;
    if (!category) return { file: level.geojson };
    const table = (level.categories ?? []).find((c) => c.category === category);
    return table ? { file: table.geojson } : null;
  }
  if (path === 'api/services.geojson' && meta.services?.geojson) {
    if (params.some(([k]) => k !== 'category' && k !== 'tier')) return null;
    const get = (k) => params.find(([x]) => x === k)?.[1] ?? '';
    return { file: meta.services.geojson, filter: { categories: get('category').split(',').filter(Boolean), tier: get('tier') } };
  }
  return null;
}

/** The service points of `fc` that `filter` keeps (category list and tier, as the server's). */
export function filterServices(fc, filter) {
  if (!filter || (filter.categories.length === 0 && !filter.tier)) return fc;
  const keep = (p) => (filter.categories.length === 0 || filter.categories.includes(p?.category))
    && (!filter.tier || String(p?.tier) === filter.tier);
  return { ...fc, features: fc.features.filter((f) => keep(f.properties)) };
}

/** The PMTiles archive of layer `id` as a MapLibre source URL (`pmtiles://` + absolute URL). */
export function tilesUrl(id, meta = site, base = globalThis.location?.href) {
  const level = (meta?.levels ?? []).find((l) => l.id === id);
  const file = level?.pmtiles ?? `tiles/${id}.pmtiles`;
  return `pmtiles://${new URL(file, base).href}`;
}

let protocolReady = null;

/**
 * Load the vendored PMTiles reader (`vendor/pmtiles.js`, a browser build defining
 * `window.pmtiles`) and register its `pmtiles://` protocol with MapLibre's `addProtocol`.
 */
export function registerPmtiles(addProtocol) {
  if (!protocolReady) {
    protocolReady = new Promise((resolve, reject) => {
      if (globalThis.pmtiles) { resolve(globalThis.pmtiles); return; }
      const script = document.createElement('script');
      script.src = new URL('../vendor/pmtiles.js', import.meta.url).href;
      script.onload = () => (globalThis.pmtiles ? resolve(globalThis.pmtiles) : reject(new Error('vendor/pmtiles.js did not define pmtiles')));
      script.onerror = () => reject(new Error('cannot load vendor/pmtiles.js (run `make web-vendor` before `needmap publish`)'));
      document.head.append(script);
    }).then((pm) => {
      const protocol = new pm.Protocol();
      addProtocol('pmtiles', protocol.tile);
      return protocol;
    });
  }
  return protocolReady;
}

/**
 * Hide what needs the server and show the notice: the scenario panel and the Change view,
 * search, the tile-drawing switch, downloads and printing, the access options other than the
 * published default, and Need over time (its tables are not published).
 */
export function applyStaticPage(doc = document) {
  const hide = (el) => { if (el) el.hidden = true; };
  // For what CSS shows whatever its `hidden` attribute (the vintage selects of Need over time).
  doc.body?.classList.add('static-site');
  for (const id of ['scenario-panel', 'scenario-summary']) hide(doc.getElementById(id));
  for (const h of ['h-search', 'h-drawing', 'h-download', 'h-partners']) hide(doc.getElementById(h)?.closest('section'));
  for (const v of ['change', 'trend']) hide(doc.querySelector(`input[name=view][value=${v}]`)?.closest('label'));
  for (const id of ['method', 'travel', 'catchment', 'squares']) {
    const select = doc.getElementById(id);
    hide(select);
    hide(doc.querySelector(`label[for=${id}]`));
  }
  if (!doc.getElementById('static-notice')) {
    const p = doc.createElement('p');
    p.id = 'static-notice';
    p.className = 'static-notice';
    p.setAttribute('role', 'note');
    const cats = site?.published?.categories ?? [];
    p.textContent = `${NOTICE}${cats.length ? ' Gap maps are published for the categories offered.' : ''}`;
    const panel = doc.getElementById('dataset-name');
    panel?.after(p);
  }
}

/** Categories with a published gap table (the others show provision only). */
export function publishedCategories(meta = site) {
  return meta?.published?.categories ?? [];
}
