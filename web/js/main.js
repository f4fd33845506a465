// needmap front end: the gap map application (controls, map, legend, popups, URL state).
import { Map as MapLibreMap, Popup, NavigationControl, ScaleControl, AttributionControl, addProtocol } from '../vendor/maplibre-gl.mjs';
import { loadMeta, loadAreas, loadServices, loadGrid, exportUrl, printUrl } from './api.js';
import { classify } from './classify.js';
import { PALETTES, colours as paletteColours, DECILE_COLOURS } from './palettes.js';
import { parseHash, formatHash } from './state.js';
import { bbox, labelPoint } from './geometry.js';
import { catalogue, findItem, orientation, notOffered, formatValue } from './indicators.js';
import { hasGapFields, bivariateClasses, rankGaps, accessField } from './gaps.js';
import { symbolTable, addSymbolImages, symbolLegend } from './services.js';
import { LabelLayer } from './labels.js';
import { classLegend, decileLegend, bivariateLegend, el } from './legend.js';
import { offlineStyle, addLayers, serviceIconSize, useTileSource, classExpression, decileExpression, bivariateExpression, ATTRIBUTION_OS, ATTRIBUTION_OSM } from './layers.js';
import { areaProfileHtml, serviceHtml, servicesHereHtml, escapeHtml } from './popup.js';
import { mapTitle } from './title.js';
import { offeredCategories, offeredTiers } from './offered.js';
import { plainError, plainNote } from './errors.js';
import { modeWord } from './format.js';
import { SearchBox } from './search.js';
import { areaName } from './names.js';
import { defaultNeed } from './need.js';
import { accessSentence } from './access_words.js';
import { ScenarioPanel } from './scenario/panel.js';
import { renderChange } from './scenario/change_view.js';
import { stateExpression, changedStates, sameShapes } from './feature_state.js';
import { startLayout } from './layout.js';
import { MapBatch } from './map_batch.js';
import { isStatic, registerPmtiles, applyStaticPage, tilesUrl } from './static_site.js';
import { squaresOffered, squaresQuery, classifySquares, squaresNote, rankSquares, squareHtml, sizeWords, addSquaresLayers, showSquares, hideSquares } from './squares.js';
import { firstSeries, changeParams, setupTrendControls, syncTrendControls, renderTrend, clearTrend, sparklineSection, trendTitle } from './trend.js';

const $ = (id) => document.getElementById(id);

const app = {
  meta: null,
  map: null,
  state: parseHash(window.location.hash),
  areas: null, // FeatureCollection of the current level
  groups: [], // indicator catalogue of the current level
  byCode: new Map(), // code -> feature of the current level
  names: new Map(), // code -> { name, level } of every level loaded
  symbols: {},
  popup: null,
  labels: null,
  loading: new Set(),
  levelRequests: 0, // sequence numbers: only the latest answer is drawn
  serviceRequests: 0,
  batch: new MapBatch(), // map changes of one scenario edit, applied together
};
window.needmap = app; // test and console hook (see tests/browser)

// ------------------------------------------------------------------ messages

function showMessage(text) {
  const box = $('message');
  box.textContent = text;
  box.hidden = !text;
}

function track(promise) {
  app.loading.add(promise);
  promise.finally(() => app.loading.delete(promise)).catch(() => {});
  return promise;
}

/**
 * Resolves when every pending request has finished and the map has rendered the result: after
 * MapLibre's `idle` event, and only once the map still reports every source and tile loaded a
 * moment later (a GeoJSON update in the worker or a TileJSON followed by its tiles can fall
 * between two idle events).
 */
app.settled = async function settled() {
  for (let round = 0; round < 50; round++) {
    while (app.loading.size > 0) await Promise.allSettled([...app.loading]);
    if (!app.map) return;
    await new Promise((resolve) => {
      app.map.once('idle', resolve);
      app.map.triggerRepaint();
    });
    await new Promise((resolve) => { setTimeout(resolve, 100); });
    const map = app.map;
    if (app.loading.size === 0 && map.loaded() && map.areTilesLoaded() && !map.isMoving()) break;
  }
  if (hashTimer !== null) writeHashNow();
};

// ------------------------------------------------------------------ helpers

function levelOf(id) { return app.meta.levels.find((l) => l.id === id); }
function levelLabel(id) { return levelOf(id)?.label ?? id; }
function shortLevelLabel(id) { return levelLabel(id).replace(/\s*\(.*\)$/, ''); }
/** The level as a word in a sentence: 'ward', 'LSOA' (acronyms keep their capitals). */
function levelWord(id) {
  const short = shortLevelLabel(id);
  return /^[A-Z0-9]+$/.test(short) ? short : short.toLowerCase();
}
function plural(id) {
  const s = levelWord(id); // 'LSOAs', not 'lsoas'
  return /[^aeiou]y$/.test(s) ? `${s.slice(0, -1)}ies` : `${s}s`;
}
function parentLevel(id) {
  const l = levelOf(id);
  if (l?.parent) return l.parent;
  const i = app.meta.levels.findIndex((x) => x.id === id);
  return i > 0 ? app.meta.levels[i - 1].id : null;
}
/** The travel mode in words ('walk', 'drive' or ''), from /api/meta. */
function travelMode() {
  const m = app.meta;
  return modeWord(m.travelMode) || (/driv/i.test(m.raw?.gaps?.travel_note ?? '') ? 'drive' : '');
}
function categoryLabel(id) { return app.meta.categories.find((c) => c.id === id)?.label ?? id; }
function tierLabel(id) { return app.meta.tiers.find((t) => t.id === String(id))?.label ?? (id ? `Tier ${id}` : ''); }

/**
 * Query of the areas request: the service filter (for provision of the selection and, when
 * the server computes them, access and gap fields) and, in the gap view, the need indicator.
 */
function areaParams() {
  const s = app.state;
  // Need over time: the change columns of the vintages chosen (trend.js).
  const change = s.view === 'trend' ? changeParams(firstSeries(app.meta.raw), s.trendFrom, s.trendTo) : {};
  if (!s.category && !s.tier) return change;
  const params = { ...change, category: s.category, tier: s.tier, method: s.method, travel: s.travel, catchment: s.catchment };
  const ind = app.meta.indicators.find((i) => i.id === s.indicator);
  // Only a need the server can count people in (meta `gap_need`) at this level (`levels`).
  const usable = ind && ind.gap_need === true && (!Array.isArray(ind.levels) || ind.levels.includes(s.level));
  if ((s.view === 'gaps' || s.view === 'change') && usable) params.indicator = s.indicator;
  return params;
}

/** The open scenario's query (`scenario=ID`) and version, or none for the baseline. */
function scenarioQuery() {
  const doc = app.scenarioPanel?.scenario;
  return doc ? { params: { scenario: doc.id }, version: doc.version } : { params: {}, version: null };
}

/**
 * The areas of a level with every field: the unfiltered response (all indicators) with the
 * fields of the filtered one (selection, access, gaps) laid over it, matched by code.
 *
 * In a scenario only the services change, never the boundaries or the indicators, so the
 * baseline's unfiltered answer (held already) is the base and the scenario's filtered answer is
 * asked for without geometry and with only the fields that depend on the services
 * (`geometry=false&fields=services`, half the bytes): every column a scenario changes
 * (tests/it/serve_scenarios.rs checks that contract). With no filter, the scenario's unfiltered
 * attributes go over the baseline's boundaries.
 */
async function loadMergedAreas(level, params) {
  const scen = scenarioQuery();
  const filtered = Object.keys(params).length > 0;
  const inScenario = scen.version !== null;
  const attrs = inScenario ? { ...scen.params, geometry: 'false', fields: 'services' } : {};
  // Both requests at once: after a scenario edit both answers are new.
  const basePromise = loadAreas(level);
  const overPromise = filtered ? loadAreas(level, { ...params, ...attrs }, scen.version)
    : inScenario ? loadAreas(level, attrs, scen.version) : null;
  overPromise?.catch(() => {});
  const base = await basePromise;
  if (!overPromise) return base;
  let over;
  try {
    over = await overPromise;
  } catch (e) {
    // In a scenario the base is the baseline's: without the answer the map would show it.
    if (!filtered || inScenario) throw e;
    // The filter's fields are missing, the rest of the map still works.
    showMessage(`${plainError(e, `the ${plural(level)} for this service filter`)} The map shows them without the filter.`);
    console.warn(e);
    return base;
  }
  const byCode = new Map(over.features.map((f) => [f.properties?.code, f.properties]));
  return {
    ...base,
    access: over.selection?.access ?? null,
    features: base.features.map((f) => ({ ...f, properties: { ...f.properties, ...(byCode.get(f.properties?.code) ?? {}) } })),
  };
}

function rememberNames(level, fc) {
  for (const f of fc.features) {
    const p = f.properties || {};
    if (p.code) app.names.set(p.code, { name: p.name ?? p.code, level });
  }
}

// ------------------------------------------------------------------ URL state

let hashTimer = null;

/** Write the state (with the map's centre and zoom) to the URL hash now. */
function writeHashNow() {
  clearTimeout(hashTimer);
  hashTimer = null;
  const s = { ...app.state };
  if (app.map) {
    const c = app.map.getCenter();
    s.center = [c.lng, c.lat];
    s.zoom = app.map.getZoom();
  }
  const h = formatHash(s);
  if (h !== window.location.hash) history.replaceState(null, '', h);
}

/** Write the hash soon (map moves come in bursts). */
function writeHash() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(writeHashNow, 150);
}

// ------------------------------------------------------------------ controls

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map((o) => {
    const opt = document.createElement('option');
    opt.value = o.value;
    opt.textContent = o.label;
    if (o.disabled) opt.disabled = true;
    return opt;
  }));
  select.value = value;
}

function buildStaticControls() {
  const m = app.meta;
  $('dataset-name').textContent = m.name;
  fillSelect($('level'), m.levels.map((l) => ({ value: l.id, label: l.label })), app.state.level);
  fillSelect($('palette'), Object.entries(PALETTES).map(([value, label]) => ({ value, label })), app.state.palette);
  // Only categories and tiers with services to show are offered.
  const offered = offeredCategories(m.categories);
  const offeredTierList = offeredTiers(m.tiers, m.categories);
  const cats = $('category');
  cats.append(...offered.map((c) => new Option(c.label, c.id)));
  const tiers = $('tier');
  tiers.append(...offeredTierList.map((t) => new Option(t.label, t.id)));
  if (app.state.category && !offered.some((c) => c.id === app.state.category)) app.state.category = '';
  if (app.state.tier && !offeredTierList.some((t) => t.id === app.state.tier)) app.state.tier = '';
  if (m.methods.length > 0) {
    const names = { nearest: 'Nearest service', '2sfca': '2SFCA', e2sfca: 'E2SFCA (Gaussian decay)' };
    fillSelect($('method'), [{ value: '', label: 'Server default' }, ...m.methods.map((x) => ({ value: x, label: names[x] ?? x }))], app.state.method);
  }
  $('tier-note').textContent = plainNote(m.tierNote);
  $('services-legend').replaceChildren(symbolLegend(offered, offeredTierList, app.symbols));
  const sources = $('sources');
  const seen = new Set();
  for (const s of m.sources) {
    const li = document.createElement('li');
    const text = [s.title, s.vintage && `(${s.vintage})`, s.licence && `licence: ${s.licence}`].filter(Boolean).join(' ');
    if (s.url && /^https?:\/\//.test(s.url)) {
      const a = document.createElement('a');
      a.href = s.url;
      a.textContent = text || s.url;
      a.rel = 'noopener';
      li.append(a);
    } else {
      li.textContent = text;
    }
    if (s.attribution && !seen.has(s.attribution)) {
      seen.add(s.attribution);
      li.append(document.createElement('br'), document.createTextNode(s.attribution));
    }
    sources.append(li);
  }
  syncControls();

  $('level').addEventListener('change', (e) => setState({ level: e.target.value }));
  $('indicator').addEventListener('change', (e) => setState({ indicator: e.target.value }));
  $('classification').addEventListener('change', (e) => setState({ classification: e.target.value }));
  $('classes').addEventListener('change', (e) => setState({ classes: Number(e.target.value) }));
  $('palette').addEventListener('change', (e) => setState({ palette: e.target.value }));
  $('category').addEventListener('change', (e) => setState({ category: e.target.value }));
  $('tier').addEventListener('change', (e) => setState({ tier: e.target.value }));
  $('method').addEventListener('change', (e) => setState({ method: e.target.value }));
  $('dl-extent').addEventListener('change', () => updateDownloads());
  $('print-preview').addEventListener('click', () => {
    const fig = $('print-figure');
    fig.hidden = !fig.hidden;
    $('print-preview').setAttribute('aria-expanded', String(!fig.hidden));
    $('print-preview').textContent = fig.hidden ? 'Preview the A4 print' : 'Hide the preview';
    if (!fig.hidden) showPreview();
  });
  $('travel').addEventListener('change', (e) => setState({ travel: e.target.value }));
  $('catchment').addEventListener('change', (e) => setState({ catchment: e.target.value }));
  $('squares').addEventListener('change', (e) => setState({ squares: e.target.value }));
  $('show-services').addEventListener('change', (e) => setState({ services: e.target.checked }));
  $('use-tiles').addEventListener('change', (e) => setState({ tiles: e.target.checked }));
  for (const r of document.querySelectorAll('input[name=view]')) {
    r.addEventListener('change', (e) => { if (e.target.checked) setState({ view: e.target.value }); });
  }
  setupTrendControls({ raw: m.raw, state: app.state, onChange: (patch) => setState(patch), $ });
  app.search = new SearchBox({
    box: $('search'), go: $('search-go'), status: $('search-status'), choices: $('search-choices'),
    levelLabel: shortLevelLabel, onResult: (r) => track(goToResult(r)),
  });
  // A name picked from the suggestions is searched at once.
  $('search').addEventListener('input', (e) => { if (e.inputType === 'insertReplacementText' || !e.inputType) app.search.run(); });
}

function syncControls() {
  const s = app.state;
  $('level').value = s.level;
  $('classification').value = s.classification;
  $('classes').value = String(s.classes);
  $('palette').value = s.palette;
  $('category').value = s.category;
  $('tier').value = s.tier;
  $('method').value = s.method;
  $('travel').value = s.travel;
  // A catchment from a link that the list lacks is added to it, so the control shows it.
  if (s.catchment && ![...$('catchment').options].some((o) => o.value === s.catchment)) $('catchment').append(new Option(s.catchment, s.catchment));
  $('catchment').value = s.catchment;
  const squares = squaresOffered(app.meta.raw, isStatic());
  $('squares').hidden = !squares;
  $('squares').previousElementSibling.hidden = !squares;
  $('squares').value = s.squares;
  $('show-services').checked = s.services;
  $('use-tiles').checked = s.tiles;
  for (const r of document.querySelectorAll('input[name=view]')) r.checked = r.value === s.view;
  syncTrendControls({ raw: app.meta.raw, state: s, $ });
  $('choropleth-controls').hidden = false;
  document.querySelector('label[for=indicator]').textContent = s.view === 'gaps' || s.view === 'change' ? 'Need indicator (gap map)' : 'Indicator';
  const fixed = s.view === 'gaps' || s.view === 'change' || (app.groups.length > 0 && findItem(app.groups, s.indicator)?.kind === 'decile');
  for (const id of ['classification', 'classes', 'palette']) $(id).disabled = fixed;
  updateDownloads();
}

/** The committee level (Area Committees are constituencies), when the dataset has one. */
function committeeLevel() {
  return app.meta.levels.some((l) => l.id === 'constituency') ? 'constituency' : null;
}

/** A file-name part: "Bradford East" -> "bradford-east". */
function slug(text) {
  return String(text).toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'area';
}

/**
 * The download and print links for the view: the whole district, this view (the map's bounds)
 * or one Area Committee; the map's selection and the open scenario.
 */
function updateDownloads() {
  const s = app.state;
  const { indicator, ...filter } = areaParams(); // downloads keep every indicator column
  const scen = scenarioQuery().params; // and show the open scenario
  const choice = $('dl-extent').value;
  let extent = {};
  let part = '';
  let what = 'the whole district';
  if (choice === 'view' && app.map) {
    const b = app.map.getBounds();
    const r = (x) => x.toFixed(5);
    extent = { bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(r).join(',') };
    part = '-view';
    what = 'the areas in view';
  } else if (choice.startsWith('area:')) {
    const code = choice.slice(5);
    const name = app.names.get(code)?.name ?? code;
    extent = { area: code, committee_level: committeeLevel() };
    part = `-${slug(name)}`;
    what = `the ${name} Area Committee`;
  }
  const q = { ...filter, ...scen, ...extent };
  const label = levelLabel(s.level);
  const base = `${s.level}${part}`;
  const links = [
    ['dl-geojson', exportUrl(s.level, 'geojson', q), `${base}.geojson`, `Download ${label} areas of ${what} as GeoJSON`],
    ['dl-csv', exportUrl(s.level, 'csv', q), `${base}.csv`, `Download the ${label} table of ${what} as CSV`],
    ['dl-shp', exportUrl(s.level, 'zip', q), `${base}-shapefile.zip`, `Download ${label} areas of ${what} as a zipped Shapefile (WGS84)`],
    ['dl-shp-bng', exportUrl(s.level, 'zip', { ...q, crs: 'bng' }), `${base}-shapefile-bng.zip`, `Download ${label} areas of ${what} as a zipped Shapefile in British National Grid (EPSG:27700)`],
    ['dl-services', exportUrl(s.level, 'geojson', { layer: 'services', category: s.category, tier: s.tier, ...scen, ...extent }), `services${part}.geojson`, `Download the service points of ${what} as GeoJSON`],
  ];
  // The printed map shows the current view: the gap map, or the chosen indicator, framed on
  // the chosen Area Committee (a view is printed as the whole district).
  const ind = app.meta.indicators.find((i) => i.id === s.indicator);
  const theme = s.view === 'trend' ? { ...changeParams(firstSeries(app.meta.raw), s.trendFrom, s.trendTo), ...scen, ...(extent.area ? extent : {}) } : {
    ...((s.view === 'gaps' || s.view === 'change') && s.category
      ? { gap: 'true', category: s.category, method: s.method, travel: s.travel, catchment: s.catchment }
      : (ind && ind.kind !== 'rank' && ind.kind !== 'decile' ? { indicator: s.indicator } : {})),
    ...scen,
    ...(extent.area ? extent : {}),
  };
  const printed = extent.area ? `${s.level}${part}` : s.level;
  links.push(['print-a4', printUrl(s.level, { ...theme, paper: 'a4' }), `${printed}-a4.pdf`, `Print the ${label} map${extent.area ? ` of ${what}` : ''} on A4 (PDF)`]);
  links.push(['print-a3', printUrl(s.level, { ...theme, paper: 'a3', landscape: 'true' }), `${printed}-a3.pdf`, `Print the ${label} map${extent.area ? ` of ${what}` : ''} on A3 landscape (PDF)`]);
  app.preview = { url: printUrl(s.level, { ...theme, paper: 'a4' }, 'png'), what: `the ${label} map${extent.area ? ` of ${what}` : ''}` };
  if (!$('print-figure').hidden) showPreview();
  for (const [id, href, file, aria] of links) {
    $(id).href = href;
    $(id).setAttribute('download', file);
    $(id).setAttribute('aria-label', aria);
  }
  $('dl-note').textContent = `Downloads hold ${what}${choice === 'view' ? ' (prints show the whole district or a committee)' : ''}. Exports carry provenance; counts of fewer than 10 people are suppressed. GeoJSON is in WGS84 (RFC 7946); choose the British National Grid Shapefile for EPSG:27700.`;
}

/** Show (or refresh) the preview image of the A4 print of what the downloads hold now. */
function showPreview() {
  const p = app.preview;
  if (!p) return;
  const img = $('print-img');
  const caption = $('print-caption');
  if (img.getAttribute('src') === p.url) return;
  caption.textContent = 'Drawing the preview…';
  img.alt = `Preview of the A4 print of ${p.what}`;
  img.onload = () => { caption.textContent = `A4 print of ${p.what}, as it will print. Select the image to open it full size; "Print A4 (PDF)" downloads it.`; };
  img.onerror = () => { caption.textContent = 'The preview could not be drawn; the PDF may still download.'; };
  img.src = p.url;
  $('print-open').href = p.url;
}

function buildIndicatorSelect() {
  const select = $('indicator');
  const groups = app.groups.map((g) => {
    const og = document.createElement('optgroup');
    og.label = g.group;
    for (const i of g.items) {
      const opt = new Option(i.available ? i.label : `${i.label} (${i.note ?? 'not at this level'})`, i.id);
      opt.disabled = !i.available;
      og.append(opt);
    }
    return og;
  });
  select.replaceChildren(...groups);
  let item = findItem(app.groups, app.state.indicator);
  if (!item || !item.available) {
    // Fall back to the first available field of the same family, else the first available.
    const all = app.groups.flatMap((g) => g.items).filter((i) => i.available);
    item = all.find((i) => i.id === `${app.state.indicator}1_pop_share`) ?? all[0] ?? null;
    if (item) app.state.indicator = item.id;
  }
  select.value = app.state.indicator;
  syncControls();
}

// ------------------------------------------------------------------ state changes

const RELOAD_KEYS = ['level', 'category', 'tier', 'method', 'travel', 'catchment'];
// `scenario` is not among them: the scenario is read first (ScenarioPanel.open), then the map reloads.

function areaParamsOf(state) {
  const saved = app.state;
  app.state = state;
  try { return areaParams(); } finally { app.state = saved; }
}

function setState(patch) {
  const before = { ...app.state };
  Object.assign(app.state, patch);
  // Entering the gap map, or another category in it, starts from the server's need for it.
  const gapChoice = app.state.view === 'gaps' && (before.view !== 'gaps' || before.category !== app.state.category);
  if (gapChoice && patch.indicator === undefined) {
    const need = defaultNeed(app.meta.raw, app.state.category, app.state.level);
    if (need) app.state.indicator = need;
  }
  const s = app.state;
  syncControls();
  writeHashNow();
  let loading = null;
  if (RELOAD_KEYS.some((k) => before[k] !== s[k]) || JSON.stringify(areaParamsOf(before)) !== JSON.stringify(areaParams())) {
    loading = track(loadLevel());
  } else {
    restyle();
  }
  if (before.category !== s.category || before.tier !== s.tier || before.services !== s.services) {
    track(refreshServices());
  }
  if (app.scenarioPanel) {
    if (before.scenario !== s.scenario) track(app.scenarioPanel.open(s.scenario));
    if (before.category !== s.category) app.scenarioPanel.syncCategory();
  }
  return loading; // the new level's areas, when they are loading
}

/** Whether the URL hash gives parameter `key` itself. */
function hashNames(key) {
  return new URLSearchParams(window.location.hash.replace(/^#/, '')).has(key);
}

window.addEventListener('hashchange', () => {
  const next = parseHash(window.location.hash);
  const { center, zoom, ...rest } = next;
  // A link that names no indicator leaves the gap map's need to the server's default.
  if (!hashNames('indicator')) delete rest.indicator;
  setState(rest);
  if (center && Number.isFinite(zoom)) app.map.jumpTo({ center, zoom });
});

// ------------------------------------------------------------------ data

async function loadLevel() {
  const level = app.state.level;
  const params = areaParams();
  const seq = ++app.levelRequests;
  showMessage('');
  let fc;
  try {
    fc = await loadMergedAreas(level, params);
  } catch (e) {
    if (seq === app.levelRequests) showMessage(plainError(e, `the ${plural(level)}`));
    console.warn(e);
    return;
  }
  if (seq !== app.levelRequests) return; // a newer choice won
  if (app.areas && app.areas !== fc && app.areas.level !== level) {
    // Another level: the open profile and the selection belonged to the old one.
    if (app.popup) app.popup.remove();
    app.map.getSource('selection').setData({ type: 'FeatureCollection', features: [] });
  }
  fc.level = level;
  rememberNames(level, fc);
  app.areas = fc;
  app.byCode = new Map(fc.features.map((f) => [f.properties?.code, f]));
  app.groups = catalogue(app.meta, fc.features, level);
  buildIndicatorSelect();
  if (fc.features.every((f) => !f.geometry)) {
    showMessage(`The server sent no boundaries for ${levelLabel(level)}: choose another level.`);
  }
  restyle();
  writeHash();
}

async function refreshServices() {
  const s = app.state;
  if (!s.services) {
    app.serviceRequests++; // a pending load must not show them again
    // Only when shown: a layout change costs a frame, and a scenario edit calls this each time.
    if (app.map.getLayoutProperty('services', 'visibility') !== 'none') app.map.setLayoutProperty('services', 'visibility', 'none');
    $('services-status').textContent = 'Service points are off: tick “Show service points” to see them.';
    return;
  }
  const seq = ++app.serviceRequests;
  try {
    const fc = await loadServices({ category: s.category, tier: s.tier, ...scenarioQuery().params });
    if (seq !== app.serviceRequests) return; // a newer filter won
    // After a scenario edit the points change with the areas and markers, in one frame (MapBatch).
    app.batch.run('services', () => {
      if (seq !== app.serviceRequests) return;
      app.map.getSource('services').setData(fc);
      // A filtered, sparse set of points gets larger symbols so it stays visible at district zoom.
      const scale = fc.features.length < 150 ? 1.5 : fc.features.length < 400 ? 1.2 : 1;
      app.map.setLayoutProperty('services', 'icon-size', serviceIconSize(scale));
      app.map.setLayoutProperty('services', 'visibility', 'visible');
      const what = [s.category && categoryLabel(s.category), s.tier && tierLabel(s.tier)].filter(Boolean).join(', ');
      $('services-status').textContent = `${fc.features.length.toLocaleString('en-GB')} service points${what ? ` (${what})` : ''}.`;
    });
  } catch (e) {
    $('services-status').textContent = plainError(e, 'the service points');
    console.warn(e);
  }
}

async function loadBasemap() {
  const levelIds = app.meta.levels.map((l) => l.id);
  const want = [['constituency', 'base-constituencies'], ['ward', 'base-wards']].filter(([l]) => levelIds.includes(l));
  const loaded = {};
  await Promise.all(want.map(async ([level, source]) => {
    try {
      const fc = await loadAreas(level);
      rememberNames(level, fc);
      loaded[level] = fc;
      app.map.getSource(source).setData(fc);
    } catch (e) {
      console.warn(`basemap: ${e.message}`);
    }
  }));
  // Area Committees for the downloads and prints.
  const committees = committeeLevel() && loaded[committeeLevel()];
  if (committees) {
    const sorted = [...committees.features].map((f) => f.properties).sort((a, b) => String(a.name).localeCompare(String(b.name)));
    $('dl-extent').append(...sorted.map((p) => new Option(`Area Committee: ${p.name}`, `area:${p.code}`)));
  }
  const outer = loaded.constituency ?? loaded.ward;
  if (outer) {
    if (!loaded.constituency) app.map.getSource('base-constituencies').setData(outer);
    app.districtBounds = app.meta.bounds ?? bbox(outer);
  }
  const labels = [];
  for (const [level, fc] of Object.entries(loaded)) {
    const major = level === 'constituency';
    for (const f of fc.features) {
      const p = labelPoint(f.geometry);
      if (!p) continue;
      labels.push({
        text: f.properties.name ?? f.properties.code,
        lngLat: p,
        major,
        priority: major ? 2 : 1,
        minZoom: major ? 0 : 10.2,
        maxZoom: major ? 11.2 : 99,
      });
    }
  }
  app.labels.set(labels);
  // Suggestions while typing: the names of the basemap levels (the search itself asks the server).
  const names = [...Object.entries(loaded)].flatMap(([level, fc]) => fc.features.map((f) => ({ level, name: f.properties.name })));
  const seen = new Set();
  $('search-names').replaceChildren(...names.filter((n) => n.name && !seen.has(n.name) && seen.add(n.name))
    .sort((a, b) => a.name.localeCompare(b.name)).map((n) => new Option(shortLevelLabel(n.level), n.name)));
  return loaded;
}

// ------------------------------------------------------------------ styling

function currentItem() { return findItem(app.groups, app.state.indicator); }

/** Give the areas source new data only when it changed (re-tiling a large level is slow). */
function setAreaData(fc) {
  if (app.drawnAreas === fc) return;
  // The same boundaries with new attributes (a scenario edit): the tiles stay, the colours
  // come from feature state (feature_state.js).
  const retile = !sameShapes(app.drawnAreas, fc);
  app.drawnAreas = fc;
  if (retile) {
    app.painted = null; // new features: every state is sent again
    app.map.getSource('areas').setData(fc);
  }
}

/** The fill layer the areas are drawn with: vector tiles (indicator view, when chosen) or GeoJSON. */
app.areaLayer = function areaLayer() {
  // A published copy draws the indicator view from its PMTiles archives (static_site.js).
  return (app.state.tiles || isStatic()) && app.state.view === 'choropleth' ? 'areas-tiles-fill' : 'areas-fill';
};

/** Colour the areas with `expression` on the active layer; hide the other one. */
function paintAreas(expression) {
  const map = app.map;
  const tiles = app.areaLayer() === 'areas-tiles-fill';
  if (tiles && app.tileLevel !== app.state.level) {
    useTileSource(map, app.state.level, expression, isStatic() ? tilesUrl(app.state.level) : undefined);
    app.tileLevel = app.state.level;
    app.tileStates = null;
  }
  if (tiles) {
    // The tiles carry code and name only (`fields=code,name`; a published copy's too): the
    // colours' fields come from the area table as feature state, so another indicator re-tiles nothing.
    const { expression: fill, fields } = stateExpression(expression);
    const key = `${app.state.level}\u0000${fields.join('\u0000')}`;
    if (app.tileStates?.key !== key || app.tileStates.areas !== app.areas) {
      const source = `tiles-${app.state.level}`;
      if (app.tileStates?.key !== key) app.tileStates = { key, states: new Map() };
      for (const [id, state] of changedStates(app.areas.features, fields, app.tileStates.states)) map.setFeatureState({ source, sourceLayer: app.state.level, id }, state);
      app.tileStates.areas = app.areas;
    }
    map.setPaintProperty('areas-tiles-fill', 'fill-color', fill);
  } else {
    const { expression: fill, fields } = stateExpression(expression);
    const key = fields.join('\u0000');
    // Only the states that changed are sent (after a scenario edit, the areas near the edit).
    if (app.drawnAreas && (app.painted?.areas !== app.drawnAreas || app.painted.key !== key)) {
      if (app.painted?.key !== key) app.painted = { key, states: new Map() };
      for (const [id, state] of changedStates(app.drawnAreas.features, fields, app.painted.states)) map.setFeatureState({ source: 'areas', id }, state);
      app.painted.areas = app.drawnAreas;
    }
    map.setPaintProperty('areas-fill', 'fill-color', fill);
  }
  map.setLayoutProperty('areas-tiles-fill', 'visibility', tiles ? 'visible' : 'none');
  map.setLayoutProperty('areas-fill', 'visibility', tiles ? 'none' : 'visible');
}

/** The access sentence beside the gap controls (and in the gap legend): how access is measured. */
function updateAccessWords() {
  const s = app.state;
  const what = s.category ? categoryLabel(s.category) : s.tier ? tierLabel(s.tier) : '';
  const words = (s.view === 'gaps' || s.view === 'change') && what ? accessSentence(app.areas?.access, what) : '';
  $('access-words').textContent = words;
  $('access-words').hidden = !words;
}

/** The map title: what is mapped, its unit and the level. */
function updateTitle() {
  const s = app.state;
  const item = currentItem();
  const text = mapTitle({
    view: s.view,
    indicatorLabel: item?.label ?? '',
    unit: item?.unit ?? '',
    categoryLabel: s.category ? categoryLabel(s.category) : s.tier ? tierLabel(s.tier) : '',
    method: s.method || app.meta.raw?.gaps?.default_method || '',
    level: levelWord(s.level),
    scenarioName: app.scenarioPanel?.scenario?.name ?? '',
    trendTitle: s.view === 'trend' ? trendTitle(app.meta.raw, s) : '',
  });
  $('map-title').textContent = text ?? '';
  $('map-title').hidden = !text;
  document.title = text ? `${text} · needmap` : 'needmap: need and provision map';
}

function restyle() {
  if (!app.map || !app.areas) return;
  const s = app.state;
  if (!squaresActive()) hideSquares(app.map);
  updateTitle();
  updateAccessWords();
  const features = app.areas.features;
  let data = app.areas;
  if (app.scenarioPanel) track(app.scenarioPanel.updateSummary($('scenario-summary')));
  if (s.view === 'gaps') {
    renderGaps(features);
    return;
  }
  if (s.view === 'change') {
    track(renderChangeView(features));
    return;
  }
  if (s.view === 'trend') {
    renderTrend(features, {
      map: app.map, raw: app.meta.raw, state: s, areas: app.areas, plural: plural(s.level), el,
      categoryLabel: categoryLabel(s.category) || tierLabel(s.tier), setAreaData, paintAreas,
      legend: $('legend'), list: $('gaps'), areaName, onPick: (f) => zoomToArea(f, true),
    });
    return;
  }
  clearTrend(app.map);
  $('gaps').replaceChildren(el('p', { class: 'note' }, 'Switch the view to “Gap map” and choose a service category to see where high need meets low access.'));
  setAreaData(data);
  const item = currentItem();
  if (!item) {
    paintAreas('#d9d9d9');
    $('legend').replaceChildren(el('p', {}, 'No indicator has values at this level.'));
    return;
  }
  const values = features.map((f) => f.properties?.[item.id]);
  const noData = values.filter((v) => typeof v !== 'number' || !Number.isFinite(v)).length;
  if (item.kind === 'decile') {
    paintAreas(decileExpression(item.id));
    const counts = new Array(10).fill(0);
    for (const v of values) if (typeof v === 'number' && v >= 0.5 && v < 10.5) counts[Math.round(v) - 1]++;
    $('legend').replaceChildren(decileLegend({ title: item.label, colours: DECILE_COLOURS, counts, noData }));
    return;
  }
  const classes = classify(values, s.classification, s.classes);
  let cols = paletteColours(s.palette, classes.breaks.length);
  const o = orientation(item.direction);
  if (o === 'better') cols = cols.slice().reverse();
  paintAreas(classExpression(item.id, classes, cols));
  const how = { quantile: 'quantiles', jenks: 'natural breaks (Jenks)', equal: 'equal intervals' }[classes.method];
  const sense = o === 'worse' ? 'Darker = higher = more need.' : o === 'better' ? 'Darker = lower = more need.' : 'Darker = higher.';
  $('legend').replaceChildren(classLegend({
    title: item.label,
    subtitle: `${features.length.toLocaleString('en-GB')} ${plural(s.level)}, ${how}. ${sense}${item.unit && item.unit !== 'share' ? ` Unit: ${unitWords(item.unit)}.` : ''}`,
    classes, colours: cols, unit: item.unit, noData,
  }), ...notOfferedNotes());
}

/** A unit in words for the legend: metres, minutes with the travel mode. */
function unitWords(unit) {
  if (unit === 'm') return 'metres';
  if (unit === 'minutes' && travelMode()) return `minutes (${travelMode()})`;
  if (unit === 'services per person') return 'services per person in reach';
  return unit;
}

/** Legend lines for the greyed indicators: "Published for constituencies: ..." (issue 9, section 2). */
function notOfferedNotes() {
  return notOffered(app.groups).map(({ note, labels }) =>
    el('p', { class: 'axis-note not-offered' }, `Greyed, ${note}: ${labels.join('; ')}.`));
}

function renderGaps(features) {
  const s = app.state;
  const box = $('gaps');
  if (!s.category && !s.tier) {
    setAreaData(app.areas);
    paintAreas('#d9d9d9');
    box.replaceChildren(el('p', { class: 'status' }, 'Choose a service category (under Services) to see gaps.'));
    $('legend').replaceChildren(el('p', {}, 'Choose a service category to see gaps.'));
    return;
  }
  if (!hasGapFields(features)) {
    setAreaData(app.areas);
    paintAreas('#d9d9d9');
    const why = app.meta.gaps.available === false
      ? `This server has no gap scores yet${plainNote(app.meta.gaps.note) ? ` (${plainNote(app.meta.gaps.note)})` : ''}.`
      : `The server sent no gap scores for ${plural(s.level)} and ${categoryLabel(s.category) || tierLabel(s.tier)}.`;
    const msg = `${why} Try another level, or use the indicator view to map need and provision.`;
    box.replaceChildren(el('p', { class: 'status' }, msg));
    $('legend').replaceChildren(el('p', {}, 'No gap scores at this level.'));
    return;
  }
  if (squaresActive()) {
    renderSquares();
    return;
  }
  const cells = bivariateClasses(features);
  const counts = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  let noData = 0;
  for (const c of cells) if (c) counts[c[0]][c[1]]++; else noData++;
  if (!app.bivariate || app.bivariate.source !== app.areas) {
    const out = features.map((f, i) => {
      const c = cells[i];
      return { ...f, properties: { ...f.properties, _bivariate: c ? c[0] * 3 + c[1] : -1 } };
    });
    app.bivariate = { source: app.areas, data: { type: 'FeatureCollection', features: out } };
  }
  setAreaData(app.bivariate.data);
  paintAreas(bivariateExpression());
  const field = features.map((f) => accessField(f.properties || {})).find(Boolean);
  const accessLabel = field ? field.replace(/^access_?/, '').toUpperCase() || 'access score' : 'time to the nearest service';
  const caveat = app.meta.gaps.need_caveat && [app.meta.gaps.need_indicator, app.meta.gaps.child_need_indicator].includes(s.indicator)
    ? el('p', { class: 'axis-note' }, `Need: ${findItem(app.groups, s.indicator)?.label ?? s.indicator}. ${s.indicator === app.meta.gaps.need_indicator ? app.meta.gaps.need_caveat : ''}`)
    : null;
  const words = accessSentence(app.areas?.access, categoryLabel(s.category) || tierLabel(s.tier));
  $('legend').replaceChildren(bivariateLegend({ counts, accessLabel: `${accessLabel} to ${categoryLabel(s.category) || tierLabel(s.tier)}`, noData }),
    ...(words ? [el('p', { class: 'axis-note access-words' }, words)] : []), ...(caveat ? [caveat] : []), ...notOfferedNotes());

  const ranked = rankGaps(features).slice(0, 25);
  const list = el('ol', { class: 'gap-list', 'aria-label': 'Areas ranked by unmet need, largest first' });
  for (const r of ranked) {
    const p = r.feature.properties;
    const button = el('button', { type: 'button', title: 'people in need who lack access' }, el('span', {}, areaName(p)),
      Number.isFinite(p.unmet_need) ? el('span', { class: 'score' }, formatValue(p.unmet_need, 'people', 0)) : null);
    button.addEventListener('click', () => zoomToArea(r.feature, true));
    list.append(el('li', { value: String(r.rank) }, button));
  }
  box.replaceChildren(el('p', { class: 'legend-sub' },
    `${plural(s.level)[0].toUpperCase()}${plural(s.level).slice(1)} ranked by unmet need (people in need who lack access to ${categoryLabel(s.category) || tierLabel(s.tier)}). Click to zoom.`), list);
}

/** Whether the gap map is drawn from the squares of where people live (squares.js). */
function squaresActive() {
  const s = app.state;
  return s.view === 'gaps' && Boolean(s.squares) && Boolean(s.category || s.tier) && squaresOffered(app.meta.raw, isStatic());
}

/**
 * The gap map from the squares: asked for once per choice (and scenario version), then the
 * areas are a pale ground under the squares, the legend counts squares and says what was
 * withheld, and the list ranks squares by unmet need.
 */
function renderSquares() {
  const s = app.state;
  const scen = scenarioQuery();
  const ind = app.meta.indicators.find((i) => i.id === s.indicator);
  const q = { ...squaresQuery(areaParams(), s.squares, { indicatorLevels: ind?.levels, needLevel: app.meta.raw.grid?.need_level }), ...scen.params };
  const key = `${JSON.stringify(q)}#v${scen.version}`;
  if (app.squares?.key !== key) {
    const mine = { key, doc: null, error: null };
    app.squares = mine;
    $('gaps').replaceChildren(el('p', { class: 'status' }, `Loading the ${sizeWords(s.squares)} squares…`));
    track(loadGrid(q).then((doc) => { mine.doc = doc; mine.drawn = classifySquares(doc); }, (e) => { mine.error = e; })
      .then(() => { if (app.squares === mine) restyle(); }));
    return;
  }
  const { doc, error, drawn } = app.squares;
  if (error) {
    hideSquares(app.map);
    $('gaps').replaceChildren(el('p', { class: 'status' }, plainError(error, 'the squares')));
    return;
  }
  if (!doc) return; // still loading
  setAreaData(app.areas);
  paintAreas('#f0f0f0');
  showSquares(app.map, drawn.data);
  const what = categoryLabel(s.category) || tierLabel(s.tier);
  const field = doc.features.map((f) => accessField(f.properties || {})).find(Boolean);
  const accessLabel = field ? field.replace(/^access_?/, '').toUpperCase() || 'access score' : 'time to the nearest service';
  const words = accessSentence(app.areas?.access, what);
  $('legend').replaceChildren(bivariateLegend({ counts: drawn.counts, accessLabel: `${accessLabel} to ${what}`, noData: drawn.noData, things: 'square(s)' }),
    el('p', { class: 'axis-note squares-note' }, squaresNote(doc)),
    ...(words ? [el('p', { class: 'axis-note access-words' }, words)] : []));
  const list = el('ol', { class: 'gap-list', 'aria-label': 'Squares ranked by unmet need, largest first' });
  for (const r of rankSquares(doc)) {
    const p = r.feature.properties;
    const button = el('button', { type: 'button', title: 'people in need who lack access' }, el('span', {}, p.name ?? p.code),
      Number.isFinite(p.unmet_need) ? el('span', { class: 'score' }, formatValue(p.unmet_need, 'people', 0)) : null);
    button.addEventListener('click', () => zoomToSquare(r.feature));
    list.append(el('li', { value: String(r.rank) }, button));
  }
  $('gaps').replaceChildren(el('p', { class: 'legend-sub' },
    `Squares ranked by unmet need (people in need who lack access to ${what}). Click to zoom.`), list);
}

function zoomToSquare(feature) {
  const b = bbox(feature);
  if (!b) return;
  app.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 80, maxZoom: 14, duration: 600 });
  app.map.once('moveend', () => showSquarePopup(feature.properties, [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]));
}

function showSquarePopup(props, lngLat) {
  if (app.popup) app.popup.remove();
  const what = categoryLabel(app.state.category) || tierLabel(app.state.tier);
  app.popup = new Popup({ maxWidth: '320px', focusAfterOpen: true }).setLngLat(lngLat)
    .setHTML(squareHtml(props, { escapeHtml, formatValue, what: what.toLowerCase() }))
    .addTo(app.map);
}

/** The change view: areas coloured by what the open scenario changes (scenario/change_view.js). */
async function renderChangeView(features) {
  const s = app.state;
  const panel = app.scenarioPanel;
  const grey = (text) => {
    setAreaData(app.areas);
    paintAreas('#d9d9d9');
    $('gaps').replaceChildren(el('p', { class: 'status' }, text));
    $('legend').replaceChildren(el('p', {}, text));
  };
  if (!panel?.scenario) { grey('Open or start a scenario (under Scenario) to see what it changes.'); return; }
  if (!s.category && !s.tier) { grey('Choose a service category (under Services) to see what the scenario changes.'); return; }
  let comparison;
  try {
    comparison = await panel.comparisonFor();
  } catch (e) {
    console.warn(e);
    grey(plainError(e, 'the comparison with the baseline'));
    return;
  }
  if (!comparison || app.areas?.features !== features || app.state.view !== 'change') return; // a newer view won
  renderChange(features, {
    comparison,
    scenarioName: panel.scenario.name,
    plural: plural(s.level),
    setAreaData,
    paintAreas,
    legend: $('legend'),
    list: $('gaps'),
    name: (code) => app.byCode.get(code)?.properties?.name ?? null,
    onPick: (code) => { const f = app.byCode.get(code); if (f) zoomToArea(f, true); },
  });
}

// ------------------------------------------------------------------ interaction

function setAreaSelection(feature) {
  app.map.getSource('selection').setData(feature);
}

function zoomToArea(feature, openPopup) {
  const b = bbox(feature);
  if (!b) return;
  app.map.getSource('selection').setData(feature);
  app.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 60, maxZoom: 15, duration: 600 });
  if (openPopup) {
    app.map.once('moveend', () => showAreaPopup(feature.properties.code, labelPoint(feature.geometry)));
  }
}

/**
 * Open the profile of area `code`. `note` is a line above it (a postcode's area); `services`
 * ([{ props, lngLat }]) are the service points under the click, listed as buttons.
 */
async function showAreaPopup(code, lngLat, note = '', services = []) {
  const f = app.byCode.get(code);
  if (!f || !lngLat) return;
  const level = app.state.level;
  const parentId = parentLevel(level);
  const p = f.properties;
  if (parentId && p.parent_code && !app.names.has(p.parent_code)) {
    try { rememberNames(parentId, await loadAreas(parentId)); } catch { /* parent name is optional */ }
  }
  const parentName = p.parent_code ? app.names.get(p.parent_code) : null;
  const item = currentItem();
  const html = areaProfileHtml(p, {
    levelLabel: shortLevelLabel(level),
    levelPlural: plural(level),
    parent: p.parent_code ? { code: p.parent_code, name: parentName?.name, levelLabel: shortLevelLabel(parentName?.level ?? parentId ?? '') } : null,
    groups: app.groups,
    indicator: item,
    values: item ? app.areas.features.map((x) => x.properties?.[item.id]) : [],
    mode: travelMode(),
    trend: (props) => sparklineSection(firstSeries(app.meta.raw), props, escapeHtml),
  });
  if (app.popup) app.popup.remove();
  app.popup = new Popup({ maxWidth: '340px', focusAfterOpen: true }).setLngLat(lngLat)
    .setHTML(`${note ? `<p class="popup-note">${escapeHtml(note)}</p>` : ''}${html}${servicesHereHtml(services.map((s) => s.props))}`)
    .addTo(app.map);
  for (const b of app.popup.getElement().querySelectorAll('button[data-service]')) {
    const s = services[Number(b.dataset.service)];
    b.addEventListener('click', () => showServicePopup(s.props, s.lngLat));
  }
  watchPopup(app.popup);
}

/**
 * Go to a search result: an area of the current or a finer level opens its profile (switching
 * to that level); a coarser area is outlined and zoomed to; a service or postcode is zoomed to
 * and opens the service's details or the profile of the area it lies in.
 */
async function goToResult(r) {
  const index = (id) => app.meta.levels.findIndex((l) => l.id === id);
  if (app.popup) app.popup.remove();
  if (r.kind === 'area') {
    if (index(r.level) >= index(app.state.level)) {
      if (r.level !== app.state.level) await setState({ level: r.level });
      const f = app.byCode.get(r.code);
      if (f) zoomToArea(f, true);
      return;
    }
    const f = (await loadAreas(r.level)).features.find((x) => x.properties?.code === r.code);
    if (f) zoomToArea(f, false);
    return;
  }
  if (!Array.isArray(r.point)) return;
  const map = app.map;
  map.flyTo({ center: r.point, zoom: Math.max(map.getZoom(), 14), duration: 600 });
  await new Promise((resolve) => { map.once('moveend', resolve); });
  const here = (r.areas ?? []).find((a) => a.level === app.state.level);
  if (r.kind === 'service') {
    const props = { name: r.name, category: r.category, tier: r.tier };
    for (const a of r.areas ?? []) props[`${a.level}_code`] = a.code;
    showServicePopup(props, r.point);
  } else if (here) {
    if (app.byCode.has(here.code)) setAreaSelection(app.byCode.get(here.code));
    showAreaPopup(here.code, r.point, `Postcode ${r.postcode ?? r.label} is in this ${levelWord(app.state.level)}.`);
  } else {
    app.popup = new Popup({ maxWidth: '320px' }).setLngLat(r.point)
      .setHTML(`<p class="popup-note">Postcode ${escapeHtml(r.postcode ?? r.label)} lies outside the mapped ${escapeHtml(plural(app.state.level))}.</p>`)
      .addTo(map);
    watchPopup(app.popup);
  }
}

/** Open the details of a service point. */
function showServicePopup(p, lngLat) {
  if (app.popup) app.popup.remove();
  app.popup = new Popup({ maxWidth: '320px' }).setLngLat(lngLat)
    .setHTML(serviceHtml(p, categoryLabel(p.category), tierLabel(p.tier), (level, code) => {
      const n = app.names.get(code);
      return n ? n.name : null;
    })).addTo(app.map);
  const actions = app.scenarioPanel?.servicePopupActions(p, app.popup);
  if (actions) app.popup.getElement().querySelector('.maplibregl-popup-content').append(actions);
  watchPopup(app.popup);
}

/** Keep area labels off an open popup (they are hidden where the popup is). */
function watchPopup(popup) {
  const el = popup.getElement();
  app.labels.avoid(el);
  popup.on('close', () => app.labels.avoid(null));
}

/**
 * A click opens the profile of the area under it first; service points under the click are
 * listed in it as buttons that open their details. A click off every area opens a service.
 * While a scenario is being edited, a click on a site opens the site itself.
 */
function onClick(e) {
  if (app.scenarioPanel?.handleClick(e)) return; // placing a scenario site
  const svc = app.map.queryRenderedFeatures(e.point, { layers: ['services'] });
  // While a scenario is being edited, a click on a site opens the site (to move, close or
  // re-capacity it); otherwise the area comes first.
  if (svc.length > 0 && app.scenarioPanel?.editing) {
    showServicePopup(svc[0].properties, svc[0].geometry.coordinates);
    return;
  }
  if (squaresActive() && app.map.getLayoutProperty('squares-fill', 'visibility') === 'visible') {
    const sq = app.map.queryRenderedFeatures(e.point, { layers: ['squares-fill'] });
    if (sq.length > 0) {
      showSquarePopup(sq[0].properties, e.lngLat);
      return;
    }
  }
  const areas = app.map.queryRenderedFeatures(e.point, { layers: [app.areaLayer()] });
  if (areas.length > 0) {
    const f = app.byCode.get(areas[0].properties.code);
    if (f) setAreaSelection(f);
    showAreaPopup(areas[0].properties.code, e.lngLat, '', svc.map((x) => ({ props: x.properties, lngLat: x.geometry.coordinates })));
  } else if (svc.length > 0) {
    showServicePopup(svc[0].properties, svc[0].geometry.coordinates);
  }
}

// ------------------------------------------------------------------ scenario panel

/** What the Scenario panel (js/scenario/panel.js) may ask of the app. */
function scenarioHooks() {
  return {
    meta: app.meta,
    map: () => app.map,
    state: () => app.state,
    setState,
    track,
    categoryLabel,
    plural: () => plural(app.state.level),
    mode: travelMode,
    loadServices: () => loadServices(),
    shareUrl: () => { writeHashNow(); return window.location.href; },
    /**
     * The compare query of the view. The comparison counts need at the finest level, so a
     * need indicator not offered there is left to the server's default (`defaultNeed`).
     */
    compareParams: () => {
      const { indicator, ...p } = areaParams();
      if (!p.category && !p.tier) return null;
      const finest = app.meta.levels[app.meta.levels.length - 1]?.id;
      const ind = app.meta.indicators.find((i) => i.id === indicator);
      const countable = Boolean(ind) && (!Array.isArray(ind.levels) || ind.levels.includes(finest));
      return { query: { level: app.state.level, ...p, ...(countable ? { indicator } : {}) }, defaultNeed: Boolean(indicator) && !countable };
    },
    /** A scenario was opened, closed or saved again: redraw everything for it (settles when drawn). */
    refresh: () => { syncControls(); return Promise.allSettled([track(loadLevel()), track(refreshServices())]); },
    /** Holds map changes that belong to one edit (MapBatch). */
    batch: app.batch,
  };
}

// ------------------------------------------------------------------ start

async function start() {
  app.layout = startLayout(); // the compact layout's panel toggle (phones, 200 % zoom)
  try {
    app.meta = await loadMeta();
  } catch (e) {
    showMessage(`The map cannot start. ${plainError(e, 'the map description')}`);
    console.warn(e);
    return;
  }
  const m = app.meta;
  if (!m.levels.some((l) => l.id === app.state.level)) {
    app.state.level = m.levels.find((l) => l.id === 'ward')?.id ?? m.levels[0]?.id;
  }
  // A link to a gap map that names a category but no indicator shows the server's need for it,
  // as choosing the category in the page does.
  if ((app.state.view === 'gaps' || app.state.view === 'change') && app.state.category && !hashNames('indicator')) {
    app.state.indicator = defaultNeed(m.raw, app.state.category, app.state.level) ?? app.state.indicator;
  }
  app.symbols = symbolTable(m.categories, m.tiers);
  // A published copy has no scenarios (what-if editing needs the server).
  app.scenarioPanel = isStatic() ? null : new ScenarioPanel($('scenario-panel'), scenarioHooks());
  buildStaticControls();
  if (isStatic()) {
    applyStaticPage();
    try {
      await registerPmtiles(addProtocol);
    } catch (e) {
      showMessage(`The map cannot read its tiles: ${e.message}`);
      console.warn(e);
    }
  }

  const style = m.basemapStyle || offlineStyle();
  const map = new MapLibreMap({
    container: 'map',
    style,
    center: app.state.center ?? [-1.85, 53.83],
    zoom: app.state.zoom ?? 10,
    attributionControl: false,
    maxZoom: 18,
    dragRotate: false,
    pitchWithRotate: false,
    fadeDuration: 0,
  });
  app.map = map;
  map.touchZoomRotate.disableRotation();
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
  const sourceAttributions = [...new Set([m.attribution, ...m.sources.map((s) => s.attribution)].filter(Boolean)
    .flatMap((a) => a.split(/;\s*/)))];
  map.addControl(new AttributionControl({
    compact: false,
    customAttribution: [...(sourceAttributions.length ? sourceAttributions : [ATTRIBUTION_OS, ATTRIBUTION_OSM]),
      '<a href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/">OGL v3</a>'],
  }), 'bottom-right');
  app.labels = new LabelLayer(map, $('labels'));
  map.getContainer().addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && app.popup) { app.popup.remove(); map.getCanvas().focus(); }
    // Keyboard users: Enter on the focused map opens the profile of the area at its centre.
    if (e.key === 'Enter' && e.target === map.getCanvas()) {
      // Otherwise the same key press would activate the popup's close button once it has focus.
      e.preventDefault();
      const centre = map.project(map.getCenter());
      const hit = map.queryRenderedFeatures(centre, { layers: [app.areaLayer()] })[0];
      if (hit) {
        const f = app.byCode.get(hit.properties.code);
        if (f) setAreaSelection(f);
        showAreaPopup(hit.properties.code, map.getCenter());
      }
    }
  });

  if (m.basemapStyle) {
    // An external basemap that cannot be reached (offline) falls back to the offline style.
    const fallback = (e) => {
      if (map.isStyleLoaded()) return;
      console.warn(`basemap style ${m.basemapStyle} unavailable (${e?.error?.message ?? 'error'}); using the offline basemap`);
      map.setStyle(offlineStyle());
    };
    map.once('error', fallback);
  }

  map.on('load', async () => {
    addSymbolImages(map, app.symbols);
    addLayers(map);
    addSquaresLayers(map);
    map.on('click', onClick);
    for (const layer of ['areas-fill', 'areas-tiles-fill', 'services']) {
      map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
    }
    map.on('moveend', writeHash);
    map.on('moveend', () => { if ($('dl-extent').value === 'view') updateDownloads(); });
    const base = track(loadBasemap());
    // The scenario of the link is read before the areas, so they are drawn for it at once.
    if (app.scenarioPanel) await track(app.scenarioPanel.attach(map));
    track(loadLevel());
    track(refreshServices());
    await base;
    if (!app.state.center && app.districtBounds) {
      const b = app.districtBounds;
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 24, duration: 0 });
    }
    app.ready = true;
  });
}

start();
