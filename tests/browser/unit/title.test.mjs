import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapTitle, methodWords } from '../../../web/js/title.js';

test('indicator title: label, unit and level', () => {
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: 'IMD 2019 score', unit: 'score', level: 'ward' }),
    'IMD 2019 score, by ward');
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: 'Income deprivation', unit: '% of residents', level: 'LSOA' }),
    'Income deprivation (% of residents), by LSOA');
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: 'Distance to nearest service', unit: 'm', level: 'ward' }),
    'Distance to nearest service (metres), by ward');
  // A unit the label already says is not repeated.
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: 'Services per 10,000 people', unit: 'per 10,000', level: 'ward' }),
    'Services per 10,000 people, by ward');
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: '', level: 'ward' }), null);
});

test('gap title: unmet need, category and the method in words', () => {
  assert.equal(mapTitle({ view: 'gaps', categoryLabel: 'GP surgery', method: '2sfca', level: 'ward' }),
    'Unmet need: GP surgery (2SFCA: services shared among the people in reach), by ward');
  assert.equal(mapTitle({ view: 'gaps', categoryLabel: 'Dentist', method: 'nearest', level: 'LSOA' }),
    'Unmet need: Dentist (distance to the nearest service), by LSOA');
  assert.match(mapTitle({ view: 'gaps', level: 'ward' }), /choose a service category/);
  assert.equal(methodWords(''), '');
});

test('scenario titles: the change view and the scenario name on the other views', () => {
  assert.equal(mapTitle({ view: 'change', categoryLabel: 'Family hub', method: 'nearest', level: 'ward', scenarioName: 'Hub in Bowling' }),
    'Change in unmet need with “Hub in Bowling”: Family hub (distance to the nearest service), by ward');
  assert.equal(mapTitle({ view: 'change', level: 'ward' }), 'Change with a scenario: open or start one, by ward');
  assert.equal(mapTitle({ view: 'gaps', categoryLabel: 'GP surgery', level: 'ward', scenarioName: 'Close two' }),
    'Unmet need: GP surgery, by ward; scenario “Close two”');
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: 'IMD 2019 score', unit: 'score', level: 'ward', scenarioName: 'S' }),
    'IMD 2019 score, by ward; scenario “S”');
  assert.equal(mapTitle({ view: 'choropleth', indicatorLabel: '', level: 'ward', scenarioName: 'S' }), null);
});
