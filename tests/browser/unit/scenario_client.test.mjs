import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitToken, captureToken, forgetToken } from '../../../web/js/scenario/token.js';
import { ScenarioClient, StaleError } from '../../../web/js/scenario/client.js';

test('the editor token is taken out of the hash, kept for the tab and can be forgotten', () => {
  assert.deepEqual(splitToken('#edit=abcdefgh12&level=ward'), { token: 'abcdefgh12', hash: '#level=ward' });
  assert.deepEqual(splitToken('#level=ward'), { token: null, hash: '#level=ward' });
  assert.deepEqual(splitToken('#edit=abcdefgh12'), { token: 'abcdefgh12', hash: '' });
  assert.deepEqual(splitToken('#edit=<bad>&c=-1.7,53.8'), { token: null, hash: '#c=-1.7,53.8' }, 'a malformed token is dropped, still removed');
  const store = new Map();
  const calls = [];
  const win = {
    location: { hash: '#edit=s3cret-token&scenario=hub', pathname: '/', search: '?x=1' },
    history: { replaceState: (_, __, url) => { calls.push(url); } },
    sessionStorage: { setItem: (k, v) => store.set(k, v), getItem: (k) => store.get(k) ?? null, removeItem: (k) => store.delete(k) },
  };
  assert.equal(captureToken(win), 's3cret-token');
  assert.deepEqual(calls, ['/?x=1#scenario=hub'], 'the token leaves the URL');
  win.location.hash = '#scenario=hub';
  assert.equal(captureToken(win), 's3cret-token', 'kept in sessionStorage across reloads of the tab');
  assert.equal(calls.length, 1, 'nothing to remove the second time');
  forgetToken(win);
  assert.equal(captureToken(win), null);
});

/** A stand-in for fetch recording the requests and answering from `answers` in turn. */
function fakeFetch(answers) {
  const seen = [];
  const impl = async (url, init) => {
    seen.push({ url, ...init });
    const [status, body] = answers.shift();
    return {
      status, ok: status >= 200 && status < 300, statusText: `status ${status}`,
      json: async () => { if (body === undefined) throw new Error('no body'); return body; },
    };
  };
  return { impl, seen };
}

test('writes send the token and the version they were based on; 409 is a StaleError', async () => {
  const doc = { needmap_scenario: 1, id: 'hub', name: 'Hub', version: 3, edits: [] };
  const { impl, seen } = fakeFetch([
    [201, { ...doc, version: 1 }],
    [200, { ...doc, version: 4 }],
    [409, { error: 'scenario hub changed: version 5, not 3', current_version: 5 }],
    [204],
    [400, { status: 400, error: 'bad request', message: 'edit 1 (close): unknown service id "x"' }],
  ]);
  const c = new ScenarioClient({ token: 'tok', fetchImpl: impl });
  assert.equal((await c.create(doc)).version, 1);
  assert.equal(seen[0].method, 'POST');
  assert.equal(seen[0].url, 'api/scenarios');
  assert.equal(seen[0].headers.Authorization, 'Bearer tok');
  assert.equal(JSON.parse(seen[0].body).version, undefined, 'a new scenario has no version');
  assert.equal((await c.update(doc, 3)).version, 4);
  assert.equal(seen[1].method, 'PUT');
  assert.equal(seen[1].url, 'api/scenarios/hub');
  assert.equal(seen[1].headers['If-Match'], '"3"');
  assert.equal(JSON.parse(seen[1].body).version, 3);
  await assert.rejects(c.update(doc, 3), (e) => e instanceof StaleError && e.currentVersion === 5 && e.status === 409);
  assert.equal(await c.remove('hub', 4), null);
  assert.equal(seen[3].headers['If-Match'], '"4"');
  await assert.rejects(c.update(doc, 4), (e) => e.status === 400 && /edit 1 \(close\): unknown service/.test(e.message));
});

test('reads revalidate (scenario answers change under one URL) and carry no token', async () => {
  const { impl, seen } = fakeFetch([
    [200, { scenarios: [{ id: 'a', name: 'A', version: 2, edits: 1 }] }],
    [200, { rows: [], summary: {} }],
    [404, { status: 404, error: 'not found', message: 'no scenario "zz"' }],
    [200, { sites: [] }],
  ]);
  const c = new ScenarioClient({ token: 'tok', fetchImpl: impl });
  assert.deepEqual(await c.list(), [{ id: 'a', name: 'A', version: 2, edits: 1 }]);
  assert.equal(seen[0].cache, 'no-cache');
  assert.equal(seen[0].headers.Authorization, undefined);
  await c.compare('a', { level: 'ward', category: 'family_hub', method: '' });
  assert.equal(seen[1].url, 'api/scenarios/a/compare?level=ward&category=family_hub');
  await assert.rejects(c.get('zz'), (e) => e.status === 404 && !(e instanceof StaleError));
  await c.suggest({ category: 'gp', add: 2, objective: 'coverage', scenario: '' });
  assert.equal(seen[3].url, 'api/suggest?category=gp&add=2&objective=coverage');
  const down = new ScenarioClient({ fetchImpl: async () => { throw new TypeError('Failed to fetch'); } });
  await assert.rejects(down.list(), (e) => e.status === 0);
});
