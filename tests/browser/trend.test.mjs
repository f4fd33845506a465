// Browser test of need over time (issue 13, web/js/trend.js): the change map of IMD 2019 -> 2025
// by LSOA, its legend (classes with counts and the caveat that ranks of different editions are
// not compared), a known LSOA whose decile fell drawn in the "need rose" colour (screenshot
// pixel and rendered feature), the profile popup's sparkline of the three IMD scores, and the
// emerging gaps for family hubs by ward (listed and outlined). Screenshots go to
// target/screenshots/trend-*.png.
//
//   NEEDMAP_BIN=target/release/needmap node tests/browser/trend.test.mjs
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { session, hex, near, openPage, settled, shot, pixelAt } from './harness.mjs';
import { CHANGE_COLOURS } from '../../web/js/trend.js';

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
