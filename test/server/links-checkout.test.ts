/**
 * Payment links (issue 4): the page `/l/:id` a customer opens, and the purchases made on it
 * (`POST /l/:id/checkout`): consent, the fields, the session each purchase opens, paying it by FPS
 * and by the last used card, and the webhook that tells the merchant who bought what.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../../server/clock';
import { formatAmount } from '../../widget/i18n/money';
import { createLink, linkCheckout, newKeyPair, sampleLink, sessionWithToken, startHarness, tokenize, type Harness, forEachStore, type StoreKind } from './helpers';
import { approve, assertError, count, ISO, SESSION_ID, VISA_SUCCESS, writesNothing } from './merchant-fixtures';

// One RSA key pair for every harness of this file: generating one per test costs more than the test.
const KEYS = newKeyPair();
const NOW = Date.parse('2025-03-01T09:00:00Z');
const BOT_TOKEN = '7012345678:AAHk3mW9xQ2vTz8bLp5nRc4sYd6eFg1hJ0o';

async function storeHarness(store: StoreKind, t: TestContext): Promise<Harness> {
  const h = await startHarness({ store, clock: new ManualClock(NOW), keys: KEYS });
  t.after(() => h.close());
  return h;
}

/** The sample link without an order check (links-order-check-telegram.test.ts covers that). */
const noCheck = (overrides: Record<string, unknown> = {}) => ({ order_check_url: undefined, ...overrides });

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const page = async (h: Harness, id: string, lang?: string) => {
  const res = await h.app.request(`/l/${id}`, lang ? { headers: { 'accept-language': lang } } : {});
  return { status: res.status, headers: res.headers, html: await res.text() };
};

/** Undoes the HTML escaping of hono's `html` (what a browser shows as text). */
const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The session as the merchant reads it, and its stored row. */
async function sessionOf(h: Harness, id: string) {
  const res = await h.call('session/status', { session_id: id });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { session: res.body.session, row: (await h.server.store.sessions.get(id))! };
}

forEachStore('payment links: the page and its purchases', (store) => {
  const harness = (t: TestContext) => storeHarness(store, t);

  describe('the link page /l/:id', () => {
    test('shows the picture, name, description, price, the fields with their placeholders, the consent with the offer link and the support contacts', async (t) => {
      const h = await harness(t);
      const link = await createLink(
        h,
        noCheck({
          extra_fields: [
            { name: 'Email for the receipt', placeholder: 'you@example.com' },
            { name: 'Promo code', placeholder: 'SPRING25' },
          ],
          support: { phone: '+79001234567', email: 'help@example.com', telegram: '@shop_support', url: 'https://example.com/help' },
        }),
      );
      const { status, headers, html } = await page(h, link.id);
      assert.equal(status, 200);
      assert.match(headers.get('content-type') ?? '', /^text\/html/);

      assert.match(html, /<img class="product-image" src="https:\/\/example\.com\/cover\.png" alt="">/);
      assert.match(html, /<h1>Annual subscription to the channel<\/h1>/);
      assert.match(html, /<p class="muted">Access for 12 months; activation within 5 minutes<\/p>/);
      const amount = html.match(/<div class="amount">([^<]*)<\/div>/)?.[1];
      assert.equal(amount, '1\u202f499,00\u00a0₽', 'grouped by a narrow no-break space, a decimal comma, a no-break space before ₽');
      assert.equal(amount!.replace(/[\u202f\u00a0]/g, ' '), '1 499,00 ₽');
      assert.equal(formatAmount(149900, 'RUB', 'ru'), amount);

      const inputs = [...html.matchAll(/<label>([^<]*)<input name="(user|extra)" placeholder="([^"]*)"[^>]*required[^>]*>/g)].map((m) => [m[1], m[2], m[3]]);
      assert.deepEqual(inputs, [
        ['Telegram username', 'user', '@username'],
        ['Email for the receipt', 'extra', 'you@example.com'],
        ['Promo code', 'extra', 'SPRING25'],
      ]);

      assert.match(html, /<input type="checkbox" name="consent" required>/);
      assert.match(html, /Я принимаю условия <a href="https:\/\/example\.com\/offer" target="_blank" rel="noopener">оферты<\/a>/);
      assert.match(html, /<input type="checkbox" name="marketing">\s*<span>Я согласен получать сообщения, в том числе рекламные, от магазина <span class="muted">\(необязательно\)<\/span>/, 'advertising: a box of its own, optional, unticked');
      assert.match(html, /<button type="submit" class="approve" disabled aria-describedby="continue-hint">Перейти к оплате<\/button>/, 'the button starts disabled, described by the hint');
      assert.match(html, /<p id="continue-hint" class="hint"/);

      const support = html.match(/<section id="support" class="support">([\s\S]*?)<\/section>/)?.[1] ?? '';
      assert.deepEqual(
        [...support.matchAll(/<a href="([^"]*)"/g)].map((m) => m[1]),
        ['tel:+79001234567', 'mailto:help@example.com', 'https://t.me/shop_support', 'https://example.com/help'],
      );
      assert.match(support, /Поддержка:/);

      assert.match(html, /<meta property="og:title" content="Annual subscription to the channel">/);
      assert.match(html, /<meta property="og:description" content="Access for 12 months; activation within 5 minutes">/);
      assert.match(html, /<meta property="og:image" content="https:\/\/example\.com\/cover\.png">/);
      assert.match(html, /<title>Annual subscription to the channel<\/title>/);
    });

    test('answers under a Content-Security-Policy without unsafe-inline or unsafe-eval, and with no inline script or style', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck());
      const { headers, html } = await page(h, link.id);
      const csp = headers.get('content-security-policy');
      assert.ok(csp, 'a CSP header');
      assert.doesNotMatch(csp!, /unsafe-inline|unsafe-eval/);
      assert.match(csp!, /default-src 'none'/);
      assert.match(csp!, /script-src 'self' https:\/\/telegram\.org/);
      for (const tag of html.matchAll(/<script\b[^>]*>/g)) assert.match(tag[0], /\bsrc="/, `only external scripts: ${tag[0]}`);
      assert.doesNotMatch(html, /<style|\sstyle="|\son[a-z]+=/i, 'no inline style or event handler');
    });

    test('speaks English to an English browser', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck());
      const { html } = await page(h, link.id, 'en-GB,en;q=0.9');
      assert.match(html, /<html lang="en">/);
      assert.match(html, /I accept the <a href="https:\/\/example\.com\/offer"[^>]*>offer<\/a>/);
      assert.match(html, /I agree to receive messages, including advertising, from the shop/);
      assert.match(html, /<div class="amount">1,499\.00\u00a0₽<\/div>/, 'the amount in the English format');
      assert.match(html, />Continue to payment<\/button>/);
      assert.match(html, /Support:/);
    });

    test('a picture is optional: without one the page has no product image and no og:image', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck({ image_url: undefined, description: undefined }));
      const { status, html } = await page(h, link.id);
      assert.equal(status, 200);
      assert.doesNotMatch(html, /product-image|og:image|og:description/);
    });

    test('merchant text is escaped: a product name `<img src=x onerror=alert(1)>` shows as text', async (t) => {
      const h = await harness(t);
      const evil = '<img src=x onerror=alert(1)>';
      const link = await createLink(
        h,
        noCheck({
          product_name: evil,
          description: '</p><script>alert(1)</script>',
          user_field: { name: '<b>Name</b>', placeholder: '"><svg onload=alert(1)>' },
          extra_fields: [{ name: "it's <i>", placeholder: "' autofocus onfocus='alert(1)" }],
          offer_url: 'https://example.com/offer"onmouseover="alert(1)',
          image_url: 'https://example.com/x.png"onerror="alert(1)',
        }),
      );
      const { html } = await page(h, link.id);
      assert.ok(html.includes('<h1>&lt;img src=x onerror=alert(1)&gt;</h1>'), 'the name as text in the heading');
      assert.ok(html.includes('<title>&lt;img src=x onerror=alert(1)&gt;</title>'));
      assert.ok(html.includes('<meta property="og:title" content="&lt;img src=x onerror=alert(1)&gt;">'));
      assert.ok(!html.includes('<img src=x'), 'no img element from the name');
      assert.ok(!html.includes('<script>alert'), 'no script element from the description');
      assert.ok(!html.includes('<svg'), 'no svg from the placeholder');
      assert.doesNotMatch(html, /"onmouseover="|"onerror="|' autofocus onfocus='/);
      assert.ok(html.includes('href="https://example.com/offer&quot;onmouseover=&quot;alert(1)"'));
      assert.ok(html.includes('placeholder="&#39; autofocus onfocus=&#39;alert(1)"'));
    });

    test('any product name renders as exactly its text (property)', async (t) => {
      const h = await harness(t);
      const names = fc
        .oneof(fc.string({ minLength: 1, maxLength: 120 }), fc.constantFrom('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'; alert(1); //", 'Tom & Jerry <3'))
        .filter((s) => s.trim().length > 0);
      await fc.assert(
        fc.asyncProperty(names, async (name) => {
          const link = await createLink(h, noCheck({ product_name: name }));
          const { html } = await page(h, link.id);
          const heading = html.match(/<h1>([^]*?)<\/h1>/)?.[1];
          assert.ok(heading !== undefined);
          assert.doesNotMatch(heading!, /[<>"']/);
          assert.equal(unescape(heading!), name.trim());
        }),
        { numRuns: 60 },
      );
    });

    test('the bot token never reaches the page', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck({ telegram_bot_token: BOT_TOKEN }));
      const { html } = await page(h, link.id);
      assert.ok(!html.includes(BOT_TOKEN.split(':')[1]!));
    });

    test('an unknown link answers 404 with a page that says so', async (t) => {
      const h = await harness(t);
      const { status, html, headers } = await page(h, 'pl_00000000000000000000');
      assert.equal(status, 404);
      assert.match(html, /Ссылка недействительна/);
      assert.ok(headers.get('content-security-policy'));
    });
  });

  describe('the hosted page /pay/:token', () => {
    test('mounts the widget for the session under the same CSP, sends no referrer, and refuses a malformed token', async (t) => {
      const h = await harness(t);
      const { token } = await sessionWithToken(h);
      const res = await h.app.request(`/pay/${token}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.doesNotMatch(res.headers.get('content-security-policy') ?? 'missing unsafe-inline', /unsafe-inline/);
      assert.match(await res.text(), new RegExp(`<sg-checkout token="${token}" locale="ru"></sg-checkout>`));
      assert.equal((await h.app.request('/pay/pt_"><script>')).status, 404);
    });
  });

  describe('a purchase on a link: POST /l/:id/checkout', () => {
    const buyer = { user: '@Ivan_Petrov', extra: ['ivan@example.com'], consent: true };

    test('without consent: 400 naming consent, and no session is written', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck());
      const refused = await writesNothing(h, () => linkCheckout(h, link.id, { ...buyer, consent: false }));
      assertError(refused, 400, 'invalid_request', 'consent');
      assert.match(refused.body.error.description, /tick the box to accept the offer/);
      const missing = await writesNothing(h, () => linkCheckout(h, link.id, { user: buyer.user, extra: buyer.extra }));
      assertError(missing, 400, 'invalid_request', 'consent');
      const truthy = await writesNothing(h, () => linkCheckout(h, link.id, { ...buyer, consent: 'yes' }));
      assertError(truthy, 400, 'invalid_request', 'consent');
      assert.equal(await count(h, 'sessions'), 0);
    });

    test('an empty or blank field: 400 naming it, and no session is written', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck());
      const cases: [unknown, string, RegExp][] = [
        [{ ...buyer, user: '' }, 'fields.0', /^Telegram username: fill it in/],
        [{ ...buyer, user: '   ' }, 'fields.0', /^Telegram username: fill it in/],
        [{ ...buyer, extra: [''] }, 'fields.1', /^Email for the receipt: fill it in/],
        [{ ...buyer, extra: [' \t '] }, 'fields.1', /^Email for the receipt: fill it in/],
        [{ ...buyer, user: 'x'.repeat(256) }, 'fields.0', /at most 255 characters/],
        [{ extra: buyer.extra, consent: true }, 'user', /user: is required/],
        [{ ...buyer, user: 42 }, 'user', /user/],
        [{ ...buyer, email: 'x' }, 'email', /not a known field/],
      ];
      for (const [body, field, message] of cases) {
        const reply = await writesNothing(h, () => linkCheckout(h, link.id, body));
        assertError(reply, 400, 'invalid_request', field);
        assert.match(reply.body.error.description, message);
      }
      const notJson = await linkCheckout(h, link.id, '{"user":');
      assert.equal(notJson.status, 400);
      assert.equal(await count(h, 'sessions'), 0);
    });

    test('an additional field left out of the request: 400 naming the missing field', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck({ extra_fields: [{ name: 'Email for the receipt', placeholder: 'you@example.com' }, { name: 'Promo code', placeholder: 'SPRING25' }] }));
      const reply = await writesNothing(h, () => linkCheckout(h, link.id, { ...buyer, extra: ['ivan@example.com'] }));
      assert.equal(reply.status, 400);
      assert.equal(reply.body.error.field, 'fields.2', `names the missing field: ${JSON.stringify(reply.body)}`);
      assert.match(reply.body.error.description, /Promo code/);
    });

    test('with consent: a session whose customer.reference is the identifying field, with the link id, the field values and the consent time in its metadata', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck({ confirmation: 'manual', extra_fields: [{ name: 'Email for the receipt', placeholder: 'you@example.com' }, { name: 'Promo code', placeholder: 'SPRING25' }] }));
      const res = await linkCheckout(h, link.id, { user: '  @Ivan_Petrov ', extra: ['ivan@example.com', 'SPRING25'], consent: true });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, 'ok');
      assert.match(res.body.session_id, SESSION_ID);
      assert.match(res.body.token, /^pt_[A-Za-z0-9_-]{32}$/);

      const { session, row } = await sessionOf(h, res.body.session_id);
      assert.equal(session.status, 'created');
      assert.deepEqual(session.amount_details, { amount: 149900, currency: 'RUB' });
      assert.equal(session.description, 'Annual subscription to the channel');
      assert.deepEqual(session.customer, { reference: 'typed:@ivan_petrov', verified: false }, 'trimmed, case-insensitive across purchases, and marked as typed');
      assert.deepEqual(session.metadata, {
        'Telegram username': '@Ivan_Petrov',
        'Email for the receipt': 'ivan@example.com',
        'Promo code': 'SPRING25',
        link_id: link.id,
        consent_accepted_at: new Date(NOW).toISOString(),
        marketing_consent: 'no',
      });
      assert.match(session.metadata.consent_accepted_at, ISO);
      assert.equal(session.payment_options.return_url, 'https://t.me/example_channel');
      assert.equal(row.webhook_url, 'https://example.com/hooks/sg', "the link's webhook URL, not the project's");
      assert.equal(row.confirmation, 'manual', "the link's confirmation, not the project's auto");
      assert.equal(row.link_id, link.id);
      assert.equal(row.customer_reference, 'typed:@ivan_petrov');

      // The public token opens this session for the widget.
      const view = await h.publicCall(`sessions/${res.body.token}`);
      assert.equal(view.status, 200);
      assert.equal(view.body.session_id, res.body.session_id);
      assert.equal(view.body.return_url, 'https://t.me/example_channel');
    });

    test('consent to advertising is separate and optional: recorded as marketing_consent yes or no beside the offer', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck());
      const agreed = await linkCheckout(h, link.id, { ...buyer, marketing: true });
      const declined = await linkCheckout(h, link.id, { ...buyer, marketing: false });
      const older = await linkCheckout(h, link.id, buyer); // a client that predates the box
      for (const [res, expected] of [[agreed, 'yes'], [declined, 'no'], [older, 'no']] as const) {
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { session } = await sessionOf(h, res.body.session_id);
        assert.equal(session.metadata.marketing_consent, expected);
        assert.equal(session.metadata.consent_accepted_at, new Date(NOW).toISOString(), 'the offer is accepted either way');
      }
      const adsOnly = await writesNothing(h, () => linkCheckout(h, link.id, { ...buyer, consent: false, marketing: true }));
      assertError(adsOnly, 400, 'invalid_request', 'consent');
      assertError(await linkCheckout(h, link.id, { ...buyer, marketing: 'yes' }), 400, 'invalid_request', 'marketing');
    });

    test('a link can be paid many times: two purchases open two sessions on the same link', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck());
      const first = await linkCheckout(h, link.id, buyer);
      h.clock.advance(60_000);
      const second = await linkCheckout(h, link.id, { user: '@maria', extra: ['maria@example.com'], consent: true });
      assert.equal(first.status, 200);
      assert.equal(second.status, 200);
      assert.notEqual(first.body.session_id, second.body.session_id);
      assert.notEqual(first.body.token, second.body.token);
      const a = await sessionOf(h, first.body.session_id);
      const b = await sessionOf(h, second.body.session_id);
      assert.deepEqual([a.row.link_id, b.row.link_id], [link.id, link.id]);
      assert.deepEqual([a.session.customer.reference, b.session.customer.reference], ['typed:@ivan_petrov', 'typed:@maria']);
      assert.deepEqual([a.session.metadata.consent_accepted_at, b.session.metadata.consent_accepted_at], [new Date(NOW).toISOString(), new Date(NOW + 60_000).toISOString()]);
      assert.equal(await count(h, 'sessions'), 2);
    });

    test('paid by FPS through the public API: the payment_finished webhook goes to the link’s URL and carries the link id and the field values', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck());
      const { body } = await linkCheckout(h, link.id, buyer);
      const started = await h.publicCall(`sessions/${body.token}/payments`, post({ method: 'fps' }));
      assert.equal(started.status, 200, JSON.stringify(started.body));
      assert.equal(started.body.payment.method, 'fps');
      assert.match(started.body.payment.customer_interaction.redirect.url, /^https:\/\/qr\.nspk\.ru\//);
      const approved = await approve(h, started.body.payment.id);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal((await h.publicCall(`sessions/${body.token}`)).body.status, 'accepted');

      const finished = (await h.server.store.outbox.forSession(body.session_id)).filter((e) => e.type === 'payment_finished');
      assert.equal(finished.length, 1);
      assert.equal(finished[0]!.url, 'https://example.com/hooks/sg');
      const payload = JSON.parse(finished[0]!.payload_json);
      assert.equal(payload.type, 'payment_finished');
      assert.equal(payload.session.id, body.session_id);
      assert.equal(payload.session.status, 'accepted');
      assert.deepEqual(payload.session.metadata, {
        'Telegram username': '@Ivan_Petrov',
        'Email for the receipt': 'ivan@example.com',
        link_id: link.id,
        consent_accepted_at: new Date(NOW).toISOString(),
        marketing_consent: 'no',
      });
      assert.deepEqual(payload.session.customer, { reference: 'typed:@ivan_petrov', verified: false });
      assert.equal(payload.session.acquiring_payments[0].payment_details.type, 'faster_payment_system');
      assert.equal(payload.session.acquiring_payments[0].status, 'succeeded');
      assert.deepEqual((await h.events(body.session_id)).find((e) => e.type === 'payment_finished')!.payload, payload);
    });

    test('a link with manual confirmation sends ready_to_confirm to the link’s URL, and payment_finished only after session/confirm', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck({ confirmation: 'manual' }));
      const { body } = await linkCheckout(h, link.id, buyer);
      const started = await h.publicCall(`sessions/${body.token}/payments`, post({ method: 'fps' }));
      assert.equal(started.status, 200, JSON.stringify(started.body));
      // FPS cannot hold money: the merchant confirms before the customer is shown the QR.
      assert.deepEqual((await h.events(body.session_id)).map((e) => e.type), ['ready_to_confirm']);
      const ready = (await h.server.store.outbox.forSession(body.session_id))[0]!;
      assert.equal(ready.url, 'https://example.com/hooks/sg');
      assert.equal(JSON.parse(ready.payload_json).session.metadata.link_id, link.id);
      const confirmed = await h.call('session/confirm', { session_id: body.session_id });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
      assert.equal((await approve(h, started.body.payment.id)).status, 200);
      assert.equal((await h.call('session/status', { session_id: body.session_id })).body.session.status, 'accepted');
      const types = (await h.events(body.session_id)).map((e) => e.type);
      assert.equal(types[0], 'ready_to_confirm');
      assert.equal(types.at(-1), 'payment_finished');
      assert.ok((await h.server.store.outbox.forSession(body.session_id)).every((e) => e.url === 'https://example.com/hooks/sg'));
    });

    test('a customer who only typed who they are is never offered a saved card, not even the one they paid with', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, noCheck());
      const first = (await linkCheckout(h, link.id, buyer)).body;
      const before = (await h.publicCall(`sessions/${first.token}`)).body;
      assert.deepEqual(before.methods, ['fps', 'card', 'sberpay'], 'a new customer is offered FPS first');
      assert.equal(before.saved_card, null);
      assert.equal(before.can_save_card, false, 'nobody vouched for a typed name: "remember this card" is not offered');
      const card = await tokenize(h, first.token, VISA_SUCCESS);
      const paid = await h.publicCall(`sessions/${first.token}/payments`, post({ method: 'card', card_token: card, remember_card: true }));
      assert.equal(paid.status, 200, JSON.stringify(paid.body));
      assert.equal(paid.body.status, 'accepted');

      // The same identifying value typed again (by them, or by anyone who knows it): no last digits shown, no one-tap charge.
      for (const user of [' @IVAN_PETROV', '@maria']) {
        const next = (await linkCheckout(h, link.id, { user, extra: ['other@example.com'], consent: true })).body;
        const view = (await h.publicCall(`sessions/${next.token}`)).body;
        assert.deepEqual([view.methods, view.saved_card], [['fps', 'card', 'sberpay'], null], user);
        assertError(await h.publicCall(`sessions/${next.token}/payments`, post({ method: 'saved_card' })), 409, 'invalid_state');
      }
    });

    const namings: [string, string, string][] = [
      ['Email', 'Email', 'two fields with one name'],
      ['Telegram username', 'link_id', 'a field named link_id, a key the server sets too'],
      ['Telegram username', '__proto__', 'a field named __proto__, a key special to a JavaScript object'],
    ];
    for (const [userName, extraName, why] of namings) {
      test(`every field value reaches the metadata under its field’s name, or the link is refused: ${why}`, async (t) => {
        const h = await harness(t);
        const created = await h.call('link/create', {
          ...sampleLink(noCheck()),
          user_field: { name: userName, placeholder: 'a' },
          extra_fields: [{ name: extraName, placeholder: 'b' }],
        });
        if (created.status === 400) {
          assert.match(created.body.error.field, /^(user_field|extra_fields)/, 'refused, naming a field');
          return;
        }
        const res = await linkCheckout(h, created.body.link.id, { user: 'first-value', extra: ['second-value'], consent: true });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const { session } = await sessionOf(h, res.body.session_id);
        const kept = Object.values(session.metadata);
        assert.ok(kept.includes('first-value') && kept.includes('second-value'), `a value was lost: metadata ${JSON.stringify(session.metadata)}`);
        assert.equal(session.metadata.link_id, created.body.link.id);
      });
    }

    test('an unknown link: 404 and no session', async (t) => {
      const h = await harness(t);
      assertError(await writesNothing(h, () => linkCheckout(h, 'pl_00000000000000000000', buyer)), 404, 'not_found');
    });
  });
});
