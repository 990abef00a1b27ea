/**
 * Two real servers on loopback: A (`ACQUIRER=smartglocal`) forwarding its payments to B (a
 * sandbox sg-checkout, the upstream), each a `server/main.ts` process with its own SQLite
 * DATA_DIR and projects registered with the CLI. A's merchant creates sessions on A, its customer
 * pays on A's public API, B's sandbox bank approves, and the news comes back to A (B's
 * X-PARTNER-SIGN webhook, or A's reconciliation) and on to A's merchant (Standard Webhooks).
 * Then the faults between A and B: B down, a lost webhook, a late answer, a 500.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from './cluster';
import { parseFpsLink } from '../../server/sandbox/fps';
import { approveAtB, checkout, finishedFor, merchantLearnsSucceeded, query, randomOrder, sessionAtB, startPair, type Gateway, type Pair } from './upstream-pair';

const QR = /^https:\/\/qr\.nspk\.ru\/[0-9A-Za-z]{32}\?/;

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair?.stop();
});

afterEach((t) => {
  if ((t as { passed?: boolean }).passed === false && pair) {
    for (const p of [pair.a.server, pair.deaf.server, pair.b]) console.error(`--- ${p.name} output ---\n${p.output().split('\n').slice(-30).join('\n')}`);
    console.error(`--- proxy ---\nA2: ${JSON.stringify(pair.deaf.proxy.seen.slice(-10))}`);
  }
});

/** The customer starts a payment on A's public API. */
async function pay(g: Gateway, publicToken: string, body: unknown) {
  const res = await fetch(`${g.url}/public/v1/sessions/${publicToken}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, view: (await res.json()) as any };
}

async function view(g: Gateway, publicToken: string) {
  const res = await fetch(`${g.url}/public/v1/sessions/${publicToken}`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return (await res.json()) as any;
}

/** A's public card-form call: B's card form for the checkout. */
async function cardForm(g: Gateway, publicToken: string): Promise<{ url: string; token: string }> {
  const res = await fetch(`${g.url}/public/v1/sessions/${publicToken}/card-form`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const body = (await res.json()) as any;
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

/**
 * What the customer's browser does in B's card form, framed in A's checkout: B serves the frame
 * to A's pages only, and the frame posts the card to B (its own origin), which gives the token.
 */
async function tokenizeAtB(g: Gateway, publicToken: string, number: string) {
  const form = await cardForm(g, publicToken);
  assert.equal(form.url, `${pair.b.url}/widget/card-frame.html`, "B's own card frame");
  assert.notEqual(form.token, publicToken, "B's token, not A's");
  const frame = await fetch(`${form.url}?token=${form.token}`);
  assert.equal(frame.status, 200);
  assert.match(frame.headers.get('content-security-policy') ?? '', new RegExp(`frame-ancestors[^;]*${g.url}`), "A's pages may frame it");
  const res = await fetch(`${pair.b.url}/public/v1/sessions/${form.token}/cards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: pair.b.url },
    body: JSON.stringify({ number, expiry_month: 12, expiry_year: 2031, cvc: '123' }),
  });
  const tokenised = (await res.json()) as any;
  assert.equal(res.status, 200, JSON.stringify(tokenised));
  return { form, token: tokenised.token as string, shown: { brand: tokenised.brand, last4: tokenised.last4, expiry_month: 12, expiry_year: 2031 } };
}

/** The QR the view shows, once A has it (reconciled, if its first answer was lost). */
async function qrOnceKnown(g: Gateway, publicToken: string, timeoutMs: number): Promise<string> {
  let last: any;
  await eventually(
    'the QR on A',
    async () => {
      last = await view(g, publicToken);
      return !last.payment?.checking && typeof last.payment?.customer_interaction?.redirect?.url === 'string';
    },
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last view: ${JSON.stringify(last?.payment)}`);
  });
  return last.payment.customer_interaction.redirect.url as string;
}

describe('A (ACQUIRER=smartglocal) over B (a sandbox sg-checkout)', () => {
  test('FPS: the QR comes from B, B approves, A\'s merchant hears succeeded; a refund on A reaches B', async () => {
    const { a } = pair;
    const { sessionId, publicToken } = await checkout(a);
    const started = await pay(a, publicToken, { method: 'fps' });
    assert.equal(started.status, 200, JSON.stringify(started.view));
    assert.equal(started.view.sandbox, false, 'A is no sandbox');
    assert.equal(started.view.payment.checking, undefined, JSON.stringify(started.view.payment));
    assert.equal(started.view.payment.customer_interaction.type, 'qr');
    const qr = started.view.payment.customer_interaction.redirect.url as string;
    assert.match(qr, QR);
    const paymentId = started.view.payment.id as string;

    // The QR is B's: B's session shows it, and B's bank page knows it.
    const atB = await sessionAtB(a, paymentId);
    assert.equal(atB.acquiring_payments.length, 1);
    assert.equal(atB.acquiring_payments[0]!.customer_interaction?.redirect?.url, qr);
    const bank = await fetch(`${pair.b.url}/sandbox/bank?link=${encodeURIComponent(qr)}`);
    assert.equal(bank.status, 200, await bank.text());
    assert.equal(pair.paymentsAtB(paymentId), 1);

    await approveAtB(a, paymentId);
    await merchantLearnsSucceeded(a, sessionId, paymentId);

    const refund = await a.call('session/refund', { session_id: sessionId });
    assert.equal(refund.status, 200, JSON.stringify(refund.body));
    await eventually(
      "A's refund succeeded",
      async () => (await a.call('session/status', { session_id: sessionId })).body.session.acquiring_payments.at(-1).refunds?.[0]?.status === 'succeeded',
      15_000,
    );
    const refundsAtB = (await sessionAtB(a, paymentId)).acquiring_payments.at(-1)!.refunds ?? [];
    assert.equal(refundsAtB.length, 1, JSON.stringify(refundsAtB));
    assert.equal(refundsAtB[0]!.status, 'succeeded');
    assert.deepEqual(refundsAtB[0]!.amount_details, { amount: 1500, currency: 'RUB' });
    await eventually("payment_refunded at A's merchant", () => finishedFor(a, sessionId, 'payment_refunded').length > 0, 15_000);
    assert.deepEqual(a.receiver.rejected, []);
  });

  test("FPS with account binding through B: B's binding link, B binds, A charges the binding with no customer; revoked at B's bank, A's merchant is told", async () => {
    const { a } = pair;
    const created = await a.call('session/create', { amount_details: { amount: 1500, currency: 'RUB' }, description: randomOrder(), payment_options: { recurrent: true }, customer: { reference: 'cus-bind' } });
    const sessionId = created.body.session.id as string;
    const publicToken = (await a.call('token', { session_id: sessionId })).body.public_token as string;
    assert.deepEqual((await view(a, publicToken)).methods, ['fps', 'card'], 'B binds FPS accounts, so A offers FPS on a recurrent session');
    const started = await pay(a, publicToken, { method: 'fps', recurrent_consent: true });
    assert.equal(started.status, 200, JSON.stringify(started.view));
    const link = started.view.payment.customer_interaction.redirect.url as string;
    const parsed = parseFpsLink(link);
    assert.ok(parsed?.binding, `B's binding link: ${link}`);
    const paymentId = started.view.payment.id as string;
    await approveAtB(a, paymentId);
    await merchantLearnsSucceeded(a, sessionId, paymentId);
    const recurrent = finishedFor(a, sessionId)[0]!.payload.session.acquiring_payments.at(-1).recurrent;
    assert.equal(recurrent.type, 'faster_payment_system');
    assert.match(recurrent.token, /^bnd_[0-9a-z]{20}$/, "A's own token");

    const charged = await a.call('session/init/payment', { amount_details: { amount: 1500, currency: 'RUB' }, payment_details: { type: 'recurrent', recurrent: { token: recurrent.token } } });
    assert.equal(charged.status, 200, JSON.stringify(charged.body));
    const chargeId = charged.body.session.id as string;
    await eventually('the charge of the binding accepted', async () => (await a.call('session/status', { session_id: chargeId })).body.session.status === 'accepted', 15_000);

    const revoked = await fetch(`${pair.b.url}/sandbox/bindings/${parsed.qrId}/revoke`, { method: 'POST' });
    assert.equal(revoked.status, 200, await revoked.text());
    await eventually("recurrent_disabled at A's merchant", () => finishedFor(a, sessionId, 'recurrent_disabled').length > 0, 15_000);
    assert.equal((await a.call('recurrent/status', { token: recurrent.token })).body.recurrent.is_active, false);
    const refused = await a.call('session/init/payment', { amount_details: { amount: 1500, currency: 'RUB' }, payment_details: { type: 'recurrent', recurrent: { token: recurrent.token } } });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.deepEqual(a.receiver.rejected, []);
  });

  test("an FPS binding without paying through B: B's binding link has no sum, B binds and takes nothing, A charges the binding", async () => {
    const { a } = pair;
    const created = await a.call('session/create', { binding: { type: 'faster_payment_system' }, description: randomOrder(), customer: { reference: 'cus-bind-only' } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const sessionId = created.body.session.id as string;
    const publicToken = (await a.call('token', { session_id: sessionId })).body.public_token as string;
    const shown = await view(a, publicToken);
    assert.deepEqual([shown.binding, shown.methods], [true, ['fps']]);
    const started = await pay(a, publicToken, { method: 'fps', recurrent_consent: true });
    assert.equal(started.status, 200, JSON.stringify(started.view));
    const parsed = parseFpsLink(started.view.payment.customer_interaction.redirect.url as string);
    assert.deepEqual([parsed?.binding, parsed?.amountMinor], [true, null], "B's binding link, with no sum");
    const paymentId = started.view.payment.id as string;
    await approveAtB(a, paymentId);
    await merchantLearnsSucceeded(a, sessionId, paymentId);
    const payment = finishedFor(a, sessionId)[0]!.payload.session.acquiring_payments.at(-1);
    assert.deepEqual([payment.amount_details.amount, payment.payment_details.type, payment.recurrent.type], [0, 'faster_payment_system_binding', 'faster_payment_system']);

    const charged = await a.call('session/init/payment', { amount_details: { amount: 700, currency: 'RUB' }, payment_details: { type: 'recurrent', recurrent: { token: payment.recurrent.token } } });
    assert.equal(charged.status, 200, JSON.stringify(charged.body));
    await eventually('the charge of the binding accepted', async () => (await a.call('session/status', { session_id: charged.body.session.id })).body.session.status === 'accepted', 15_000);
    assert.deepEqual(a.receiver.rejected, []);
  });

  test('SberPay (web): the QR comes from B, B approves, A\'s merchant hears succeeded', async () => {
    const { a } = pair;
    const { sessionId, publicToken } = await checkout(a, 2500);
    const started = await pay(a, publicToken, { method: 'sberpay', channel: 'web' });
    assert.equal(started.status, 200, JSON.stringify(started.view));
    assert.equal(started.view.sandbox, false);
    assert.equal(started.view.payment.method, 'sberpay');
    assert.equal(started.view.payment.customer_interaction?.type, 'qr', JSON.stringify(started.view.payment));
    const qr = started.view.payment.customer_interaction.redirect.url as string;
    assert.ok(qr.startsWith(`${pair.b.url}/sandbox/sberpay/`), qr);
    const page = await fetch(qr);
    assert.equal(page.status, 200, 'B serves the SberPay page behind the QR');
    const paymentId = started.view.payment.id as string;
    assert.equal(pair.paymentsAtB(paymentId), 1);
    // The push goes to B, whose sandbox inbox receives it (as Sber's app would); A keeps no inbox.
    const push = await fetch(`${a.url}/public/v1/sessions/${publicToken}/sberpay/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: '79001234567' }) });
    assert.equal(push.status, 200, await push.text());
    const bPayment = (await sessionAtB(a, paymentId)).acquiring_payments.at(-1)!.id;
    assert.deepEqual(query(pair.b.dataDir, 'SELECT phone FROM sandbox_pushes WHERE payment_id = ?', bPayment), [{ phone: '79001234567' }]);
    assert.deepEqual(query(a.dataDir, 'SELECT count(*) AS n FROM sandbox_pushes'), [{ n: 0 }]);
    await approveAtB(a, paymentId);
    await merchantLearnsSucceeded(a, sessionId, paymentId);
  });

  describe("cards, in B's card form: the number goes to B alone", () => {
    test("frictionless: A opens B's card form, B tokenises, A pays with B's token; A's merchant hears succeeded with the card", async () => {
      const { a } = pair;
      const { sessionId, publicToken } = await checkout(a, 3100);
      assert.equal((await view(a, publicToken)).card_form, 'acquirer');
      const card = await tokenizeAtB(a, publicToken, '4242424242424242');
      assert.deepEqual(await cardForm(a, publicToken), card.form, 'the same form again (a reload, a second tab)');
      const started = await pay(a, publicToken, { method: 'card', card_token: card.token, card: card.shown });
      assert.equal(started.status, 200, JSON.stringify(started.view));
      assert.equal(started.view.payment.status, 'succeeded', JSON.stringify(started.view.payment));
      assert.deepEqual(started.view.payment.card, { brand: 'visa', last4: '4242' });
      const paymentId = started.view.payment.id as string;
      assert.equal(pair.paymentsAtB(paymentId), 1);
      const atB = (await sessionAtB(a, paymentId)).acquiring_payments.at(-1)! as any;
      assert.equal(atB.payment_details.card.token, card.token, "B charged the token its own form made");
      await merchantLearnsSucceeded(a, sessionId, paymentId);
      const [finished] = finishedFor(a, sessionId);
      const paid = finished!.payload.session.acquiring_payments.find((p: { id: string }) => p.id === paymentId);
      assert.deepEqual({ brand: paid.payment_details.card.brand, last4: paid.payment_details.card.last4 }, { brand: 'visa', last4: '4242' });
      // A keeps no card number: its card row is the token and what the form showed.
      const rows = query<Record<string, unknown>>(a.dataDir, 'SELECT * FROM card_tokens WHERE id = ?', card.token);
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes('4242424242424242'));
    });

    test("3-D Secure: A's customer is shown B's challenge page (which A's pages may frame); B's bank approves; succeeded", async () => {
      const { a } = pair;
      const { sessionId, publicToken } = await checkout(a, 3200);
      const card = await tokenizeAtB(a, publicToken, '4000000000003220');
      const started = await pay(a, publicToken, { method: 'card', card_token: card.token, card: card.shown });
      assert.equal(started.status, 200, JSON.stringify(started.view));
      const p = started.view.payment;
      assert.equal(p.status, 'in_progress', JSON.stringify(p));
      assert.equal(p.customer_interaction?.type, 'redirect', JSON.stringify(p));
      const challenge = p.customer_interaction.redirect.url as string;
      assert.ok(challenge.startsWith(`${pair.b.url}/sandbox/3ds/`), challenge);
      const page = await fetch(`${challenge}?lang=en`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy') ?? '', new RegExp(`frame-ancestors[^;]*${a.url}`), "A's checkout may frame B's challenge");
      await approveAtB(a, p.id);
      await merchantLearnsSucceeded(a, sessionId, p.id);
    });

    test('declined at B: failed on A with B\'s reason; the token cannot pay twice; a token without the card shown is refused', async () => {
      const { a } = pair;
      const { publicToken } = await checkout(a, 3300);
      const card = await tokenizeAtB(a, publicToken, '4000000000000002');
      const bare = await pay(a, publicToken, { method: 'card', card_token: card.token });
      assert.equal(bare.status, 400, JSON.stringify(bare.view));
      assert.equal(bare.view.error.field, 'card');
      const started = await pay(a, publicToken, { method: 'card', card_token: card.token, card: card.shown });
      assert.equal(started.status, 200, JSON.stringify(started.view));
      assert.equal(started.view.payment.status, 'failed');
      assert.equal(started.view.payment.failure.code, 'card_declined', JSON.stringify(started.view.payment));
      const again = await pay(a, publicToken, { method: 'card', card_token: card.token, card: card.shown });
      assert.equal(again.status, 409, JSON.stringify(again.view));
      assert.equal(pair.paymentsAtB(started.view.payment.id), 1);
    });
  });

  test('A has no sandbox: its /sandbox routes are 404, approving needs B', async () => {
    const { a } = pair;
    const { publicToken } = await checkout(a);
    const started = await pay(a, publicToken, { method: 'fps' });
    const paymentId = started.view.payment.id as string;
    const qr = started.view.payment.customer_interaction.redirect.url as string;
    for (const id of ['x', paymentId]) {
      const res = await fetch(`${a.url}/sandbox/payments/${id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 404, `POST /sandbox/payments/${id}/approve on A`);
    }
    const bank = await fetch(`${a.url}/sandbox/bank?link=${encodeURIComponent(qr)}`);
    assert.equal(bank.status, 404, 'GET /sandbox/bank on A');
    assert.equal((await view(a, publicToken)).payment.status, 'in_progress');
    await approveAtB(a, paymentId);
    await eventually('succeeded on A once B approved', async () => (await view(a, publicToken)).payment.status === 'succeeded', 15_000);
  });

  describe('faults between A and B', () => {
    test('(c) B answers after A\'s timeout (ACQUIRER_TIMEOUT_MS=200, answer held 1 s): checking, then reconciled; one payment at B', async () => {
      const g = pair.deaf;
      const { publicToken } = await checkout(g);
      g.proxy.faults.push('delay');
      const started = await pay(g, publicToken, { method: 'fps' });
      assert.equal(started.status, 200, JSON.stringify(started.view));
      assert.equal(started.view.payment.checking, true, JSON.stringify(started.view.payment));
      assert.equal(started.view.payment.customer_interaction, undefined);
      assert.deepEqual(g.proxy.faults, [], 'the held answer was the start');
      const qr = await qrOnceKnown(g, publicToken, 20_000);
      assert.match(qr, QR);
      // B did act on the first start (its answer came, too late): the reconciler's repeat under the same key found it.
      assert.ok(g.proxy.seen.some((s) => s.fault === 'delay' && s.status === 200), JSON.stringify(g.proxy.seen));
      assert.equal(pair.paymentsAtB(started.view.payment.id), 1, 'charged once');
    });

    test('(d) B answers 500 to the start (not forwarded): checking, then the start repeated under its key; one payment at B', async () => {
      const g = pair.deaf;
      const { publicToken } = await checkout(g);
      g.proxy.faults.push('500');
      const started = await pay(g, publicToken, { method: 'fps' });
      assert.equal(started.status, 200, JSON.stringify(started.view));
      assert.equal(started.view.payment.checking, true, JSON.stringify(started.view.payment));
      assert.equal(pair.paymentsAtB(started.view.payment.id), 0, 'the 500 reached nobody');
      const from = g.proxy.seen.findIndex((s) => s.fault === '500');
      assert.ok(from >= 0, JSON.stringify(g.proxy.seen));
      const qr = await qrOnceKnown(g, publicToken, 20_000);
      assert.match(qr, QR);
      assert.ok(g.proxy.seen.slice(from + 1).some((s) => s.path === '/api/v1/session/init/payment' && s.status === 200), 'the start was repeated and B answered it');
      assert.equal(pair.paymentsAtB(started.view.payment.id), 1, 'charged once');
    });

    test('(b) B\'s webhook to A is lost (its project\'s webhook URL is dead): A learns succeeded by reconciliation', { timeout: 60_000 }, async () => {
      const g = pair.deaf;
      const { sessionId, publicToken } = await checkout(g);
      const started = await pay(g, publicToken, { method: 'fps' });
      assert.equal(started.status, 200, JSON.stringify(started.view));
      const paymentId = started.view.payment.id as string;
      await qrOnceKnown(g, publicToken, 20_000);
      await approveAtB(g, paymentId);
      // A polls a payment that waits for its customer every AWAITING_CUSTOMER_POLL_MS (20 s).
      await merchantLearnsSucceeded(g, sessionId, paymentId, 35_000);
      assert.equal(pair.paymentsAtB(paymentId), 1);
    });

    test('(a) B down when the customer starts: checking (HTTP 200); B back on the same data and port: the QR, one payment at B', { timeout: 60_000 }, async () => {
      const { a, b } = pair;
      const { publicToken } = await checkout(a);
      await b.kill('SIGKILL');
      try {
        const started = await pay(a, publicToken, { method: 'fps' });
        assert.equal(started.status, 200, JSON.stringify(started.view));
        assert.equal(started.view.payment.checking, true, JSON.stringify(started.view.payment));
        assert.equal(started.view.payment.customer_interaction, undefined);
        assert.equal(started.view.payment.status, 'in_progress');
      } finally {
        await b.start();
      }
      const qr = await qrOnceKnown(a, publicToken, 30_000);
      assert.match(qr, QR);
      const paymentId = (await view(a, publicToken)).payment.id as string;
      assert.equal(pair.paymentsAtB(paymentId), 1, 'exactly one payment at B');
    });
  });
});
