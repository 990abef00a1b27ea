/**
 * Idempotency-Key on the merchant API (replays, mismatches, concurrent duplicates), concurrent
 * starts without a key, and the API reference at /docs generated from the request schemas.
 */
import { test, type TestContext } from 'node:test';
import { rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import { RUB, forEachStore, startHarness, type StoreKind } from './helpers';
import { FPS, MERCHANT_METHODS, SESSION_ID, assertError, count, otherProject, send, writesNothing } from './merchant-fixtures';
import { postgresAvailable } from '../support/pg-databases';

async function harness(t: TestContext, store: StoreKind) {
  const h = await startHarness({ store });
  t.after(() => h.close());
  return h;
}


forEachStore('Idempotency-Key and the API reference', (store) => {
  // ─── Idempotency-Key ─────────────────────────────────────────────────────────────────────────

  test('the same Idempotency-Key and body answer the first reply again, marked as replayed, with one row', async (t) => {
    const h = await harness(t, store);
    const body = { amount_details: RUB(1000), metadata: 'order-1' };
    const key = { 'idempotency-key': 'order-1-attempt' };
    const first = await h.call('session/create', body, key);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('idempotent-replayed'), null, 'the first answer is not a replay');
    h.clock.advance(60_000);
    const again = await h.call('session/create', body, key);
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.match(again.body.session.id, SESSION_ID);
    assert.deepEqual(again.body, first.body, 'byte for byte the first answer');
    assert.equal(await count(h, 'sessions'), 1);
    assert.equal(await count(h, 'idempotency_keys'), 1);
    // Without a key every call creates.
    await h.call('session/create', body);
    await h.call('session/create', body);
    assert.equal(await count(h, 'sessions'), 3);
  });

  test('a replayed session/init/payment starts no second payment', async (t) => {
    const h = await harness(t, store);
    const body = { amount_details: RUB(500), payment_details: FPS };
    const first = await h.call('session/init/payment', body, { 'idempotency-key': 'k-init' });
    const again = await h.call('session/init/payment', body, { 'idempotency-key': 'k-init' });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.session.acquiring_payments[0].id, first.body.session.acquiring_payments[0].id);
    assert.equal(await count(h, 'payments'), 1);
    assert.deepEqual((await h.events(first.body.session.id)).map((e) => e.type), ['action_required']);
  });

  test('the same Idempotency-Key with another body is a 422 that writes nothing', async (t) => {
    const h = await harness(t, store);
    await h.call('session/create', { amount_details: RUB(1000) }, { 'idempotency-key': 'k1' });
    const reply = await writesNothing(h, () => h.call('session/create', { amount_details: RUB(2000) }, { 'idempotency-key': 'k1' }));
    assertError(reply, 422, 'idempotency_key_reused');
    assert.match(reply.body.error.description, /"k1" was already used for a different request/);
    assert.match(reply.body.error.description, /use a new key/);
    assert.equal(await count(h, 'sessions'), 1);
  });

  test('the same Idempotency-Key on another method is a 422 that changes nothing, even with the same body', async (t) => {
    const h = await harness(t, store);
    const id = (await h.call('session/create', { amount_details: RUB(1000) })).body.session.id;
    const read = await h.call('session/status', { session_id: id }, { 'idempotency-key': 'k-same' });
    assert.equal(read.status, 200);
    const reply = await writesNothing(h, () => h.call('session/cancel', { session_id: id }, { 'idempotency-key': 'k-same' }));
    assertError(reply, 422, 'idempotency_key_reused');
    assert.match(reply.body.error.description, /session\/status/);
    assert.equal((await h.server.store.sessions.get(id))!.status, 'created', 'the session was not cancelled');
  });

  test('Idempotency-Key is scoped to the project', async (t) => {
    const h = await harness(t, store);
    const other = await otherProject(h);
    const mine = await h.call('session/create', { amount_details: RUB(1000) }, { 'idempotency-key': 'shared-key' });
    const theirs = await send(h, 'session/create', JSON.stringify({ amount_details: RUB(1000) }), {
      privateKey: other.keys.privateKey,
      headers: { 'x-partner-project': other.name, 'idempotency-key': 'shared-key' },
    });
    assert.equal(theirs.status, 200);
    assert.equal(theirs.headers.get('idempotent-replayed'), null);
    assert.notEqual(theirs.body.session.id, mine.body.session.id);
    assert.equal((await h.server.store.sessions.get(theirs.body.session.id))!.project, 'other');
  });

  test('an Idempotency-Key over 255 characters, or with spaces, is a 400 naming the header', async (t) => {
    const h = await harness(t, store);
    for (const key of ['k'.repeat(256), 'two words']) {
      const reply = await writesNothing(h, () => h.call('session/create', { amount_details: RUB(1000) }, { 'idempotency-key': key }));
      assertError(reply, 400, 'invalid_request', 'Idempotency-Key');
      assert.match(reply.body.error.description, /1–255 printable ASCII/);
    }
    const longest = await h.call('session/create', { amount_details: RUB(1000) }, { 'idempotency-key': 'k'.repeat(255) });
    assert.equal(longest.status, 200, '255 characters are allowed');
  });

  test('an error is not remembered under its Idempotency-Key: the corrected retry succeeds', async (t) => {
    const h = await harness(t, store);
    const id = (await h.call('session/create', { amount_details: RUB(1000) })).body.session.id;
    const early = await h.call('session/refund', { session_id: id }, { 'idempotency-key': 'refund-1' });
    assertError(early, 409, 'invalid_state');
    assert.equal(await count(h, 'idempotency_keys'), 0);
    const start = await h.call('session/start/payment', { session_id: id, payment_details: FPS }, { 'idempotency-key': 'start-1' });
    assert.equal(start.status, 200);
    assert.equal(await count(h, 'idempotency_keys'), 1);
  });

  test('20 concurrent session/create calls with one key make exactly one session and all answer its id', async (t) => {
    const h = await harness(t, store);
    const body = { amount_details: RUB(1000), metadata: 'concurrent' };
    const replies = await Promise.all(Array.from({ length: 20 }, () => h.call('session/create', body, { 'idempotency-key': 'burst' })));
    assert.deepEqual(replies.map((r) => r.status), Array(20).fill(200));
    const ids = new Set(replies.map((r) => r.body.session.id));
    assert.equal(ids.size, 1);
    assert.match([...ids][0], SESSION_ID);
    assert.equal(await count(h, 'sessions'), 1);
    assert.equal(replies.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 19);
  });

  test('20 concurrent session/start/payment calls without keys: one 200, nineteen 409, one payment', async (t) => {
    const h = await harness(t, store);
    const id = (await h.call('session/create', { amount_details: RUB(1000) })).body.session.id;
    const replies = await Promise.all(Array.from({ length: 20 }, () => h.call('session/start/payment', { session_id: id, payment_details: FPS })));
    const statuses = replies.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, ...Array(19).fill(409)]);
    for (const r of replies.filter((r) => r.status === 409)) assertError(r, 409, 'invalid_state');
    assert.equal(await count(h, 'payments'), 1);
    assert.deepEqual((await h.events(id)).map((e) => e.type), ['action_required']);
  });

  // ─── The API reference ───────────────────────────────────────────────────────────────────────

  test('/docs serves an HTML reference that lists every method and how to sign', async (t) => {
    const h = await harness(t, store);
    const res = await h.app.request('/docs');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const page = await res.text();
    for (const method of MERCHANT_METHODS) assert.ok(page.includes(`/api/v1/${method}`), `the page lists ${method}`);
    assert.ok(page.includes('X-PARTNER-SIGN'));
    assert.ok(page.includes('amount_details.amount'), 'request fields are listed');
    assert.ok(page.includes('/docs/openapi.json'));
  });

  type Schema = { $ref?: string; properties?: Record<string, unknown>; required?: string[] };

  test('/docs/openapi.json is an OpenAPI 3.1 document with a path per method and its request schema', async (t) => {
    const h = await harness(t, store);
    const res = await h.app.request('/docs/openapi.json');
    assert.equal(res.status, 200);
    const doc = (await res.json()) as any;
    assert.match(doc.openapi, /^3\.1\./);
    const resolve = (s: Schema): Schema => (s.$ref ? resolve(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')]) : s);
    const merchantPaths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/'));
    assert.deepEqual(merchantPaths.sort(), MERCHANT_METHODS.map((m) => `/api/v1/${m}`).sort());
    for (const method of MERCHANT_METHODS) {
      const op = doc.paths[`/api/v1/${method}`].post;
      assert.ok(op, `${method} is a POST`);
      const schema = resolve(op.requestBody.content['application/json'].schema);
      assert.ok(schema.properties, `${method} documents its body`);
      const withAmount = ['session/create', 'session/init/payment', 'session/start/payment', 'session/refund', 'link/create', 'subscription/create', 'subscription/update'].includes(method);
      assert.equal('amount_details' in schema.properties!, withAmount, `${method}: amount_details ${withAmount ? 'documented' : 'absent'}`);
      assert.ok(op.parameters.some((p: any) => p.in === 'header' && p.name === 'Idempotency-Key'), `${method} documents Idempotency-Key`);
      // Every method's shared statuses (409 too: an Idempotency-Key still in progress on another instance; 503: the database
      // away for a moment); 404 where it looks something up, 502 where it asks the rail for what it does not record (docs.test.ts provokes them).
      const shared = ['200', '400', '401', '405', '409', '413', '415', '422', '429', '500', '503'];
      assert.deepEqual(Object.keys(op.responses).filter((status) => status !== '404' && status !== '502').sort(), shared, method);
      assert.match(op.responses['409'].description, /idempotency_key_in_progress/, `${method}: 409 in progress`);
      assert.equal('404' in op.responses, !['session/create', 'link/create', 'link/list', 'subscription/create', 'subscription/list'].includes(method), `${method}: 404`);
      assert.equal('502' in op.responses, method === 'sberpay/push', `${method}: 502`);
    }
    const create = resolve(doc.paths['/api/v1/session/create'].post.requestBody.content['application/json'].schema);
    // Either amount_details or binding (a session that only binds an FPS account), which the schema's refinement checks.
    assert.equal(create.required, undefined);
    assert.ok('binding' in create.properties!, 'binding documented');
    const amount = resolve(create.properties!.amount_details as Schema) as any;
    assert.equal(amount.properties.amount.type, 'integer');
    assert.equal(amount.properties.amount.maximum, 10_000_000_000);
    assert.deepEqual(doc.components.securitySchemes.PartnerSignature.name, 'X-PARTNER-SIGN');
  });
});

// ─── Two instances on one PostgreSQL database ────────────────────────────────────────────────

test(
  'two servers on one PostgreSQL database given concurrent session/create with one key make one session: 200 with its id or 409 in progress, then the stored answer',
  { skip: postgresAvailable() ? false : 'no PostgreSQL: run through npm test, which starts one, or set DATABASE_URL' },
  async (t) => {
    const h1 = await startHarness({ store: 'postgres' });
    const h2 = await startHarness({ store: 'postgres', databaseUrl: h1.databaseUrl, keys: h1.keys });
    t.after(async () => {
      await h2.close();
      rmSync(h2.dir, { recursive: true, force: true }); // a harness reopening a database keeps its folder
      await h1.close();
    });
    const body = { amount_details: RUB(1000), metadata: 'two instances' };
    const key = { 'idempotency-key': 'across-instances' };
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? h2 : h1).call('session/create', body, key)));

    const ok = replies.filter((r) => r.status === 200);
    assert.ok(ok.length >= 1, 'the request that held the key answered');
    const ids = new Set(ok.map((r) => r.body.session.id));
    assert.equal(ids.size, 1, `one session id in every 200: ${[...ids].join(', ')}`);
    const id = [...ids][0] as string;
    assert.match(id, SESSION_ID);
    for (const r of replies.filter((r) => r.status !== 200)) {
      assertError(r, 409, 'idempotency_key_in_progress');
      assert.equal(r.headers.get('retry-after'), '1', 'a 409 in progress says when to retry');
    }
    for (const r of ok) assert.deepEqual(r.body, ok[0]!.body, 'every 200 is the same answer');
    assert.equal(await count(h1, 'sessions'), 1, 'exactly one session');
    assert.equal(await count(h1, 'idempotency_keys'), 1);

    // Both have finished: a retry on either server replays the stored answer.
    for (const h of [h1, h2]) {
      const retry = await h.call('session/create', body, key);
      assert.equal(retry.status, 200, JSON.stringify(retry.body));
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(retry.body, ok[0]!.body);
    }
    assert.equal(await count(h1, 'sessions'), 1);
  },
);
