// Browser test of the services page (web/services.html, issue 12), against the real server.
//
// Makes a register (`needmap register init`) and accounts (`needmap users add`) in a temp
// folder, starts `needmap serve --allow-edits` on them and drives headless Chromium: a wrong
// password is refused in words; a partner logs in, uploads a CSV of family hubs at real
// Bradford postcodes with bad rows (a postcode not in the lookup, an unknown category, a
// capacity that is not a number) and a duplicate of a register service, sees the report name
// the bad rows and fields, fixes the postcode in place, merges the duplicate and submits for
// review; a partner of another organisation sees none of it (and the API refuses it); a
// reviewer sees it in the queue and publishes it, leaving out the rows still in error; the
// partner's register services then list the published ones, and the gap map for family hubs
// changes (the data folder is a temp copy of the pack whose manifest maps the register: more
// hubs counted in the wards, less unmet need). A second server without --allow-edits says so in
// words when an upload is tried.
//
//   NEEDMAP_BIN=target/release/needmap node tests/browser/services.test.mjs
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, mkdirSync, readdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, openPage, settled, shot, repo } from './harness.mjs';

const bin = process.env.NEEDMAP_BIN ?? join(repo, 'target', 'release', 'needmap');
const dataDir = process.env.NEEDMAP_DATA ?? join(repo, '..', 'shared', 'geodata', 'bradford');
const manifest = readFileSync(join(repo, 'geodata', 'bradford', 'dataset.toml'), 'utf8');
const PASSWORDS = { pam: 'password of pam!', pete: 'password of pete!', rita: 'password of rita!' };

let dir = '';
let server = null;
let readOnly = null;
let browser = null;
const errors = [];

function needmap(args, input) {
  const r = spawnSync(bin, args, { cwd: repo, input, encoding: 'utf8' });
  assert.equal(r.status, 0, `needmap ${args.join(' ')}: ${r.stderr}`);
  return r.stdout + r.stderr;
}

// The CSV: real postcodes of the Bradford district, real category ids, and known bad rows.
const categories = [...manifest.matchAll(/^\[categories\.([a-z_]+)\]/gm)].map((m) => m[1]);
const postcodes = readFileSync(join(dataDir, 'postcodes_bd_2014.csv'), 'utf8').split('\n').slice(1)
  .map((l) => l.split(',')).filter((f) => f[8] === 'E08000032')
  .map((f) => f[0].replace(/\s+/g, '').replace(/(\d[A-Z]{2})$/, ' $1')); // as people write them: BD12 0PB
const known = new Set(postcodes);
const hubLine = readFileSync(join(dataDir, 'services.csv'), 'utf8').split('\n')
  .find((l) => l.includes('childrens_centre_or_family_hub'));
// id,name,category,subcategory,lon,lat,address,postcode,... (the name has no comma in the first one)
const hub = { id: hubLine.split(',')[0], name: hubLine.split(',')[1], postcode: hubLine.match(/,(BD\d+ \d[A-Z]{2}),/)[1] };
const MISSING = 'BD1 9ZZ';
const FIXED = postcodes[Math.floor(postcodes.length * 0.7)];
const good = [0.1, 0.2, 0.3, 0.4, 0.5].map((f, i) => [`Test hub ${['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo'][i]}`, 'family_hub', postcodes[Math.floor(postcodes.length * f)], String(10 + i)]);
const rows = [
  ...good, //                                                         rows 2-6: ready
  ['Test hub Foxtrot', 'family_hub', MISSING, '12'], //               row 7: postcode not in the lookup
  ['Test hub Golf', 'famly_hub', postcodes[Math.floor(postcodes.length * 0.6)], '8'], // row 8: unknown category
  ['Test hub Hotel', 'family_hub', postcodes[Math.floor(postcodes.length * 0.8)], 'lots'], // row 9: capacity
  [hub.name, 'family_hub', hub.postcode, '20'], //                    row 10: a register service again
];
const quote = (v) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const CSV = `Service name,Type,Post Code,Places\n${rows.map((r) => r.map(quote).join(',')).join('\n')}\n`;

before(async () => {
  assert.ok(categories.includes('family_hub'), `family_hub is a category of the manifest: ${categories}`);
  assert.ok(!known.has(MISSING) && known.has(FIXED) && known.has(hub.postcode));
  dir = mkdtempSync(join(tmpdir(), 'needmap-services-'));
  mkdirSync(join(dir, 'scenarios'));
  // A copy of the pack whose manifest maps the register, so that the map follows it.
  const data = join(dir, 'bradford');
  mkdirSync(data);
  for (const f of readdirSync(dataDir)) copyFileSync(join(dataDir, f), join(data, f));
  const register = join(data, 'register.gpkg');
  const accounts = join(dir, 'accounts.sqlite');
  needmap(['register', 'init', '--out', register]);
  writeFileSync(join(data, 'dataset.toml'), `${manifest}\n[register]\nfile = "register.gpkg"\n`);
  const add = (name, ...rest) => needmap(['users', 'add', name, ...rest, '--accounts', accounts, '--register', register], `${PASSWORDS[name]}\n`);
  add('pam', '--role', 'partner', '--org', 'family-hubs', '--new-org', 'Family Hubs');
  add('pete', '--role', 'partner', '--org', 'other-org', '--new-org', 'Other Org');
  add('rita', '--role', 'reviewer');
  const common = ['--data', data, '--scenarios', join(dir, 'scenarios'), '--accounts', accounts];
  [server, readOnly] = await Promise.all([startServer({ args: ['--allow-edits', ...common] }), startServer({ args: common })]);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  for (const s of [server, readOnly]) if (s) await s.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Wait until the page has started and every request of it is done. */
async function idle(p) {
  await p.waitForFunction(() => window.needmapServices?.ready === true && window.needmapServices.idle(), null, { timeout: 30000 });
}

async function open(base = server.base) {
  const p = await openPage(browser, errors, { width: 1366, height: 900 });
  await p.goto(`${base}services.html`);
  await idle(p);
  return p;
}

async function login(p, name, password = PASSWORDS[name]) {
  await p.getByLabel('Name', { exact: true }).fill(name);
  await p.getByLabel('Password', { exact: true }).fill(password);
  await p.getByRole('button', { name: 'Log in' }).click();
  await idle(p);
}

/** The state class of report row `row`. */
function rowState(p, row) {
  return p.$eval(`#report tbody tr[data-row="${row}"]:not(.duplicate-row)`, (tr) => tr.className.replace(/^state-/, ''));
}

/** The messages of report row `row`: [{ field, text }]. */
function rowMessages(p, row) {
  return p.$$eval(`#report tbody tr[data-row="${row}"]:not(.duplicate-row) td.messages li`, (li) => li.map((x) => ({ field: x.dataset.field, text: x.textContent })));
}

test('a wrong password is refused in words', async () => {
  const p = await open();
  assert.match(await p.textContent('#who'), /Not logged in/);
  await login(p, 'pam', 'not the password at all');
  assert.equal(await p.textContent('#login-error'), 'Wrong name or password. Check both and try again.');
  assert.equal(await p.isVisible('#upload-section'), false);
  await shot(p, 'services-wrong-password');
  await p.context().close();
});

let submissionId = null;

test('a partner uploads, reads the report naming the bad rows and fields, fixes a row, merges the duplicate and submits', async () => {
  const p = await open();
  await login(p, 'pam');
  assert.equal(await p.textContent('#who'), 'Logged in as pam (partner, family-hubs).');
  assert.equal(await p.isVisible('#login-form'), false, 'the login form is gone once logged in');
  assert.equal(await p.isVisible('#logout'), true);
  assert.equal(await p.isVisible('#queue-section'), false, 'a partner has no review queue');
  assert.match(await p.textContent('#services-count'), /^0 services\.$/);
  await p.getByLabel('CSV or XLSX file').setInputFiles({ name: 'family hubs.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await p.getByRole('button', { name: 'Upload and check' }).click();
  await idle(p);
  assert.match(await p.textContent('#report-title'), /^Submission #\d+: family hubs\.csv from family-hubs, draft/);
  submissionId = Number((await p.textContent('#report-title')).match(/#(\d+)/)[1]);
  assert.equal(await p.textContent('#report-summary'),
    '9 rows, 5 ready, 3 with errors, 1 possible duplicate to decide. 4 rows must be fixed or decided before it can be published.');
  for (const row of [2, 3, 4, 5, 6]) assert.equal(await rowState(p, row), 'ready', `row ${row}`);
  for (const row of [7, 8, 9]) assert.equal(await rowState(p, row), 'error', `row ${row}`);
  assert.equal(await rowState(p, 10), 'duplicate');
  const m7 = await rowMessages(p, 7);
  assert.equal(m7[0].field, 'postcode');
  assert.match(m7[0].text, new RegExp(`^Error in Postcode: ${MISSING} is not in the postcode lookup`));
  assert.match((await rowMessages(p, 8))[0].text, /^Error in Category: `famly_hub` is not a category/);
  assert.match((await rowMessages(p, 9))[0].text, /^Error in Capacity: `lots` is not a number/);
  assert.equal(await p.$eval('#report tbody tr[data-row="7"] td[data-field="postcode"]', (td) => td.className), 'flag-error', 'the bad cell is marked');
  const pair = p.locator('#report tr.duplicate-row[data-row="10"]');
  assert.match(await pair.textContent(), new RegExp(`Register service ${hub.id}`));
  assert.equal(await pair.locator('.side').count(), 2, 'the duplicate is shown side by side with the register service');
  await shot(p, 'services-report');

  // Fix row 7 in place: the report is validated again.
  await p.getByRole('button', { name: 'Edit row 7' }).click();
  await p.getByLabel('Postcode (row 7)').fill(FIXED);
  await shot(p, 'services-fix');
  await p.getByRole('button', { name: 'Save fix of row 7' }).click();
  await idle(p);
  assert.equal(await rowState(p, 7), 'ready');
  assert.equal(await p.$eval('#report tbody tr[data-row="7"] td[data-field="postcode"]', (td) => td.textContent), FIXED);
  assert.match(await p.textContent('#message'), /Row 7 saved \(postcode\); it is now ready/);
  // A fix that is still wrong is shown as the server words it.
  await p.getByRole('button', { name: 'Edit row 9' }).click();
  await p.getByLabel('Capacity (row 9)').fill('a few');
  await p.getByRole('button', { name: 'Save fix of row 9' }).click();
  await idle(p);
  assert.equal(await rowState(p, 9), 'error');
  assert.match((await rowMessages(p, 9))[0].text, /`a few` is not a number/);

  await p.getByRole('button', { name: `Merge into ${hub.id}` }).click();
  await idle(p);
  assert.equal(await rowState(p, 10), 'merge');
  assert.match(await p.textContent('#report tr.duplicate-row[data-row="10"]'), new RegExp(`Decision: merge into ${hub.id}`));

  await p.getByRole('button', { name: 'Submit for review' }).click();
  await idle(p);
  assert.match(await p.textContent('#report-title'), /sent for review/);
  assert.match(await p.textContent('#message'), /sent for review/);
  assert.match(await p.textContent(`#submissions li[data-id="${submissionId}"]`), /sent for review/);
  assert.equal(await p.isVisible('#review-tools'), false, 'a partner cannot publish');
  await shot(p, 'services-sent');
  await p.context().close();
});

test('a partner of another organisation sees none of it', async () => {
  assert.ok(submissionId, 'the upload test ran');
  const p = await open();
  await login(p, 'pete');
  assert.equal(await p.textContent('#who'), 'Logged in as pete (partner, other-org).');
  assert.equal(await p.textContent('#submissions'), 'No submissions yet.');
  const direct = await p.evaluate(async (id) => {
    const r = await fetch(`api/register/submissions/${id}`);
    return { status: r.status, body: await r.json() };
  }, submissionId);
  assert.equal(direct.status, 403);
  assert.match(direct.body.message, /from family-hubs; pete \(partner, other-org\) works on its own organisation's \(other-org\) only/);
  await p.context().close();
});

/** The family-hub gap map by ward in the map page: hubs counted in the wards and the unmet need. */
async function hubMap() {
  const m = await openPage(browser, errors);
  await m.goto(`${server.base}#level=ward&view=gaps&category=family_hub&method=nearest`);
  await settled(m);
  const sums = await m.evaluate(() => {
    const f = window.needmap.areas.features.map((x) => x.properties);
    return { hubs: f.reduce((a, p) => a + (p.services_selected ?? 0), 0), unmet: f.reduce((a, p) => a + (p.unmet_need ?? 0), 0) };
  });
  return { m, ...sums };
}

test('a reviewer sees it in the queue and publishes it; the partner sees the published services', async () => {
  assert.ok(submissionId, 'the upload test ran');
  const before = await hubMap();
  await before.m.context().close();
  const p = await open();
  await login(p, 'rita');
  assert.equal(await p.textContent('#who'), 'Logged in as rita (reviewer).');
  const item = p.locator(`#queue li[data-id="${submissionId}"]`);
  assert.match(await item.textContent(), /family hubs\.csv from family-hubs: 9 rows, 6 ready, 2 with errors/);
  assert.match(await item.textContent(), /by pam \(partner, family-hubs\)/);
  await shot(p, 'services-queue');
  assert.match(await p.textContent('#services-count'), /^\d{1,3}(,\d{3})* services; the first 500 are listed\.$/, 'thousands separators');
  await item.getByRole('button', { name: `Open submission ${submissionId}` }).click();
  await idle(p);
  assert.equal(await p.isVisible('#review-tools'), true);
  // Publishing with rows still in error is refused in the server's words.
  await p.getByRole('button', { name: 'Publish' }).click();
  await idle(p);
  assert.match(await p.textContent('#message'), /^Publish failed: .*row 8 \(error\), row 9 \(error\)/);
  await p.getByLabel('Leave out rows that still block').check();
  await p.getByRole('button', { name: 'Publish' }).click();
  await idle(p);
  const said = await p.textContent('#message');
  assert.match(said, new RegExp(`^Submission #${submissionId} published: 6 services added, 1 merged into existing services, 2 blocking rows excluded\\. The register now has [\\d,]+ services\\.`));
  assert.match(said, /The map now shows the register's [\d,]+ services \(register generation 1\)\./, said);
  assert.match(await p.textContent('#report-title'), /published, reviewed by rita \(reviewer\)/);
  assert.equal(await p.textContent('#queue'), 'Nothing waits for review.');
  await shot(p, 'services-published');
  await p.context().close();

  const q = await open();
  await login(q, 'pam');
  assert.equal(await q.textContent('#services-count'), '6 services.', 'the partner organisation now has the published services');
  const names = await q.$$eval('#services tbody tr td:nth-child(2)', (td) => td.map((x) => x.textContent).sort());
  assert.deepEqual(names, ['Test hub Alpha', 'Test hub Bravo', 'Test hub Charlie', 'Test hub Delta', 'Test hub Echo', 'Test hub Foxtrot']);
  assert.match(await q.textContent(`#submissions li[data-id="${submissionId}"]`), /published/);
  await shot(q, 'services-partner-after');
  await q.context().close();

  // The public gap map for family hubs now counts the six new hubs and less unmet need.
  const after = await hubMap();
  assert.equal(after.hubs, before.hubs + 6, `family hubs in the wards: ${before.hubs} -> ${after.hubs}`);
  assert.ok(after.unmet < before.unmet, `unmet need falls: ${before.unmet} -> ${after.unmet}`);
  await shot(after.m, 'services-gap-map-after');
  await after.m.context().close();
});

test('a reviewer rejects a submission with a reason; the partner reads it', async () => {
  const p = await open();
  await login(p, 'pam');
  await p.getByLabel('CSV or XLSX file').setInputFiles({ name: 'second.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await p.getByRole('button', { name: 'Upload and check' }).click();
  await idle(p);
  const id = Number((await p.textContent('#report-title')).match(/#(\d+)/)[1]);
  assert.notEqual(id, submissionId);
  await p.getByRole('button', { name: 'Submit for review' }).click();
  await idle(p);
  await p.getByRole('button', { name: 'Log out' }).click();
  await idle(p);
  assert.match(await p.textContent('#who'), /Not logged in/);
  assert.equal(await p.isVisible('#upload-section'), false);
  assert.equal(await p.isVisible('#report-section'), false, 'nothing of the partner stays on the page');

  await login(p, 'rita');
  await p.getByRole('button', { name: `Open submission ${id}` }).click();
  await idle(p);
  await p.getByRole('button', { name: 'Reject' }).click();
  assert.equal(await p.textContent('#message'), 'Give a reason for the partner before rejecting.');
  await p.getByLabel('Reason').fill('the same hubs as submission 1');
  await p.getByRole('button', { name: 'Reject' }).click();
  await idle(p);
  assert.match(await p.textContent('#report-summary'), /Rejected: the same hubs as submission 1$/);
  await p.getByRole('button', { name: 'Log out' }).click();
  await idle(p);

  await login(p, 'pam');
  assert.match(await p.textContent(`#submissions li[data-id="${id}"]`), /rejected/);
  await p.getByRole('button', { name: `Open submission ${id}` }).click();
  await idle(p);
  assert.match(await p.textContent('#report-summary'), /Rejected: the same hubs as submission 1$/);
  assert.equal(await p.locator('#report button.edit-row').count(), 0, 'a closed submission cannot be edited');
  await p.context().close();
});

test('without --allow-edits the page says the server is read-only and the upload is refused in words', async () => {
  const p = await open(readOnly.base);
  await login(p, 'pam');
  assert.match(await p.textContent('#message'), /read-only \(started without --allow-edits\)/);
  await p.getByLabel('CSV or XLSX file').setInputFiles({ name: 'more.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await p.getByRole('button', { name: 'Upload and check' }).click();
  await idle(p);
  assert.match(await p.textContent('#message'), /^Upload failed: the server was started read-only: changes need `needmap serve --allow-edits`/);
  await shot(p, 'services-read-only');
  await p.context().close();
});

test('no console errors on the page', () => {
  // The refusals the tests provoke (401, 403, 409) are logged by Chromium as failed resources.
  const real = errors.filter((e) => !/Failed to load resource: the server responded with a status of (401|403|409)/.test(e));
  assert.deepEqual(real, []);
});
