import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classExpression, decileExpression, bivariateExpression } from '../../../web/js/layers.js';
import { classify, classOf } from '../../../web/js/classify.js';
import { NO_DATA, DECILE_COLOURS } from '../../../web/js/palettes.js';

/** Evaluate the `step` part of a classExpression for a number, as MapLibre does. */
function evalStep(expr, v) {
  const step = expr[2];
  let out = step[2];
  for (let i = 3; i < step.length; i += 2) if (v >= step[i]) out = step[i + 1];
  return out;
}

test('step expression has strictly ascending stops even with empty classes', () => {
  const values = [0, 1, 2, 100]; // equal interval 4 classes: [0,25],(25,50],(50,75],(75,100]: two empty
  const c = classify(values, 'equal', 4);
  assert.deepEqual(c.counts, [3, 0, 0, 1]);
  const colours = ['a', 'b', 'c', 'd'];
  const expr = classExpression('x', c, colours);
  const stops = expr[2].slice(3).filter((_, i) => i % 2 === 0);
  for (let i = 1; i < stops.length; i++) assert.ok(stops[i] > stops[i - 1], `stops ${stops}`);
  for (const v of values) assert.equal(evalStep(expr, v), colours[classOf(c.breaks, v)], `value ${v}`);
  assert.equal(expr[3], NO_DATA);
});

test('no classes gives the no-data colour; deciles and bivariate cells are all mapped', () => {
  assert.equal(classExpression('x', classify([], 'jenks', 5), ['a']), NO_DATA);
  const d = decileExpression('imd_decile');
  const match = d[2];
  assert.equal((match.length - 3) / 2, 10);
  assert.equal(match[2], 1);
  assert.equal(match[3], DECILE_COLOURS[0]);
  const b = bivariateExpression();
  assert.equal((b.length - 3) / 2, 9);
});
