// Words of the services page: who is logged in, what a role may do, what a refused request
// means, submission summaries with thousands separators. Pure functions: unit-tested with
// node --test.
import { formatNumber } from '../format.js';

const ROLES = ['viewer', 'partner', 'reviewer', 'admin'];

/** Whether role `role` is at least `least` (viewer < partner < reviewer < admin). */
export function atLeast(role, least) {
  return ROLES.indexOf(role) >= ROLES.indexOf(least) && ROLES.includes(role);
}

/** Whether the caller works on submissions at all (a partner with an organisation, reviewer, admin). */
export function mayUpload(me) {
  return Boolean(me && (atLeast(me.role, 'reviewer') || (me.role === 'partner' && me.org)));
}

/** Whether the caller may publish or reject (reviewer, admin). */
export function mayReview(me) {
  return Boolean(me && atLeast(me.role, 'reviewer'));
}

/** "Logged in as pam (partner, family-hubs)", or that nobody is. */
export function whoLine(me) {
  if (!me || !me.name) return 'Not logged in: the public map needs no login; partners and reviewers log in here.';
  const org = me.org ? `, ${me.org}` : '';
  const via = me.via === 'api_token' ? ' by API token' : me.via === 'editor_token' ? ' by the editor token' : '';
  return `Logged in as ${me.name} (${me.role}${org})${via}.`;
}

/** What the logged-in role may do on this page, in one sentence. */
export function roleLine(me) {
  if (!me || !me.name) return '';
  if (mayReview(me)) return 'You may upload services for any organisation, and publish or reject submissions sent for review.';
  if (mayUpload(me)) return `You may upload and fix services of ${me.org} and send them for review; a reviewer publishes them.`;
  return 'This account may view the map only: submissions are for partners, reviewers and admins.';
}

/**
 * A refused or failed request in words for the page: what was being done, then the server's
 * own message (it names the field, the row, or what to change), with advice for the common
 * cases. `doing` is e.g. "Upload".
 */
export function errorWords(error, doing) {
  const status = error?.status;
  const said = String(error?.message ?? '').trim();
  const lead = doing ? `${doing} failed: ` : '';
  if (status === 0) return `${lead}the map server does not answer. Check that it is running and reload the page.`;
  if (status === 401 && /wrong name or password/i.test(said)) return 'Wrong name or password. Check both and try again.';
  if (status === 401) return `${lead}you are not logged in (or the session ended). Log in again. (${said})`;
  if (status === 429) return `${lead}too many attempts. Wait a minute and try again.`;
  if (status === 403 && /--allow-edits/.test(said)) {
    return `${lead}the server was started read-only: changes need \`needmap serve --allow-edits\`. Ask whoever runs the server.`;
  }
  if (status === 403) return `${lead}not allowed: ${said}`;
  if (status === 404 && /no register/i.test(said)) return `${lead}this server has no service register. ${said}`;
  if (status === 409) return `${lead}${said}`;
  if (status === 413) return `${lead}the file is too large: ${said}`;
  if (status === 415) return `${lead}not a CSV or XLSX file: ${said}`;
  return `${lead}${said || 'something went wrong'}`;
}

/** A count with its noun: "1 row", "1,234 rows". */
export function count(n, singular, plural = `${singular}s`) {
  return `${formatNumber(n)} ${n === 1 ? singular : plural}`;
}

/** The status of a submission for people. */
export function statusWord(status) {
  return {
    draft: 'draft (not yet sent)', submitted: 'sent for review', published: 'published', rejected: 'rejected',
  }[status] ?? String(status ?? '');
}

/** A row state for people. */
export function stateWord(state) {
  return {
    ready: 'ready', error: 'error', duplicate: 'possible duplicate: decide', keep: 'kept as new',
    skip: 'left out', merge: 'merge into existing',
  }[state] ?? String(state ?? '');
}

/**
 * One line for a submission summary of `GET /api/register/submissions`:
 * "#3 family hubs.csv from family-hubs: 1,200 rows, 1,190 ready, 7 with errors, 3 duplicates".
 */
export function summaryLine(s) {
  const parts = [count(s.rows ?? 0, 'row'), `${formatNumber(s.ready ?? 0)} ready`];
  if (s.errors) parts.push(`${formatNumber(s.errors)} with errors`);
  if (s.duplicates) parts.push(count(s.duplicates, 'undecided duplicate'));
  return `#${s.id} ${s.file} from ${s.partner}: ${parts.join(', ')}`;
}

/** A date-time of the API ("2026-12-04T21:01:47.081Z") as "4 Dec 2026, 21:01 UTC". */
export function when(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const hm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return `${d.getUTCDate()} ${month} ${d.getUTCFullYear()}, ${hm} UTC`;
}

/** What a publication did, in words, from the answer of `POST .../publish`. */
export function publishedLine(p) {
  const parts = [`${count(p.added?.length ?? 0, 'service')} added`];
  if (p.merged?.length) parts.push(`${formatNumber(p.merged.length)} merged into existing services`);
  if (p.skipped?.length) parts.push(`${count(p.skipped.length, 'row')} left out`);
  if (p.excluded?.length) parts.push(`${count(p.excluded.length, 'blocking row')} excluded`);
  const total = Number.isFinite(p.register_services) ? ` The register now has ${count(p.register_services, 'service')}.` : '';
  // The server says whether the map now shows them (a dataset that maps the register) or not.
  const note = typeof p.note === 'string' && p.note ? ` ${p.note[0].toUpperCase()}${p.note.slice(1)}.` : '';
  return `Submission #${p.submission} published: ${parts.join(', ')}.${total}${note}`;
}
