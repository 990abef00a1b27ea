/**
 * Cards in the rail's own card form (`card_form: acquirer`): this server runs the Smart Glocal
 * adapter against a real upstream (a sandbox sg-checkout as a child process), opens the
 * upstream's card form for a checkout, and pays with the token that form made; the card number
 * never reaches this server. On both stores.
 */
import { after, before, type TestContext } from 'node:test';
import test from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { SmartGlocalAcquirer } from '../../server/acquirers/smartglocal/adapter';
import { DEFAULT_RATE_LIMITS } from '../../server/http/rate-limits';
import { forEachStore, newKeyPair, sessionWithToken, startHarness, type Harness, type StoreKind } from './helpers';
import { freePort, startUpstream, type Upstream } from '../support/upstream';

let upstream: Upstream;

before(async () => {
  upstream = await startUpstream();
});

after(async () => {
  await upstream?.stop();
});

const KEYS = newKeyPair();
/** The upstream's webhooks go to a closed port here: the adapter's callback route is not under test, so any key verifies nothing. */
const NO_WEBHOOKS_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;

function adapter(url = upstream.url) {
  return new SmartGlocalAcquirer({ url, project: upstream.project, privateKey: createPrivateKey(upstream.privateKeyPem), upstreamPublicKey: NO_WEBHOOKS_KEY, timeoutMs: 5_000 });
}

async function harness(t: TestContext, store: StoreKind, opts: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness({ store, keys: KEYS, acquirer: () => adapter(), ...opts });
  t.after(() => h.close());
  return h;
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function openForm(h: Harness, token: string) {
  return h.publicCall(`sessions/${token}/card-form`, post({}));
}

/** What the customer's browser does in the upstream's form: the card goes to the upstream, which gives a token. */
async function tokenizeThere(form: { token: string }, number: string) {
  const res = await fetch(`${upstream.url}/public/v1/sessions/${form.token}/cards`, { ...post({ number, expiry_month: 11, expiry_year: 2032, cvc: '123' }), headers: { 'content-type': 'application/json', origin: upstream.url } });
  const body = (await res.json()) as { token: string; brand: string; last4: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  return { token: body.token, shown: { brand: body.brand, last4: body.last4, expiry_month: 11, expiry_year: 2032 } };
}

const pay = (h: Harness, token: string, body: unknown) => h.publicCall(`sessions/${token}/payments`, post(body));

forEachStore("the rail's card form", (store) => {
  test('the view offers cards in the rail\'s form, and neither a saved card nor "remember this card" (a rail\'s token pays once)', async (t) => {
    const h = await harness(t, store);
    const { token } = await sessionWithToken(h, { customer: { reference: 'cus-42' } });
    const view = (await h.publicCall(`sessions/${token}`)).body;
    assert.equal(view.card_form, 'acquirer');
    assert.deepEqual(view.methods, ['fps', 'card', 'sberpay']);
    assert.equal(view.can_save_card, false);
    assert.equal(view.saved_card, null);
    assert.equal(view.sandbox, false);
  });

  test("opens the upstream's card frame with the upstream's token, the same one again; the hosted page may frame it", async (t) => {
    const h = await harness(t, store);
    const { token } = await sessionWithToken(h);
    const first = await openForm(h, token);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.url, `${upstream.url}/widget/card-frame.html`);
    assert.match(first.body.token, /^pt_/);
    assert.notEqual(first.body.token, token);
    assert.deepEqual((await openForm(h, token)).body, first.body, 'a reload gets the same form');
    const other = await sessionWithToken(h);
    assert.notEqual((await openForm(h, other.token)).body.token, first.body.token, 'another checkout, another form');
    const page = await h.app.request(`/pay/${token}`);
    const frameSrc = /frame-src ([^;]*)/.exec(page.headers.get('content-security-policy') ?? '')?.[1]?.split(' ');
    assert.deepEqual(frameSrc, ["'self'", upstream.url, 'https:']);
  });

  test("pays with the form's token and the card it showed; no number here; the token pays once; the card is required", async (t) => {
    const h = await harness(t, store);
    const { id, token } = await sessionWithToken(h);
    const form = (await openForm(h, token)).body;
    const card = await tokenizeThere(form, '5555555555554444');
    const bare = await pay(h, token, { method: 'card', card_token: card.token });
    assert.equal(bare.status, 400, JSON.stringify(bare.body));
    assert.equal(bare.body.error.field, 'card');
    const paid = await pay(h, token, { method: 'card', card_token: card.token, card: card.shown });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal(paid.body.payment.status, 'succeeded', JSON.stringify(paid.body.payment));
    assert.deepEqual(paid.body.payment.card, { brand: 'mastercard', last4: '4444' });
    const row = await h.server.store.cards.get(card.token);
    assert.deepEqual(
      row && { project: row.project, session_id: row.session_id, brand: row.brand, last4: row.last4, scenario: row.scenario },
      { project: 'shop', session_id: id, brand: 'mastercard', last4: '4444', scenario: 'rail' },
    );
    const finished = (await h.events(id)).find((e) => e.type === 'payment_finished');
    assert.deepEqual(finished?.payload.session.acquiring_payments[0].payment_details.card, { token: card.token, ...card.shown });
    const again = await sessionWithToken(h);
    const reused = await pay(h, again.token, { method: 'card', card_token: card.token, card: card.shown });
    assert.equal(reused.status, 409, JSON.stringify(reused.body));
  });

  test("a recurrent token through the upstream: the first payment keeps B's token there and here; the merchant charges it again", async (t) => {
    const h = await harness(t, store);
    const { id, token } = await sessionWithToken(h, { payment_options: { recurrent: true } });
    const view = (await h.publicCall(`sessions/${token}`)).body;
    assert.deepEqual([view.recurrent, view.methods], [true, ['fps', 'card']], 'the upstream binds FPS accounts too');
    const card = await tokenizeThere((await openForm(h, token)).body, '4242424242424242');
    const paid = await pay(h, token, { method: 'card', card_token: card.token, card: card.shown, recurrent_consent: true });
    assert.equal(paid.body.payment?.status, 'succeeded', JSON.stringify(paid.body));
    const finished = (await h.events(id)).find((e) => e.type === 'payment_finished');
    assert.equal(finished?.payload.session.acquiring_payments[0].recurrent?.token, card.token);
    const again = await h.call('session/init/payment', { amount_details: { amount: 49_900, currency: 'RUB' }, payment_details: { type: 'recurrent', recurrent: { token: card.token } } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.session.acquiring_payments[0].status, 'succeeded', 'the upstream charged its recurrent token, with no customer');
  });

  test('refusals: a closed session (409), an upstream that does not answer (502), over the limit (429); a sandbox has no such route (404)', async (t) => {
    const h = await harness(t, store);
    const { id, token } = await sessionWithToken(h);
    assert.equal((await h.call('session/cancel', { session_id: id })).status, 200);
    const closed = await openForm(h, token);
    assert.deepEqual([closed.status, closed.body.error.code], [409, 'invalid_state']);

    const nobody = `http://127.0.0.1:${await freePort()}`; // taken and released: nothing listens there
    const dead = await harness(t, store, { acquirer: () => adapter(nobody) });
    const s = await sessionWithToken(dead);
    const down = await openForm(dead, s.token);
    assert.deepEqual([down.status, down.body.error.code], [502, 'acquirer_unavailable']);

    const limited = await harness(t, store, { rateLimits: { ...DEFAULT_RATE_LIMITS, card_tokens_per_session: { max: 1, windowMs: 60_000 } } });
    const l = await sessionWithToken(limited);
    assert.equal((await openForm(limited, l.token)).status, 200);
    assert.equal((await openForm(limited, l.token)).status, 429);

    const sandbox = await startHarness({ store, keys: KEYS });
    t.after(() => sandbox.close());
    const sb = await sessionWithToken(sandbox);
    assert.equal((await openForm(sandbox, sb.token)).status, 404);
    assert.equal((await sandbox.publicCall(`sessions/${sb.token}`)).body.card_form, 'server');

    // Each status it answered is in the API reference.
    const doc = (await (await h.app.request('/docs/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const documented = Object.keys(doc.paths['/public/v1/sessions/{token}/card-form']!.post!.responses);
    for (const status of [200, 409, 502, 429]) assert.ok(documented.includes(String(status)), `card-form documents ${status}`);
  });
});
