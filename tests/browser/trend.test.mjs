// Browser test of need over time (issue 13, web/js/trend.js): the change map of IMD 2019 -> 2025
// by LSOA, its legend (classes with counts and the caveat that ranks of different editions are
// not compared), a known LSOA whose decile fell drawn in the "need rose" colour (screenshot
// pixel and rendered feature), the profile popup's sparkline of the three IMD scores, and the
// emerging gaps for family hubs by ward (listed and outlined); and the gap map from where people
// live (web/js/squares.js): 500 m squares of the postcode units for family hubs, drawn in their
// gap-class colour, counted and ranked, with what the disclosure rule withheld. Screenshots go to
// target/screenshots/trend-*.png and squares-*.png.
//
//   NEEDMAP_BIN=target/release/needmap node tests/browser/trend.test.mjs
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { session, hex, near, openPage, settled, shot, pixelAt } from './harness.mjs';
import { CHANGE_COLOURS } from '../../web/js/trend.js';
import { BIVARIATE } from '../../web/js/palettes.js';

const s = session(before, after);

// Bradford 016A: IMD decile 8 in 2019, 7 in 2025 (imd_trend_lsoa.csv): need rose.
const ROSE = 'E01010568';

test('the change map colours an LSOA whose decile fell as need rose, with the caveat in the legend', async () => {
  const errors = [];
  const p = await openPage(s.browser, errors);
  await p.goto(`${s.base}#level=lsoa&view=trend&from=2019&to=2025`);
  await settled(p);
  assert.equal(await p.isVisible('#trend-controls'), true, 'the vintage control shows in the trend view');
  assert.equal(await p.inputValue('#trend-from'), '2019');
  assert.equal(await p.inputValue('#trend-to'), '2025');
  const legend = await p.textContent('#legend');
  assert.match(legend, /Need over time: IMD 2019 to 2025/);
  assert.match(legend, /Ranks of different editions are not compared; deciles are relative to England in each edition/);
  assert.match(legend, /Need rose\s*47/, legend);
  assert.match(legend, /No data\s*2/, 'the two split LSOAs are no data');
  assert.match(await p.textContent('#map-title'), /Need over time: IMD 2019 to 2025, by LSOA/i);
  await shot(p, 'trend-lsoa-2019-2025');

  // Zoom to the LSOA and read the pixel at its label point.
  const point = await p.evaluate(async (code) => {
    const { labelPoint, bbox } = await import('./js/geometry.js');
    const f = window.needmap.byCode.get(code);
    const b = bbox(f);
    window.needmap.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 120, duration: 0 });
    return { lngLat: labelPoint(f.geometry), cls: f.properties.change_class };
  }, ROSE);
  assert.equal(point.cls, 'need-rose');
  await settled(p);
  const xy = await p.evaluate((ll) => {
    const map = window.needmap.map;
    const px = map.project(ll);
    const r = map.getCanvas().getBoundingClientRect();
    const hit = map.queryRenderedFeatures([px.x, px.y], { layers: [window.needmap.areaLayer()] }).map((f) => f.properties.code);
    // The fill's opacity at this zoom (layers.js: 0.9 at zoom 9 to 0.72 at 14), over a light basemap.
    const z = Math.min(14, Math.max(9, map.getZoom()));
    return { x: r.left + px.x, y: r.top + px.y, hit, opacity: 0.9 + (z - 9) / 5 * (0.72 - 0.9) };
  }, point.lngLat);
  assert.ok(xy.hit.includes(ROSE), `rendered feature under the point: ${xy.hit}`);
  const rgb = await pixelAt(p, xy.x + 3, xy.y + 3);
  const expected = hex(CHANGE_COLOURS['need-rose']).map((c) => xy.opacity * c + (1 - xy.opacity) * 255);
  assert.ok(near(rgb, expected, 20), `pixel ${rgb} is the "need rose" colour ${CHANGE_COLOURS['need-rose']} at opacity ${xy.opacity.toFixed(2)} (${expected.map(Math.round)})`);
  // And far from the other classes' colours.
  for (const other of ['no-change', 'need-fell']) {
    const o = hex(CHANGE_COLOURS[other]).map((c) => xy.opacity * c + (1 - xy.opacity) * 255);
    assert.ok(!near(rgb, o, 60), `pixel ${rgb} is not ${other}`);
  }
  await shot(p, 'trend-lsoa-zoomed');

  // The profile popup has the sparkline of the three IMD scores.
  await p.mouse.click(xy.x, xy.y);
  await p.waitForSelector('.maplibregl-popup .sparkline', { timeout: 10000 });
  const spark = await p.evaluate(() => {
    const s = document.querySelector('.maplibregl-popup .sparkline');
    return { label: s.getAttribute('aria-label'), dots: s.querySelectorAll('circle').length, text: document.querySelector('.maplibregl-popup').textContent };
  });
  assert.equal(spark.dots, 3);
  assert.match(spark.label, /IMD score: 2015 11\.8, 2019 10\.9, 2025 12\.4/);
  assert.match(spark.text, /need rose/);
  await shot(p, 'trend-popup-sparkline');
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('emerging gaps for family hubs are listed and outlined', async () => {
  const errors = [];
  const p = await openPage(s.browser, errors);
  await p.goto(`${s.base}#level=ward&view=trend&from=2015&to=2025&category=family_hub`);
  await settled(p);
  const list = await p.textContent('#gaps');
  assert.match(list, /1 emerging gap/, list);
  assert.match(list, /Eccleshill/);
  const outlined = await p.evaluate(async () => (await window.needmap.map.getSource('emerging').getData()).features.map((f) => f.properties.code));
  assert.equal(outlined.length, 1);
  assert.match(await p.textContent('#legend'), /Dashed outline: emerging gap/);
  assert.match(await p.textContent('#legend'), /deciles 1-2/);
  await shot(p, 'trend-ward-family-hub');
  // The print link of this view prints the change map.
  assert.match(await p.getAttribute('#print-a4', 'href'), /change_from=2015&change_to=2025/);
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('the gap map from where people live: 500 m squares for family hubs', async () => {
  const errors = [];
  const p = await openPage(s.browser, errors);
  await p.goto(`${s.base}#level=ward&view=gaps&category=family_hub&method=nearest&sq=500`);
  await settled(p);
  assert.equal(await p.isVisible('#squares'), true, 'the square control shows on a server with postcodes');
  assert.equal(await p.inputValue('#squares'), '500');
  // 898 squares of 500 m hold a postcode origin; 576 hold 100 residents and 3 postcode units.
  const legend = await p.textContent('#legend');
  assert.match(legend, /576 squares of 500 m, measured from where people live/, legend);
  assert.match(legend, /322 squares with fewer than 100 residents or 3 postcode units \([\d,]+ residents\) are not shown/, legend);
  const drawn = await p.evaluate(() => {
    const map = window.needmap.map;
    return { visible: map.getLayoutProperty('squares-fill', 'visibility'), rendered: map.queryRenderedFeatures({ layers: ['squares-fill'] }).length };
  });
  assert.equal(drawn.visible, 'visible');
  assert.ok(drawn.rendered > 100, `${drawn.rendered} squares rendered`);
  const list = await p.textContent('#gaps');
  assert.match(list, /Squares ranked by unmet need/);
  assert.match(list, /500 m square SE \d{3} \d{3}/);
  await shot(p, 'squares-family-hub-500m');

  // The top square: zoom to it from the list; its pixel has its class colour; its popup names it.
  await p.click('#gaps .gap-list li:first-child button');
  await p.waitForSelector('.maplibregl-popup h3', { timeout: 10000 });
  await settled(p);
  const popup = await p.textContent('.maplibregl-popup');
  assert.match(popup, /500 m square SE \d{3} \d{3}/);
  assert.match(popup, /1 among the squares/);
  assert.match(popup, /Residents \(modelled\)/);
  const top = await p.evaluate(() => {
    const map = window.needmap.map;
    const f = window.needmap.squares.drawn.data.features.find((x) => x.properties.gap_rank === 1);
    const ring = f.geometry.coordinates[0][0];
    // A point a quarter of the way in from the south-west corner (clear of the popup tip).
    const ll = [ring[0][0] + (ring[2][0] - ring[0][0]) * 0.25, ring[0][1] + (ring[2][1] - ring[0][1]) * 0.25];
    const px = map.project(ll);
    const r = map.getCanvas().getBoundingClientRect();
    const hit = map.queryRenderedFeatures([px.x, px.y], { layers: ['squares-fill'] }).map((x) => x.properties.code);
    return { code: f.properties.code, cls: f.properties._bivariate, x: r.left + px.x, y: r.top + px.y, hit };
  });
  assert.ok(top.hit.includes(top.code), `square under the point: ${top.hit}`);
  await p.evaluate(() => window.needmap.popup?.remove());
  await settled(p);
  const rgb = await pixelAt(p, top.x, top.y);
  const colour = hex(BIVARIATE[Math.floor(top.cls / 3)][top.cls % 3]).map((c) => 0.92 * c + 0.08 * 240);
  assert.ok(near(rgb, colour, 24), `pixel ${rgb} is the class colour ${colour.map(Math.round)}`);
  await shot(p, 'squares-top-square');

  // Back to areas: the squares go.
  await p.selectOption('#squares', '');
  await settled(p);
  assert.equal(await p.evaluate(() => window.needmap.map.getLayoutProperty('squares-fill', 'visibility')), 'none');
  assert.match(await p.textContent('#gaps'), /Wards ranked by unmet need/);
  assert.deepEqual(errors, []);
  await p.context().close();
});
