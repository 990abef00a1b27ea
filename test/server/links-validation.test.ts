/**
 * Payment links (issue 4): every rule of what a merchant provides, answered alike by the signed
 * `link/create` and by the CLI's `link create --file` (one line on stderr, a non-zero exit), and
 * the link's management: get, list, disable, in the API and the CLI.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ManualClock, MINUTE_MS } from '../../server/clock';
import { createLink, linkCheckout, newKeyPair, PUBLIC_URL, runCli, sampleLink, startHarness, type Harness } from './helpers';
import { assertError, count, ISO, otherProject, writesNothing } from './merchant-fixtures';

// One RSA key pair for every harness of this file: generating one per test costs more than the test.
const KEYS = newKeyPair();
const LINK_ID = /^pl_[0-9a-z]{20}$/;
const BOT_TOKEN = '7012345678:AAHk3mW9xQ2vTz8bLp5nRc4sYd6eFg1hJ0o';

async function harness(t: TestContext): Promise<Harness> {
  const h = await startHarness({ clock: new ManualClock(Date.parse('2025-03-01T09:00:00Z')), keys: KEYS });
  t.after(() => h.close());
  return h;
}

/** A copy of the sample link with one nested change. */
function withNested(edit: (link: Record<string, any>) => void): Record<string, unknown> {
  const link = structuredClone(sampleLink()) as Record<string, any>;
  edit(link);
  return link;
}

type Invalid = { rule: string; body: Record<string, unknown>; field: string; message: RegExp };

/** Every rule of issue 4 "The link", each broken once; `field` is what the error must name. */
const INVALID: Invalid[] = [
  { rule: 'the product name is required', body: sampleLink({ product_name: undefined }), field: 'product_name', message: /is required/ },
  { rule: 'a blank product name is refused', body: sampleLink({ product_name: '   ' }), field: 'product_name', message: /must not be empty/ },
  { rule: 'a description of 151 characters is refused', body: sampleLink({ description: 'д'.repeat(151) }), field: 'description', message: /at most 150 characters/ },
  { rule: 'a price of 0 kopecks is refused', body: sampleLink({ amount_details: { amount: 0, currency: 'RUB' } }), field: 'amount_details.amount', message: /at least 1 kopeck/ },
  { rule: 'a negative price is refused', body: sampleLink({ amount_details: { amount: -149900, currency: 'RUB' } }), field: 'amount_details.amount', message: /at least 1 kopeck/ },
  { rule: 'a price with a fraction of a kopeck (10.5) is refused', body: sampleLink({ amount_details: { amount: 10.5, currency: 'RUB' } }), field: 'amount_details.amount', message: /whole number of kopecks/ },
  { rule: 'a price given as a string is refused', body: sampleLink({ amount_details: { amount: '1499', currency: 'RUB' } }), field: 'amount_details.amount', message: /number of kopecks/ },
  { rule: 'the price is required', body: sampleLink({ amount_details: undefined }), field: 'amount_details', message: /is required/ },
  { rule: 'a price in another currency than roubles is refused', body: sampleLink({ amount_details: { amount: 1000, currency: 'USD' } }), field: 'amount_details.currency', message: /must be RUB/ },
  { rule: 'an http picture is refused: it must be https', body: sampleLink({ image_url: 'http://example.com/cover.png' }), field: 'image_url', message: /https/ },
  { rule: 'a picture that is not a URL is refused', body: sampleLink({ image_url: 'cover.png' }), field: 'image_url', message: /URL/ },
  { rule: 'the identifying field is required', body: sampleLink({ user_field: undefined }), field: 'user_field', message: /is required/ },
  { rule: 'the identifying field needs a name', body: sampleLink({ user_field: { placeholder: '@username' } }), field: 'user_field.name', message: /is required/ },
  { rule: 'the identifying field needs a placeholder', body: sampleLink({ user_field: { name: 'Telegram username' } }), field: 'user_field.placeholder', message: /is required/ },
  { rule: 'the identifying field may not have a blank name', body: sampleLink({ user_field: { name: ' ', placeholder: '@username' } }), field: 'user_field.name', message: /must not be empty/ },
  { rule: 'the identifying field may not have an empty placeholder', body: sampleLink({ user_field: { name: 'Telegram username', placeholder: '' } }), field: 'user_field.placeholder', message: /must not be empty/ },
  {
    rule: 'an additional field with a name needs a placeholder',
    body: sampleLink({ extra_fields: [{ name: 'Email for the receipt' }] }),
    field: 'extra_fields.0.placeholder',
    message: /is required/,
  },
  {
    rule: 'the second additional field with an empty placeholder is refused',
    body: sampleLink({ extra_fields: [{ name: 'Email', placeholder: 'you@example.com' }, { name: 'Phone', placeholder: '' }] }),
    field: 'extra_fields.1.placeholder',
    message: /must not be empty/,
  },
  {
    rule: 'a third additional field is refused',
    body: sampleLink({
      extra_fields: [
        { name: 'Email', placeholder: 'you@example.com' },
        { name: 'Phone', placeholder: '+7 900 000-00-00' },
        { name: 'City', placeholder: 'Moscow' },
      ],
    }),
    field: 'extra_fields',
    message: /at most 2 additional fields/,
  },
  { rule: 'the offer URL is required', body: sampleLink({ offer_url: undefined }), field: 'offer_url', message: /is required/ },
  { rule: 'an offer URL without a scheme is refused', body: sampleLink({ offer_url: 'example.com/offer' }), field: 'offer_url', message: /http\(s\) URL/ },
  { rule: 'support contacts are required', body: sampleLink({ support: undefined }), field: 'support', message: /is required/ },
  { rule: 'support needs at least one of phone, email, telegram, url', body: sampleLink({ support: {} }), field: 'support', message: /at least one of phone, email, telegram or url/ },
  { rule: 'a support phone that is not a phone number is refused', body: sampleLink({ support: { phone: '8 (900) 123-45-67' } }), field: 'support.phone', message: /phone number/ },
  { rule: 'a support email that is not an email is refused', body: sampleLink({ support: { email: 'help-at-example.com' } }), field: 'support.email', message: /email address/ },
  { rule: 'a support Telegram without the @ is refused', body: sampleLink({ support: { telegram: 'shop_support' } }), field: 'support.telegram', message: /Telegram username/ },
  { rule: 'a support URL that is a javascript: URL is refused', body: sampleLink({ support: { url: 'javascript:alert(1)' } }), field: 'support.url', message: /http\(s\) URL/ },
  { rule: 'the webhook URL is required', body: sampleLink({ webhook_url: undefined }), field: 'webhook_url', message: /is required/ },
  { rule: 'a webhook URL that is not http(s) is refused', body: sampleLink({ webhook_url: 'mailto:hooks@example.com' }), field: 'webhook_url', message: /http\(s\) URL/ },
  { rule: 'the return URL is required', body: sampleLink({ return_url: undefined }), field: 'return_url', message: /is required/ },
  { rule: 'a return URL without a scheme is refused', body: sampleLink({ return_url: 't.me/example_channel' }), field: 'return_url', message: /http\(s\) URL/ },
  { rule: 'confirmation other than auto or manual is refused', body: sampleLink({ confirmation: 'sometimes' }), field: 'confirmation', message: /auto.*manual/ },
  { rule: 'an order-check URL that is not http(s) is refused', body: sampleLink({ order_check_url: 'ftp://example.com/check' }), field: 'order_check_url', message: /http\(s\) URL/ },
  { rule: 'a bot token not shaped as @BotFather gives it is refused', body: sampleLink({ telegram_bot_token: 'not-a-token' }), field: 'telegram_bot_token', message: /bot token/ },
  { rule: 'an unknown field is refused, naming it', body: sampleLink({ colour: 'red' }), field: 'colour', message: /not a known field/ },
  { rule: 'an unknown field inside the identifying field is refused, naming it', body: withNested((l) => (l.user_field.required = true)), field: 'user_field.required', message: /not a known field/ },
  { rule: 'an unknown support contact is refused, naming it', body: withNested((l) => (l.support.whatsapp = '+79001234567')), field: 'support.whatsapp', message: /not a known field/ },
  { rule: 'a misspelt field is reported as unknown, not as the missing one', body: sampleLink({ offer_url: undefined, ofer_url: 'https://example.com/offer' }), field: 'ofer_url', message: /not a known field/ },
];

/** Links that must be accepted, each at the edge of a rule. */
const VALID: { rule: string; body: Record<string, unknown>; check: (link: Record<string, any>) => void }[] = [
  {
    rule: 'a description of exactly 150 characters is accepted',
    body: sampleLink({ description: 'д'.repeat(150) }),
    check: (l) => assert.equal(l.description, 'д'.repeat(150)),
  },
  { rule: 'a price of 1 kopeck is accepted', body: sampleLink({ amount_details: { amount: 1, currency: 'RUB' } }), check: (l) => assert.deepEqual(l.amount_details, { amount: 1, currency: 'RUB' }) },
  {
    rule: 'picture, additional fields, order check and confirmation may be left out; confirmation defaults to auto',
    body: sampleLink({ image_url: undefined, extra_fields: undefined, order_check_url: undefined, confirmation: undefined, description: undefined }),
    check: (l) => {
      assert.equal(l.confirmation, 'auto');
      for (const key of ['image_url', 'extra_fields', 'order_check_url', 'description']) assert.equal(l[key], undefined, key);
    },
  },
  {
    rule: 'two additional fields are accepted',
    body: sampleLink({ extra_fields: [{ name: 'Email', placeholder: 'you@example.com' }, { name: 'Phone', placeholder: '+7 900 000-00-00' }] }),
    check: (l) => assert.deepEqual(l.extra_fields.map((f: { name: string }) => f.name), ['Email', 'Phone']),
  },
  { rule: 'support by phone alone is accepted', body: sampleLink({ support: { phone: '+79001234567' } }), check: (l) => assert.deepEqual(l.support, { phone: '+79001234567' }) },
  { rule: 'support by email alone is accepted', body: sampleLink({ support: { email: 'help@example.com' } }), check: (l) => assert.deepEqual(l.support, { email: 'help@example.com' }) },
  { rule: 'support by Telegram alone is accepted', body: sampleLink({ support: { telegram: '@shop_support' } }), check: (l) => assert.deepEqual(l.support, { telegram: '@shop_support' }) },
  { rule: 'support by URL alone is accepted', body: sampleLink({ support: { url: 'https://example.com/help' } }), check: (l) => assert.deepEqual(l.support, { url: 'https://example.com/help' }) },
  { rule: 'a t.me return URL is accepted', body: sampleLink({ return_url: 'https://t.me/example_bot?start=paid' }), check: (l) => assert.equal(l.return_url, 'https://t.me/example_bot?start=paid') },
  { rule: 'confirmation manual is kept', body: sampleLink({ confirmation: 'manual' }), check: (l) => assert.equal(l.confirmation, 'manual') },
];

describe('link/create validates every rule of the link and names the field', () => {
  for (const c of INVALID) {
    test(`${c.rule} (400, error.field = ${c.field}, nothing stored)`, async (t) => {
      const h = await harness(t);
      const reply = await writesNothing(h, () => h.call('link/create', c.body));
      assertError(reply, 400, 'invalid_request', c.field);
      assert.match(reply.body.error.description, c.message);
      assert.ok(reply.body.error.description.startsWith(`${c.field}: `), `the description starts with the field: ${reply.body.error.description}`);
    });
  }

  for (const c of VALID) {
    test(c.rule, async (t) => {
      const h = await harness(t);
      const res = await h.call('link/create', c.body);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      c.check(res.body.link);
      assert.equal(await count(h, 'payment_links'), 1);
    });
  }

  test('the design example is stored as given, with a pl_ id, its page URL, status active and no bot token', async (t) => {
    const h = await harness(t);
    const res = await h.call('link/create', sampleLink());
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
    const { id, url, status, created_at, telegram, ...given } = res.body.link;
    assert.match(id, LINK_ID);
    assert.equal(url, `${PUBLIC_URL}/l/${id}`);
    assert.equal(status, 'active');
    assert.equal(created_at, '2025-03-01T09:00:00.000Z');
    assert.deepEqual(telegram, { bot_token_set: false });
    assert.deepEqual(given, sampleLink());
  });

  test('a description of any length up to 150 is accepted and any longer one refused (property)', async (t) => {
    const h = await harness(t);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 150 }), async (description) => {
        const res = await h.call('link/create', sampleLink({ description }));
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.link.description, description);
      }),
      { numRuns: 40 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 151, maxLength: 400 }), async (description) => {
        const res = await h.call('link/create', sampleLink({ description }));
        assertError(res, 400, 'invalid_request', 'description');
      }),
      { numRuns: 40 },
    );
  });

  test('the bot token is kept secret: link/create, link/get and link/list only say that one is set', async (t) => {
    const h = await harness(t);
    const created = await createLink(h, { telegram_bot_token: BOT_TOKEN });
    assert.deepEqual(created.telegram, { bot_token_set: true });
    const got = await h.call('link/get', { id: created.id });
    const listed = await h.call('link/list', {});
    for (const body of [created, got.body, listed.body]) {
      assert.ok(!JSON.stringify(body).includes(BOT_TOKEN.split(':')[1]!), 'the token never leaves the server');
      assert.ok(!JSON.stringify(body).includes('telegram_bot_token'));
    }
    assert.deepEqual(got.body.link.telegram, { bot_token_set: true });
  });
});

describe('link create in the CLI answers the same rules: one line on stderr naming the field, exit 2', { concurrency: 6 }, () => {
  let h: Harness;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sg-cli-links-'));
    // A server on the CLI's own database file registers the project `shop` the CLI creates links for.
    h = await startHarness({ dbFile: join(dataDir, 'sg-checkout.sqlite'), keys: KEYS });
  });
  after(async () => {
    await h.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const linkFile = (name: string, body: unknown) => {
    const file = join(dataDir, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
    writeFileSync(file, JSON.stringify(body, null, 2));
    return file;
  };

  for (const c of INVALID) {
    test(`CLI: ${c.rule}`, async () => {
      const r = await runCli(dataDir, 'link', 'create', '--project', 'shop', '--file', linkFile(c.rule, c.body));
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.ok(r.stderr.startsWith(`error: ${c.field}: `), `names ${c.field}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
    });
  }

  for (const c of VALID) {
    test(`CLI: ${c.rule}`, async () => {
      const r = await runCli(dataDir, 'link', 'create', '--project', 'shop', '--file', linkFile(c.rule, c.body));
      assert.equal(r.code, 0, r.stderr);
      const printed = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(printed).sort(), ['id', 'url']);
      assert.match(printed.id, LINK_ID);
      assert.equal(printed.url, `${PUBLIC_URL}/l/${printed.id}`);
      const stored = (await h.call('link/get', { id: printed.id })).body.link;
      c.check(stored);
    });
  }

  const usage: [string, () => string[], RegExp][] = [
    ['an unknown project', () => ['link', 'create', '--project', 'nobody', '--file', linkFile('valid, unknown project', sampleLink())], /project "nobody" does not exist/],
    ['no --project', () => ['link', 'create', '--file', linkFile('valid, no project', sampleLink())], /--project is required/],
    ['no --file', () => ['link', 'create', '--project', 'shop'], /--file is required/],
    ['a file that is not JSON', () => { const f = join(dataDir, 'broken.json'); writeFileSync(f, '{"product_name": '); return ['link', 'create', '--project', 'shop', '--file', f]; }, /is not a readable JSON file/],
    ['a file that does not exist', () => ['link', 'create', '--project', 'shop', '--file', join(dataDir, 'missing.json')], /is not a readable JSON file/],
    ['a JSON array instead of an object', () => ['link', 'create', '--project', 'shop', '--file', linkFile('array', [sampleLink()])], /must be a JSON object/],
    ['show of an unknown link', () => ['link', 'show', 'pl_00000000000000000000'], /payment link pl_00000000000000000000 does not exist/],
    ['disable without an id', () => ['link', 'disable'], /the link id is required/],
    ['an unknown link command', () => ['link', 'delete', 'pl_00000000000000000000'], /unknown link command "delete"/],
  ];
  for (const [what, args, message] of usage) {
    test(`CLI: ${what} gets one line and a non-zero exit`, async () => {
      const r = await runCli(dataDir, ...args());
      assert.notEqual(r.code, 0);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
    });
  }
});

describe('link/get, link/list and link/disable', () => {
  test('link/get answers the link as link/create did', async (t) => {
    const h = await harness(t);
    const created = await createLink(h);
    const got = await h.call('link/get', { id: created.id });
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, { status: 'ok', link: created });
  });

  test('link/list answers the project’s links newest first, active and disabled', async (t) => {
    const h = await harness(t);
    const first = await createLink(h, { product_name: 'First' });
    h.clock.advance(MINUTE_MS);
    const second = await createLink(h, { product_name: 'Second' });
    h.clock.advance(MINUTE_MS);
    const third = await createLink(h, { product_name: 'Third' });
    await h.call('link/disable', { id: second.id });
    const listed = await h.call('link/list', {});
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.links.map((l: any) => [l.id, l.product_name, l.status]),
      [
        [third.id, 'Third', 'active'],
        [second.id, 'Second', 'disabled'],
        [first.id, 'First', 'active'],
      ],
    );
    for (const l of listed.body.links) assert.match(l.created_at, ISO);
    assertError(await h.call('link/list', { project: 'other' }), 400, 'invalid_request', 'project');
  });

  test('another project cannot read, list or disable the link: 404, and the link stays active', async (t) => {
    const h = await harness(t);
    const link = await createLink(h);
    const other = await otherProject(h);
    assertError(await other.call('link/get', { id: link.id }), 404, 'not_found');
    assertError(await writesNothing(h, () => other.call('link/disable', { id: link.id })), 404, 'not_found');
    const otherList = await other.call('link/list', {});
    assert.deepEqual(otherList.body.links, []);
    assert.equal((await h.call('link/get', { id: link.id })).body.link.status, 'active');
    assert.equal((await h.app.request(`/l/${link.id}`)).status, 200);
  });

  test('an unknown link id answers 404, a malformed one 400 naming id', async (t) => {
    const h = await harness(t);
    assertError(await h.call('link/get', { id: 'pl_00000000000000000000' }), 404, 'not_found');
    assertError(await h.call('link/disable', { id: 'pl_00000000000000000000' }), 404, 'not_found');
    assertError(await h.call('link/get', { id: 'ps_00000000000000000000' }), 400, 'invalid_request', 'id');
    assertError(await h.call('link/get', {}), 400, 'invalid_request', 'id');
  });

  test('a disabled link: status disabled (twice is fine), its page answers 404 and its checkout is refused without a session', async (t) => {
    const h = await harness(t);
    const link = await createLink(h);
    const disabled = await h.call('link/disable', { id: link.id });
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.link.status, 'disabled');
    const again = await h.call('link/disable', { id: link.id });
    assert.equal(again.status, 200);
    assert.equal(again.body.link.status, 'disabled');

    const page = await h.app.request(`/l/${link.id}`);
    assert.equal(page.status, 404);
    const html = await page.text();
    assert.match(html, /Ссылка на оплату не найдена или отключена/);
    assert.ok(!html.includes(link.product_name), 'the page of a disabled link shows no product');

    const checkout = await writesNothing(h, () => linkCheckout(h, link.id, { user: '@ivan', extra: ['ivan@example.com'], consent: true }));
    assertError(checkout, 404, 'not_found');
    assert.match(checkout.body.error.description, /disabled/);
    assert.equal(await count(h, 'sessions'), 0);
  });
});

describe('link list, show and disable in the CLI', () => {
  test('the CLI creates, lists, shows and disables a link; the disabled link’s page answers 404', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sg-cli-links-'));
    const h = await startHarness({ dbFile: join(dataDir, 'sg-checkout.sqlite'), keys: KEYS });
    t.after(async () => {
      await h.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const file = join(dataDir, 'link.json');
    writeFileSync(file, JSON.stringify(sampleLink({ telegram_bot_token: BOT_TOKEN })));

    const created = await runCli(dataDir, 'link', 'create', '--project', 'shop', '--file', file);
    assert.equal(created.code, 0, created.stderr);
    const { id, url } = JSON.parse(created.stdout);
    assert.match(id, LINK_ID);
    assert.equal(url, `${PUBLIC_URL}/l/${id}`);
    assert.equal((await h.app.request(`/l/${id}`)).status, 200, 'the page opens');

    const listed = await runCli(dataDir, 'link', 'list', '--project', 'shop');
    assert.equal(listed.code, 0, listed.stderr);
    const links = JSON.parse(listed.stdout);
    assert.deepEqual(links.map((l: any) => [l.id, l.status, l.product_name]), [[id, 'active', 'Annual subscription to the channel']]);

    const shown = await runCli(dataDir, 'link', 'show', id);
    assert.equal(shown.code, 0, shown.stderr);
    const link = JSON.parse(shown.stdout);
    assert.equal(link.id, id);
    assert.deepEqual(link.telegram, { bot_token_set: true });
    assert.ok(!shown.stdout.includes(BOT_TOKEN), 'show never prints the bot token');
    assert.deepEqual((await h.call('link/get', { id })).body.link, link, 'the CLI shows what the API answers');

    const disabled = await runCli(dataDir, 'link', 'disable', id);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.equal(JSON.parse(disabled.stdout).status, 'disabled');
    assert.equal((await h.app.request(`/l/${id}`)).status, 404);
    assertError(await linkCheckout(h, id, { user: '@ivan', extra: ['ivan@example.com'], consent: true }), 404, 'not_found');
    assert.equal(JSON.parse((await runCli(dataDir, 'link', 'list', '--project', 'shop')).stdout)[0].status, 'disabled');
  });
});
