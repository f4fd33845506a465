import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MapBatch } from '../../../web/js/map_batch.js';

test('changes run at once when nothing holds the batch', () => {
  const b = new MapBatch();
  const seen = [];
  b.run('a', () => seen.push('a'));
  assert.deepEqual(seen, ['a']);
});

test('held changes wait for the last release, the latest of a key wins, each runs once', () => {
  const b = new MapBatch();
  const seen = [];
  const r1 = b.hold();
  const r2 = b.hold();
  b.run('sites', () => seen.push('sites 1'));
  b.run('services', () => seen.push('services'));
  b.run('sites', () => seen.push('sites 2'));
  r1();
  r1(); // a second call does not release the other hold
  assert.deepEqual(seen, []);
  r2();
  assert.deepEqual(seen, ['sites 2', 'services']);
  b.flush();
  assert.deepEqual(seen, ['sites 2', 'services']);
});

test('a failing change does not stop the others', () => {
  const b = new MapBatch();
  const seen = [];
  const warn = console.warn;
  console.warn = () => {};
  const r = b.hold();
  b.run('x', () => { throw new Error('boom'); });
  b.run('y', () => seen.push('y'));
  r();
  console.warn = warn;
  assert.deepEqual(seen, ['y']);
});
