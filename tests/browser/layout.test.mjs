// Browser test of the compact layout (web/js/layout.js, css/app.css): a 390 x 844 phone and
// 200 % zoom of a 1366 x 768 laptop (683 x 384 CSS pixels at device scale 2). The panel is
// hidden behind a "Controls" button, the map fills the screen, the legend stays over the map
// uncovered, the title is clear of the zoom buttons, the panel opens over the map and scrolls,
// and nothing scrolls sideways. The screenshots are checked: the legend is a light box with
// text and the bivariate swatches, the map shows gap-map fills. Desktop keeps the side panel.
// Screenshots go to target/screenshots/layout-*.png.
//
//   NEEDMAP_BIN=target/release/needmap node tests/browser/layout.test.mjs
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { session, hex, near, openPage, settled, shot, shots } from './harness.mjs';
import { decodePng, region } from './png.mjs';
import { BIVARIATE } from '../../web/js/palettes.js';

const HASH = 'level=ward&view=gaps&category=family_hub';
const COMPACT = {
  phone: { width: 390, height: 844 },
  zoom200: { width: 683, height: 384 },
};

const s = session(before, after);

const luminance = (d, i) => 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Is `box` inside `outer` (a box, or a viewport { width, height } at the origin)? */
function inside(box, outer) {
  const { x = 0, y = 0 } = outer;
  return box.x >= x - 0.5 && box.y >= y - 0.5 && box.x + box.width <= x + outer.width + 0.5 && box.y + box.height <= y + outer.height + 0.5;
}

/** Is the element under the centre of `selector` inside it (nothing covers it there)? */
function uncoveredAtCentre(p, selector) {
  return p.evaluate((sel) => {
    const e = document.querySelector(sel);
    const r = e.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return Boolean(hit) && e.contains(hit);
  }, selector);
}

function noSideScroll(p) {
  return p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth
    && document.body.scrollWidth <= window.innerWidth);
}

const LEGEND = 'section[aria-labelledby="h-legend"]';
const SCALE = 2; // deviceScaleFactor of the compact pages

/** One screenshot of the page, decoded; read regions of it with region(img, box, SCALE). */
async function screenshotImage(p, name) {
  const png = await p.screenshot(name ? { path: join(shots, `${name}.png`) } : {});
  return decodePng(png);
}

/** The closed compact layout: map full screen, legend over it uncovered, title and controls apart. */
async function checkClosed(p, vp, name, shotName) {
  const toggle = p.locator('#panel-toggle');
  assert.equal(await toggle.isVisible(), true, `${name}: the panel toggle is shown`);
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false', `${name}: the toggle says the panel is collapsed`);
  assert.match(await toggle.textContent(), /Controls/);
  const controls = await toggle.getAttribute('aria-controls');
  assert.equal(await p.evaluate((id) => document.getElementById(id)?.classList.contains('panel'), controls), true,
    `${name}: aria-controls names the panel`);
  assert.equal(await p.locator('.panel').isVisible(), false, `${name}: the panel is hidden`);
  assert.equal(await p.locator('#search').isVisible(), false, `${name}: its controls are hidden`);
  assert.equal(await p.locator('#gaps-section').isVisible(), false, `${name}: the gap list is hidden`);

  // The map fills the screen.
  const canvas = await p.locator('.maplibregl-canvas').boundingBox();
  const share = (Math.min(canvas.width, vp.width) * Math.min(canvas.height, vp.height)) / (vp.width * vp.height);
  assert.ok(share >= 0.95, `${name}: the map covers ${(share * 100).toFixed(1)} % of the viewport`);

  // The legend is over the map, inside the viewport and on top.
  const legend = await p.locator(LEGEND).boundingBox();
  assert.ok(legend && legend.width > 100 && legend.height > 60, `${name}: legend box ${JSON.stringify(legend)}`);
  assert.ok(inside(legend, vp), `${name}: the legend ${JSON.stringify(legend)} is inside the viewport`);
  assert.ok(legend.y + legend.height > vp.height / 2, `${name}: the legend sits at the bottom`);
  assert.equal(await uncoveredAtCentre(p, LEGEND), true, `${name}: nothing covers the legend`);
  assert.equal(await p.locator('#legend .bivariate .cell').count(), 9, `${name}: the bivariate legend`);
  const gapCell = await p.locator('#legend .bivariate .cell.gap').boundingBox();
  assert.ok(inside(gapCell, legend), `${name}: the gap cell is inside the legend box`);

  // Title: readable, inside the map, clear of the zoom buttons, the toggle and the legend.
  const title = await p.locator('#map-title').boundingBox();
  const nav = await p.locator('.maplibregl-ctrl-top-right').boundingBox();
  const toggleBox = await toggle.boundingBox();
  const scale = await p.locator('.maplibregl-ctrl-scale').boundingBox();
  const attribution = await p.locator('.maplibregl-ctrl-attrib').boundingBox();
  assert.ok(inside(title, vp), `${name}: the title is inside the viewport`);
  for (const [what, box] of Object.entries({ 'zoom buttons': nav, toggle: toggleBox, legend })) {
    assert.ok(!overlaps(title, box), `${name}: the title ${JSON.stringify(title)} is clear of the ${what} ${JSON.stringify(box)}`);
  }
  for (const [what, box] of Object.entries({ 'zoom buttons': nav, toggle: toggleBox, scale, attribution })) {
    assert.ok(!overlaps(legend, box), `${name}: the legend ${JSON.stringify(legend)} is clear of the ${what} ${JSON.stringify(box)}`);
  }
  assert.ok(!overlaps(toggleBox, nav), `${name}: the toggle is clear of the zoom buttons`);
  assert.ok(inside(attribution, vp), `${name}: the attribution is inside the viewport`);
  assert.equal(await p.evaluate(() => getComputedStyle(document.getElementById('map-title')).fontSize), '13px');
  assert.equal(await noSideScroll(p), true, `${name}: no horizontal scroll`);

  // The screenshot (one, decoded in node): the title is dark text on a light box.
  const img = await screenshotImage(p, shotName);
  const t = region(img, title, SCALE);
  let dark = 0; let light = 0;
  for (let i = 0; i < t.length; i += 4) { const y = luminance(t, i); if (y < 80) dark++; else if (y > 220) light++; }
  assert.ok(dark / (t.length / 4) > 0.03 && light / (t.length / 4) > 0.5, `${name}: the title is legible (${dark}, ${light})`);

  // The screenshot: the legend is a light box with dark text and the swatches, not the map.
  const l = region(img, legend, SCALE);
  const n = l.length / 4;
  let white = 0; let ink = 0; let gap = 0;
  const gapColour = hex(BIVARIATE[2][0]);
  for (let i = 0; i < l.length; i += 4) {
    const c = [l[i], l[i + 1], l[i + 2]];
    if (c.every((v) => v >= 235)) white++;
    if (luminance(l, i) < 90) ink++;
    if (near(c, gapColour, 12)) gap++;
  }
  assert.ok(white / n > 0.4, `${name}: the legend box is light (${(white / n * 100).toFixed(1)} % white)`);
  assert.ok(ink / n > 0.01, `${name}: the legend has dark text (${(ink / n * 100).toFixed(1)} %)`);
  assert.ok(gap > 0, `${name}: the legend shows the gap colour`);
  for (const [need, access] of [[2, 0], [1, 1], [0, 2]]) {
    const cell = await p.locator('#legend .bivariate .cell').nth((2 - need) * 3 + access).boundingBox();
    const px = [...region(img, { x: cell.x + cell.width / 2, y: cell.y + cell.height / 2, width: 0.5, height: 0.5 }, SCALE).slice(0, 3)];
    assert.ok(near(px, hex(BIVARIATE[need][access]), 6), `${name}: legend cell ${need},${access} is ${BIVARIATE[need][access]} on screen, got ${px}`);
  }

  // The screenshot: the open map between the title and the legend shows the gap-map fills.
  const top = Math.ceil(Math.max(title.y + title.height, nav.y + nav.height)) + 2;
  const band = { x: 0, y: top, width: vp.width, height: Math.floor(legend.y) - 2 - top };
  assert.ok(band.height > 40, `${name}: some map is open between the title and the legend (${band.height} px)`);
  const m = region(img, band, SCALE);
  const fills = BIVARIATE.slice(1).flat().concat(BIVARIATE[0][0]).map(hex);
  const seen = new Array(fills.length).fill(0);
  for (let i = 0; i < m.length; i += 4) {
    const c = [m[i], m[i + 1], m[i + 2]];
    const k = fills.findIndex((f) => near(c, f, 28));
    if (k >= 0) seen[k]++;
  }
  const total = seen.reduce((a, b) => a + b, 0) / (m.length / 4);
  const kinds = seen.filter((s) => s / (m.length / 4) > 0.005).length;
  assert.ok(total > 0.15 && kinds >= 3, `${name}: the map shows area fills (${(total * 100).toFixed(1)} % of the open map, ${kinds} classes)`);
  return { legend, title, share, fills: total };
}

/** Open the panel with the toggle: the controls over the map, scrollable, focus goes on into it. */
async function checkOpen(p, vp, name) {
  const toggle = p.locator('#panel-toggle');
  await toggle.focus();
  await p.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true', `${name}: the toggle says the panel is open`);
  assert.match(await toggle.textContent(), /Map/);
  assert.equal(await p.locator('.panel').isVisible(), true, `${name}: the panel is shown`);
  assert.equal(await p.locator('#search').isVisible(), true, `${name}: the search is shown`);
  const panel = await p.locator('.panel').boundingBox();
  assert.ok(inside(panel, vp), `${name}: the panel ${JSON.stringify(panel)} is inside the viewport`);
  assert.ok(panel.height >= vp.height - 1, `${name}: the panel is full height`);
  const toggleBox = await toggle.boundingBox();
  assert.equal(await uncoveredAtCentre(p, '#panel-toggle'), true, `${name}: the toggle stays on top of the panel`);
  assert.equal(await uncoveredAtCentre(p, '#search'), true, `${name}: the controls are over the map`);
  const search = await p.locator('#search').boundingBox();
  assert.ok(!overlaps(search, toggleBox), `${name}: the toggle is clear of the first control`);
  // The legend is back in the panel, below the map controls.
  const legend = await p.locator(LEGEND).boundingBox();
  assert.ok(legend.y > search.y, `${name}: the legend is in the panel`);
  assert.equal(await noSideScroll(p), true, `${name}: no horizontal scroll with the panel open`);
  // Keyboard: the next Tab goes into the panel.
  await p.keyboard.press('Tab');
  assert.equal(await p.evaluate(() => document.querySelector('.panel').contains(document.activeElement)), true,
    `${name}: Tab from the toggle goes into the panel`);
  // The panel scrolls to its last section.
  const scroll = await p.evaluate(() => {
    const e = document.querySelector('.panel');
    e.scrollTop = e.scrollHeight;
    return { top: e.scrollTop, scrollHeight: e.scrollHeight, clientHeight: e.clientHeight };
  });
  assert.ok(scroll.scrollHeight > scroll.clientHeight && scroll.top > 0, `${name}: the panel scrolls ${JSON.stringify(scroll)}`);
  const last = await p.locator('.panel > section:last-child').boundingBox();
  assert.ok(last.y + last.height <= vp.height + 1 && last.y + last.height > 0,
    `${name}: the end of the last section (${JSON.stringify(last)}) is scrolled into view`);
  await shot(p, `layout-${name}-open-scrolled`);
  await p.evaluate(() => { document.querySelector('.panel').scrollTop = 0; });
  await shot(p, `layout-${name}-open`);
  // Closing returns to the map.
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false', `${name}: closed again`);
  assert.equal(await p.locator('.panel').isVisible(), false, `${name}: the panel is hidden again`);
  assert.equal(await uncoveredAtCentre(p, LEGEND), true, `${name}: the legend is back over the map`);
}

for (const [name, vp] of Object.entries(COMPACT)) {
  test(`compact layout at ${vp.width} x ${vp.height} (${name}): panel behind a toggle, legend over the map`, async () => {
    const errors = [];
    const p = await openPage(s.browser, errors, vp, { deviceScaleFactor: 2 });
    await p.goto(`${s.base}#${HASH}`);
    await settled(p);
    const figures = await checkClosed(p, vp, name, `layout-${name}`);
    console.log(`# ${name}: map ${(figures.share * 100).toFixed(1)} % of the viewport, legend ${Math.round(figures.legend.width)} x ${Math.round(figures.legend.height)} px at y ${Math.round(figures.legend.y)}, area fills ${(figures.fills * 100).toFixed(1)} % of the open map`);
    await checkOpen(p, vp, name);
    await settled(p);
    await checkClosed(p, vp, `${name} after closing`);
    // Choosing an area from the ranked list in the open panel shows the map with its profile.
    await p.locator('#panel-toggle').click();
    await p.locator('ol.gap-list button').first().click();
    assert.equal(await p.locator('#panel-toggle').getAttribute('aria-expanded'), 'false', `${name}: the map is shown after choosing an area`);
    await settled(p);
    await p.locator('.maplibregl-popup').waitFor({ timeout: 10000 });
    const popup = await p.locator('.maplibregl-popup-content').boundingBox();
    assert.ok(inside(popup, vp), `${name}: the profile popup ${JSON.stringify(popup)} fits on the screen`);
    assert.equal(await noSideScroll(p), true, `${name}: no horizontal scroll with a popup`);
    await shot(p, `layout-${name}-popup`);
    assert.deepEqual(errors, [], `${name}: no console errors`);
    await p.context().close();
  });
}

test('desktop 1366 x 768 keeps the side panel and has no toggle', async () => {
  const errors = [];
  const p = await openPage(s.browser, errors);
  await p.goto(`${s.base}#${HASH}`);
  await settled(p);
  assert.equal(await p.locator('#panel-toggle').isVisible(), false, 'no toggle on a desktop');
  assert.equal(await p.locator('.panel').isVisible(), true, 'the panel is shown');
  const panel = await p.locator('.panel').boundingBox();
  const map = await p.locator('#map').boundingBox();
  assert.equal(panel.x, 0);
  assert.ok(Math.abs(map.x - (panel.x + panel.width)) <= 1, 'the map starts where the panel ends');
  const legend = await p.locator(LEGEND).boundingBox();
  assert.ok(legend.x + legend.width <= panel.x + panel.width + 1, 'the legend is in the panel');
  assert.equal(await noSideScroll(p), true);
  assert.deepEqual(errors, []);
  await p.context().close();
});
