import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultNeed } from '../../../web/js/need.js';

const meta = {
  child_population: 'children',
  gaps: { need_indicator: 'imd2025_decile', child_need_indicator: 'children_income_deprived_2019' },
  categories: [{ id: 'gp', serves: 'total' }, { id: 'family_hub', serves: 'children' }],
  indicators: [
    { id: 'imd2025_decile', gap_need: true, levels: ['ward', 'lsoa'] },
    { id: 'children_income_deprived_2019', gap_need: true, levels: ['ward', 'lsoa'] },
  ],
};

test('the default need follows the category: children’s services count children', () => {
  assert.equal(defaultNeed(meta, 'gp', 'ward'), 'imd2025_decile');
  assert.equal(defaultNeed(meta, 'family_hub', 'lsoa'), 'children_income_deprived_2019');
  assert.equal(defaultNeed(meta, '', 'ward'), 'imd2025_decile', 'a tier filter uses the general need');
});

test('no default where the server names none or the level does not offer it', () => {
  assert.equal(defaultNeed(meta, 'gp', 'oa'), null);
  assert.equal(defaultNeed({ ...meta, gaps: {} }, 'gp', 'ward'), null);
  const refused = { ...meta, indicators: [{ id: 'imd2025_decile', gap_need: false }] };
  assert.equal(defaultNeed(refused, 'gp', 'ward'), null);
});
