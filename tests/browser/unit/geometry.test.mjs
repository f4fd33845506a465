import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bbox, labelPoint, inPolygon, polygons, ringArea } from '../../../web/js/geometry.js';

const sq = (x, y, s = 1) => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

test('bbox and ring area', () => {
  assert.deepEqual(bbox({ type: 'Polygon', coordinates: [sq(1, 2, 3)] }), [1, 2, 4, 5]);
  assert.equal(ringArea(sq(0, 0, 2)), 4);
  assert.equal(bbox({ type: 'FeatureCollection', features: [] }), null);
});

test('label point of a U shape is inside it', () => {
  const u = { type: 'Polygon', coordinates: [[[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]] };
  const p = labelPoint(u);
  assert.ok(inPolygon(p, u.coordinates), `${p} outside`);
});

test('every Bradford ward label point lies inside its ward', (t) => {
  const path = new URL('../../../../shared/geodata/bradford/wards.geojson', import.meta.url);
  let wards;
  try { wards = JSON.parse(readFileSync(path)); } catch { t.skip('data pack ../shared/geodata/bradford not found'); return; }
  for (const f of wards.features) {
    const p = labelPoint(f.geometry);
    assert.ok(polygons(f.geometry).some((poly) => inPolygon(p, poly)), f.properties.WD13NM);
  }
});
