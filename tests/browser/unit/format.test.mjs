import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ordinal, formatNumber, formatDistance, formatMinutes, modeWord, rankText, decileText } from '../../../web/js/format.js';
import { valueText } from '../../../web/js/popup.js';

test('English ordinals', () => {
  const want = { 1: '1st', 2: '2nd', 3: '3rd', 4: '4th', 10: '10th', 11: '11th', 12: '12th', 13: '13th', 14: '14th',
    21: '21st', 22: '22nd', 23: '23rd', 101: '101st', 111: '111th', 112: '112th', 113: '113th', 310: '310th', 0: '0th' };
  for (const [n, s] of Object.entries(want)) assert.equal(ordinal(Number(n)), s, n);
  for (let n = 1; n <= 400; n++) {
    const teen = n % 100 >= 11 && n % 100 <= 13;
    const want = teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th');
    assert.equal(ordinal(n), `${n}${want}`);
  }
});

test('numbers have thousands separators', () => {
  assert.equal(formatNumber(1234567), '1,234,567');
  assert.equal(formatNumber(12345.678, 1), '12,345.7');
  assert.equal(formatNumber(NaN), 'no data');
});

test('distances are metres below 1 km, km above', () => {
  assert.equal(formatDistance(0), '0 m');
  assert.equal(formatDistance(847), '850 m');
  assert.equal(formatDistance(1000), '1.0 km');
  assert.equal(formatDistance(2349), '2.3 km');
  assert.equal(formatDistance(12500), '13 km');
  assert.equal(formatDistance(1234567), '1,235 km');
  assert.equal(formatDistance(null), 'no data');
});

test('times are minutes with the travel mode', () => {
  assert.equal(modeWord('walking'), 'walk');
  assert.equal(modeWord('drive'), 'drive');
  assert.equal(modeWord('car'), 'drive');
  assert.equal(modeWord('estimated'), '');
  assert.equal(formatMinutes(12.4, 'drive'), '12 minutes (drive)');
  assert.equal(formatMinutes(1, 'walk'), '1 minute (walk)');
  assert.equal(formatMinutes(25), '25 minutes');
  assert.equal(formatMinutes(1500, 'walk'), '1,500 minutes (walk)');
});

test('ranks: ordinals for unique values, no order among ties', () => {
  assert.equal(rankText({ rank: 3, of: 30, plural: 'wards' }), 'Ranked 3rd of 30 wards (1st = most need)');
  assert.equal(rankText({ rank: 11, tied: 1, of: 310, plural: 'LSOAs' }), 'Ranked 11th of 310 LSOAs (1st = most need)');
  const tie = rankText({ rank: 1, tied: 104, of: 310, plural: 'LSOAs' });
  assert.equal(tie, 'One of 104 LSOAs tied at 1st of 310 (1st = most need)');
  assert.doesNotMatch(tie, /Ranked/);
  assert.equal(rankText({ rank: NaN, of: 3, plural: 'wards' }), '');
  assert.equal(decileText(1, 104, 'LSOAs'), 'One of 104 LSOAs in decile 1');
});

test('popup values carry their units', () => {
  assert.equal(valueText(2349, 'm'), '2.3 km');
  assert.equal(valueText(8.6, 'minutes', 'drive'), '9 minutes (drive)');
  assert.equal(valueText(0.000048, 'services per person'), '0.48 per 10,000 people in reach');
  assert.equal(valueText(12345, 'people'), '12,345 people');
  assert.equal(valueText(null, 'm'), 'no data');
});
