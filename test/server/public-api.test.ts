/**
 * The public API that the widget, the card iframe and the hosted pages use: the token-scoped
 * view model, long-poll status, CORS, card tokenisation, FPS links and banks, and the sandbox
 * bank page that plays the customer's phone.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, MINUTE_MS } from '../../server/clock';
import { crc16CcittFalse, parseFpsLink } from '../../server/sandbox/fps';
import { SANDBOX_FPS_MEMBER_ID } from '../../server/sandbox/rail';
import { newKeyPair, PUBLIC_URL, RUB, sessionWithToken, startHarness, tokenize, type Harness, forEachStore, type StoreKind } from './helpers';

const ALLOWED_ORIGIN = 'https://merchant.example'; // the `shop` project's allowed origin in helpers.ts
const FOREIGN_ORIGIN = 'https://evil.example';
const iso = (ms: number) => new Date(ms).toISOString();

// One RSA key pair for every harness of this file: generating one per test costs more than the test.
const KEYS = newKeyPair();

async function storeHarness(store: StoreKind, t: TestContext, clock = new ManualClock()): Promise<Harness> {
  const h = await startHarness({ store, clock, keys: KEYS });
  t.after(() => h.close());
  return h;
}

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

async function startFps(h: Harness, token: string) {
  const res = await h.publicCall(`sessions/${token}/payments`, post({ method: 'fps' }));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

forEachStore('the public API', (store) => {
  const harness = (t: TestContext, clock?: ManualClock) => storeHarness(store, t, clock);

  describe('view model', () => {
    test('shows the amount, description, methods in order, deadlines on the server clock and a version', async (t) => {
      const h = await harness(t);
      const createdAt = h.clock.now();
      const { id, token } = await sessionWithToken(h, {
        amount_details: RUB(149900),
        description: 'Annual subscription',
        payment_options: { return_url: 'https://merchant.example/thanks', lifetime_minutes: 30 },
      });
      h.clock.advance(2 * MINUTE_MS);

      const res = await h.publicCall(`sessions/${token}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const v = res.body;
      assert.equal(v.session_id, id);
      assert.equal(v.status, 'created');
      assert.deepEqual(v.amount_details, { amount: 149900, currency: 'RUB' });
      assert.equal(v.description, 'Annual subscription');
      assert.equal(v.merchant, 'shop');
      assert.deepEqual(v.methods, ['fps', 'card', 'sberpay']);
      assert.equal(v.saved_card, null);
      assert.equal(v.return_url, 'https://merchant.example/thanks');
      assert.equal(v.expires_at, iso(createdAt + 30 * MINUTE_MS));
      assert.equal(v.server_time, iso(createdAt + 2 * MINUTE_MS));
      assert.ok(Number.isInteger(v.version) && v.version >= 1);
      assert.equal(v.payment, null);
      // Nothing of the project's secrets or the merchant's private data leaks into the view.
      const text = JSON.stringify(v);
      for (const secret of [h.webhookSecret, 'whsec_', 'BEGIN PUBLIC KEY', 'merchant.example/hooks']) assert.ok(!text.includes(secret), secret);
    });

    test('the version grows with every change and the view shows the running payment', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const before = (await h.publicCall(`sessions/${token}`)).body.version;
      const started = await startFps(h, token);
      assert.ok(started.version > before);
      assert.equal(started.status, 'in_progress');
      assert.equal(started.payment.method, 'fps');
      assert.equal(started.payment.status, 'in_progress');
      assert.equal(started.payment.customer_interaction.type, 'qr');
      assert.equal(started.payment.customer_interaction.expires_at, iso(h.clock.now() + 15 * MINUTE_MS));
    });

    test('an unknown or malformed token gets 404 with a message', async (t) => {
      const h = await harness(t);
      for (const token of ['pt_doesnotexist000000000000000000', 'garbage']) {
        const res = await h.publicCall(`sessions/${token}`);
        assert.equal(res.status, 404);
        assert.equal(res.body.error.code, 'not_found');
        assert.match(res.body.error.description, /token is unknown/);
        assert.equal((await h.publicCall(`sessions/${token}/payments`, post({ method: 'fps' }))).status, 404);
      }
    });
  });

  describe('long-poll', () => {
    test('a waiting poll returns as soon as the sandbox bank approves, with a higher version', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const started = await startFps(h, token);

      const t0 = performance.now();
      const poll = h.publicCall(`sessions/${token}?version=${started.version}&wait=5`);
      let approvedAt = 0;
      const approval = new Promise<void>((resolve) =>
        setTimeout(async () => {
          approvedAt = performance.now();
          const res = await h.app.request(`/sandbox/payments/${started.payment.id}/approve`, { method: 'POST' });
          assert.equal(res.status, 200);
          resolve();
        }, 200),
      );
      const res = await poll;
      const elapsed = performance.now() - t0;
      await approval;

      assert.equal(res.status, 200);
      assert.ok(elapsed >= 150, `returned after ${elapsed.toFixed(0)} ms, before the approval`);
      assert.ok(elapsed < 1500, `returned after ${elapsed.toFixed(0)} ms, not at once after the approval`);
      assert.ok(performance.now() - approvedAt < 1000);
      assert.ok(res.body.version > started.version);
      assert.equal(res.body.status, 'accepted');
      assert.equal(res.body.payment.status, 'succeeded');
    });

    test('a change that commits while the poll is still reading the view wakes it, and the stale view is not cached', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const started = await startFps(h, token);
      // The poll's read of the session is slow (a busy database); the bank approves meanwhile.
      const reads = h.server.store.sessions;
      const get = reads.get.bind(reads);
      let slow = true;
      (reads as { get: typeof get }).get = async (id) => {
        const row = await get(id);
        if (slow) await new Promise((r) => setTimeout(r, 150));
        return row;
      };
      t.after(() => ((reads as { get: typeof get }).get = get));
      h.clock.advance(6_000); // past the cached view's life: the poll reads the session
      const t0 = performance.now();
      const poll = h.publicCall(`sessions/${token}?version=${started.version}&wait=3`);
      await new Promise((r) => setTimeout(r, 40)); // the poll is inside its read now
      slow = false;
      const approved = await h.app.request(`/sandbox/payments/${started.payment.id}/approve`, { method: 'POST' });
      assert.equal(approved.status, 200);
      const res = await poll;
      const elapsed = performance.now() - t0;
      assert.ok(elapsed < 1500, `answered after ${elapsed.toFixed(0)} ms: the wake-up during the read was missed`);
      assert.equal(res.body.status, 'accepted');
      const again = await h.publicCall(`sessions/${token}`);
      assert.equal(again.body.status, 'accepted', 'the view read before the approval was not cached');
    });

    test('returns at once when the version asked about is already stale', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const started = await startFps(h, token);
      const t0 = performance.now();
      const res = await h.publicCall(`sessions/${token}?version=${started.version - 1}&wait=5`);
      assert.ok(performance.now() - t0 < 500);
      assert.equal(res.body.version, started.version);
    });

    test('returns at once for a session that is already final, even at its current version', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const started = await startFps(h, token);
      await h.app.request(`/sandbox/payments/${started.payment.id}/approve`, { method: 'POST' });
      const current = (await h.publicCall(`sessions/${token}`)).body;
      const t0 = performance.now();
      const res = await h.publicCall(`sessions/${token}?version=${current.version}&wait=5`);
      assert.ok(performance.now() - t0 < 500);
      assert.equal(res.body.status, 'accepted');
    });

    test('with nothing happening, answers the same version after the wait', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const current = (await h.publicCall(`sessions/${token}`)).body;
      const t0 = performance.now();
      const res = await h.publicCall(`sessions/${token}?version=${current.version}&wait=1`);
      const elapsed = performance.now() - t0;
      assert.ok(elapsed >= 950 && elapsed < 2500, `waited ${elapsed.toFixed(0)} ms for wait=1`);
      assert.equal(res.status, 200);
      assert.equal(res.body.version, current.version);
    });
  });

  describe('CORS', () => {
    test('an allowed origin is echoed in Access-Control-Allow-Origin with Vary: Origin', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      for (const origin of [ALLOWED_ORIGIN, new URL(PUBLIC_URL).origin]) {
        const res = await h.publicCall(`sessions/${token}`, { headers: { origin } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('access-control-allow-origin'), origin);
        assert.match(res.headers.get('vary') ?? '', /Origin/);
      }
      // A same-origin request (the hosted page) carries no Origin and needs no CORS header.
      const plain = await h.publicCall(`sessions/${token}`);
      assert.equal(plain.status, 200);
      assert.equal(plain.headers.get('access-control-allow-origin'), null);
    });

    test('a preflight from an allowed origin answers 204 with the allowed methods and headers', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      for (const path of [`sessions/${token}`, `sessions/${token}/cards`, `sessions/${token}/payments`]) {
        const res = await h.app.request(`/public/v1/${path}`, {
          method: 'OPTIONS',
          headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
        });
        assert.equal(res.status, 204, path);
        assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
        assert.match(res.headers.get('access-control-allow-methods') ?? '', /\bPOST\b/);
        assert.match(res.headers.get('access-control-allow-methods') ?? '', /\bGET\b/);
        assert.match(res.headers.get('access-control-allow-headers') ?? '', /content-type/i);
        assert.equal(await res.text(), '');
      }
    });

    test('a foreign origin gets 403 with a message and no Access-Control-Allow-Origin', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const res = await h.publicCall(`sessions/${token}`, { headers: { origin: FOREIGN_ORIGIN } });
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'origin_not_allowed');
      assert.match(res.body.error.description, new RegExp(FOREIGN_ORIGIN.replace(/\./g, '\\.')));
      assert.equal(res.headers.get('access-control-allow-origin'), null);

      const preflight = await h.app.request(`/public/v1/sessions/${token}/cards`, {
        method: 'OPTIONS',
        headers: { origin: FOREIGN_ORIGIN, 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.status, 403);
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);

      // A foreign page cannot start a payment either.
      const pay = await h.publicCall(`sessions/${token}/payments`, post({ method: 'fps' }, { origin: FOREIGN_ORIGIN }));
      assert.equal(pay.status, 403);
      assert.equal((await h.server.store.sessions.latestPayment((await h.publicCall(`sessions/${token}`)).body.session_id)) ?? null, null);
    });

    test('an error answered to an allowed origin still carries Access-Control-Allow-Origin, so the widget can read it', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const res = await h.publicCall(`sessions/${token}/cards`, post({ number: '4242424242424241', expiry_month: 12, expiry_year: 2030, cvc: '123' }, { origin: ALLOWED_ORIGIN }));
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
    });
  });

  describe('card tokenisation', () => {
    const card = (over: Record<string, unknown> = {}) => ({ number: '4242 4242 4242 4242', expiry_month: 12, expiry_year: 2030, cvc: '123', holder: 'IVAN PETROV', ...over });

    test('a valid card becomes a tok_ with brand, last4 and expiry only', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const res = await h.publicCall(`sessions/${token}/cards`, post(card()));
      assert.equal(res.status, 200);
      assert.match(res.body.token, /^tok_[0-9a-z]{20}$/);
      assert.deepEqual({ ...res.body, token: 'tok' }, { token: 'tok', brand: 'visa', last4: '4242', expiry_month: 12, expiry_year: 2030 });
    });

    const cases: { name: string; input: Record<string, unknown>; field: string; message: RegExp }[] = [
      { name: 'a number failing Luhn', input: { number: '4242424242424241' }, field: 'card.number', message: /Luhn/ },
      { name: 'a number with letters', input: { number: '4242424242abcd42' }, field: 'card.number', message: /only digits/ },
      { name: 'a too short number', input: { number: '424242424242' }, field: 'card.number', message: /13 to 19/ },
      { name: 'a number sent as a JSON number', input: { number: 4242424242424242 }, field: 'card.number', message: /card\.number/ },
      { name: 'an expiry year in the past', input: { expiry_year: 2025 }, field: 'card.expiry_year', message: /expired/ },
      { name: 'an expiry month earlier this year', input: { expiry_month: 5, expiry_year: 2026 }, field: 'card.expiry_month', message: /expired/ },
      { name: 'a month out of range', input: { expiry_month: 13 }, field: 'card.expiry_month', message: /1 to 12/ },
      { name: 'a 2-digit CVC', input: { cvc: '12' }, field: 'card.cvc', message: /3 digits/ },
      { name: 'a 4-digit CVC', input: { cvc: '1234' }, field: 'card.cvc', message: /4 digits/ },
    ];
    for (const c of cases) {
      test(`${c.name} is refused naming ${c.field}, without echoing the number`, async (t) => {
        const h = await harness(t, new ManualClock(Date.parse('2026-06-15T10:00:00Z')));
        const { token } = await sessionWithToken(h);
        const input = card(c.input);
        const res = await h.publicCall(`sessions/${token}/cards`, post(input));
        assert.equal(res.status, 400);
        assert.equal(res.body.error.code, 'invalid_request');
        assert.equal(res.body.error.field, c.field);
        assert.match(res.body.error.description, c.message);
        const text = JSON.stringify(res.body);
        const digits = String(input.number).replace(/\D/g, '');
        assert.ok(!text.includes(digits) && !text.includes(String(input.number)), `the reply echoes the number: ${text}`);
        assert.ok(!text.includes(digits.slice(0, 12)), 'the reply echoes most of the number');
      });
    }
  });

  test('a card number sent as a JSON number is reported as the wrong type, not as missing', async (t) => {
    const h = await harness(t);
    const { token } = await sessionWithToken(h);
    const res = await h.publicCall(`sessions/${token}/cards`, post({ number: 4242424242424242, expiry_month: 12, expiry_year: 2030, cvc: '123' }));
    assert.equal(res.status, 400);
    assert.equal(res.body.error.field, 'card.number');
    assert.doesNotMatch(res.body.error.description, /required/, 'the number was sent: calling it missing sends the developer the wrong way');
    assert.match(res.body.error.description, /string/);
  });

  describe('FPS', () => {
    test('the QR link of an FPS payment is an NSPK link with a valid CRC for the session amount', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h, { amount_details: RUB(12345) });
      const started = await startFps(h, token);
      const link = started.payment.customer_interaction.redirect.url as string;
      const parsed = parseFpsLink(link);
      assert.ok(parsed, `not an FPS link: ${link}`);
      assert.equal(parsed.crcValid, true);
      assert.equal(parsed.amountMinor, 12345);
      assert.equal(parsed.memberId, SANDBOX_FPS_MEMBER_ID);
      assert.match(parsed.qrId, /^AD[A-Z0-9]{30}$/);
      const [unsigned, crc] = link.split('&crc=');
      assert.equal(crc, crc16CcittFalse(unsigned!));
      assert.match(link, /^https:\/\/qr\.nspk\.ru\/AD[A-Z0-9]{30}\?type=02&bank=\d{12}&sum=12345&cur=RUB&crc=[0-9A-F]{4}$/);
    });

    test('the banks of a waiting FPS payment come with iOS and Android deep links to its QR', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const before = await h.publicCall(`sessions/${token}/banks`);
      assert.equal(before.status, 409, 'no FPS payment yet');
      assert.match(before.body.error.description, /fps/);

      const started = await startFps(h, token);
      const link = started.payment.customer_interaction.redirect.url as string;
      const rest = link.slice('https://'.length);
      const res = await h.publicCall(`sessions/${token}/banks`);
      assert.equal(res.status, 200);
      assert.equal(res.body.link, link);
      assert.equal(res.body.banks.length, 192);
      for (const bank of res.body.banks) {
        assert.match(bank.id, /^\d{12}$/);
        assert.equal(bank.ios_url, `bank${bank.id}://${rest}`);
        assert.equal(bank.logo_url, `${PUBLIC_URL}/assets/banks/${bank.id}`, 'logos come from this server, never hot-linked from qr.nspk.ru');
        if (bank.android_url !== null) assert.equal(bank.android_url, `intent://${rest}#Intent;scheme=bank${bank.id};package=${bank.android_url.match(/package=([^;]+);/)[1]};end;`);
      }
      const sber = res.body.banks.find((b: any) => b.id === '100000000111');
      assert.equal(sber.name, 'Сбербанк');
      assert.equal(sber.ios_url, `bank100000000111://${rest}`);
      assert.equal(sber.android_url, `intent://${rest}#Intent;scheme=bank100000000111;package=ru.sberbankmobile;end;`);
      assert.ok(res.body.banks.filter((b: any) => b.android_url?.startsWith('intent://qr.nspk.ru/')).length > 150);
    });

    test("the view carries the shop's display name and support contacts from its project settings, for the failure screen", async (t) => {
      const h = await harness(t);
      const before = await sessionWithToken(h);
      assert.equal((await h.publicCall(`sessions/${before.token}`)).body.support, null, 'no contacts given: none shown');
      const project = (await h.server.store.projects.get('shop'))!;
      await h.server.store.transaction((tx) => tx.projects.update({ ...project, displayName: 'Байкал Маркет', support: { email: 'help@shop.example', telegram: '@shop_help' } }));
      const { token } = await sessionWithToken(h);
      const view = (await h.publicCall(`sessions/${token}`)).body;
      assert.deepEqual(view.support, { email: 'help@shop.example', telegram: '@shop_help' });
      assert.equal(view.merchant, 'Байкал Маркет', 'the shop by its display name, not the internal project name');
    });

    test('renew gives a new link with a valid CRC and a later expires_at; the old link no longer pays', async (t) => {
      const h = await harness(t);
      const { id, token } = await sessionWithToken(h);
      const started = await startFps(h, token);
      const oldLink = started.payment.customer_interaction.redirect.url as string;
      const oldExpiry = started.payment.customer_interaction.expires_at as string;

      h.clock.advance(10 * MINUTE_MS);
      const renewed = await h.publicCall(`sessions/${token}/renew`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(renewed.status, 200);
      const link = renewed.body.payment.customer_interaction.redirect.url as string;
      assert.notEqual(link, oldLink);
      assert.equal(parseFpsLink(link)?.crcValid, true);
      assert.equal(renewed.body.payment.id, started.payment.id, 'the same payment, a new QR');
      assert.equal(renewed.body.payment.customer_interaction.expires_at, iso(h.clock.now() + 15 * MINUTE_MS));
      assert.ok(Date.parse(renewed.body.payment.customer_interaction.expires_at) > Date.parse(oldExpiry));
      assert.ok(renewed.body.version > started.version);
      assert.ok((await h.events(id)).filter((e) => e.type === 'action_required').length >= 2);

      // Past the old deadline, the renewed QR is still alive.
      h.clock.advance(6 * MINUTE_MS);
      assert.equal((await h.publicCall(`sessions/${token}`)).body.payment.status, 'in_progress');
      const oldPage = await h.app.request(`/sandbox/bank?link=${encodeURIComponent(oldLink)}`);
      assert.equal(oldPage.status, 404);
    });

    test('the sandbox bank page shows the amount and approve/decline forms; posting approve redirects 303 and pays', async (t) => {
      const h = await harness(t);
      const { id, token } = await sessionWithToken(h, { amount_details: RUB(123456) });
      const started = await startFps(h, token);
      const link = started.payment.customer_interaction.redirect.url as string;
      const paymentId = started.payment.id as string;

      const page = await h.app.request(`/sandbox/bank?link=${encodeURIComponent(link)}`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const html = await page.text();
      assert.ok(html.includes('1\u202f234,56\u00a0₽'), 'the amount, formatted');
      assert.match(html, /<form method="post"/);
      const actions = [...html.matchAll(/formaction="([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(actions, [`/sandbox/payments/${paymentId}/approve`, `/sandbox/payments/${paymentId}/decline`]);

      const approved = await h.app.request(actions[0]!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      assert.equal(approved.status, 303);
      assert.equal(approved.headers.get('location'), `/sandbox/payments/${paymentId}`);
      const view = (await h.publicCall(`sessions/${token}`)).body;
      assert.equal(view.status, 'accepted');
      assert.equal(view.payment.status, 'succeeded');
      assert.equal((await h.call('session/status', { session_id: id })).body.session.acquiring_payments[0].status, 'succeeded');

      const result = await (await h.app.request(`/sandbox/payments/${paymentId}`)).text();
      assert.match(result, /Оплачено/);
      assert.doesNotMatch(result, /formaction/);
    });

    test('the sandbox bank page refuses a link with a damaged CRC', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const link = (await startFps(h, token)).payment.customer_interaction.redirect.url as string;
      const crc = link.slice(-4);
      const damaged = link.slice(0, -4) + (crc === '0000' ? '0001' : '0000');
      const page = await h.app.request(`/sandbox/bank?link=${encodeURIComponent(damaged)}`);
      assert.equal(page.status, 400);
      assert.match(await page.text(), /checksum/);
    });
  });

  describe('card payments through the public API', () => {
    test('a 3-D Secure card shows the sandbox challenge page and is paid once approved there', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const tok = await tokenize(h, token, '4000000000003220');
      const started = (await h.publicCall(`sessions/${token}/payments`, post({ method: 'card', card_token: tok }))).body;
      assert.equal(started.payment.customer_interaction.redirect.url, `${PUBLIC_URL}/sandbox/3ds/${started.payment.id}`);
      const page = await h.app.request(`/sandbox/3ds/${started.payment.id}`);
      assert.equal(page.status, 200);
      const approve = await h.app.request(`/sandbox/payments/${started.payment.id}/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
      assert.equal(approve.status, 303);
      assert.equal((await h.publicCall(`sessions/${token}`)).body.status, 'accepted');
    });

    test('a card token is spent by its payment and cannot pay a second time', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const tok = await tokenize(h, token, '4000000000000002');
      const declined = (await h.publicCall(`sessions/${token}/payments`, post({ method: 'card', card_token: tok }))).body;
      assert.equal(declined.status, 'created');
      assert.equal(declined.payment.failure.code, 'card_declined');
      const again = await h.publicCall(`sessions/${token}/payments`, post({ method: 'card', card_token: tok }));
      assert.equal(again.status, 409);
      assert.match(again.body.error.description, /already used/);
    });
  });
});
