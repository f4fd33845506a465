import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  reportRows, shownFields, fieldLabel, decisionValue, decisionWords, messageLine, fixChanges, stateCounts, isOpen,
} from '../../../web/js/register/report.js';

// The shape of `GET /api/register/submissions/{id}` (from a real server, shortened).
const submission = {
  id: 1, partner: 'family-hubs', file_name: 's.csv', status: 'draft',
  columns: { columns: [{ field: 'name', header: 'Service name', index: 0, how: 'exact' }, { field: 'capacity', header: 'Places', index: 3, how: 'exact' }], ignored: [] },
  notes: [], cells: [],
  rows: [
    { row: 2, values: { name: 'Hub One', category: 'family_hub', postcode: 'BD1 1AA', capacity: '20' } },
    { row: 3, values: { name: 'Hub Two', category: 'family_hub', postcode: 'BD1 9ZZ' } },
    { row: 5, values: { name: 'Hub Four', category: 'nonsense', capacity: 'abc', opening_hours: '9-5' } },
    { row: 6, values: { name: 'Bradford South & West Cmht', category: 'clinic_health_centre', postcode: 'BD7 1LG' }, decision: { action: 'merge', service: 'bd-00001' } },
  ],
  report: {
    rows: 4,
    messages: [
      { row: 3, field: 'postcode', severity: 'error', message: 'BD1 9ZZ is not in the postcode lookup' },
      { row: 5, field: 'category', severity: 'error', message: '`nonsense` is not a category' },
      { row: 5, field: 'capacity', severity: 'error', message: '`abc` is not a number; give a number' },
      { row: 5, field: 'tier', severity: 'warning', message: 'not the category\'s tier' },
      { row: 6, field: 'name', severity: 'warning', message: 'may be the same service as bd-00001' },
    ],
    duplicates: [{ row: 6, of_row: null, of_service: 'bd-00001', this: { what: 'row 6' }, that: { what: 'bd-00001' }, distance_m: 88.4, same_postcode: true, similarity: 1, identical: false }],
    unknown_postcodes: [[3, 'BD1 9ZZ']],
    states: [[2, 'ready'], [3, 'error'], [5, 'error'], [6, 'merge']],
  },
};

test('one entry per row in file order, with its state, values, messages by field and duplicates', () => {
  const rows = reportRows(submission);
  assert.deepEqual(rows.map((r) => [r.row, r.state, r.blocking]), [[2, 'ready', false], [3, 'error', true], [5, 'error', true], [6, 'merge', false]]);
  assert.deepEqual(rows[2].messages.map((m) => m.field), ['category', 'capacity', 'tier']);
  assert.deepEqual([rows[2].errors, rows[2].warnings], [2, 1]);
  assert.equal(rows[3].duplicates[0].of_service, 'bd-00001');
  assert.deepEqual(rows[3].decision, { action: 'merge', service: 'bd-00001' });
  assert.deepEqual(rows[0].values, submission.rows[0].values);
  rows[0].values.name = 'changed';
  assert.equal(submission.rows[0].values.name, 'Hub One', 'the entries are copies');
  assert.deepEqual(reportRows({}), []);
});

test('the fields shown: matched columns and every field with a value or a message, in the server\'s order', () => {
  assert.deepEqual(shownFields(submission), ['name', 'category', 'tier', 'postcode', 'capacity', 'opening_hours']);
  assert.deepEqual(shownFields({}), ['name', 'category', 'postcode']);
  assert.equal(fieldLabel('opening_hours'), 'Opening hours');
  assert.equal(fieldLabel('source_id'), 'Your reference');
  assert.equal(fieldLabel('something_new'), 'something new');
});

test('messages name the field; decisions in the endpoint\'s form and in words', () => {
  assert.equal(messageLine(submission.report.messages[0]), 'Error in Postcode: BD1 9ZZ is not in the postcode lookup');
  assert.equal(messageLine({ field: 'row', severity: 'warning', message: 'repeats row 2' }), 'Warning: repeats row 2');
  assert.equal(decisionValue({ action: 'merge', service: 'bd-00001' }), 'merge:bd-00001');
  assert.equal(decisionValue({ action: 'skip' }), 'skip');
  assert.equal(decisionValue(null), null);
  assert.equal(decisionWords({ action: 'merge', service: 'bd-00001' }), 'merge into bd-00001');
  assert.equal(decisionWords({ action: 'keep' }), 'keep as a new service');
  assert.equal(decisionWords(undefined), 'undecided');
});

test('a fix sends only the fields whose text changed (trimmed; emptied fields are cleared)', () => {
  const values = submission.rows[1].values;
  assert.deepEqual(fixChanges(values, { name: 'Hub Two', category: 'family_hub', postcode: ' BD7 1LG ' }), { postcode: 'BD7 1LG' });
  assert.deepEqual(fixChanges(values, { name: 'Hub Two ', capacity: '' }), {}, 'nothing changed');
  assert.deepEqual(fixChanges(values, { name: '', capacity: '12' }), { name: '', capacity: '12' });
});

test('counts by state and whether the submission is still open', () => {
  assert.deepEqual(stateCounts(submission), { ready: 1, error: 2, duplicate: 0, keep: 0, skip: 0, merge: 1, blocking: 2 });
  assert.deepEqual([isOpen(submission), isOpen({ status: 'submitted' }), isOpen({ status: 'published' }), isOpen({ status: 'rejected' })], [true, true, false, false]);
});
