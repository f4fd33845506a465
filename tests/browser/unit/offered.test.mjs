import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offeredCategories, offeredTiers } from '../../../web/js/offered.js';
import { plainError, plainNote } from '../../../web/js/errors.js';
import { ApiError } from '../../../web/js/api.js';

const categories = [
  { id: 'gp', tier: '1', services: 147, services_shown: 147 },
  { id: 'refuge', tier: '3', services: 4, services_shown: 0 },
  { id: 'empty', tier: 'acute', services: 0, services_shown: 0 },
  { id: 'hub', tier: '2', services: 8 },
];
const tiers = ['0', '1', '2', '3', 'acute'].map((id) => ({ id, label: `Tier ${id}` }));

test('categories and tiers without services shown are not offered', () => {
  assert.deepEqual(offeredCategories(categories).map((c) => c.id), ['gp', 'hub']);
  assert.deepEqual(offeredTiers(tiers, categories).map((t) => t.id), ['1', '2']);
  // Without counts or tiers nothing is hidden.
  assert.deepEqual(offeredCategories([{ id: 'x' }]).map((c) => c.id), ['x']);
  assert.equal(offeredTiers(tiers, [{ id: 'x' }]).length, 5);
});

test('errors are plain sentences, never URLs, codes or commands', () => {
  const cases = [
    new ApiError('api/areas/ward.geojson', 0, 'cannot reach the server (Failed to fetch)'),
    new ApiError('api/areas/ward.geojson', 404, 'no such level'),
    new ApiError('api/areas/ward.geojson', 400, 'Check `needmap check`'),
    new ApiError('api/areas/ward.geojson', 503, 'busy'),
    new ApiError('api/areas/ward.geojson', 500, 'Check `needmap check` for details'),
    new Error('boom'),
  ];
  for (const e of cases) {
    const text = plainError(e, 'the wards');
    assert.match(text, /^[A-Z][^`]*\.$/, text);
    assert.doesNotMatch(text, /needmap check|api\/|HTTP|\d{3}/, text);
  }
  assert.match(plainError(cases[0], 'the wards'), /Could not reach the map server/);
  assert.equal(plainNote('Tiers follow the council model. Check `needmap check` for details.'), 'Tiers follow the council model.');
  assert.equal(plainNote(''), '');
});
