import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  atLeast, mayUpload, mayReview, whoLine, roleLine, errorWords, count, summaryLine, when, publishedLine, statusWord, stateWord,
} from '../../../web/js/register/words.js';

const pam = { role: 'partner', name: 'pam', org: 'family-hubs', via: 'session' };
const rita = { role: 'reviewer', name: 'rita', org: null, via: 'session' };
const nobody = { role: 'viewer', name: null, org: null, via: 'none' };

test('roles in order: viewer < partner < reviewer < admin', () => {
  assert.equal(atLeast('admin', 'reviewer'), true);
  assert.equal(atLeast('partner', 'reviewer'), false);
  assert.equal(atLeast('nonsense', 'viewer'), false);
  assert.deepEqual([nobody, pam, { ...pam, org: null }, rita].map(mayUpload), [false, true, false, true]);
  assert.deepEqual([nobody, pam, rita, { role: 'admin', name: 'ada' }].map(mayReview), [false, false, true, true]);
});

test('who is logged in, with role and organisation, and what they may do', () => {
  assert.equal(whoLine(pam), 'Logged in as pam (partner, family-hubs).');
  assert.equal(whoLine(rita), 'Logged in as rita (reviewer).');
  assert.equal(whoLine({ role: 'admin', name: 'editor', via: 'editor_token' }), 'Logged in as editor (admin) by the editor token.');
  assert.match(whoLine(nobody), /^Not logged in/);
  assert.match(roleLine(pam), /upload and fix services of family-hubs/);
  assert.match(roleLine(rita), /publish or reject/);
  assert.match(roleLine({ role: 'viewer', name: 'vic' }), /view the map only/);
  assert.equal(roleLine(nobody), '');
});

test('refusals in words, keeping the server\'s message that names what to change', () => {
  assert.equal(errorWords({ status: 401, message: 'wrong name or password' }, 'Log in'), 'Wrong name or password. Check both and try again.');
  assert.match(errorWords({ status: 401, message: 'log in first' }, 'Upload'), /^Upload failed: you are not logged in/);
  assert.match(errorWords({ status: 403, message: 'editing is off: start the server with --allow-edits' }, 'Upload'),
    /^Upload failed: the server was started read-only: changes need `needmap serve --allow-edits`/);
  assert.equal(errorWords({ status: 403, message: 'pete (partner, other-org) submits for its own organisation (other-org) only' }, 'Upload'),
    'Upload failed: not allowed: pete (partner, other-org) submits for its own organisation (other-org) only');
  assert.match(errorWords({ status: 409, message: 'submission 1 cannot be published: row 8 (error)' }, 'Publish'), /^Publish failed: submission 1 cannot be published: row 8/);
  assert.match(errorWords({ status: 415, message: 'services.csv is a PNG image' }, 'Upload'), /not a CSV or XLSX file: services\.csv is a PNG/);
  assert.match(errorWords({ status: 413, message: 'larger than 20 MB' }, 'Upload'), /too large/);
  assert.match(errorWords({ status: 429, message: 'slow down' }, 'Log in'), /too many attempts/);
  assert.match(errorWords({ status: 0, message: 'cannot reach' }, 'Upload'), /does not answer/);
});

test('counts and summaries use thousands separators', () => {
  assert.equal(count(1, 'row'), '1 row');
  assert.equal(count(12345, 'row'), '12,345 rows');
  assert.equal(count(2, 'possible duplicate'), '2 possible duplicates');
  assert.equal(summaryLine({ id: 3, file: 'hubs.csv', partner: 'family-hubs', rows: 1200, ready: 1190, errors: 7, duplicates: 3 }),
    '#3 hubs.csv from family-hubs: 1,200 rows, 1,190 ready, 7 with errors, 3 undecided duplicates');
  assert.equal(summaryLine({ id: 4, file: 'a.xlsx', partner: 'x', rows: 1, ready: 1, errors: 0, duplicates: 0 }), '#4 a.xlsx from x: 1 row, 1 ready');
  assert.equal(when('2026-12-04T21:01:47.081Z'), '4 Dec 2026, 21:01 UTC');
  assert.equal(when('garbage'), 'garbage');
  assert.equal(statusWord('submitted'), 'sent for review');
  assert.equal(stateWord('duplicate'), 'possible duplicate: decide');
  assert.equal(publishedLine({ submission: 1, added: new Array(1500).fill({}), merged: [{}], skipped: [21], excluded: [{}, {}], register_services: 2500, note: "the map now shows the register's 2500 services (register generation 1)" }),
    "Submission #1 published: 1,500 services added, 1 merged into existing services, 1 row left out, 2 blocking rows excluded. The register now has 2,500 services. The map now shows the register's 2500 services (register generation 1).");
  assert.equal(publishedLine({ submission: 2, added: [{}], register_services: 3 }), 'Submission #2 published: 1 service added. The register now has 3 services.');
});
