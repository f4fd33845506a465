import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryLines, decileTables, thresholdWords, aCategory, residents } from '../../../web/js/scenario/summary.js';

const d = (baseline, scenario) => ({ baseline, scenario, change: scenario - baseline });

/** A summary as `crate::scenario::Summary` serialises it. */
const SUMMARY = {
  level: 'ward', origin_level: 'oa', category: 'family_hub', method: '2sfca', equity_indicator: 'imd_decile',
  thresholds: [
    {
      threshold: '20min', gained_population: 12345.4, lost_population: 0, gained_children: 2345.2, lost_children: 0,
      share: d(0.612, 0.6305),
      by_decile: [
        { decile: 2, gained_population: 300, lost_population: 0, gained_children: 80, lost_children: 0 },
        { decile: 1, gained_population: 11045.4, lost_population: 0, gained_children: 2000.2, lost_children: 0 },
        { decile: 5, gained_population: 0, lost_population: 0, gained_children: 0, lost_children: 0 },
        { decile: null, gained_population: 1000, lost_population: 0, gained_children: 265, lost_children: 0 },
      ],
    },
    { threshold: '1.6km', gained_population: 0, lost_population: 0, gained_children: 0, lost_children: 0, share: d(0.5, 0.5), by_decile: [] },
  ],
  unmet_need: d(23456.7, 21000.2),
  gap_areas: [10, 9], improved: 5, worse: 1, unchanged: 24,
  most_improved: [{ code: 'E05001', name: 'Bowling and Barkerend', unmet_need: d(3000, 1765), access: d(1, 2) }],
  worse_areas: [{ code: 'E05002', name: 'Tong', unmet_need: d(100, 112), access: d(2, 1.9) }],
  oversubscribed: [{ id: 'fh-3', name: 'Hub Three', ratio: d(0.00021, 0.00018) }],
  sentences: [], notes: [],
};

test('thresholds, categories and counts in words', () => {
  assert.equal(thresholdWords('20min'), '20 minutes');
  assert.equal(thresholdWords('20min', 'drive'), '20 minutes (drive)');
  assert.equal(thresholdWords('1min'), '1 minute');
  assert.equal(thresholdWords('1.6km'), '1.6 km');
  assert.equal(thresholdWords('800m'), '800 m');
  assert.equal(thresholdWords('1600m'), '1.6 km');
  assert.equal(thresholdWords('2000m'), '2 km');
  assert.equal(thresholdWords('odd'), 'odd');
  assert.equal(aCategory('GP surgery'), 'a GP surgery');
  assert.equal(aCategory("Family hub / children's centre"), "a family hub / children's centre");
  assert.equal(aCategory('Optician'), 'an optician');
  assert.equal(aCategory(''), 'a site');
  assert.equal(residents(1), '1 resident');
  assert.equal(residents(12345.4), '12,345 residents');
});

test('the summary in plain words, with thousands separators and units', () => {
  const lines = summaryLines(SUMMARY, { what: 'a family hub', plural: 'wards', mode: 'drive' });
  assert.deepEqual(lines, [
    '12,345 residents (2,345 children) are newly within 20 minutes (drive) of a family hub; nobody loses that. Share of residents within reach: 61.2% now, 63.1% with the scenario.',
    'Within 1.6 km of a family hub: nobody gains or loses access. Share of residents within reach: 50.0% now, 50.0% with the scenario.',
    'Unmet need (people in need who lack access) falls by 2,457 people: 23,457 now, 21,000 with the scenario.',
    'High-need, low-access wards: 10 now, 9 with the scenario. 5 improve, 1 get worse, 24 are unchanged.',
    'Improving most: Bowling and Barkerend (1,235 fewer in unmet need).',
    'Getting worse: Tong (12 more in unmet need).',
    'More over-subscribed (less capacity per person in the catchment): Hub Three (2.10 → 1.80 per 10,000 people in reach).',
  ]);
  const quiet = summaryLines({ ...SUMMARY, thresholds: [], worse_areas: [], most_improved: [], oversubscribed: [], unmet_need: d(5, 5.2) }, { plural: 'wards' });
  assert.deepEqual(quiet.slice(0, 1), ['Unmet need (people in need who lack access) does not change: 5 now, 5 with the scenario.']);
  assert.ok(quiet.includes('No ward gets worse.'));
  assert.ok(quiet.includes('No service becomes more over-subscribed.'));
  assert.deepEqual(summaryLines({}, {}).slice(-2), ['No area gets worse.', 'No service becomes more over-subscribed.']);
});

test('a loss of access is said with who loses it', () => {
  const lost = { ...SUMMARY.thresholds[0], gained_population: 0, gained_children: 0, lost_population: 4321, lost_children: 1 };
  assert.match(summaryLines({ thresholds: [lost] }, { what: 'a library' })[0],
    /^Nobody is newly within 20 minutes of a library; 4,321 residents \(1 child\) are no longer\./);
  const both = { ...lost, gained_population: 1, gained_children: 1 };
  assert.match(summaryLines({ thresholds: [both] }, { what: 'a library' })[0],
    /^1 resident \(1 child\) is newly within 20 minutes of a library; 4,321 residents \(1 child\) are no longer\./);
});

test('who gains, by IMD national decile (most deprived first, unknown last, empty rows left out)', () => {
  const tables = decileTables(SUMMARY, { mode: 'walk' });
  assert.equal(tables.length, 1, 'thresholds without a change have no table');
  assert.equal(tables[0].threshold, '20 minutes (walk)');
  assert.deepEqual(tables[0].rows.map((r) => [r.decile, Math.round(r.gained), Math.round(r.gainedChildren), r.lost]),
    [['1', 11045, 2000, 0], ['2', 300, 80, 0], ['unknown', 1000, 265, 0]]);
});
