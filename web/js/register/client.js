// Client for the accounts and service-register API of `needmap serve` (README, "Accounts and
// roles" and "Service register"): log in and out, who is logged in, the partner's register
// services, and partners' submissions (upload, report, fix a row, decide a duplicate, send,
// publish, reject). The only module of the services page that talks to the server.
// Writes go by the session cookie from the same page, so the browser sends the server's own
// Origin (the CSRF rule of `edit_guard.rs`). `fetchImpl` is a parameter so the unit tests can
// stand in for the server.

/** A refused or failed request: the HTTP status (0: no answer) and the server's own words. */
export class RegisterError extends Error {
  constructor(url, status, message, parameter = null) {
    super(message);
    this.url = url;
    this.status = status;
    this.parameter = parameter;
  }
}

const SUBMISSIONS = 'api/register/submissions';

export class RegisterClient {
  constructor({ fetchImpl = (...a) => globalThis.fetch(...a) } = {}) {
    this.fetch = fetchImpl;
  }

  /**
   * One request; `body` is JSON unless `raw` (a Blob, ArrayBuffer or string sent as it is).
   * Returns the parsed JSON answer (null for 204).
   */
  async request(method, url, { body, raw, type } = {}) {
    const headers = { Accept: 'application/json' };
    let payload;
    if (raw !== undefined) {
      payload = raw;
      headers['Content-Type'] = type || 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await this.fetch(url, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
    } catch (e) {
      throw new RegisterError(url, 0, `cannot reach the server (${e.message})`);
    }
    if (response.status === 204) return null;
    let json = null;
    try { json = await response.json(); } catch { /* not JSON */ }
    if (!response.ok) {
      const message = json?.message || json?.error || response.statusText || `HTTP ${response.status}`;
      throw new RegisterError(url, response.status, message, json?.parameter ?? null);
    }
    return json;
  }

  /** Who is calling: { role, name, org, via }. */
  me() { return this.request('GET', 'api/me'); }

  /** Log in (the server sets the session cookie); resolves to null, throws 401 / 429 in words. */
  login(name, password) { return this.request('POST', 'api/login', { body: { name, password } }); }

  logout() { return this.request('POST', 'api/logout'); }

  /** The register's services the caller may see (`org` narrows a reviewer's list). */
  async services(org = null) {
    const q = org ? `?org=${encodeURIComponent(org)}` : '';
    const body = await this.request('GET', `api/register/services${q}`);
    return Array.isArray(body?.services) ? body.services : [];
  }

  /** Summaries of the submissions the caller may see, optionally of one status. */
  async submissions(status = null) {
    const q = status ? `?status=${encodeURIComponent(status)}` : '';
    const body = await this.request('GET', `${SUBMISSIONS}${q}`);
    return Array.isArray(body?.submissions) ? body.submissions : [];
  }

  /** The whole submission: rows, column match, report. */
  submission(id) { return this.request('GET', `${SUBMISSIONS}/${encodeURIComponent(id)}`); }

  /**
   * Upload a CSV or XLSX file (`data`: a File, Blob or bytes) named `fileName`; `org` for a
   * reviewer or admin. Resolves to the new draft.
   */
  upload(fileName, data, { org = null, sheet = null } = {}) {
    const q = new URLSearchParams({ file: fileName });
    if (org) q.set('org', org);
    if (sheet) q.set('sheet', sheet);
    return this.request('POST', `${SUBMISSIONS}?${q}`, { raw: data, type: 'application/octet-stream' });
  }

  /** Replace fields of one row ({ postcode: 'BD7 1LG' }; empty text clears): the submission again. */
  fixRow(id, row, fields) {
    return this.request('PUT', `${SUBMISSIONS}/${encodeURIComponent(id)}/rows/${encodeURIComponent(row)}`, { body: fields });
  }

  /** Settle a duplicate: 'keep', 'skip', 'merge:<service id>' or null (undecided again). */
  decide(id, row, decision) {
    return this.request('PUT', `${SUBMISSIONS}/${encodeURIComponent(id)}/rows/${encodeURIComponent(row)}/decision`, { body: { decision } });
  }

  send(id) { return this.request('POST', `${SUBMISSIONS}/${encodeURIComponent(id)}/send`); }

  /** Publish (reviewer, admin): { added, merged, skipped, excluded, register_services, note }. */
  publish(id, { excludeBlocking = false } = {}) {
    const q = excludeBlocking ? '?exclude_blocking=true' : '';
    return this.request('POST', `${SUBMISSIONS}/${encodeURIComponent(id)}/publish${q}`);
  }

  reject(id, reason) { return this.request('POST', `${SUBMISSIONS}/${encodeURIComponent(id)}/reject`, { body: { reason } }); }
}
