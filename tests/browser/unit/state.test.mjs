import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHash, formatHash, DEFAULTS } from '../../../web/js/state.js';

test('hash round-trips every field', () => {
  const s = {
    ...DEFAULTS, level: 'lsoa', indicator: 'income_score_pct', view: 'gaps', classification: 'jenks',
    classes: 7, palette: 'magma', category: 'gp', tier: '1', method: '2sfca', services: false, tiles: true,
    zoom: 12.25, center: [-1.75, 53.8],
  };
  const h = formatHash(s);
  assert.match(h, /level=lsoa/);
  assert.match(h, /c=-1\.7500,53\.8000/);
  assert.deepEqual(parseHash(h), s);
});

test('empty and malformed hashes fall back to defaults', () => {
  assert.deepEqual(parseHash(''), { ...DEFAULTS });
  const s = parseHash('#k=99&class=bogus&view=x&z=abc&c=500,1&level=<script>&services=0');
  assert.equal(s.classes, DEFAULTS.classes);
  assert.equal(s.classification, DEFAULTS.classification);
  assert.equal(s.view, DEFAULTS.view);
  assert.equal(s.zoom, null);
  assert.equal(s.center, null);
  assert.equal(s.level, DEFAULTS.level);
  assert.equal(s.services, false);
});

test('the open scenario and the change view are part of the shared link', () => {
  const s = parseHash('#level=ward&view=change&scenario=hub-in-bowling&category=family_hub');
  assert.equal(s.view, 'change');
  assert.equal(s.scenario, 'hub-in-bowling');
  assert.match(formatHash(s), /scenario=hub-in-bowling/);
  assert.doesNotMatch(formatHash({ ...s, scenario: '' }), /scenario=/, 'the baseline has no scenario key');
  assert.equal(parseHash('#scenario=<x>').scenario, '', 'a malformed id is ignored');
  assert.equal(parseHash('#edit=token123456').scenario, '', 'the editor token is not view state');
});
