/**
 * The documented SberPay request, response and flow (design.md: "that exact request, signed, must
 * work, and the reply must have that shape"). fixtures/smartglocal-sberpay-example.json is a
 * verbatim copy of ../shared/reference/smartglocal-sberpay-example.json, so the test runs from the
 * repository alone.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { newKeyPair, signBody, startHarness, type Harness } from './helpers';
import { ISO, PAYMENT_ID, SESSION_ID, approve, send } from './merchant-fixtures';

const EXAMPLE = JSON.parse(readFileSync(new URL('./fixtures/smartglocal-sberpay-example.json', import.meta.url), 'utf8'));

async function harness(t: TestContext, opts: Parameters<typeof startHarness>[0] = {}) {
  const h = await startHarness(opts);
  t.after(() => h.close());
  return h;
}

/** Sends the documented request exactly: its body bytes, its header names, its project name. */
async function sendExample(h: Harness, privateKey: string) {
  const { method, path, headers, body } = EXAMPLE.request;
  const raw = JSON.stringify(body, null, 2);
  const res = await h.app.request(path, { method, body: raw, headers: { ...headers, 'X-PARTNER-SIGN': signBody(privateKey, raw) } });
  return { status: res.status, body: (await res.json()) as any };
}

async function registerExampleProject(h: Harness, confirmation: 'auto' | 'manual') {
  const keys = newKeyPair();
  await h.server.store.transaction((tx) => tx.projects.insert({
    name: EXAMPLE.request.headers['X-PARTNER-PROJECT'],
    publicKeyPem: keys.publicKey,
    webhookUrl: 'https://merchant.example/hooks',
    webhookSecret: 'whsec_' + Buffer.from('example-secret-0123456789').toString('base64'),
    origins: [],
    confirmation,
    confirmWindowMinutes: 240,
    fpsQrLifetimeMinutes: 15,
    createdAt: h.clock.now(),
  }));
  return keys;
}

test('the documented SberPay request, signed as is, is accepted and answered in the documented shape', async (t) => {
  const h = await harness(t);
  const keys = await registerExampleProject(h, 'auto');
  const reply = await sendExample(h, keys.privateKey);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  const doc = EXAMPLE.response;
  const req = EXAMPLE.request.body;
  assert.equal(reply.body.status, doc.status);
  const s = reply.body.session;
  assert.match(s.id, SESSION_ID);
  assert.equal(s.status, doc.session.status);
  assert.match(s.created_at, ISO);
  assert.match(s.updated_at, ISO);
  assert.equal(s.acquiring_payments.length, 1);
  const p = s.acquiring_payments[0];
  const docP = doc.session.acquiring_payments[0];
  // Every documented field is there, with the documented type.
  for (const key of Object.keys(docP)) assert.equal(typeof p[key], typeof docP[key], `acquiring_payments[0].${key}`);
  assert.match(p.id, PAYMENT_ID);
  assert.equal(p.status, docP.status);
  assert.match(p.created_at, ISO);
  assert.deepEqual(p.customer, docP.customer);
  assert.deepEqual(p.payment_details, docP.payment_details);
  assert.deepEqual(p.amount_details, docP.amount_details);
  assert.equal(p.metadata, req.metadata, 'metadata echoes what the request sent');
  assert.deepEqual(p.payment_options, docP.payment_options);
  assert.equal((await h.server.store.sessions.get(s.id))!.project, 'your_project_name');
});

test('the documented SberPay flow: ready_to_confirm → confirm → deep link → approve → payment_finished', async (t) => {
  const h = await harness(t);
  const keys = await registerExampleProject(h, 'manual');
  const init = await sendExample(h, keys.privateKey);
  assert.equal(init.status, 200, JSON.stringify(init.body));
  const id = init.body.session.id;
  assert.equal(init.body.session.status, 'in_progress');
  assert.equal(init.body.session.next_action, 'confirm');
  const pending = init.body.session.acquiring_payments[0];
  assert.equal(pending.status, 'pending');
  assert.equal(Date.parse(pending.confirm_expires_at) - h.clock.now(), 20 * 60_000, 'SberPay gives the merchant 20 minutes');
  assert.deepEqual((await h.events(id)).map((e) => e.type), ['ready_to_confirm']);

  const confirm = await send(h, 'session/confirm', JSON.stringify({ session_id: id }), {
    privateKey: keys.privateKey,
    headers: { 'x-partner-project': 'your_project_name' },
  });
  assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
  const waiting = confirm.body.session.acquiring_payments[0];
  assert.equal(waiting.status, 'in_progress');
  assert.equal(confirm.body.session.next_action, undefined);
  const url: string = waiting.customer_interaction.redirect.url;
  assert.match(url, /^sberpay:\/\/invoicing\/v2\?bankInvoiceId=[0-9a-f]{32}&operationType=Web2App$/);

  assert.equal((await approve(h, waiting.id)).status, 200);
  const events = await h.events(id);
  assert.deepEqual(events.map((e) => e.type), ['ready_to_confirm', 'action_required', 'payment_finished']);
  assert.equal(events[0]!.payload.session.acquiring_payments[0].status, 'pending');
  assert.equal(events[1]!.payload.session.acquiring_payments[0].customer_interaction.redirect.url, url);
  assert.equal(events[2]!.payload.session.status, 'accepted');
  assert.equal(events[2]!.payload.session.acquiring_payments[0].status, 'succeeded');
  assert.ok(events.every((e) => e.payload.type === e.type && e.payload.session.id === id));
});
