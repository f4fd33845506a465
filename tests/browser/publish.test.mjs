// Browser test of a published copy (`needmap publish`): the site is written into a temporary
// folder and served by a plain static file server written here (node's http, with HTTP Range
// requests, which PMTiles needs and python's http.server lacks; no /api at all). In headless
// Chromium the page must find meta.json, draw the ward choropleth from the PMTiles archive
// (read over Range requests) coloured from the JSON table, open a ward's profile from the
// table, show the gap map of a published category, hide what needs the server and say so.
// Screenshots: target/screenshots/publish-*.png.
//
//   NEEDMAP_BIN=target/release/needmap node tests/browser/publish.test.mjs
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, statSync, createReadStream, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, extname, sep } from 'node:path';
import { repo, launchBrowser, openPage, settled, shot, screenshotPixels } from './harness.mjs';

const NOTICE = 'This is a published copy: what-if editing needs the needmap server.';
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.geojson': 'application/geo+json', '.pmtiles': 'application/octet-stream',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.txt': 'text/plain',
};

/** A static file server of `root` on 127.0.0.1 with single-range `Range: bytes=` support. */
function staticServer(root, requests) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let path = decodeURIComponent(url.pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    const range = req.headers.range;
    const record = (status) => requests.push({ path, status, range: range ?? null });
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      record(404);
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const size = statSync(file).size;
    const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Accept-Ranges': 'bytes' };
    const m = range && /^bytes=(\d*)-(\d*)$/.exec(range);
    if (range && !m) {
      record(416);
      res.writeHead(416, { 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    if (m) {
      let start = m[1] === '' ? size - Number(m[2]) : Number(m[1]);
      let end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
      start = Math.max(0, start);
      if (start > end || start >= size) {
        record(416);
        res.writeHead(416, { 'Content-Range': `bytes */${size}` });
        res.end();
        return;
      }
      record(206);
      res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
      createReadStream(file, { start, end }).pipe(res);
      return;
    }
    record(200);
    res.writeHead(200, { ...headers, 'Content-Length': size });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

let dir;
let server;
let base;
let browser;
let page;
const requests = [];
const consoleErrors = [];
let publishLog = '';
let publishMs = 0;

before(async () => {
  const bin = process.env.NEEDMAP_BIN ?? join(repo, 'target', 'release', 'needmap');
  assert.ok(existsSync(bin), `needmap binary not found at ${bin}`);
  dir = mkdtempSync(join(tmpdir(), 'needmap-publish-'));
  const site = join(dir, 'site');
  const t0 = Date.now();
  const run = spawnSync(bin, ['publish', '--level', 'ward,lsoa', '--out', site, '--category', 'family_hub'], { cwd: repo, encoding: 'utf8' });
  publishMs = Date.now() - t0;
  publishLog = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, `needmap publish failed:\n${publishLog}`);
  server = await staticServer(site, requests);
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await launchBrowser();
  page = await openPage(browser, consoleErrors);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((r) => server.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('needmap publish writes the site and reports its progress', () => {
  assert.match(publishLog, /ward: zoom \d+, \d+ tiles/, publishLog);
  assert.match(publishLog, /site: \d+ files/, publishLog);
  const meta = JSON.parse(readFileSync(join(dir, 'site', 'meta.json'), 'utf8'));
  assert.equal(meta.static, true);
  assert.deepEqual(meta.levels.map((l) => l.id), ['ward', 'lsoa']);
  assert.equal(meta.levels[0].pmtiles, 'tiles/ward.pmtiles');
  assert.deepEqual(meta.published.categories, ['family_hub']);
  for (const f of ['index.html', 'vendor/maplibre-gl.mjs', 'vendor/pmtiles.js', 'tiles/ward.pmtiles', 'tiles/lsoa.pmtiles',
    'tiles/services.pmtiles', 'data/areas/ward.geojson', 'data/areas/ward.category-family_hub.geojson', 'data/services.geojson']) {
    assert.ok(existsSync(join(dir, 'site', f)), `${f} is published`);
  }
  assert.ok(!existsSync(join(dir, 'site', 'README.md')), 'documentation is not published');
  console.log(`# publish took ${publishMs} ms`);
});

test('the published copy draws the ward choropleth from PMTiles with the JSON table', async () => {
  await page.goto(`${base}#level=ward&indicator=imd_score`);
  await settled(page);
  assert.equal(await page.evaluate(() => window.needmap.areaLayer()), 'areas-tiles-fill');
  // The ward tiles arrive after the archive's header and directory: wait until the view is covered.
  await page.waitForFunction(() => new Set(window.needmap.map.queryRenderedFeatures({ layers: ['areas-tiles-fill'] })
    .map((f) => f.properties.code)).size >= 28, null, { timeout: 30000 });
  const drawn = await page.evaluate(() => {
    const app = window.needmap;
    const byCode = new Map(app.areas.features.map((f) => [f.properties.code, f.properties]));
    return app.map.queryRenderedFeatures({ layers: ['areas-tiles-fill'] }).map((f) => ({
      code: f.properties.code, keys: Object.keys(f.properties).sort(), state: f.state?.imd_score, table: byCode.get(f.properties.code)?.imd_score,
    }));
  });
  const codes = new Set(drawn.map((d) => d.code));
  assert.equal(codes.size, 30, `every ward drawn from the tiles: ${codes.size}`);
  for (const d of drawn) {
    assert.deepEqual(d.keys, ['code', 'name'], 'the tiles carry code and name only');
    assert.equal(d.state, d.table, `${d.code}: the colour's value comes from the JSON table`);
    assert.equal(typeof d.state, 'number');
  }
  // The PMTiles archive was read with Range requests, and no API was asked for (the page knows it is published).
  const ranged = requests.filter((r) => r.path === '/tiles/ward.pmtiles');
  assert.ok(ranged.length >= 2 && ranged.every((r) => r.range && r.status === 206), JSON.stringify(ranged));
  assert.deepEqual(requests.filter((r) => r.path.startsWith('/api/')), []);
  // Pixels: the wards' centres show several class colours (not the background or no-data grey).
  const points = await page.evaluate(() => {
    const app = window.needmap;
    const r = app.map.getCanvas().getBoundingClientRect();
    return app.map.queryRenderedFeatures({ layers: ['areas-tiles-fill'] }).slice(0, 200).map((f) => {
      const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
      const [x, y] = ring.reduce(([a, b], [c, d]) => [a + c / ring.length, b + d / ring.length], [0, 0]);
      const p = app.map.project([x, y]);
      return { x: r.left + p.x, y: r.top + p.y };
    });
  });
  const colours = new Set();
  const box = await page.evaluate(() => { const r = window.needmap.map.getCanvas().getBoundingClientRect(); return { x: r.left, y: r.top, width: r.width, height: r.height }; });
  const px = await screenshotPixels(page, box);
  for (const p of points) {
    const x = Math.round(p.x - box.x);
    const y = Math.round(p.y - box.y);
    if (x < 0 || y < 0 || x >= box.width || y >= box.height) continue;
    const i = (y * Math.round(box.width) + x) * 4;
    colours.add(px.slice(i, i + 3).map((v) => Math.round(v / 24)).join(','));
  }
  assert.ok(colours.size >= 4, `the choropleth shows several colours at the ward centres: ${[...colours]}`);
  await shot(page, 'publish-01-ward-choropleth');
  assert.deepEqual(consoleErrors, []);
});

test('the notice is shown and what needs the server is hidden', async () => {
  const notice = page.locator('#static-notice');
  assert.ok(await notice.isVisible());
  assert.match(await notice.textContent(), new RegExp(NOTICE.replace(/[.:]/g, '\\$&')));
  for (const sel of ['#scenario-panel', '#search', '#dl-geojson', '#print-a4', '#use-tiles', 'input[name=view][value=change]']) {
    assert.equal(await page.locator(sel).isVisible(), false, `${sel} is hidden`);
  }
});

test('a ward profile opens from the JSON table', async () => {
  const target = await page.evaluate(() => {
    const app = window.needmap;
    const f = app.areas.features.find((x) => x.properties.name === 'City') ?? app.areas.features[0];
    const hit = app.map.queryRenderedFeatures({ layers: ['areas-tiles-fill'] }).find((x) => x.properties.code === f.properties.code);
    const ring = hit.geometry.type === 'Polygon' ? hit.geometry.coordinates[0] : hit.geometry.coordinates[0][0];
    const [x, y] = ring.reduce(([a, b], [c, d]) => [a + c / ring.length, b + d / ring.length], [0, 0]);
    const p = app.map.project([x, y]);
    const r = app.map.getCanvas().getBoundingClientRect();
    return { name: f.properties.name, x: r.left + p.x, y: r.top + p.y };
  });
  await page.mouse.click(target.x, target.y);
  await page.waitForSelector('.maplibregl-popup', { timeout: 10000 });
  const text = await page.textContent('.maplibregl-popup');
  assert.match(text, /Ward/);
  assert.match(text, /Ranked \d+(st|nd|rd|th) of 30 wards/, text);
  assert.match(text, /in Bradford (West|East|South)/, `the constituency is named from the published names: ${text}`);
  await shot(page, 'publish-02-ward-profile');
  await page.keyboard.press('Escape');
  assert.deepEqual(consoleErrors, []);
});

test('the gap map of a published category comes from its table', async () => {
  await page.check('input[name=view][value=gaps]');
  await page.selectOption('#category', 'family_hub');
  await settled(page);
  assert.equal(await page.$$eval('.bivariate .cell', (c) => c.length), 9);
  const counts = await page.$$eval('.bivariate .cell', (c) => c.map((x) => Number(x.title.split(': ')[1].split(' ')[0])));
  assert.ok(counts.reduce((a, b) => a + b, 0) >= 25, `most wards classified: ${counts}`);
  assert.ok(requests.some((r) => r.path === '/data/areas/ward.category-family_hub.geojson' && r.status === 200));
  await shot(page, 'publish-03-gap-map');
  assert.deepEqual(consoleErrors, []);
});
