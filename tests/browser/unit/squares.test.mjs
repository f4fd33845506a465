import { test } from 'node:test';
import assert from 'node:assert/strict';
import { squaresOffered, squaresQuery, classifySquares, squaresNote, rankSquares, squareHtml, sizeWords } from '../../../web/js/squares.js';
import { parseHash, formatHash } from '../../../web/js/state.js';

const square = (code, props) => ({ type: 'Feature', id: code, geometry: null, properties: { code, name: `500 m square ${code}`, ...props } });

test('sizes in words and the squares only where the server offers them', () => {
  assert.equal(sizeWords('250'), '250 m');
  assert.equal(sizeWords(500), '500 m');
  assert.equal(sizeWords('1000'), '1 km');
  assert.equal(squaresOffered({ grid: { available: true } }, false), true);
  assert.equal(squaresOffered({ grid: { available: true } }, true), false, 'a published copy has no server');
  assert.equal(squaresOffered({ grid: { available: false } }, false), false);
  assert.equal(squaresOffered({}, false), false);
});

test('the query keeps the gap choice, drops need over time, and sends the need only where squares count it', () => {
  const params = { category: 'family_hub', method: 'nearest', travel: 'walk', catchment: '', series: 'imd', change_from: '2015', change_to: '2025', indicator: 'imd_score' };
  assert.deepEqual(squaresQuery(params, '500', { indicatorLevels: ['lsoa', 'ward'], needLevel: 'lsoa' }),
    { cell: '500', category: 'family_hub', method: 'nearest', travel: 'walk', catchment: '', indicator: 'imd_score' });
  assert.equal(squaresQuery(params, '500', { indicatorLevels: ['ward', 'constituency'], needLevel: 'lsoa' }).indicator, undefined,
    'a need published only for coarser areas is left to the server default');
  assert.equal(squaresQuery({ category: 'gp' }, 1000).cell, '1000');
});

test('squares are classed like the gap map and counted', () => {
  const doc = {
    type: 'FeatureCollection',
    features: [
      square('A', { gap_class: 'high-need/low-access', gap_rank: 1, unmet_need: 300 }),
      square('B', { gap_class: 'low-need/high-access', gap_rank: 2, unmet_need: 10 }),
      square('C', { gap_class: 'no-data' }),
    ],
  };
  const { data, counts, noData } = classifySquares(doc);
  assert.deepEqual(data.features.map((f) => f.properties._bivariate), [6, 2, -1]);
  assert.equal(counts[2][0], 1);
  assert.equal(counts[0][2], 1);
  assert.equal(noData, 1);
  assert.equal(doc.features[0].properties._bivariate, undefined, 'the answer itself is not changed');
  assert.deepEqual(rankSquares(doc).map((r) => [r.feature.properties.code, r.rank]), [['A', 1], ['B', 2]]);
});

test('the note says how many squares are shown and what the rule withheld, with thousands separators', () => {
  const grid = { size_m: 500, published: 576, withheld: 322, withheld_residents: 6543.4, min_population: 100, min_postcodes: 3 };
  assert.equal(squaresNote({ grid }),
    "576 squares of 500 m, measured from where people live (postcode units). 322 squares with fewer than 100 residents or 3 postcode units (6,543 residents) are not shown, so that no square gives one postcode's figure.");
  assert.equal(squaresNote({ grid: { ...grid, size_m: 1000, published: 1234, withheld: 0 } }), '1,234 squares of 1 km, measured from where people live (postcode units).');
  assert.equal(squaresNote({}), '');
});

test('the popup names the square and gives figures with their units, escaped', () => {
  const escapeHtml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const formatValue = (v, _u, d) => v.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });
  const html = squareHtml({ name: '500 m square SE 150 320 <b>', population: 1234.5, nearest_min: 12.34, nearest_m: 950.2, unmet_need: 45.6, gap_class: 'high-need/low-access', gap_rank: 3, postcodes: 12 },
    { escapeHtml, formatValue, what: 'family hub' });
  assert.match(html, /<h3>500 m square SE 150 320 &lt;b><\/h3>/);
  assert.match(html, /Residents \(modelled\)<\/th><td>1,235/);
  assert.match(html, /Nearest family hub<\/th><td>12\.3 min/);
  assert.match(html, /950 m/);
  assert.match(html, /3 among the squares/);
  assert.match(html, /high need, low access/);
});

test('the square size is kept in the link', () => {
  assert.equal(parseHash('#sq=500').squares, '500');
  assert.equal(parseHash('#sq=333').squares, '', 'only the sizes offered');
  assert.match(formatHash({ ...parseHash(''), squares: '250' }), /sq=250/);
});
