import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSentence } from '../../../web/js/access_words.js';

test('a floating catchment in distance says the walking time beside it, with units', () => {
  const s = accessSentence({ method: '2sfca', travel: 'walk', catchment: '2km', catchment_m: 2000, catchment_minutes: 32.5, unmet_minutes: 20 }, 'GP surgeries');
  assert.match(s, /^Access to GP surgeries: services within 2 km on foot \(about 33 minutes\), shared among the people who can reach them \(2SFCA\)/);
  assert.match(s, /district rate\.$/);
});

test('a catchment in minutes says the distance beside it; driving and E2SFCA in words', () => {
  const s = accessSentence({ method: 'e2sfca', travel: 'drive', catchment: '15min', catchment_m: 9840.4, catchment_minutes: 15, unmet_minutes: 15 }, 'libraries');
  assert.match(s, /within 15 minutes by road \(about 9\.8 km\)/);
  assert.match(s, /nearer sites counting for more \(E2SFCA\)/);
  assert.match(accessSentence({ method: '2sfca', travel: 'walk', catchment: '0.8km', catchment_m: 800, catchment_minutes: 13 }, 'x'), /within 800 m on foot \(about 13 minutes\)/);
});

test('the nearest method says the unmet-need threshold and the mode', () => {
  const s = accessSentence({ method: 'nearest', travel: 'drive', catchment: '2km', catchment_m: 2000, catchment_minutes: 5, unmet_minutes: 15 }, 'family hubs');
  assert.match(s, /^Access to family hubs: the time to the nearest one by road/);
  assert.match(s, /more than 15 minutes' drive from one\.$/);
  assert.equal(accessSentence(null, 'x'), '');
});
