import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, deltaE, lab, chroma, hexRgb, closestPair } from '../colourvision.mjs';
import { BIVARIATE } from '../../../web/js/palettes.js';

test('the simulation and colour difference behave as published', () => {
  // Greys are unchanged by the Machado matrices (their rows sum to 1).
  for (const g of [0, 128, 255]) {
    for (const k of ['protanopia', 'deuteranopia']) {
      simulate([g, g, g], k).forEach((v) => assert.ok(Math.abs(v - g) < 0.6, `${k} ${g}: ${v}`));
    }
  }
  // Red and green, far apart normally, collapse for a deuteranope.
  assert.ok(deltaE([200, 30, 30], [30, 160, 30]) > 80);
  assert.ok(deltaE(simulate([200, 30, 30], 'deuteranopia'), simulate([30, 160, 30], 'deuteranopia')) < 40);
  // CIE L*a*b* of white and black.
  assert.deepEqual(lab([255, 255, 255]).map((v) => Math.round(v) + 0), [100, 0, 0]);
  assert.deepEqual(lab([0, 0, 0]).map((v) => Math.round(v) + 0), [0, 0, 0]);
  assert.ok(chroma([128, 128, 128]) < 0.01);
});

test('the bivariate palette stays distinguishable under protanopia and deuteranopia', () => {
  const cells = BIVARIATE.flat().map(hexRgb);
  for (const kind of ['normal', 'protanopia', 'deuteranopia']) {
    const seen = cells.map((c) => simulate(c, kind));
    const { d, i, j } = closestPair(seen);
    assert.ok(d >= 10, `${kind}: cells ${i} and ${j} differ by only ${d.toFixed(1)}`);
    // The gap (high need, low access) is the most salient: farthest from the white page.
    const salience = seen.map((c) => deltaE(c, [255, 255, 255]));
    assert.equal(salience.indexOf(Math.max(...salience)), 6, `${kind}: ${salience.map((x) => x.toFixed(0))}`);
    // Low-need cells are muted: less chroma than any high-need cell.
    const low = Math.max(...seen.slice(0, 3).map(chroma));
    const high = Math.min(...seen.slice(6, 9).map(chroma));
    assert.ok(low < high, `${kind}: low-need chroma ${low.toFixed(0)} vs high-need ${high.toFixed(0)}`);
  }
});
