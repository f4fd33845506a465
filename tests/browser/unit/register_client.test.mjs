import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterClient, RegisterError } from '../../../web/js/register/client.js';

/** A stand-in for fetch recording the requests and answering from `answers` in turn. */
function fakeFetch(answers) {
  const seen = [];
  const impl = async (url, init) => {
    seen.push({ url, ...init });
    const next = answers.shift();
    if (next instanceof Error) throw next;
    const [status, body] = next;
    return {
      status, ok: status >= 200 && status < 300, statusText: `status ${status}`,
      json: async () => { if (body === undefined) throw new Error('no body'); return body; },
    };
  };
  return { impl, seen };
}

test('login sends JSON by the same-origin cookie; a refusal carries the status and the server\'s words', async () => {
  const { impl, seen } = fakeFetch([
    [204],
    [401, { error: 'unauthorized', message: 'wrong name or password', parameter: null, status: 401 }],
    [200, { role: 'partner', name: 'pam', org: 'family-hubs', via: 'session' }],
  ]);
  const c = new RegisterClient({ fetchImpl: impl });
  assert.equal(await c.login('pam', 'password of pam!'), null);
  assert.deepEqual([seen[0].method, seen[0].url, seen[0].credentials], ['POST', 'api/login', 'same-origin']);
  assert.equal(seen[0].headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(seen[0].body), { name: 'pam', password: 'password of pam!' });
  assert.equal(seen[0].headers.Authorization, undefined, 'no token: the cookie is the credential');
  await assert.rejects(c.login('pam', 'wrong'), (e) => e instanceof RegisterError && e.status === 401 && e.message === 'wrong name or password');
  assert.equal((await c.me()).org, 'family-hubs');
  assert.deepEqual([seen[2].method, seen[2].url], ['GET', 'api/me']);
});

test('the upload sends the file itself with its name in the query; fixes, decisions and reviews go to their routes', async () => {
  const draft = { id: 7, status: 'draft', rows: [], report: { states: [] } };
  const { impl, seen } = fakeFetch([
    [201, draft], [200, draft], [200, draft], [200, draft], [200, { ...draft, status: 'submitted' }],
    [200, { submission: 7, added: [] }], [200, { submission: 7, added: [] }], [200, { ...draft, status: 'rejected' }],
  ]);
  const c = new RegisterClient({ fetchImpl: impl });
  const body = new Uint8Array([1, 2, 3]);
  assert.equal((await c.upload('family hubs.csv', body)).id, 7);
  assert.equal(seen[0].url, 'api/register/submissions?file=family+hubs.csv');
  assert.equal(seen[0].body, body, 'the bytes as they are, not JSON');
  assert.equal(seen[0].headers['Content-Type'], 'application/octet-stream');
  await c.upload('x.xlsx', body, { org: 'health-trust', sheet: 'Sites 2026' });
  assert.equal(seen[1].url, 'api/register/submissions?file=x.xlsx&org=health-trust&sheet=Sites+2026');
  await c.fixRow(7, 18, { postcode: 'BD7 1LG' });
  assert.deepEqual([seen[2].method, seen[2].url, JSON.parse(seen[2].body)], ['PUT', 'api/register/submissions/7/rows/18', { postcode: 'BD7 1LG' }]);
  await c.decide(7, 20, 'merge:bd-00134');
  assert.deepEqual([seen[3].method, seen[3].url, JSON.parse(seen[3].body)], ['PUT', 'api/register/submissions/7/rows/20/decision', { decision: 'merge:bd-00134' }]);
  assert.equal((await c.send(7)).status, 'submitted');
  assert.deepEqual([seen[4].method, seen[4].url, seen[4].body], ['POST', 'api/register/submissions/7/send', undefined]);
  await c.publish(7);
  assert.equal(seen[5].url, 'api/register/submissions/7/publish');
  await c.publish(7, { excludeBlocking: true });
  assert.equal(seen[6].url, 'api/register/submissions/7/publish?exclude_blocking=true');
  await c.reject(7, 'wrong organisation');
  assert.deepEqual([seen[7].url, JSON.parse(seen[7].body)], ['api/register/submissions/7/reject', { reason: 'wrong organisation' }]);
});

test('lists unwrap their arrays; an unreachable server is status 0; a non-JSON refusal keeps its status', async () => {
  const { impl, seen } = fakeFetch([
    [200, { count: 1, submissions: [{ id: 1 }] }],
    [200, { count: 2, services: [{ id: 'a' }, { id: 'b' }] }],
    new TypeError('Failed to fetch'),
    [502],
    [403, { error: 'forbidden', message: 'editing is off: start the server with --allow-edits', parameter: null, status: 403 }],
  ]);
  const c = new RegisterClient({ fetchImpl: impl });
  assert.deepEqual(await c.submissions('submitted'), [{ id: 1 }]);
  assert.equal(seen[0].url, 'api/register/submissions?status=submitted');
  assert.equal((await c.services('family-hubs')).length, 2);
  assert.equal(seen[1].url, 'api/register/services?org=family-hubs');
  await assert.rejects(c.submission(1), (e) => e.status === 0 && /cannot reach the server/.test(e.message));
  await assert.rejects(c.send(1), (e) => e.status === 502 && e.message === 'status 502');
  await assert.rejects(c.send(1), (e) => e.status === 403 && /--allow-edits/.test(e.message));
});
