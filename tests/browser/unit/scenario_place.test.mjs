import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parsePlace, parseGridReference, parseEastingNorthing, gridSquare, normalisePostcode, placeInWords, PlaceError,
} from '../../../web/js/scenario/place.js';
import { addEdit, describeEdit } from '../../../web/js/scenario/edits.js';
import { siteFeatures, needsPlaces, placedIndex } from '../../../web/js/scenario/sites.js';

test('grid letters name 100 km squares (I is skipped; only H, J, N, O, S, T cover Great Britain)', () => {
  assert.deepEqual(gridSquare('S', 'V'), { e: 0, n: 0 }); // the false origin
  assert.deepEqual(gridSquare('S', 'E'), { e: 4, n: 4 });
  assert.deepEqual(gridSquare('T', 'Q'), { e: 5, n: 1 });
  assert.deepEqual(gridSquare('T', 'G'), { e: 6, n: 3 });
  assert.deepEqual(gridSquare('N', 'N'), { e: 2, n: 7 });
  assert.deepEqual(gridSquare('N', 'T'), { e: 3, n: 6 });
  assert.deepEqual(gridSquare('H', 'P'), { e: 4, n: 12 });
  assert.deepEqual(gridSquare('H', 'U'), { e: 4, n: 11 });
  assert.equal(gridSquare('A', 'A'), null);
  assert.equal(gridSquare('S', 'I'), null);
  assert.equal(gridSquare('I', 'A'), null);
  assert.equal(gridSquare('J', 'A'), null); // east of the grid's 700 km
});

test('grid references give the south-west corner of their square in metres', () => {
  const se = { easting: 416000, northing: 433000 };
  assert.deepEqual(parseGridReference('SE 16000 33000'), se);
  assert.deepEqual(parseGridReference('SE1600033000'), se);
  assert.deepEqual(parseGridReference('se 160 330'), se);
  assert.deepEqual(parseGridReference('SE 16 33'), se);
  assert.deepEqual(parseGridReference('SE16123312'), { easting: 416120, northing: 433120 });
  assert.deepEqual(parseGridReference('NN 16667 71285'), { easting: 216667, northing: 771285 }); // Ben Nevis
  assert.deepEqual(parseGridReference('TQ 30080 80660'), { easting: 530080, northing: 180660 });
  assert.deepEqual(parseGridReference('HU 45000 40000'), { easting: 445000, northing: 1140000 });
});

test('bad grid references say what was typed and what to type', () => {
  const says = (text, re) => assert.throws(() => parsePlace(text), (e) => e instanceof PlaceError && e.message.includes(`“${text}”`) && re.test(e.message), text);
  says('XX 16000 33000', /XX is not a 100 km square/);
  says('SI 16000 33000', /SI is not a 100 km square/);
  says('SE 1600 330', /same number of digits/);
  says('SE 160003300', /9 digits .*even number/);
  says('SE 1 3', /too coarse/);
  says('SE', /too coarse/);
  says('SE16', /only the first half of a postcode/);
  says('SE 1234567 1234567', /too many digits/);
  assert.doesNotThrow(() => parsePlace('SE 16000 33000'));
});

test('easting and northing in metres, with a comma, semicolon or space', () => {
  assert.deepEqual(parsePlace('416000, 433000'), { easting: 416000, northing: 433000 });
  assert.deepEqual(parsePlace('416000,433000'), { easting: 416000, northing: 433000 });
  assert.deepEqual(parsePlace(' 416000 433000 '), { easting: 416000, northing: 433000 });
  assert.deepEqual(parsePlace('416000.5; 433000.25'), { easting: 416000.5, northing: 433000.25 });
  assert.deepEqual(parseEastingNorthing('0, 0'), { easting: 0, northing: 0 });
  assert.throws(() => parsePlace('53.79, -1.75'), /“53\.79, -1\.75” looks like latitude and longitude/);
  assert.throws(() => parsePlace('416000, 1433000'), /“416000, 1433000” is not on the British National Grid.*easting first/);
  assert.throws(() => parsePlace('-5, 433000'), /not on the British National Grid/);
  assert.throws(() => parseEastingNorthing('416000'), /“416000” is not an easting and northing/);
});

test('postcodes are normalised; half a postcode or anything else gets the way to type it', () => {
  assert.deepEqual(parsePlace('BD1 1HY'), { postcode: 'BD1 1HY' });
  assert.deepEqual(parsePlace('bd11hy'), { postcode: 'BD1 1HY' });
  assert.deepEqual(parsePlace('  bd7   1dp '), { postcode: 'BD7 1DP' });
  assert.deepEqual(parsePlace('EC1A 1BB'), { postcode: 'EC1A 1BB' });
  assert.deepEqual(parsePlace('W1A 0AX'), { postcode: 'W1A 0AX' });
  assert.equal(normalisePostcode('SE1 7PB'), 'SE1 7PB'); // a London postcode, not a grid reference
  assert.deepEqual(parsePlace('SE1 7PB'), { postcode: 'SE1 7PB' });
  assert.equal(normalisePostcode('BD1'), null);
  assert.throws(() => parsePlace('bd1'), /“bd1” is only the first half of a postcode.*“BD1 1AA”/);
  assert.throws(() => parsePlace('Town Hall'), /“Town Hall” is not a postcode, a grid reference or an easting and northing\. Type a postcode \(“BD1 1HY”\), a grid reference \(“SE 16000 33000”\) or an easting and northing in metres \(“416000, 433000”\)\./);
  assert.throws(() => parsePlace('   '), /Type where the new site goes/);
});

test('places in words', () => {
  assert.equal(placeInWords({ postcode: 'BD1 1HY' }), 'postcode BD1 1HY');
  assert.equal(placeInWords({ easting: 416000, northing: 433000 }), 'grid 416000 E, 433000 N');
});

test('an add edit placed by postcode or grid reference carries that place, not lon/lat', () => {
  const site = { name: 'Hub', category: 'family_hub', tier: '', capacity: '' };
  assert.deepEqual(addEdit([], { ...site, place: parsePlace('bd1 1hy') }),
    { op: 'add', id: 'new-site-1', name: 'Hub', category: 'family_hub', capacity: 1, postcode: 'BD1 1HY' });
  assert.deepEqual(addEdit([], { ...site, place: parsePlace('SE 16000 33000') }),
    { op: 'add', id: 'new-site-1', name: 'Hub', category: 'family_hub', capacity: 1, easting: 416000, northing: 433000 });
  assert.throws(() => addEdit([], { ...site, place: {} }), /neither a postcode nor an easting and northing/);
  assert.equal(describeEdit(addEdit([], { ...site, place: { postcode: 'BD1 1HY' } })), 'Open Hub (family_hub) at postcode BD1 1HY');
});

test('sites placed by postcode or grid reference are drawn where the server put them', () => {
  const edits = [
    { op: 'add', id: 'new-site-1', name: 'A', category: 'gp', postcode: 'BD1 1HY' },
    { op: 'add', id: 'new-site-2', name: 'B', category: 'gp', easting: 100, northing: 100 },
    { op: 'add', id: 'new-site-3', name: 'C', category: 'gp', lon: -1.7, lat: 53.8 },
    { op: 'move', service: 's1', postcode: 'BD7 1DP' },
  ];
  assert.equal(needsPlaces(edits), true);
  assert.equal(needsPlaces([edits[2]]), false);
  assert.equal(siteFeatures(edits).unplaced, 3, 'without the server answer only lon/lat sites are drawn');
  const fc = { type: 'FeatureCollection', features: [
    { type: 'Feature', geometry: { type: 'Point', coordinates: [-1.75, 53.79] }, properties: { id: 'new-site-1', ward_code: 'W1', locality_code: null } },
    { type: 'Feature', geometry: { type: 'Point', coordinates: [-7.55, 49.76] }, properties: { id: 'new-site-2', ward_code: null, locality_code: null } },
    { type: 'Feature', geometry: { type: 'Point', coordinates: [-1.7, 53.8] }, properties: { id: 'new-site-3', ward_code: 'W2' } },
    { type: 'Feature', geometry: { type: 'Point', coordinates: [-1.77, 53.78] }, properties: { id: 's1', ward_code: 'W3' } },
    { type: 'Feature', geometry: { type: 'Point', coordinates: [-1.6, 53.9] }, properties: { id: 's2', ward_code: 'W4' } },
  ] };
  const { placed, wardless } = placedIndex(fc, edits);
  assert.deepEqual([...placed.keys()].sort(), ['new-site-1', 'new-site-2', 's1']);
  assert.deepEqual(wardless, ['new-site-2'], 'a site in no area of the map');
  const baseline = new Map([['s1', { lon: -1.8, lat: 53.7, name: 'Surgery', category: 'gp' }]]);
  const out = siteFeatures(edits, baseline, placed);
  assert.equal(out.unplaced, 0);
  const at = (id) => out.features.find((f) => f.geometry.type === 'Point' && f.properties.service === id);
  assert.deepEqual(at('new-site-1').geometry.coordinates, [-1.75, 53.79]);
  assert.equal(at('new-site-1').properties.kind, 'added');
  assert.deepEqual(at('new-site-3').geometry.coordinates, [-1.7, 53.8]);
  assert.deepEqual(at('s1').geometry.coordinates, [-1.77, 53.78]);
  assert.equal(at('s1').properties.kind, 'moved');
  assert.ok(out.features.some((f) => f.properties.kind === 'path' && f.properties.service === 's1'), 'the move line from its old place');
});
