import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  slugify, freeId, newScenario, isScenarioId, nextSiteId, addEdit, moveEdit, closeEdit, capacityEdit,
  checkCapacity, EditHistory, describeEdit, addedIds, MAX_EDITS,
} from '../../../web/js/scenario/edits.js';

test('scenario ids come from names and stay valid and free', () => {
  assert.equal(slugify('Extra family hub in Bowling'), 'extra-family-hub-in-bowling');
  assert.equal(slugify('  Café & Tong / Holme Wood!! '), 'cafe-tong-holme-wood');
  assert.equal(slugify('***'), 'scenario');
  const long = slugify('x'.repeat(100));
  assert.equal(long.length, 64);
  assert.ok(isScenarioId(long));
  assert.ok(!isScenarioId('Has Capitals'));
  assert.ok(!isScenarioId(''));
  assert.ok(!isScenarioId('a'.repeat(65)));
  assert.equal(freeId('hub', ['hub', 'hub-2']), 'hub-3');
  assert.equal(freeId('hub', []), 'hub');
  const edge = freeId('y'.repeat(64), ['y'.repeat(64)]);
  assert.equal(edge, `${'y'.repeat(62)}-2`);
  assert.ok(isScenarioId(edge));
  const doc = newScenario('Hub in Bowling', ['hub-in-bowling']);
  assert.deepEqual(doc, { needmap_scenario: 1, id: 'hub-in-bowling-2', name: 'Hub in Bowling', edits: [] });
  assert.throws(() => newScenario('   '), /name/);
});

test('new edits are checked and get ids no earlier add used', () => {
  const a = addEdit([], { name: ' Hub ', category: 'family_hub', tier: '', capacity: '', lon: -1.75, lat: 53.78 });
  assert.deepEqual(a, { op: 'add', id: 'new-site-1', name: 'Hub', category: 'family_hub', capacity: 1, lon: -1.75, lat: 53.78 });
  const b = addEdit([a, { op: 'add', name: 'x', category: 'gp', lon: 0, lat: 0 }], { name: 'B', category: 'gp', tier: '2', capacity: '2.5', lon: 0, lat: 0 });
  assert.equal(b.id, 'new-site-2');
  assert.equal(b.tier, '2');
  assert.equal(b.capacity, 2.5);
  assert.equal(nextSiteId([{ op: 'add', id: 'new-site-1' }, { op: 'add', id: 'new-site-3' }]), 'new-site-2');
  assert.deepEqual(addedIds([{ op: 'close', service: 's' }, { op: 'add', name: 'n' }, { op: 'add', id: 'k' }]), ['scenario-2', 'k']);
  assert.throws(() => addEdit([], { name: '', category: 'gp', lon: 0, lat: 0 }), /name/);
  assert.throws(() => addEdit([], { name: 'x', category: '', lon: 0, lat: 0 }), /category/);
  assert.throws(() => addEdit([], { name: 'x', category: 'gp', lon: 200, lat: 0 }), /not on the map/);
  assert.throws(() => moveEdit('s1', NaN, 53), /not on the map/);
  assert.throws(() => checkCapacity('-1'), /at least 0/);
  assert.throws(() => checkCapacity('abc'), /number/);
  assert.throws(() => capacityEdit('s1', 'Infinity'), /number/);
  assert.deepEqual(capacityEdit('s1', '0'), { op: 'capacity', service: 's1', capacity: 0 });
  assert.deepEqual(closeEdit('s1'), { op: 'close', service: 's1' });
  assert.deepEqual(moveEdit('s1', -1.7, 53.8), { op: 'move', service: 's1', lon: -1.7, lat: 53.8 });
});

test('undo and redo walk the edit list; a new edit forgets what was undone', () => {
  const h = new EditHistory([{ op: 'close', service: 'a' }]);
  const e1 = closeEdit('b');
  const e2 = closeEdit('c');
  assert.equal(h.push(e1).length, 2);
  assert.equal(h.push(e2).length, 3);
  assert.deepEqual(h.undo().map((e) => e.service), ['a', 'b']);
  assert.ok(h.canRedo());
  assert.deepEqual(h.undo().map((e) => e.service), ['a']);
  assert.deepEqual(h.redo().map((e) => e.service), ['a', 'b']);
  const snap = h.snapshot();
  h.push(closeEdit('d'));
  assert.ok(!h.canRedo(), 'a new edit clears redo');
  h.restore(snap);
  assert.deepEqual(h.edits.map((e) => e.service), ['a', 'b']);
  assert.ok(h.canRedo(), 'restore brings redo back');
  assert.throws(() => h.push(moveEdit('a', 0, 0)), /already closed/);
  const returned = h.undo();
  returned.push('junk');
  assert.equal(h.edits.length, 1, 'the history never shares its array');
  const big = new EditHistory(Array.from({ length: MAX_EDITS }, (_, i) => closeEdit(`s${i}`)));
  assert.throws(() => big.push(closeEdit('x')), /at most 10,000 edits/);
});

test('edits in words', () => {
  const names = new Map([['gp-1', { name: 'Moor Lane Surgery' }]]);
  const label = (c) => ({ family_hub: 'Family hub' }[c] ?? c);
  assert.equal(describeEdit({ op: 'add', name: 'Hub', category: 'family_hub', capacity: 1, lon: -1.75, lat: 53.78 }, { categoryLabel: label }),
    'Open Hub (Family hub) at 53.7800° N, 1.7500° W');
  assert.equal(describeEdit({ op: 'add', name: 'Hub', category: 'family_hub', capacity: 2, postcode: 'BD5 7AA' }, { categoryLabel: label }),
    'Open Hub (Family hub, capacity 2) at postcode BD5 7AA');
  assert.equal(describeEdit({ op: 'move', service: 'gp-1', easting: 416500, northing: 433300 }, { names }),
    'Move Moor Lane Surgery to grid 416500 E, 433300 N');
  assert.equal(describeEdit({ op: 'close', service: 'gp-1' }, { names }), 'Close Moor Lane Surgery');
  assert.equal(describeEdit({ op: 'close', service: 'unknown-9' }, { names }), 'Close unknown-9');
  assert.equal(describeEdit({ op: 'capacity', service: 'gp-1', capacity: 1500 }, { names }), 'Set the capacity of Moor Lane Surgery to 1,500');
});
