import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapTitle, methodWords } from '../../../web/js/title.js';

test('indicator title: label, unit and level', () => {
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: 'IMD 2019 score', unit: 'score', levelPlural: 'wards' }),
    'IMD 2019 score, by wards');
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: 'Income deprivation', unit: '% of residents', levelPlural: 'LSOAs' }),
    'Income deprivation (% of residents), by LSOAs');
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: 'Distance to nearest service', unit: 'm', levelPlural: 'wards' }),
    'Distance to nearest service (metres), by wards');
  // A unit the label already says is not repeated.
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: 'Services per 10,000 people', unit: 'per 10,000', levelPlural: 'wards' }),
    'Services per 10,000 people, by wards');
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: '', levelPlural: 'wards' }), null);
});

test('gap title: unmet need, category and the method in words', () => {
  assert.equal(mapTitle({ view: 'gaps', categoryLabel: 'GP surgery', method: '2sfca', levelPlural: 'wards' }),
    'Unmet need: GP surgery (services shared among the people who can reach them (2SFCA)), by wards');
  assert.equal(mapTitle({ view: 'gaps', categoryLabel: 'Dentist', method: 'nearest', levelPlural: 'LSOAs' }),
    'Unmet need: Dentist (distance to the nearest service), by LSOAs');
  assert.match(mapTitle({ view: 'gaps', levelPlural: 'wards' }), /choose a service category/);
  assert.equal(methodWords(''), '');
});
