// The services page (web/services.html, issue 12): log in; a partner uploads a CSV or XLSX of
// services, reads the validation report, fixes rows in place, decides duplicates and submits
// for review; a reviewer publishes or rejects what was sent. Wires the DOM to client.js (the
// only module that talks to the server); words, report rows and the report table come from
// words.js, report.js and report_view.js.
import { RegisterClient } from './client.js';
import { el, fill } from './dom.js';
import { drawReport } from './report_view.js';
import { isOpen, stateCounts } from './report.js';
import {
  whoLine, roleLine, mayUpload, mayReview, errorWords, summaryLine, statusWord, publishedLine, count, when,
} from './words.js';
import { formatNumber } from '../format.js';

const client = new RegisterClient();
const $ = (id) => document.getElementById(id);
const SHOWN_SERVICES = 500;

const page = {
  me: null,
  editing: null, // whether the server takes writes (--allow-edits), from /api/meta
  current: null, // the submission shown in the report
  busy: 0,
};
// For the browser test: whether every request of the page is done.
window.needmapServices = { page, idle: () => page.busy === 0 };

function say(text, kind = 'info') {
  const m = $('message');
  m.textContent = text;
  m.className = `message message-${kind}`;
}

/** Run `f` counting it as busy; a refusal is shown in words (and returned as null). */
async function run(doing, f, { quiet = false } = {}) {
  page.busy += 1;
  try {
    return await f();
  } catch (e) {
    e.words = errorWords(e, doing);
    if (!quiet) say(e.words, 'error');
    console.warn(`${doing}:`, e);
    throw e;
  } finally {
    page.busy -= 1;
  }
}

async function loadMeta() {
  try {
    const r = await fetch('api/meta', { headers: { Accept: 'application/json' } });
    const meta = await r.json();
    page.editing = meta?.scenarios?.editing ?? null;
    const ids = (meta?.categories ?? []).map((c) => c.id);
    fill($('category-ids'), ids.map((id) => el('option', { value: id })));
  } catch {
    page.editing = null;
  }
}

function drawAccount() {
  const me = page.me;
  const logged = Boolean(me?.name);
  $('who').textContent = whoLine(me);
  $('role-line').textContent = roleLine(me);
  $('login-form').hidden = logged;
  $('logout').hidden = !logged || me.via !== 'session';
  const works = mayUpload(me);
  $('upload-section').hidden = !works;
  $('submissions-section').hidden = !works;
  $('services-section').hidden = !works;
  $('queue-section').hidden = !mayReview(me);
  $('upload-org-field').hidden = !mayReview(me);
  $('h-services').textContent = mayReview(me) ? 'Services in the register' : `Services of ${me?.org ?? 'your organisation'} in the register`;
  if (!works) { $('report-section').hidden = true; page.current = null; }
  if (logged && page.editing === false) {
    say('This server is read-only (started without --allow-edits): you can look, but uploads, fixes and publishing will be refused. Ask whoever runs it to start `needmap serve --allow-edits`.', 'error');
  }
}

async function refreshMe() {
  let noServer = false;
  page.me = await run('Checking who is logged in', () => client.me(), { quiet: true }).catch((e) => {
    // A published copy of the map (static files) or no server at all: nothing to log in to.
    noServer = e.status === 0 || e.status === 404;
    if (!noServer) say(e.words, 'error');
    return null;
  });
  drawAccount();
  if (noServer) {
    $('login-form').hidden = true;
    $('who').textContent = 'This page needs the map server (`needmap serve` with accounts); a published copy of the map has no logins.';
    return;
  }
  if (mayUpload(page.me)) await refreshLists();
}

async function refreshLists() {
  await Promise.all([drawSubmissions(), drawQueue(), drawServices()].map((p) => p.catch(() => {})));
}

function submissionItem(s, { review = false } = {}) {
  const open = el('button', { type: 'button', class: 'open', 'aria-label': `Open submission ${s.id}` }, 'Open');
  open.addEventListener('click', () => showSubmission(s.id));
  return el('li', { 'data-id': s.id, 'data-status': s.status },
    el('span', { class: 'line' }, summaryLine(s)),
    el('span', { class: `status status-${s.status}` }, statusWord(s.status)),
    el('span', { class: 'when' }, `updated ${when(s.updated)}`),
    review ? el('span', { class: 'by' }, `by ${s.submitted_by}`) : null,
    open);
}

async function drawSubmissions() {
  const list = await run('Listing submissions', () => client.submissions());
  const mine = mayReview(page.me) ? list.filter((s) => s.status !== 'submitted') : list;
  fill($('submissions'), mine.length ? mine.map((s) => submissionItem(s)) : el('li', { class: 'empty' }, 'No submissions yet.'));
}

async function drawQueue() {
  if (!mayReview(page.me)) return;
  const list = await run('Listing the review queue', () => client.submissions('submitted'));
  fill($('queue'), list.length ? list.map((s) => submissionItem(s, { review: true })) : el('li', { class: 'empty' }, 'Nothing waits for review.'));
}

async function drawServices() {
  const services = await run('Listing register services', () => client.services());
  const shown = services.slice(0, SHOWN_SERVICES);
  $('services-count').textContent = services.length > shown.length
    ? `${count(services.length, 'service')}; the first ${formatNumber(shown.length)} are listed.`
    : `${count(services.length, 'service')}.`;
  $('services').hidden = shown.length === 0;
  fill($('services').tBodies[0], shown.map((s) => el('tr', {},
    el('td', {}, s.id), el('td', {}, s.name ?? ''), el('td', {}, s.category ?? ''), el('td', {}, s.postcode ?? ''),
    el('td', { class: 'num' }, Number.isFinite(s.capacity) ? formatNumber(s.capacity, Number.isInteger(s.capacity) ? 0 : 1) : ''),
    el('td', {}, s.source ?? ''))));
}

function drawCurrent() {
  const s = page.current;
  const section = $('report-section');
  if (!s) { section.hidden = true; return; }
  section.hidden = false;
  const c = stateCounts(s);
  $('report-title').textContent = `Submission #${s.id}: ${s.file_name} from ${s.partner}, ${statusWord(s.status)}${s.reviewed_by ? `, reviewed by ${s.reviewed_by}` : ''}`;
  const parts = [count(s.report?.rows ?? s.rows.length, 'row'), `${formatNumber(c.ready)} ready`];
  if (c.error) parts.push(`${formatNumber(c.error)} with errors`);
  if (c.duplicate) parts.push(count(c.duplicate, 'possible duplicate') + ' to decide');
  if (c.merge) parts.push(`${formatNumber(c.merge)} to merge`);
  if (c.keep) parts.push(`${formatNumber(c.keep)} kept as new`);
  if (c.skip) parts.push(`${formatNumber(c.skip)} left out`);
  let tail = c.blocking ? ` ${count(c.blocking, 'row')} must be fixed or decided before it can be published.` : ' Every row can be published.';
  if (s.status === 'rejected') tail = ` Rejected: ${s.reason ?? ''}`;
  if (s.status === 'published') tail = ` Published: ${count(s.published?.length ?? 0, 'register service')}.`;
  $('report-summary').textContent = `${parts.join(', ')}.${tail}`;
  const notes = [...(s.notes ?? []), ...(s.columns?.ignored ?? []).map((h) => `Column "${h}" was not used.`)];
  fill($('report-notes'), notes.map((n) => el('li', {}, typeof n === 'string' ? n : JSON.stringify(n))));
  const works = mayUpload(page.me);
  $('send').hidden = !(works && s.status === 'draft');
  $('review-tools').hidden = !(mayReview(page.me) && s.status === 'submitted');
  drawReport($('report'), s, { fix: fixRow, decide }, { editable: works && isOpen(s) });
  for (const input of $('report').querySelectorAll('input[name="category"]')) input.setAttribute('list', 'category-ids');
}

async function showSubmission(id) {
  page.current = await run('Opening the submission', () => client.submission(id)).catch(() => page.current);
  drawCurrent();
  $('report-section').scrollIntoView({ block: 'start' });
}

async function fixRow(row, fields) {
  const id = page.current.id;
  page.current = await run(`Fixing row ${row}`, () => client.fixRow(id, row, fields), { quiet: true });
  drawCurrent();
  const state = page.current.report.states.find(([r]) => r === row)?.[1];
  say(`Row ${row} saved (${Object.keys(fields).join(', ')}); it is now ${state ?? 'checked'}.`);
  drawSubmissions().catch(() => {});
}

async function decide(row, decision) {
  const id = page.current.id;
  page.current = await run(`Deciding row ${row}`, () => client.decide(id, row, decision), { quiet: true });
  drawCurrent();
  say(`Row ${row}: ${decision ? decision.replace(/^merge:/, 'merge into ') : 'undecided again'}.`);
}

async function upload(ev) {
  ev.preventDefault();
  const file = $('upload-file').files?.[0];
  if (!file) { say('Choose a CSV or XLSX file first.', 'error'); return; }
  const org = mayReview(page.me) ? $('upload-org').value.trim() || null : null;
  const button = $('upload-go');
  button.disabled = true;
  say(`Uploading ${file.name} (${formatNumber(file.size)} bytes) and checking every row…`);
  try {
    page.current = await run('Upload', () => client.upload(file.name, file, { org }));
    drawCurrent();
    const c = stateCounts(page.current);
    say(`${file.name} read: ${count(page.current.rows.length, 'row')}, ${formatNumber(c.error)} with errors, ${count(c.duplicate, 'possible duplicate')}. Fix them below, then submit for review.`);
    $('upload-form').reset();
    await refreshLists();
  } catch { /* said */ } finally {
    button.disabled = false;
  }
}

async function sendCurrent() {
  const s = page.current;
  try {
    page.current = await run('Submit for review', () => client.send(s.id));
    drawCurrent();
    say(`Submission #${s.id} sent for review. A reviewer publishes it${stateCounts(page.current).blocking ? ' once the blocking rows are fixed, decided or left out' : ''}.`);
    await refreshLists();
  } catch { /* said */ }
}

async function publishCurrent() {
  const s = page.current;
  try {
    const p = await run('Publish', () => client.publish(s.id, { excludeBlocking: $('exclude-blocking').checked }));
    page.current = await run('Opening the submission', () => client.submission(s.id));
    drawCurrent();
    say(publishedLine(p));
    await refreshLists();
  } catch { /* said */ }
}

async function rejectCurrent() {
  const s = page.current;
  const reason = $('reject-reason').value.trim();
  if (!reason) { say('Give a reason for the partner before rejecting.', 'error'); $('reject-reason').focus(); return; }
  try {
    page.current = await run('Reject', () => client.reject(s.id, reason));
    drawCurrent();
    say(`Submission #${s.id} rejected: ${reason}`);
    await refreshLists();
  } catch { /* said */ }
}

async function login(ev) {
  ev.preventDefault();
  const name = $('login-name').value.trim();
  const password = $('login-password').value;
  const err = $('login-error');
  err.textContent = '';
  if (!name || !password) { err.textContent = 'Give your name and password.'; return; }
  $('login-go').disabled = true;
  try {
    await run('Log in', () => client.login(name, password), { quiet: true });
    $('login-password').value = '';
    say('');
    await refreshMe();
  } catch (e) {
    err.textContent = e.words;
    $('login-password').select();
  } finally {
    $('login-go').disabled = false;
  }
}

async function logout() {
  try { await run('Log out', () => client.logout()); } catch { /* said */ }
  page.current = null;
  say('Logged out.');
  await refreshMe();
}

async function start() {
  document.body.append(el('datalist', { id: 'category-ids' }));
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('upload-form').addEventListener('submit', upload);
  $('send').addEventListener('click', sendCurrent);
  $('publish').addEventListener('click', publishCurrent);
  $('reject').addEventListener('click', rejectCurrent);
  page.busy += 1;
  try {
    await loadMeta();
    await refreshMe();
  } finally {
    page.busy -= 1;
    window.needmapServices.ready = true;
  }
}

start();
