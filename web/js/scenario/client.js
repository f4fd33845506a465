// Client for the scenario API of `needmap serve` (README, "Scenarios"): list, read, create,
// update and delete saved scenarios, compare one with the baseline, and suggest new sites.
// Writes send the editor token (`Authorization: Bearer`) and the version they were based on;
// a stale write comes back as a StaleError carrying the current version.
// `fetchImpl` is a parameter so the unit tests can stand in for the server.
import { ApiError, query } from '../api.js';

/** Someone else saved the scenario since this copy was read (HTTP 409). */
export class StaleError extends ApiError {
  constructor(url, message, currentVersion) {
    super(url, 409, message);
    this.currentVersion = currentVersion;
  }
}

export class ScenarioClient {
  constructor({ token = null, fetchImpl = (...a) => globalThis.fetch(...a) } = {}) {
    this.token = token;
    this.fetch = fetchImpl;
  }

  async request(method, url, { body, version, fresh } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && this.token) headers.Authorization = `Bearer ${this.token}`;
    if (version !== undefined) headers['If-Match'] = `"${version}"`;
    let response;
    try {
      // Scenario answers change with every save under the same URL: always revalidate.
      response = await this.fetch(url, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: fresh ? 'no-cache' : 'default',
      });
    } catch (e) {
      throw new ApiError(url, 0, `cannot reach the server (${e.message})`);
    }
    if (response.status === 204) return null;
    let json = null;
    try { json = await response.json(); } catch { /* not JSON */ }
    if (!response.ok) {
      const message = json?.message || json?.error || response.statusText || 'request failed';
      if (response.status === 409 && Number.isFinite(json?.current_version)) {
        throw new StaleError(url, message, json.current_version);
      }
      throw new ApiError(url, response.status, message);
    }
    return json;
  }

  /** Saved scenarios: [{ id, name, version, edits (count), updated, author, url }]. */
  async list() {
    const body = await this.request('GET', 'api/scenarios', { fresh: true });
    return Array.isArray(body?.scenarios) ? body.scenarios : [];
  }

  /** One saved scenario (the JSON document with its `version`). */
  get(id) { return this.request('GET', `api/scenarios/${encodeURIComponent(id)}`, { fresh: true }); }

  /** Save a new scenario: the stored document (version 1). */
  create(scenario) {
    const { version, ...body } = scenario;
    return this.request('POST', 'api/scenarios', { body });
  }

  /** Save `scenario` over the version it was based on: the stored document (version + 1). */
  update(scenario, basedOn) {
    return this.request('PUT', `api/scenarios/${encodeURIComponent(scenario.id)}`, {
      body: { ...scenario, version: basedOn }, version: basedOn,
    });
  }

  /** Delete a saved scenario at the version it was read. */
  remove(id, basedOn) {
    return this.request('DELETE', `api/scenarios/${encodeURIComponent(id)}`, { version: basedOn });
  }

  /** The service points of scenario `id` as applied by the server (added sites where they were placed). */
  services(id, params = {}) {
    return this.request('GET', `api/services.geojson${query({ ...params, scenario: id })}`, { fresh: true });
  }

  /** Per-area baseline and scenario values and the summary for one gap query. */
  compare(id, params) {
    return this.request('GET', `api/scenarios/${encodeURIComponent(id)}/compare${query(params)}`, { fresh: true });
  }

  /** Suggested new sites: the chosen sites, the objective and a scenario to save (not stored). */
  suggest(params) {
    return this.request('GET', `api/suggest${query(params)}`, { fresh: true });
  }
}
