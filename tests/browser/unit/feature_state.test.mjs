import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stateExpression, featureStates, sameShapes, changedStates } from '../../../web/js/feature_state.js';
import { classExpression, decileExpression, bivariateExpression } from '../../../web/js/layers.js';

test('every get of a colour expression reads feature state, and the fields are listed once', () => {
  const e = classExpression('imd_score', { breaks: [1, 2, 3], thresholds: [2, 3] }, ['#a', '#b', '#c']);
  const { expression, fields } = stateExpression(e);
  assert.deepEqual(fields, ['imd_score']);
  assert.doesNotMatch(JSON.stringify(expression), /"get"/);
  assert.equal(JSON.stringify(expression), JSON.stringify(e).replaceAll('["get","imd_score"]', '["feature-state","imd_score"]'));
  assert.deepEqual(stateExpression(decileExpression('imd_decile')).fields, ['imd_decile']);
  assert.deepEqual(stateExpression(bivariateExpression()).fields, ['_bivariate']);
  assert.deepEqual(stateExpression('#d9d9d9'), { expression: '#d9d9d9', fields: [] });
  // The input is left as it was.
  assert.match(JSON.stringify(e), /"get","imd_score"/);
});

test('feature states carry the fields by area code, with null for missing and non-finite values', () => {
  const features = [
    { properties: { code: 'A', x: 1.5, y: 'n' } },
    { properties: { code: 'B', x: NaN } },
    { properties: { x: 3 } },
  ];
  assert.deepEqual(featureStates(features, ['x']), [['A', { x: 1.5 }], ['B', { x: null }]]);
  assert.deepEqual(featureStates(features, []), [['A', {}], ['B', {}]]);
});

test('same shapes means the same geometry objects for the same codes in the same order', () => {
  const g1 = { type: 'Point', coordinates: [0, 0] };
  const g2 = { type: 'Point', coordinates: [1, 1] };
  const a = { features: [{ geometry: g1, properties: { code: 'A' } }, { geometry: g2, properties: { code: 'B' } }] };
  const b = { features: [{ geometry: g1, properties: { code: 'A', v: 2 } }, { geometry: g2, properties: { code: 'B', v: 3 } }] };
  assert.equal(sameShapes(a, b), true);
  const copy = { features: [{ geometry: { ...g1 }, properties: { code: 'A' } }, b.features[1]] };
  assert.equal(sameShapes(a, copy), false, 'an equal but new geometry object is re-tiled');
  assert.equal(sameShapes(a, { features: [b.features[1], b.features[0]] }), false);
  assert.equal(sameShapes(a, { features: [b.features[0]] }), false);
  assert.equal(sameShapes(undefined, b), false);
});

test('changedStates sends only the states that differ from what was painted', () => {
  const painted = new Map();
  const a = [{ properties: { code: 'A', x: 1, y: 'p' } }, { properties: { code: 'B', x: 2, y: 'q' } }];
  assert.deepEqual(changedStates(a, ['x', 'y'], painted), [['A', { x: 1, y: 'p' }], ['B', { x: 2, y: 'q' }]]);
  assert.deepEqual(changedStates(a, ['x', 'y'], painted), [], 'nothing changed, nothing sent');
  const b = [{ properties: { code: 'A', x: 1, y: 'p' } }, { properties: { code: 'B', x: 3, y: 'q' } }];
  assert.deepEqual(changedStates(b, ['x', 'y'], painted), [['B', { x: 3, y: 'q' }]]);
  const c = [{ properties: { code: 'A', x: 1, y: 'p' } }, { properties: { code: 'B', y: 'q' } }];
  assert.deepEqual(changedStates(c, ['x', 'y'], painted), [['B', { x: null, y: 'q' }]], 'a value that goes missing is sent as null');
  assert.deepEqual(changedStates(c, ['x', 'y'], painted), []);
  assert.deepEqual(changedStates(c, ['x'], null), [['A', { x: 1 }], ['B', { x: null }]], 'without a record everything is sent');
});
