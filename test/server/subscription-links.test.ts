/**
 * Subscription links, on both stores: a payment link with `subscription.period`, created by the
 * signed `link/create` and by the CLI's `link create --file`; its page shows the regular-payment
 * notice by the price; a purchase on it makes a pending subscription whose first session is
 * recurrent and still the link's (its id, metadata, webhook URL, hour to pay); paying that session
 * by card with consent activates the subscription. And the refusals, each a 400 that says why.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../server/clock';
import { sessionFramers, TELEGRAM_WEB_ORIGIN } from '../../server/http/security-headers';
import { createLink, forEachStore, linkCheckout, newKeyPair, PUBLIC_URL, sampleLink, startHarness, tokenize, type Harness, type StoreKind } from './helpers';
import { assertError, VISA_SUCCESS, writesNothing } from './merchant-fixtures';

const KEYS = newKeyPair();
const NOW = Date.parse('2026-05-12T09:00:00Z');
const MINUTE = 60_000;
const CLI = join(import.meta.dirname, '../../server/cli/main.ts');

const YEARLY = { period: { unit: 'year', count: 1 } };
/** The changes that make the design's example link yearly, without an order check (links-order-check-telegram.test.ts covers that). */
const yearly = (overrides: Record<string, unknown> = {}) => ({ order_check_url: undefined, subscription: YEARLY, ...overrides });
const purchase = { user: '@Duck_Fan', extra: ['fan@example.com'], consent: true, marketing: true };

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

/**
 * The CLI in its own process on the harness's database: its SQLite file in DATA_DIR, or its
 * PostgreSQL through DATABASE_URL, as an account manager would run it.
 */
function cli(h: Harness, dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { ...env, DATA_DIR: dataDir, PUBLIC_URL, ...(h.databaseUrl ? { DATABASE_URL: h.databaseUrl } : {}) } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** What a subscription link's purchase made: the checkout's answer, the subscription and its first session's row. */
async function subscribeOnLink(h: Harness, linkId: string) {
  const opened = await linkCheckout(h, linkId, purchase);
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  assert.deepEqual(Object.keys(opened.body).sort(), ['session_id', 'status', 'token'], 'the documented reply, as for a plain link');
  const session = (await h.call('session/status', { session_id: opened.body.session_id })).body.session;
  const subscription = (await h.call('subscription/get', { id: session.subscription_id })).body.subscription;
  return {
    opened: { ...(opened.body as { session_id: string; token: string }), subscription_id: subscription.id as string },
    subscription,
    row: (await h.server.store.sessions.get(opened.body.session_id))!,
  };
}

forEachStore('subscription links', (store: StoreKind) => {
  async function harness(t: TestContext, opts: { dbFile?: string } = {}): Promise<Harness> {
    const h = await startHarness({ store, keys: KEYS, clock: new ManualClock(NOW), ...opts });
    t.after(() => h.close());
    return h;
  }

  describe('creating one', () => {
    test('link/create keeps the period (count 1 when left out), and link/get and link/list show it', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, yearly({ subscription: { period: { unit: 'year' } } }));
      assert.deepEqual(link.subscription, { period: { unit: 'year', count: 1 } });
      assert.equal(link.confirmation, 'auto');
      assert.deepEqual((await h.call('link/get', { id: link.id })).body.link, link);
      const listed = (await h.call('link/list', {})).body.links;
      assert.deepEqual(listed.map((l: any) => [l.id, l.subscription]), [[link.id, { period: { unit: 'year', count: 1 } }]]);
      const other = await createLink(h, sampleLink({ order_check_url: undefined }));
      assert.equal(other.subscription, undefined, 'a plain link has none');
    });

    test('the CLI creates one from a file and shows it, as the API does', async (t) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sg-cli-sub-links-'));
      t.after(() => rmSync(dataDir, { recursive: true, force: true }));
      // A server on the CLI's own database (its SQLite file in DATA_DIR, or this PostgreSQL) registers `shop`.
      const h = await harness(t, { dbFile: join(dataDir, 'sg-checkout.sqlite') });
      const file = join(dataDir, 'weekly.json');
      writeFileSync(file, JSON.stringify(sampleLink(yearly({ subscription: { period: { unit: 'week', count: 2 } } })), null, 2));
      const created = await cli(h, dataDir, 'link', 'create', '--project', 'shop', '--file', file);
      assert.equal(created.code, 0, created.stderr);
      const { id } = JSON.parse(created.stdout);
      const shown = await cli(h, dataDir, 'link', 'show', id);
      assert.equal(shown.code, 0, shown.stderr);
      assert.deepEqual(JSON.parse(shown.stdout).subscription, { period: { unit: 'week', count: 2 } });
      const listed = await cli(h, dataDir, 'link', 'list', '--project', 'shop');
      assert.deepEqual(JSON.parse(listed.stdout).map((l: any) => l.subscription), [{ period: { unit: 'week', count: 2 } }]);
      assert.deepEqual((await h.call('link/get', { id })).body.link, JSON.parse(shown.stdout), 'the CLI shows what the API answers');

      // The CLI's refusal is the API's, on one line.
      writeFileSync(file, JSON.stringify(sampleLink(yearly({ confirmation: 'manual' }))));
      const refused = await cli(h, dataDir, 'link', 'create', '--project', 'shop', '--file', file);
      assert.equal(refused.code, 2, refused.stderr);
      assert.equal(refused.stdout, '');
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.match(refused.stderr, /^error: confirmation: a subscription link cannot ask for manual confirmation: the server charges each later period by itself, with no one to confirm it; set confirmation to auto/);
      assert.equal((await h.call('link/list', {})).body.links.length, 1, 'nothing stored');
    });
  });

  describe('refusals: 400, naming the field and saying why, nothing stored', () => {
    const cases: { rule: string; body: Record<string, unknown>; field: string; message: RegExp }[] = [
      {
        rule: 'manual confirmation with a subscription',
        body: sampleLink(yearly({ confirmation: 'manual' })),
        field: 'confirmation',
        message: /^confirmation: a subscription link cannot ask for manual confirmation: the server charges each later period by itself, with no one to confirm it; set confirmation to auto \(or leave it out\)$/,
      },
      { rule: 'a period unit that is not day, week, month or year', body: sampleLink(yearly({ subscription: { period: { unit: 'quarter' } } })), field: 'subscription.period.unit', message: /must be day, week, month or year/ },
      { rule: 'a count of 0', body: sampleLink(yearly({ subscription: { period: { unit: 'month', count: 0 } } })), field: 'subscription.period.count', message: /^subscription\.period\.count: must be at least 1$/ },
      { rule: 'a count that is not whole', body: sampleLink(yearly({ subscription: { period: { unit: 'month', count: 1.5 } } })), field: 'subscription.period.count', message: /must be a whole number of units/ },
      { rule: 'a subscription without a period', body: sampleLink(yearly({ subscription: {} })), field: 'subscription.period', message: /^subscription\.period: is required$/ },
      { rule: 'a key the subscription does not have', body: sampleLink(yearly({ subscription: { ...YEARLY, trial_days: 7 } })), field: 'subscription.trial_days', message: /^subscription\.trial_days: is not a known field/ },
      { rule: 'a subscription that is not an object', body: sampleLink(yearly({ subscription: 'yearly' })), field: 'subscription', message: /^subscription: must be a JSON object$/ },
    ];
    for (const c of cases) {
      test(c.rule, async (t) => {
        const h = await harness(t);
        const reply = await writesNothing(h, () => h.call('link/create', c.body));
        assertError(reply, 400, 'invalid_request', c.field);
        assert.match(reply.body.error.description, c.message);
      });
    }

    test('a checkout without the offer accepted opens no subscription', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, yearly());
      const reply = await writesNothing(h, () => linkCheckout(h, link.id, { ...purchase, consent: false }));
      assertError(reply, 400, 'invalid_request', 'consent');
      assert.deepEqual((await h.call('subscription/list', {})).body.subscriptions, []);
    });

    test('its first payment is refused without the consent to later charges, and by a method that cannot be charged again', async (t) => {
      const h = await harness(t);
      const { opened } = await subscribeOnLink(h, (await createLink(h, yearly())).id);
      const card = await tokenize(h, opened.token, VISA_SUCCESS);
      const noConsent = await h.publicCall(`sessions/${opened.token}/payments`, post({ method: 'card', card_token: card }));
      assertError(noConsent, 400, 'invalid_request', 'recurrent_consent');
      assert.match(noConsent.body.error.description, /the customer must agree to the shop's later charges first/);
      const sberpay = await h.publicCall(`sessions/${opened.token}/payments`, post({ method: 'sberpay', channel: 'web', recurrent_consent: true }));
      assertError(sberpay, 400, 'invalid_request', 'method');
      assert.match(sberpay.body.error.description, /later charges: pay by /);
      assert.equal((await h.call('subscription/get', { id: opened.subscription_id })).body.subscription.status, 'pending');
    });
  });

  describe('the page and a purchase', () => {
    test('the page shows the regular-payment notice by the price, in the customer\'s language; a plain link shows none', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, yearly());
      const ru = await (await h.app.request(`/l/${link.id}`, { headers: { 'accept-language': 'ru' } })).text();
      const amount = (html: string) => plain(html.match(/<div class="amount">([\s\S]*?)<\/div>/)![1]!.replace(/<[^>]+>/g, ''));
      assert.equal(amount(ru), '1 499,00 ₽ каждый год. Отменить можно в любой момент.');
      assert.match(ru, /<span class="per" id="regular-payment">каждый год\. Отменить можно в любой момент\.<\/span>/);
      const en = await (await h.app.request(`/l/${link.id}`, { headers: { 'accept-language': 'en-GB,en;q=0.9' } })).text();
      assert.equal(amount(en), '1,499.00 ₽ every year; cancel at any time.');
      assert.doesNotMatch(en, /каждый|Отменить/, 'one language on the page');
      const weekly = await createLink(h, yearly({ subscription: { period: { unit: 'week', count: 2 } } }));
      assert.equal(amount(await (await h.app.request(`/l/${weekly.id}`)).text()), '1 499,00 ₽ каждые 2 недели. Отменить можно в любой момент.');
      const plainLink = await createLink(h, sampleLink({ order_check_url: undefined }));
      assert.equal(amount(await (await h.app.request(`/l/${plainLink.id}`)).text()), '1 499,00 ₽', 'a plain link: the price alone');
    });

    test('a purchase makes a pending subscription whose first session is recurrent, the link\'s, with the buyer\'s fields', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, yearly());
      const { opened, subscription, row } = await subscribeOnLink(h, link.id);
      assert.match(opened.subscription_id, /^sub_[0-9a-z]{20}$/);
      assert.match(opened.token, /^pt_/);
      assert.equal(subscription.status, 'pending');
      assert.deepEqual([subscription.amount_details, subscription.period, subscription.description], [{ amount: 149900, currency: 'RUB' }, { unit: 'year', count: 1 }, 'Annual subscription to the channel']);
      assert.deepEqual(subscription.customer, { reference: 'typed:@duck_fan' }, 'the user field identifies the customer, as on a plain link');
      assert.equal(subscription.first_session_id, opened.session_id);

      const session = (await h.call('session/status', { session_id: opened.session_id })).body.session;
      assert.equal(session.payment_options.recurrent, true);
      assert.equal(session.payment_options.return_url, 'https://t.me/example_channel');
      assert.equal(session.subscription_id, opened.subscription_id);
      assert.equal(session.description, 'Annual subscription to the channel');
      assert.deepEqual(session.customer, { reference: 'typed:@duck_fan', verified: false });
      assert.deepEqual(session.metadata, {
        'Telegram username': '@Duck_Fan',
        'Email for the receipt': 'fan@example.com',
        link_id: link.id,
        consent_accepted_at: new Date(NOW).toISOString(),
        marketing_consent: 'yes',
      });
      // Still the link's session: its id (Telegram may frame the card form; the link's support shows), its webhook URL, an hour to pay, auto.
      assert.deepEqual([row.link_id, row.webhook_url, row.confirmation, row.expires_at - row.created_at], [link.id, 'https://example.com/hooks/sg', 'auto', 60 * MINUTE]);

      const view = (await h.publicCall(`sessions/${opened.token}`)).body;
      // Only what can be charged again: the methods of any subscription's first payment (a card; never SberPay or a one-tap card).
      const direct = await h.call('subscription/create', { amount_details: { amount: 149900, currency: 'RUB' }, period: { unit: 'year' }, customer: { reference: 'cus-1' } });
      const directMethods = (await h.publicCall(`sessions/${direct.body.public_token}`)).body.methods;
      assert.equal(view.recurrent, true);
      assert.deepEqual(view.methods, directMethods);
      assert.ok(view.methods.includes('card') && !view.methods.includes('sberpay') && !view.methods.includes('saved_card'), view.methods.join());
      assert.deepEqual(view.subscription, { amount_details: { amount: 149900, currency: 'RUB' }, period: { unit: 'year', count: 1 }, next_payment_at: '2027-05-12T09:00:00.000Z' });
      assert.deepEqual(view.support, { email: 'help@example.com', telegram: '@shop_support' }, "the link's support contacts");
      assert.ok((await sessionFramers(h.server.store, row)).includes(TELEGRAM_WEB_ORIGIN), "Telegram's web client, which frames the link page, may frame its card form");
    });

    test('paid by card with consent, the subscription is active, charged a year on; the link\'s webhook hears the payment, the project\'s the subscription', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, yearly());
      const { opened } = await subscribeOnLink(h, link.id);
      const card = await tokenize(h, opened.token, VISA_SUCCESS);
      const paid = await h.publicCall(`sessions/${opened.token}/payments`, post({ method: 'card', card_token: card, recurrent_consent: true }));
      assert.equal(paid.body.payment?.status, 'succeeded', JSON.stringify(paid.body));

      const active = (await h.call('subscription/get', { id: opened.subscription_id })).body.subscription;
      assert.deepEqual([active.status, active.periods_paid, active.started_at, active.next_charge_at], ['active', 1, '2026-05-12T09:00:00.000Z', '2027-05-12T09:00:00.000Z']);
      assert.equal(active.recurrent?.token, card, 'the card kept for the later charges');
      const outbox = (await h.server.store.outbox.forSession(opened.session_id)).map((e) => [e.type, e.url]);
      assert.deepEqual(outbox.filter(([type]) => type === 'payment_finished' || type === 'subscription_activated'), [
        ['payment_finished', 'https://example.com/hooks/sg'],
        ['subscription_activated', 'https://merchant.example/hooks'],
      ]);
      const finished = (await h.events(opened.session_id)).find((e) => e.type === 'payment_finished')!.payload.session;
      assert.equal(finished.metadata['Telegram username'], '@Duck_Fan', 'the merchant hears who subscribed');

      // A year on the server charges the renewal itself, with nobody on the page.
      h.clock.advance(Date.parse('2027-05-12T09:00:00Z') - h.clock.now());
      assert.equal(await h.server.subscriptions.chargeDue(), 1);
      for (const c of await h.server.store.subscriptions.charges(opened.subscription_id)) await h.server.rails.settled(c.session_id);
      const renewed = (await h.call('subscription/get', { id: opened.subscription_id })).body.subscription;
      assert.deepEqual([renewed.status, renewed.periods_paid, renewed.next_charge_at], ['active', 2, '2028-05-12T09:00:00.000Z']);
    });

    test('a plain link still opens a plain session (no subscription, not recurrent)', async (t) => {
      const h = await harness(t);
      const link = await createLink(h, sampleLink({ order_check_url: undefined }));
      const opened = await linkCheckout(h, link.id, purchase);
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      assert.deepEqual(Object.keys(opened.body).sort(), ['session_id', 'status', 'token']);
      const session = (await h.call('session/status', { session_id: opened.body.session_id })).body.session;
      assert.equal(session.payment_options.recurrent, undefined);
      assert.equal(session.subscription_id, undefined);
      assert.deepEqual((await h.call('subscription/list', {})).body.subscriptions, []);
    });
  });
});

test('/docs documents the link\'s subscription, with the very period of subscription/create', async (t) => {
  const h = await startHarness({ keys: KEYS });
  t.after(() => h.close());
  const doc = (await (await h.app.request('/docs/openapi.json')).json()) as any;
  const field = doc.components.schemas.PaymentLink.properties.subscription;
  assert.match(field.description, /^Makes it a subscription link: each purchase subscribes the customer/);
  assert.match(field.description, /Needs confirmation auto\.$/);
  assert.deepEqual(field.required, ['period']);
  assert.deepEqual(field.properties.period, doc.components.schemas.SubscriptionCreate.properties.period, 'one period schema');
  assert.ok(!(doc.components.schemas.PaymentLink.required ?? []).includes('subscription'), 'optional');
});
