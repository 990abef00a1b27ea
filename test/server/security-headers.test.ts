/**
 * Who may frame each page (CSP frame-ancestors, and X-Frame-Options where that can say it), and
 * the headers every answer carries: nosniff everywhere, Referrer-Policy on pages, HSTS behind https.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { widgetAssets } from '../../server/pages/widget-assets';
import { framersOfPublicToken, sessionFramers } from '../../server/http/security-headers';
import { createLink, linkCheckout, sessionWithToken, startHarness, tokenize, type Harness } from './helpers';
import { PHONE, VISA_3DS } from './merchant-fixtures';

const MERCHANT = 'https://merchant.example'; // the harness project's one --origin

async function harness(t: TestContext, publicUrl?: string): Promise<Harness> {
  const h = await startHarness(publicUrl ? { publicUrl } : {});
  t.after(() => h.close());
  return h;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The sources of the answer's frame-ancestors directive, or null without one. */
function framers(res: Response): string[] | null {
  const directive = (res.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim().split(/\s+/)).find(([name]) => name === 'frame-ancestors');
  return directive ? directive.slice(1) : null;
}

function assertFramedByNobody(res: Response, what: string) {
  assert.deepEqual(framers(res), ["'none'"], `${what}: CSP frame-ancestors 'none'`);
  assert.equal(res.headers.get('x-frame-options'), 'DENY', `${what}: X-Frame-Options for browsers without frame-ancestors`);
}

async function threeDsChallenge(h: Harness) {
  const { token } = await sessionWithToken(h);
  const card = await tokenize(h, token, VISA_3DS);
  const started = await h.publicCall(`sessions/${token}/payments`, json({ method: 'card', card_token: card }));
  return { token, paymentId: started.body.payment.id as string };
}

/** The card frame's route as app.ts mounts it, over a stand-in build (the real one needs `npm run build`). */
function cardFrameApp(t: TestContext, h: Harness) {
  const dist = mkdtempSync(join(tmpdir(), 'sg-frame-'));
  t.after(() => rmSync(dist, { recursive: true, force: true }));
  writeFileSync(join(dist, 'card-frame.html'), '<!doctype html><title>card</title>');
  return new Hono().route('/', widgetAssets({ dist, framersOf: framersOfPublicToken(h.server.store) }));
}

test('nobody may frame the hosted checkout /pay/:token, found or not: its consent and pay buttons could be clickjacked', async (t) => {
  const h = await harness(t);
  const { token } = await sessionWithToken(h);
  assertFramedByNobody(await h.app.request(`/pay/${token}`), '/pay/:token');
  assertFramedByNobody(await h.app.request('/pay/pt_unknown'), 'its not-found page');
});

test('nobody may frame a receipt, and its capability URL is never sent on as a Referer', async (t) => {
  const h = await harness(t);
  const { token } = await sessionWithToken(h);
  const card = await tokenize(h, token, '4242424242424242');
  const paid = await h.publicCall(`sessions/${token}/payments`, json({ method: 'card', card_token: card }));
  const receipt = await h.app.request(`/receipt/${paid.body.payment.id}`);
  assert.equal(receipt.status, 200);
  assertFramedByNobody(receipt, '/receipt/:id');
  assert.equal(receipt.headers.get('referrer-policy'), 'no-referrer');
  const missing = await h.app.request('/receipt/pm_unknown');
  assertFramedByNobody(missing, 'the receipt not-found page');
  assert.equal(missing.headers.get('referrer-policy'), 'no-referrer');
});

test("nobody may frame the sandbox's bank, SberPay and push pages: they stand for the customer's own apps", async (t) => {
  const h = await harness(t);
  const { token: fps } = await sessionWithToken(h);
  const started = (await h.publicCall(`sessions/${fps}/payments`, json({ method: 'fps' }))).body.payment;
  const link = started.customer_interaction.redirect.url as string;
  assertFramedByNobody(await h.app.request(`/sandbox/bank?link=${encodeURIComponent(link)}`), 'the bank app after an FPS QR');
  assertFramedByNobody(await h.app.request('/sandbox/bank?link=nonsense'), 'the bank app with a bad link');
  assertFramedByNobody(await h.app.request(`/sandbox/payments/${started.id}`), "an FPS payment's page");

  const { token: sber } = await sessionWithToken(h);
  const sberPayment = (await h.publicCall(`sessions/${sber}/payments`, json({ method: 'sberpay', channel: 'web', phone: PHONE }))).body.payment;
  const invoice = (await h.server.store.sessions.payment(sberPayment.id))!.rail_ref!;
  assertFramedByNobody(await h.app.request(`/sandbox/sberpay/${invoice}`), 'the SberPay app');
  assertFramedByNobody(await h.app.request(`/sandbox/pushes?phone=${PHONE}`), 'the push inbox');
  assertFramedByNobody(await h.app.request('/sandbox/payments/pm_unknown'), 'an unknown payment');
});

test("the link page may be framed by Telegram's web client only, so X-Frame-Options, which cannot say that, is left out", async (t) => {
  const h = await harness(t);
  const link = await createLink(h);
  for (const path of [`/l/${link.id}`, '/l/lnk_unknown']) {
    const res = await h.app.request(path);
    assert.deepEqual(framers(res), ['https://web.telegram.org'], path);
    assert.equal(res.headers.get('x-frame-options'), null, path);
  }
});

test("the 3-D Secure page and its result may be framed by the session's project's origins and this server, nobody else", async (t) => {
  const h = await harness(t);
  const { paymentId } = await threeDsChallenge(h);
  const challenge = await h.app.request(`/sandbox/3ds/${paymentId}`);
  assert.equal(challenge.status, 200);
  assert.deepEqual(framers(challenge), ["'self'", MERCHANT]);
  assert.equal(challenge.headers.get('x-frame-options'), null);
  // "Confirm with code" posts from the dialog and is redirected to the result, inside the same dialog.
  const answered = await h.app.request(`/sandbox/payments/${paymentId}/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  const result = await h.app.request(answered.headers.get('location')!);
  assert.match(await result.text(), /role="status"/);
  assert.deepEqual(framers(result), ["'self'", MERCHANT]);
  assert.equal(result.headers.get('x-frame-options'), null);

  const unknown = await h.app.request('/sandbox/3ds/pm_unknown');
  assert.equal(unknown.status, 404);
  assert.deepEqual(framers(unknown), ["'self'"], 'an unknown challenge: this server only');
});

test("the card frame may be framed by the origins of the project whose token it names (?token=), and with none or an unknown one by this server only", async (t) => {
  const h = await harness(t);
  const app = cardFrameApp(t, h);
  const { token } = await sessionWithToken(h);
  const known = await app.request(`/widget/card-frame.html?token=${token}`);
  assert.equal(known.status, 200);
  assert.deepEqual(framers(known), ["'self'", MERCHANT]);
  assert.equal(known.headers.get('x-frame-options'), null);
  // A revalidated copy takes its CSP from the 304, so a project's changed origins apply at once.
  const revalidated = await app.request(`/widget/card-frame.html?token=${token}`, { headers: { 'if-none-match': known.headers.get('etag')! } });
  assert.equal(revalidated.status, 304);
  assert.deepEqual(framers(revalidated), ["'self'", MERCHANT]);

  for (const query of ['', '?token=pt_unknownunknownunknownunknownunkn', '?token=nonsense']) {
    assert.deepEqual(framers(await app.request(`/widget/card-frame.html${query}`)), ["'self'"], query || 'no token');
  }
});

test("a session opened through a payment link may frame its card frame inside Telegram's web client too: every ancestor is checked", async (t) => {
  const h = await harness(t);
  const link = await createLink(h, { order_check_url: undefined });
  const opened = await linkCheckout(h, link.id, { user: '@duck', extra: ['duck@example.com'], consent: true });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  assert.deepEqual(framers(await cardFrameApp(t, h).request(`/widget/card-frame.html?token=${opened.body.token}`)), ["'self'", MERCHANT, 'https://web.telegram.org']);
  assert.deepEqual(await sessionFramers(h.server.store, { project: 'shop', link_id: null }), ["'self'", MERCHANT]);
});

test('every answer says nosniff: pages, JSON, errors, assets and a 304', async (t) => {
  const h = await harness(t);
  const { token } = await sessionWithToken(h);
  const css = await h.app.request('/assets/pages.css');
  const answers: [string, Response][] = [
    ['the session\'s bank list', await h.app.request(`/public/v1/sessions/${token}/banks`)],
    ['a card tokenisation', await h.app.request(`/public/v1/sessions/${token}/cards`, json({ number: '4242424242424242', expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 2, cvc: '123' }))],
    ['health', await h.app.request('/health')],
    ['no such route', await h.app.request('/nowhere')],
    ['merchant API error', await h.app.request('/api/v1/session/create', { method: 'POST', body: '{}' })],
    ['hosted page', await h.app.request(`/pay/${token}`)],
    ['pages.css', css],
    ['pages.css 304', await h.app.request('/assets/pages.css', { headers: { 'if-none-match': css.headers.get('etag') ?? '"none"' } })],
    ['favicon', await h.app.request('/favicon.svg')],
    ['docs', await h.app.request('/docs')],
  ];
  for (const [what, res] of answers) assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${what} (${res.status})`);
});

test('every HTML page sends no Referer on, and says who may frame it', async (t) => {
  const h = await harness(t);
  const { token } = await sessionWithToken(h);
  const { paymentId } = await threeDsChallenge(h);
  const link = await createLink(h);
  for (const path of [`/pay/${token}`, `/l/${link.id}`, `/sandbox/3ds/${paymentId}`, '/sandbox/pushes', '/docs', '/nowhere.html']) {
    const res = await h.app.request(path);
    if (!res.headers.get('content-type')?.startsWith('text/html')) continue;
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
    assert.ok(framers(res) ?? res.headers.get('x-frame-options'), `${path}: frame-ancestors or X-Frame-Options`);
  }
});

test('HSTS on every answer when the public URL is https, and never over plain http', async (t) => {
  const https = await harness(t, 'https://pay.shop.example');
  const { token } = await sessionWithToken(https);
  for (const path of [`/public/v1/sessions/${token}/banks`, `/pay/${token}`, '/health', '/nowhere']) {
    assert.equal((await https.app.request(path)).headers.get('strict-transport-security'), 'max-age=31536000', path);
  }
  const http = await harness(t);
  assert.equal((await http.app.request('/health')).headers.get('strict-transport-security'), null);
});

// The wrapper leaves the status read's plain Response alone (the hot path: see secureAnswers'
// passThrough), so its route must add these two headers to its own header object: reply() in
// server/public-api/routes.ts, and the exact headers test/server/compression.test.ts expects.
test('the status read and its long-poll carry nosniff, and HSTS behind https, in their own plain headers', async (t) => {
  const h = await harness(t, 'https://pay.shop.example');
  const { token } = await sessionWithToken(h);
  for (const query of ['', '?version=1&wait=1']) {
    const res = await h.app.request(`/public/v1/sessions/${token}${query}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', query || 'the read');
    assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000', query || 'the read');
  }
});

test('a query cannot make a page pass for the status read; an error of the status read gets the headers too', async (t) => {
  const h = await harness(t, 'https://pay.shop.example');
  const { token } = await sessionWithToken(h);
  for (const path of [`/pay/${token}?x=/public/v1/sessions/a`, `/receipt/pm_00000000000000000000?/public/v1/sessions/x`]) {
    const res = await h.app.request(path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000', path);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
  }
  const unknown = await h.app.request('/public/v1/sessions/pt_unknownunknownunknownunknown12');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(unknown.headers.get('strict-transport-security'), 'max-age=31536000');
});

test("a session's bank list is compressed: only the status read itself is sent as it is", async (t) => {
  const h = await harness(t);
  const { token } = await sessionWithToken(h);
  await h.publicCall(`sessions/${token}/payments`, json({ method: 'fps' }));
  const banks = await h.app.request(`/public/v1/sessions/${token}/banks`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(banks.status, 200);
  assert.equal(banks.headers.get('content-encoding'), 'gzip');
});
