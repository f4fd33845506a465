import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chosenVintages, changeParams, changeExpression, classCounts, emergingGaps, seriesScores, sparklineSvg, trendTitle, CHANGE_COLOURS } from '../../../web/js/trend.js';
import { parseHash, formatHash, DEFAULTS } from '../../../web/js/state.js';

const series = {
  id: 'imd',
  vintages: [
    { vintage: '2015', score: 'imd2015_score', decile: 'imd2015_decile' },
    { vintage: '2019', score: 'imd_score', decile: 'imd_decile' },
    { vintage: '2025', score: 'imd2025_score', decile: 'imd2025_decile' },
  ],
  levels: ['lsoa', 'ward'],
};
const raw = { change: { series: [series] } };

test('vintages default to the oldest and newest and never compare one with itself', () => {
  assert.deepEqual(chosenVintages(series, '', ''), { from: '2015', to: '2025' });
  assert.deepEqual(chosenVintages(series, '2019', '2025'), { from: '2019', to: '2025' });
  assert.deepEqual(chosenVintages(series, '2019', '2019'), { from: '2019', to: '2015' });
  assert.deepEqual(chosenVintages(series, '1999', 'x'), { from: '2015', to: '2025' });
  assert.equal(chosenVintages({ id: 'one', vintages: [{ vintage: '2020' }] }, '', ''), null);
  assert.deepEqual(changeParams(series, '2019', ''), { series: 'imd', change_from: '2019', change_to: '2025' });
  assert.deepEqual(changeParams(null, '', ''), {});
  assert.equal(trendTitle(raw, { trendFrom: '', trendTo: '' }), 'Need over time: IMD 2015 to 2025');
});

test('the change classes are coloured on a diverging palette, no data grey', () => {
  const e = changeExpression();
  assert.equal(e[0], 'match');
  assert.deepEqual(e[1], ['get', 'change_class']);
  assert.equal(e[e.indexOf('need-rose') + 1], CHANGE_COLOURS['need-rose']);
  assert.equal(e[e.length - 1], CHANGE_COLOURS['no-data']);
  assert.notEqual(CHANGE_COLOURS['need-rose'], CHANGE_COLOURS['need-fell']);
  const f = (props) => ({ properties: props });
  const features = [f({ change_class: 'need-rose', emerging_gap: 1, change_rank: 5 }), f({ change_class: 'need-rose', emerging_gap: 1, change_rank: 2 }),
    f({ change_class: 'no-change', emerging_gap: 0 }), f({ change_class: null }), f({ change_class: 'need-fell' })];
  assert.deepEqual(classCounts(features), { 'need-rose': 2, 'no-change': 1, 'need-fell': 1, 'no-data': 1 });
  assert.deepEqual(emergingGaps(features).map((x) => x.properties.change_rank), [2, 5]);
});

test('the sparkline has one point per known score and says the values', () => {
  const pts = seriesScores(series, { imd2015_score: 20.04, imd_score: 25, imd2025_score: null });
  assert.deepEqual(pts, [{ vintage: '2015', value: 20.04 }, { vintage: '2019', value: 25 }, { vintage: '2025', value: null }]);
  const svg = sparklineSvg(pts);
  assert.match(svg, /aria-label="score: 2015 20\.0, 2019 25\.0"/);
  assert.equal((svg.match(/<circle/g) || []).length, 2);
  assert.equal(sparklineSvg([{ vintage: '2015', value: 3 }]), '', 'one value is no line');
  // Higher score (more need) is drawn higher (smaller y).
  const ys = [...sparklineSvg([{ vintage: '2015', value: 1 }, { vintage: '2025', value: 9 }]).matchAll(/cy="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.ok(ys[1] < ys[0]);
});

test('the trend view and its vintages go in the hash', () => {
  const s = parseHash('#view=trend&from=2019&to=2025');
  assert.equal(s.view, 'trend');
  assert.equal(s.trendFrom, '2019');
  assert.equal(s.trendTo, '2025');
  assert.match(formatHash({ ...DEFAULTS, view: 'trend', trendFrom: '2015', trendTo: '2025' }), /view=trend.*from=2015&to=2025/);
});
