// Browser test of the Scenario panel (issue 10).
//
// Starts `needmap serve --allow-edits` with a known editor token (NEEDMAP_EDIT_TOKEN) and a
// scenario folder of its own, drives headless Chromium and checks: read-only without the
// token; the token is taken from the editor link and removed from the URL; a family hub added
// in the ward ranked first for family hubs changes that ward's gap class, the summary shows a
// population gain and the change view colours the ward as improved (pixel of the screenshot);
// dragging the new site is an edit; undo and redo; closing a site makes its ward worse; the
// shared URL shows the same scenario in a fresh tab; a stale save is refused in words with a
// reload; suggested sites can be kept as a scenario; print and export links carry the scenario;
// sites placed by postcode and by grid reference (bad input refused in words); rename (also
// stale) and delete with an in-page confirmation, back to the baseline.
// The time from an edit to the redrawn map and gap list is printed (median), not asserted: to the
// new table applied in the page (colours set, gap list drawn), to MapLibre's next `idle`, and the
// cost of one repaint, which in headless Chromium's software WebGL (SwiftShader) is most of it.
//
//   NEEDMAP_BIN=target/release/needmap node tests/browser/scenario.test.mjs
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, openPage, settled, shot, pixelAt, repo, shots } from './harness.mjs';
import { labelPoint } from '../../web/js/geometry.js';

const TOKEN = 'browser-test-editor-token-0123456789';
// The data pack the server reads (the default of `needmap serve`: ../shared/geodata/<name> beside the repo).
const dataDir = process.env.NEEDMAP_DATA ?? join(repo, '..', 'shared', 'geodata', 'bradford');
let server = null;
let base = '';
let browser = null;
let scenariosDir = '';
const errors = [];
const timings = { ward: [], oa: [] };

before(async () => {
  scenariosDir = mkdtempSync(join(tmpdir(), 'needmap-scenarios-'));
  server = await startServer({ args: ['--allow-edits', '--scenarios', scenariosDir], env: { NEEDMAP_EDIT_TOKEN: TOKEN } });
  base = server.base;
  browser = await launchBrowser();
});

after(async () => {
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };
  const ms = (xs) => `median ${Math.round(median(xs))} ms (${xs.map(Math.round).join(', ')})`;
  for (const [level, xs] of Object.entries(timings)) {
    if (!xs.length) continue;
    console.log(`# ${level} level, ${xs.length} edits: edit -> new table applied in the page ${ms(xs.map((x) => x.ready))}; -> map idle ${ms(xs.map((x) => x.idle))}; one repaint ${ms(xs.map((x) => x.frame))}`);
  }
  if (browser) await browser.close();
  if (server) await server.stop();
  if (scenariosDir) rmSync(scenariosDir, { recursive: true, force: true });
});

async function visit(p, hash) {
  await p.goto(`${base}#${hash}`);
  await settled(p);
}

function hashOf(p) { return new URLSearchParams(new URL(p.url()).hash.slice(1)); }

/** Page coordinates of a lon/lat on the map. */
function screenPoint(p, lngLat) {
  return p.evaluate((ll) => {
    const map = window.needmap.map;
    const pt = map.project(ll);
    const r = map.getCanvas().getBoundingClientRect();
    return { x: r.left + pt.x, y: r.top + pt.y };
  }, lngLat);
}

/** Properties of the area `code` in the areas the map draws now. */
function areaProps(p, code) {
  return p.evaluate((c) => window.needmap.byCode.get(c)?.properties ?? null, code);
}

/**
 * Run `act` (an edit through the page's controls) and measure in the page the time from its
 * first event to the new areas applied with every request done (`ready`), and to the map being
 * idle after that (`idle`); then the time of one repaint with nothing changed (`frame`).
 */
async function timedEdit(p, act) {
  await p.evaluate(() => {
    const n = window.needmap;
    const before = n.areas;
    n.editTiming = new Promise((resolve, reject) => {
      let t0 = null;
      const limit = setTimeout(() => reject(new Error(`the map was not redrawn within 60 s of the edit: ${document.getElementById('scenario-message')?.textContent || document.getElementById('message')?.textContent || 'no message'}`)), 60000);
      const start = () => { if (t0 === null) t0 = performance.now(); };
      document.addEventListener('pointerdown', start, { capture: true, once: true });
      document.addEventListener('click', start, { capture: true, once: true });
      const poll = () => {
        if (t0 !== null && n.areas !== before && n.loading.size === 0) {
          const ready = performance.now() - t0;
          n.map.once('idle', () => {
            clearTimeout(limit);
            const idle = performance.now() - t0;
            const f0 = performance.now();
            n.map.once('render', () => resolve({ ready, idle, frame: performance.now() - f0 }));
            n.map.triggerRepaint();
          });
          n.map.triggerRepaint();
        } else {
          setTimeout(poll, 5);
        }
      };
      poll();
    });
  });
  await act();
  const ms = await p.evaluate(() => window.needmap.editTiming);
  await settled(p);
  return ms;
}

/** Start a scenario called `name` in the panel; returns its id (from the URL). */
async function startScenario(p, name) {
  await p.fill('#scenario-name', name);
  await p.click('#scenario-start');
  await p.waitForFunction(() => /scenario=/.test(window.location.hash));
  await settled(p);
  return hashOf(p).get('scenario');
}

/** The summary sentences above the gap list. */
function summaryLines(p) {
  return p.$$eval('#scenario-summary-lines li', (li) => li.map((x) => x.textContent));
}

/** How many of the scenario's site markers of `kind` (added, moved, capacity, closed) are in view. */
function shownSites(p, kind) {
  return p.evaluate((k) => {
    const r = window.needmap.map.getContainer().getBoundingClientRect();
    return [...document.querySelectorAll(`.scenario-site-${k}`)].filter((e) => {
      const b = e.getBoundingClientRect();
      return b.width > 0 && b.left >= r.left && b.right <= r.right && b.top >= r.top && b.bottom <= r.bottom;
    }).length;
  }, kind);
}

/** A pixel inside area `code` near `lngLat`, clear of the scenario's site markers. */
async function pixelInside(p, code, lngLat) {
  const at = await p.evaluate(([c, ll]) => {
    const map = window.needmap.map;
    const centre = map.project(ll);
    const r = map.getCanvas().getBoundingClientRect();
    for (const radius of [40, 60, 80, 30, 100]) {
      for (let a = 0; a < 16; a++) {
        const x = centre.x + radius * Math.cos((a * Math.PI) / 8);
        const y = centre.y + radius * Math.sin((a * Math.PI) / 8);
        const box = [[x - 8, y - 8], [x + 8, y + 8]];
        const here = map.queryRenderedFeatures([x, y], { layers: ['areas-fill'] });
        const marks = map.queryRenderedFeatures(box, { layers: ['scenario-paths', 'services'] });
        // The scenario's sites are DOM markers over the canvas (js/scenario/overlay.js).
        const covered = [[-8, -8], [8, -8], [-8, 8], [8, 8], [0, 0]]
          .some(([dx, dy]) => document.elementFromPoint(r.left + x + dx, r.top + y + dy)?.closest('.scenario-site'));
        if (covered) continue;
        const lines = map.queryRenderedFeatures(box, { layers: ['base-ward-lines', 'base-constituency-lines'] });
        if (here.length && here[0].properties.code === c && !marks.length && !lines.length) return { x: r.left + x, y: r.top + y };
      }
    }
    return null;
  }, [code, lngLat]);
  assert.ok(at, `found a pixel inside ${code}`);
  return at;
}

test('without the editor token the panel is read-only and says how to get editing rights', async () => {
  const p = await openPage(browser, errors);
  await visit(p, 'level=ward');
  assert.match(await p.textContent('#scenario-access'), /Read-only.*editor link/);
  assert.equal(await p.isDisabled('#scenario-start'), true);
  assert.equal(await p.isVisible('#scenario-tools'), false);
  await p.context().close();
  assert.deepEqual(errors, []);
});

let shared = null; // { url, id, code, name, cls } of the family hub scenario

test('a family hub in the first-ranked ward changes its gap class; summary and change view show the gain', async () => {
  const p = await openPage(browser, errors);
  await visit(p, `edit=${TOKEN}&level=ward&view=gaps&category=family_hub`);
  assert.equal(hashOf(p).get('edit'), null, 'the token is removed from the URL');
  assert.doesNotMatch(p.url(), new RegExp(TOKEN));
  assert.equal(await p.evaluate(() => sessionStorage.getItem('needmap.editToken')), TOKEN);
  assert.match(await p.textContent('#scenario-access'), /Editing is on/);
  const top = await p.evaluate(() => {
    const f = window.needmap.areas.features.find((x) => x.properties.gap_rank === 1);
    return { code: f.properties.code, name: f.properties.name, cls: f.properties.gap_class, unmet: f.properties.unmet_need, geometry: f.geometry };
  });
  const list = await p.$$eval('ol.gap-list button', (b) => b.map((x) => x.textContent));
  assert.ok(list[0].startsWith(top.name), `the ranked list starts with ${top.name}: ${list[0]}`);
  const at = labelPoint(top.geometry);

  const id = await startScenario(p, `Family hub in ${top.name}`);
  assert.match(id, /^family-hub-in-/);
  assert.match(await p.textContent('#scenario-title'), /version 1: no edits yet/);
  await p.evaluate((ll) => window.needmap.map.jumpTo({ center: ll, zoom: 12.5 }), at);
  await settled(p);
  await p.selectOption('#scenario-category', 'family_hub');
  await p.fill('#scenario-site-name', `Hub in ${top.name}`);
  await p.click('#scenario-add');
  assert.equal(await p.getAttribute('#scenario-add', 'aria-pressed'), 'true');
  const pt = await screenPoint(p, at);
  timings.ward.push(await timedEdit(p, () => p.mouse.click(pt.x, pt.y)));
  assert.match(await p.textContent('#scenario-title'), /version 2: 1 edit/);
  assert.match(await p.textContent('#scenario-edits'), new RegExp(`Open Hub in ${top.name} \\(Family hub[^)]*\\)`));

  const after = await areaProps(p, top.code);
  assert.notEqual(after.gap_class, top.cls, `the gap class of ${top.name} changes (was ${top.cls})`);
  assert.ok(after.unmet_need < top.unmet, `unmet need falls in ${top.name}: ${top.unmet} -> ${after.unmet_need}`);
  const lines = await summaryLines(p);
  const gain = lines.map((l) => l.match(/^([\d,]+) residents? \([\d,]+ child(?:ren)?\) (?:is|are) newly within/)).find(Boolean);
  assert.ok(gain && Number(gain[1].replace(/,/g, '')) > 0, `the summary shows a population gain: ${lines.join(' | ')}`);
  assert.ok(lines.some((l) => /\d{1,3}(,\d{3})+/.test(l)), 'numbers have thousands separators');
  await shot(p, 'scen-01-hub-added-gap-view');

  await p.check('input[name=view][value=change]');
  await settled(p);
  assert.equal(hashOf(p).get('view'), 'change');
  assert.match(await p.textContent('#map-title'), /^Change in unmet need with “Family hub in /);
  assert.match(await p.textContent('#legend'), /Much improved/);
  const changed = await p.$$eval('ol.change-list button', (b) => b.map((x) => x.textContent));
  assert.ok(changed.some((t) => t.startsWith(top.name)), `${top.name} is among the areas that change: ${changed}`);
  const px = await pixelInside(p, top.code, at);
  const [r, g, b] = await pixelAt(p, px.x, px.y);
  assert.ok(b > r + 30, `${top.name} is drawn blue (improved) in the change view: rgb(${r}, ${g}, ${b})`);
  await shot(p, 'scen-02-change-view');

  // Print and export links carry the scenario; the printed PDF is served for it.
  for (const sel of ['#print-a4', '#dl-csv', '#dl-geojson']) {
    const href = await p.getAttribute(sel, 'href');
    assert.match(href, new RegExp(`scenario=${id}`), `${sel} carries the scenario`);
  }
  const pdf = await fetch(new URL(await p.getAttribute('#print-a4', 'href'), base));
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');

  shared = { url: p.url(), id, code: top.code, name: top.name, cls: after.gap_class, unmet: after.unmet_need };
  await p.context().close();
  assert.deepEqual(errors, []);
});

test('the shared URL shows the same scenario in a fresh tab, read-only', async () => {
  assert.ok(shared, 'the previous test made a scenario');
  const p = await openPage(browser, errors);
  await p.goto(shared.url);
  await settled(p);
  assert.equal(await p.inputValue('#scenario-open'), shared.id);
  assert.match(await p.textContent('#scenario-title'), /version 2: 1 edit/);
  assert.match(await p.textContent('#scenario-access'), /Read-only/);
  assert.equal(await p.isVisible('#scenario-tools'), false);
  const props = await areaProps(p, shared.code);
  assert.equal(props.gap_class, shared.cls, 'the same gap class as the editor saw');
  assert.equal(props.unmet_need, shared.unmet);
  assert.match(await p.textContent('#legend'), /Change with “Family hub in /);
  await shot(p, 'scen-03-shared-url');
  await p.context().close();
  assert.deepEqual(errors, []);
});

test('drag the new site, undo and redo; a stale save is refused in words and can be reloaded', async () => {
  const p = await openPage(browser, errors);
  await visit(p, `edit=${TOKEN}&scenario=${shared.id}&level=ward&view=gaps&category=family_hub`);
  const site = await p.evaluate(() => window.needmap.scenarioPanel.overlay.data.features.find((f) => f.properties.kind === 'added'));
  assert.ok(site, 'the new site is drawn on the map');
  await p.evaluate((ll) => window.needmap.map.jumpTo({ center: ll, zoom: 13 }), site.geometry.coordinates);
  await settled(p);
  const from = await screenPoint(p, site.geometry.coordinates);
  timings.ward.push(await timedEdit(p, async () => {
    await p.mouse.move(from.x, from.y);
    await p.mouse.down();
    await p.mouse.move(from.x + 40, from.y + 25, { steps: 6 });
    await p.mouse.up();
  }));
  assert.match(await p.textContent('#scenario-title'), /version 3: 2 edits/);
  assert.match(await p.textContent('#scenario-edits li:last-child'), /^Move Hub in .* to 53\.\d{4}° N/);
  timings.ward.push(await timedEdit(p, () => p.click('#scenario-undo')));
  assert.match(await p.textContent('#scenario-title'), /version 4: 1 edit/);
  assert.equal(await p.isDisabled('#scenario-redo'), false);
  timings.ward.push(await timedEdit(p, () => p.click('#scenario-redo')));
  assert.match(await p.textContent('#scenario-title'), /version 5: 2 edits/);

  // Someone else saves meanwhile (here: straight through the API with the same token).
  const stored = await (await fetch(`${base}api/scenarios/${shared.id}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
  const theirs = await fetch(`${base}api/scenarios/${shared.id}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'If-Match': `"${stored.version}"` },
    body: JSON.stringify({ ...stored, name: `${stored.name} (their copy)` }),
  });
  assert.equal(theirs.status, 200);
  await p.click('#scenario-undo');
  await settled(p);
  const message = await p.textContent('#scenario-message');
  assert.match(message, /Someone else changed .* version 6.*not saved/, message);
  // The refused save is logged by the browser as a failed request: expected here, once.
  const refused = errors.filter((e) => /status of 409/.test(e));
  assert.equal(refused.length, 1, `one refused save: ${errors}`);
  errors.splice(errors.indexOf(refused[0]), 1);
  assert.match(await p.textContent('#scenario-title'), /version 5: 2 edits/, 'the edit was not applied');
  await p.click('#scenario-reload');
  await settled(p);
  assert.match(await p.textContent('#scenario-title'), /\(their copy\)”, version 6: 2 edits/);
  assert.equal(await p.isVisible('#scenario-message'), false);
  await shot(p, 'scen-04-after-reload');
  await p.context().close();
  assert.deepEqual(errors, []);
});

test('closing a family hub makes its ward worse; timing at OA level', async () => {
  const p = await openPage(browser, errors);
  await visit(p, `edit=${TOKEN}&level=ward&view=gaps&category=family_hub&services=1`);
  // A family hub in a ward with some unmet need already: losing the hub leaves more people short.
  const hub = await p.evaluate(() => {
    const pts = window.needmap.map.querySourceFeatures('services');
    const wards = window.needmap.byCode;
    const scored = pts.map((f) => ({ f, ward: wards.get(f.properties.ward_code)?.properties }))
      .filter((x) => x.ward && x.ward.unmet_need > 0)
      .sort((a, b) => a.ward.unmet_need - b.ward.unmet_need);
    const x = scored[0];
    return x && { id: x.f.properties.id, name: x.f.properties.name, at: x.f.geometry.coordinates, ward: x.ward.code, unmet: x.ward.unmet_need, cls: x.ward.gap_class };
  });
  assert.ok(hub, 'a family hub with a ward');
  await startScenario(p, 'Close a family hub');
  await p.evaluate((ll) => window.needmap.map.jumpTo({ center: ll, zoom: 14 }), hub.at);
  await settled(p);
  const pt = await screenPoint(p, hub.at);
  // First a capacity edit from the site's popup, then the closure.
  await p.mouse.click(pt.x, pt.y);
  await p.waitForSelector('.maplibregl-popup .scenario-set-capacity', { timeout: 10000 });
  await p.fill('.maplibregl-popup .scenario-capacity-input', '2');
  await p.click('.maplibregl-popup .scenario-set-capacity');
  await settled(p);
  assert.match(await p.textContent('#scenario-edits'), /Set the capacity of .* to 2/);
  await p.mouse.click(pt.x, pt.y);
  await p.waitForSelector('.maplibregl-popup .scenario-close', { timeout: 10000 });
  assert.match(await p.textContent('.maplibregl-popup'), new RegExp(hub.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  timings.ward.push(await timedEdit(p, () => p.click('.maplibregl-popup .scenario-close')));
  assert.match(await p.textContent('#scenario-edits li:last-child'), new RegExp(`^Close ${hub.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const after = await areaProps(p, hub.ward);
  assert.ok(after.unmet_need > hub.unmet, `unmet need rises in the hub's ward: ${hub.unmet} -> ${after.unmet_need}`);
  const lines = await summaryLines(p);
  const lost = lines.map((l) => l.match(/; ([\d,]+) residents? \([\d,]+ child(?:ren)?\) (?:is|are) no longer\./)).find(Boolean);
  assert.ok(lost && Number(lost[1].replace(/,/g, '')) > 0, `the summary shows residents losing access: ${lines.join(' | ')}`);
  assert.ok(lines.some((l) => /^Getting worse: /.test(l)), `the summary names the areas getting worse: ${lines.join(' | ')}`);
  assert.ok(!lines.some((l) => /^No area gets worse/.test(l)), 'some area gets worse');
  await p.check('input[name=view][value=change]');
  await settled(p);
  assert.equal(await shownSites(p, 'closed'), 1, 'the closed site is marked with a cross');
  assert.match(await p.getAttribute('.scenario-site-closed', 'aria-label'), new RegExp(`^Closed site: ${hub.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const px = await pixelInside(p, hub.ward, hub.at);
  const [r, g, b] = await pixelAt(p, px.x, px.y);
  assert.ok(r > b + 30, `the hub's ward is drawn red (worse) in the change view: rgb(${r}, ${g}, ${b})`);
  await shot(p, 'scen-05-closed-change-view');

  // The same scenario at OA level: each edit re-scores 1,500-odd output areas.
  await p.selectOption('#level', 'oa');
  await settled(p);
  for (let i = 0; i < 3; i++) {
    timings.oa.push(await timedEdit(p, () => p.click(i % 2 === 0 ? '#scenario-undo' : '#scenario-redo')));
  }
  assert.match(await p.textContent('#scenario-title'), /version 6: 1 edit\./);
  await shot(p, 'scen-06-oa-change-view');
  await p.context().close();
  assert.deepEqual(errors, []);
});

test('suggested sites are shown and can be kept as a scenario', async () => {
  const probe = await fetch(`${base}api/suggest?category=family_hub&add=2`);
  if (probe.status === 404 && !/suggest/i.test(await probe.text())) {
    console.log('# /api/suggest is not served by this binary: suggestion test skipped');
    return;
  }
  const p = await openPage(browser, errors);
  await visit(p, `edit=${TOKEN}&level=ward&view=gaps&category=family_hub`);
  await p.fill('#scenario-suggest-n', '2');
  await p.click('#scenario-suggest');
  await p.waitForSelector('#scenario-suggested li', { timeout: 60000 });
  await settled(p);
  assert.equal((await p.$$('#scenario-suggested li')).length, 2);
  const drawn = await p.evaluate(() => window.needmap.scenarioPanel.overlay.data.features.filter((f) => f.properties.kind === 'added').length);
  assert.equal(drawn, 2, 'the suggested sites are drawn on the map');
  await p.click('#scenario-keep');
  await p.waitForFunction(() => /scenario=/.test(window.location.hash));
  await settled(p);
  assert.match(await p.textContent('#scenario-title'), /version 1: 2 edits/);
  const lines = await summaryLines(p);
  assert.ok(lines.some((l) => /newly within/.test(l)), lines.join(' | '));
  await shot(p, 'scen-07-suggested');
  await p.context().close();
  assert.deepEqual(errors, []);
});

/** A postcode of ward `code` near the middle of its postcodes, from the data pack's postcode file. */
function postcodeIn(code) {
  const text = readFileSync(join(dataDir, 'postcodes_bd_2014.csv'), 'utf8');
  const [head, ...rows] = text.split(/\r?\n/).filter(Boolean);
  const cols = head.split(',');
  const at = (name) => cols.indexOf(name);
  const pc = rows.map((r) => r.split(',')).filter((r) => r[at('admin_ward_code')] === code && r[at('positional_quality')] === '10')
    .map((r) => ({ postcode: r[at('postcode')], e: Number(r[at('easting')]), n: Number(r[at('northing')]) }));
  assert.ok(pc.length > 0, `postcodes in ward ${code}`);
  const me = pc.reduce((s, x) => s + x.e, 0) / pc.length;
  const mn = pc.reduce((s, x) => s + x.n, 0) / pc.length;
  return pc.sort((a, b) => Math.hypot(a.e - me, a.n - mn) - Math.hypot(b.e - me, b.n - mn))[0];
}

/** The OS grid reference "SE 16000 33000" of easting/northing in the SE square. */
function gridReference(e, n) {
  assert.ok(Math.floor(e / 100000) === 4 && Math.floor(n / 100000) === 4, `${e}, ${n} lies in square SE`);
  const five = (x) => String(Math.round(x) % 100000).padStart(5, '0');
  return `SE ${five(e)} ${five(n)}`;
}

/** Expect one console error of a refused request (`status`) and take it off the list. */
function refusedOnce(status) {
  const refused = errors.filter((e) => new RegExp(`status of ${status}`).test(e));
  assert.equal(refused.length, 1, `one refused request (${status}): ${errors}`);
  errors.splice(errors.indexOf(refused[0]), 1);
}

let typed = null; // { id, ward, unmet (baseline) } of the scenario made by typing places

test('sites placed by postcode and by grid reference are saved, drawn and change the summary; bad input is named', async () => {
  const p = await openPage(browser, errors);
  await visit(p, `edit=${TOKEN}&level=ward&view=gaps&category=family_hub`);
  const ranked = await p.evaluate(() => window.needmap.areas.features.filter((f) => f.properties.gap_rank <= 2)
    .sort((a, b) => a.properties.gap_rank - b.properties.gap_rank)
    .map((f) => ({ code: f.properties.code, name: f.properties.name, unmet: f.properties.unmet_need })));
  assert.equal(ranked.length, 2);
  const [first, second] = ranked;
  const pc = postcodeIn(first.code);
  const other = postcodeIn(second.code);
  const id = await startScenario(p, 'Hubs by postcode and grid');
  await p.selectOption('#scenario-category', 'family_hub');

  // Keyboard: the place field and its button are reachable and labelled.
  assert.equal(await p.evaluate(() => document.querySelector('label[for=scenario-place]')?.textContent), 'Postcode or grid reference');
  await p.focus('#scenario-capacity');
  const order = [];
  for (let i = 0; i < 6; i++) { await p.keyboard.press('Tab'); order.push(await p.evaluate(() => document.activeElement.id)); }
  assert.ok(order.includes('scenario-place') && order.includes('scenario-place-go'), `Tab reaches the place field and its button: ${order}`);
  const unnamed = await p.$$eval('#scenario-panel input, #scenario-panel select, #scenario-panel button',
    (els) => els.filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || (e.tagName === 'BUTTON' && e.textContent.trim()))).map((e) => e.id || e.outerHTML));
  assert.deepEqual(unnamed, [], 'every control of the panel has a label or a name');

  // A bad grid reference: named in the message, nothing saved.
  await p.fill('#scenario-place', 'SE 1600 330');
  await p.click('#scenario-place-go');
  const bad = await p.textContent('#scenario-place-error');
  assert.match(bad, /“SE 1600 330”.*same number of digits.*“SE 16000 33000”/, bad);
  assert.equal(await p.getAttribute('#scenario-place', 'aria-invalid'), 'true');
  await p.fill('#scenario-place', 'Town hall');
  await p.press('#scenario-place', 'Enter');
  assert.match(await p.textContent('#scenario-place-error'), /“Town hall” is not a postcode, a grid reference or an easting and northing\. Type a postcode/);
  assert.match(await p.textContent('#scenario-title'), /version 1: no edits yet/);
  await panelShot(p, 'scen-08-panel-bad-grid-reference.png', '#scenario-place');

  // By postcode (typed loosely: lower case, no space).
  await p.fill('#scenario-site-name', 'Hub by postcode');
  await p.fill('#scenario-place', pc.postcode.toLowerCase().replace(' ', ''));
  await timedEdit(p, () => p.click('#scenario-place-go'));
  assert.equal(await p.isVisible('#scenario-place-error'), false);
  assert.match(await p.textContent('#scenario-title'), /version 2: 1 edit/);
  assert.match(await p.textContent('#scenario-edits'), new RegExp(`Open Hub by postcode \\(Family hub[^)]*\\) at postcode ${pc.postcode}`));
  const stored = await (await fetch(`${base}api/scenarios/${id}`)).json();
  assert.equal(stored.edits[0].postcode, pc.postcode, 'the edit carries the postcode');
  assert.equal(stored.edits[0].lon, undefined);
  const drawn = await p.evaluate(() => window.needmap.scenarioPanel.overlay.data.features.filter((f) => f.properties.kind === 'added').map((f) => f.geometry.coordinates));
  assert.equal(drawn.length, 1, 'the site placed by postcode is drawn');
  assert.equal(await shownSites(p, 'added'), 1, 'and shown on the map as a marker');
  const afterPostcode = await summaryLines(p);
  const gain = afterPostcode.map((l) => l.match(/^([\d,]+) residents? \([\d,]+ child(?:ren)?\) (?:is|are) newly within/)).find(Boolean);
  assert.ok(gain && Number(gain[1].replace(/,/g, '')) > 0, `the summary shows a gain: ${afterPostcode.join(' | ')}`);
  assert.ok((await areaProps(p, first.code)).unmet_need < first.unmet, `unmet need falls in ${first.name}`);

  // By grid reference, in the second-ranked ward.
  const ref = gridReference(other.e, other.n);
  await p.fill('#scenario-site-name', 'Hub by grid reference');
  await p.fill('#scenario-place', ref.replace(/ /g, ''));
  await p.press('#scenario-place', 'Enter'); // Enter in the field saves too
  await p.waitForFunction(() => /version 3/.test(document.getElementById('scenario-title').textContent));
  await settled(p);
  assert.match(await p.textContent('#scenario-title'), /version 3: 2 edits/);
  assert.match(await p.textContent('#scenario-edits li:last-child'), new RegExp(`^Open Hub by grid reference .* at grid ${other.e} E, ${other.n} N`));
  const afterGrid = await summaryLines(p);
  assert.notDeepEqual(afterGrid, afterPostcode, 'the summary changes with the second site');
  assert.ok((await areaProps(p, second.code)).unmet_need < second.unmet, `unmet need falls in ${second.name}`);
  assert.equal(await p.evaluate(() => window.needmap.scenarioPanel.overlay.data.features.filter((f) => f.properties.kind === 'added').length), 2);

  // An unknown postcode: the server's refusal in words beside the field, nothing saved.
  await p.fill('#scenario-place', 'ZZ9 9ZZ');
  await p.click('#scenario-place-go');
  await settled(p);
  const unknown = await p.textContent('#scenario-place-error');
  assert.match(unknown, /The postcode “ZZ9 9ZZ” is not in the map’s list of postcodes.*type a grid reference/, unknown);
  assert.doesNotMatch(unknown, /\.csv|HTTP|lon\/lat/);
  refusedOnce(400);
  assert.match(await p.textContent('#scenario-title'), /version 3: 2 edits/);
  await panelShot(p, 'scen-09-panel-unknown-postcode.png', '#scenario-place');
  await shot(p, 'scen-10-placed-by-postcode-and-grid');

  typed = { id, ward: first.code, unmet: first.unmet };
  await p.context().close();
  assert.deepEqual(errors, []);
});

/** A screenshot of the visible part of the Scenario panel, with `sel` scrolled to the middle of the sidebar. */
async function panelShot(p, file, sel) {
  const clip = await p.evaluate((q) => {
    document.querySelector(q).scrollIntoView({ block: 'center' });
    const r = document.getElementById('scenario-panel').getBoundingClientRect();
    const top = Math.max(0, r.top);
    return { x: Math.max(0, r.left), y: top, width: r.width, height: Math.min(r.bottom, window.innerHeight) - top };
  }, sel);
  await p.screenshot({ path: join(shots, file), clip });
}

test('rename a scenario: the list and the title follow, also after a reload; then delete it, back to the baseline', async () => {
  assert.ok(typed, 'the previous test made a scenario');
  const p = await openPage(browser, errors);
  await visit(p, `edit=${TOKEN}&scenario=${typed.id}&level=ward&view=gaps&category=family_hub`);
  assert.equal(await p.inputValue('#scenario-rename'), 'Hubs by postcode and grid');
  await p.fill('#scenario-rename', 'Two new family hubs');
  await p.press('#scenario-rename', 'Enter');
  await settled(p);
  const title = await p.textContent('#scenario-title');
  assert.match(title, /^“Two new family hubs”, version 4: 2 edits/, title);
  const option = () => p.$eval(`#scenario-open option[value="${typed.id}"]`, (o) => o.textContent);
  assert.equal(await option(), 'Two new family hubs (version 4, 2 edits)');
  assert.match(await p.textContent('#map-title'), /Two new family hubs/);
  assert.equal(hashOf(p).get('scenario'), typed.id, 'the id (and the link) stay the same');
  await panelShot(p, 'scen-13-panel-renamed.png', '#scenario-title');
  await p.reload();
  await settled(p);
  assert.match(await p.textContent('#scenario-title'), /^“Two new family hubs”, version 4/);
  assert.equal(await option(), 'Two new family hubs (version 4, 2 edits)');

  // A rename over someone else's save is refused in words, like any stale save.
  const stored = await (await fetch(`${base}api/scenarios/${typed.id}`)).json();
  const theirs = await fetch(`${base}api/scenarios/${typed.id}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'If-Match': `"${stored.version}"` },
    body: JSON.stringify({ ...stored, description: 'their note' }),
  });
  assert.equal(theirs.status, 200);
  await p.fill('#scenario-rename', 'My name for it');
  await p.click('#scenario-rename-go');
  await settled(p);
  assert.match(await p.textContent('#scenario-message'), /Someone else changed “Two new family hubs” .* version 5\), so the new name was not saved\. Reload their version, then rename it again/);
  refusedOnce(409);
  await p.click('#scenario-reload');
  await settled(p);
  assert.match(await p.textContent('#scenario-title'), /^“Two new family hubs”, version 5/);
  assert.equal(await p.inputValue('#scenario-rename'), 'Two new family hubs');

  // Delete: an in-page confirmation; "No" and Escape keep it.
  await p.click('#scenario-delete');
  assert.equal(await p.isVisible('#scenario-delete-confirm'), true);
  assert.equal(await p.getAttribute('#scenario-delete', 'aria-expanded'), 'true');
  assert.match(await p.textContent('#scenario-delete-confirm'), /Delete “Two new family hubs” for everyone\?.*cannot be undone/);
  assert.equal(await p.evaluate(() => document.activeElement.id), 'scenario-delete-no', 'focus goes to the safe answer');
  await p.keyboard.press('Escape');
  assert.equal(await p.isVisible('#scenario-delete-confirm'), false);
  assert.equal(await p.evaluate(() => document.activeElement.id), 'scenario-delete', 'focus back on the button');
  await p.keyboard.press('Enter');
  assert.equal(await p.isVisible('#scenario-delete-confirm'), true);
  await panelShot(p, 'scen-11-panel-delete-confirm.png', '#scenario-delete');
  await p.click('#scenario-delete-yes');
  await settled(p);
  assert.equal(hashOf(p).get('scenario'), null, 'scenario= leaves the URL');
  assert.match(await p.textContent('#scenario-message'), /Deleted “Two new family hubs”\. The map shows the baseline\./);
  assert.equal(await p.isVisible('#scenario-current'), false);
  assert.equal(await p.$(`#scenario-open option[value="${typed.id}"]`), null, 'gone from the list');
  assert.equal((await fetch(`${base}api/scenarios/${typed.id}`)).status, 404);
  assert.equal((await areaProps(p, typed.ward)).unmet_need, typed.unmet, 'the map is back at the baseline');
  assert.equal(await p.evaluate(() => window.needmap.scenarioPanel.overlay.data.features.length), 0, 'no scenario sites drawn');
  assert.doesNotMatch(await p.textContent('#map-title'), /Two new family hubs/);
  await panelShot(p, 'scen-12-panel-deleted.png', '#scenario-message');
  await p.context().close();
  assert.deepEqual(errors, []);
});
