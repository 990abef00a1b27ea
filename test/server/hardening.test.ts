/**
 * Issue 11's findings, one test each: what an attacker or a confused developer could do before.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { HTTPException } from 'hono/http-exception';
import { toApiError } from '../../server/app';
import { configFromEnv } from '../../server/config';
import { sessionWithToken, startHarness, tokenize, type Harness } from './helpers';

function harness(t: TestContext): Harness {
  const h = startHarness();
  t.after(() => h.close());
  return h;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('bound tokens', () => {
  test("a customer's card token pays only the session whose card form made it", async (t) => {
    const h = harness(t);
    const s1 = await sessionWithToken(h);
    const s2 = await sessionWithToken(h);
    const token = await tokenize(h, s2.token, '4242424242424242');
    const viaWidget = await h.publicCall(`sessions/${s1.token}/payments`, json({ method: 'card', card_token: token }));
    assert.equal(viaWidget.status, 409, JSON.stringify(viaWidget.body));
    assert.match(viaWidget.body.error.description, /another session/);
    assert.equal((await h.call('session/status', { session_id: s1.id })).body.session.status, 'created', 'nothing was charged on S1');
    // On its own session it pays.
    assert.equal((await h.publicCall(`sessions/${s2.token}/payments`, json({ method: 'card', card_token: token }))).body.status, 'accepted');
  });
});

describe('errors keep their status', () => {
  test('an HTTPException is answered with its own status, never as a 500', () => {
    for (const status of [400, 401, 404, 405, 413, 415, 429] as const) {
      const error = toApiError(new HTTPException(status, { message: 'from the framework' }));
      assert.deepEqual([error.status, error.message], [status, 'from the framework']);
    }
    assert.equal(toApiError(new HTTPException(413)).code, 'body_too_large');
    assert.equal(toApiError(new HTTPException(503)).status, 503);
  });
});

describe('the listening address', () => {
  test('HOST defaults to loopback for a local PUBLIC_URL and to every interface for a public one', () => {
    assert.equal(configFromEnv({}).host, '127.0.0.1');
    assert.equal(configFromEnv({ PUBLIC_URL: 'http://127.0.0.1:3000' }).host, '127.0.0.1');
    assert.equal(configFromEnv({ PUBLIC_URL: 'https://pay.example.com' }).host, '0.0.0.0');
    assert.equal(configFromEnv({ PUBLIC_URL: 'https://pay.example.com', HOST: '127.0.0.1' }).host, '127.0.0.1');
    assert.equal(configFromEnv({ HOST: '::' }).host, '::');
    assert.throws(() => configFromEnv({ HOST: 'not an address!' }), /HOST=not an address! is not an address to listen on/);
  });
});
