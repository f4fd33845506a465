import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  direction, unmetChange, changeClasses, changeExpression, withChangeClasses, rankChanges, CHANGE_COLOURS,
} from '../../../web/js/scenario/change.js';
import { siteFeatures, serviceIndex } from '../../../web/js/scenario/sites.js';
import { luminance } from '../../../web/js/palettes.js';

/** A compare row as `crate::scenario::AreaChange` serialises it. */
function row(code, before, after, status) {
  const d = (b, a) => ({ baseline: b, scenario: a, change: b === null || a === null ? null : a - b });
  return {
    code, name: `Area ${code}`, population: 1000, nearest_min: d(10, 10), access: d(1, 1), coverage: [],
    in_need: 100, unmet_need: d(before, after), gap_class: ['high-need/low-access', 'high-need/low-access'],
    gap_rank: [1, 1], status: status ?? (after < before ? 'improved' : after > before ? 'worse' : 'unchanged'),
  };
}

test('a row is improved, worse or unchanged as the server says; its unmet-need change is scenario minus baseline', () => {
  assert.equal(direction(row('a', 100, 40)), 1);
  assert.equal(direction(row('a', 100, 140)), -1);
  assert.equal(direction(row('a', 5, 5)), 0);
  assert.equal(direction(row('a', 5, 5, 'improved')), 1, 'better access with the same unmet need is still improved');
  assert.equal(direction({ code: 'a' }), null);
  assert.equal(unmetChange(row('a', 100, 40)), -60);
  assert.equal(unmetChange({ unmet_need: { baseline: 3, scenario: 5, change: null } }), 2);
  assert.equal(unmetChange({ unmet_need: { baseline: null, scenario: 5, change: null } }), null);
});

test('five classes: much improved / improved / unchanged / worse / much worse, split at the median change', () => {
  const rows = [row('a', 100, 0), row('b', 100, 90), row('c', 100, 50), row('d', 10, 10), row('e', 10, 30), row('f', 10, 11),
    row('h', 10, 10, 'improved'), { code: 'g' }];
  const { classes, counts, noData, much } = changeClasses(rows);
  assert.deepEqual(Object.fromEntries(classes), { a: 4, b: 3, c: 4, d: 2, e: 0, f: 1, h: 3 });
  assert.deepEqual(counts, [1, 1, 1, 2, 2]);
  assert.equal(noData, 1);
  assert.deepEqual(much, { improved: 50, worse: 10.5 });
  const fc = withChangeClasses([{ properties: { code: 'a' } }, { properties: { code: 'zz' } }], classes);
  assert.deepEqual(fc.map((f) => f.properties._change), [4, -1]);
  const expr = changeExpression();
  assert.equal(expr[0], 'match');
  assert.equal(expr.length, 2 + 10 + 1);
  const ranked = rankChanges(rows).map((r) => r.code);
  assert.deepEqual(ranked, ['a', 'c', 'b', 'h', 'e', 'f'], 'most improved first, then most worsened');
});

test('the change palette diverges: the middle is lightest and both ends are dark', () => {
  const y = CHANGE_COLOURS.map(luminance);
  assert.ok(y[2] > y[1] && y[1] > y[0] && y[2] > y[3] && y[3] > y[4], `luminance: ${y}`);
});

test('the overlay replays edits: new, moved (with a path from the old place) and closed sites', () => {
  const baseline = serviceIndex({ features: [
    { properties: { id: 'gp1', name: 'Surgery', category: 'gp' }, geometry: { coordinates: [-1.8, 53.8] } },
    { properties: { id: 'lib1', name: 'Library', category: 'library' }, geometry: { coordinates: [-1.7, 53.9] } },
    { properties: { name: 'no id' }, geometry: { coordinates: [0, 0] } },
  ] });
  assert.equal(baseline.size, 2);
  const fc = siteFeatures([
    { op: 'add', id: 'n1', name: 'Hub', category: 'family_hub', lon: -1.75, lat: 53.78 },
    { op: 'move', service: 'n1', lon: -1.76, lat: 53.79 },
    { op: 'move', service: 'gp1', lon: -1.81, lat: 53.81 },
    { op: 'close', service: 'lib1' },
    { op: 'add', name: 'By postcode', category: 'gp', postcode: 'BD5 7AA' },
    { op: 'close', service: 'sensitive-unknown' },
  ], baseline);
  const kinds = fc.features.map((f) => `${f.properties.kind}:${f.properties.service}`);
  assert.deepEqual(kinds, ['added:n1', 'path:gp1', 'moved:gp1', 'closed:lib1']);
  assert.deepEqual(fc.features[0].geometry.coordinates, [-1.76, 53.79], 'a new site that was moved is drawn at its new place');
  assert.deepEqual(fc.features[1].geometry.coordinates, [[-1.8, 53.8], [-1.81, 53.81]]);
  assert.equal(fc.unplaced, 2, 'postcode sites and unknown services are counted, not drawn');
});
