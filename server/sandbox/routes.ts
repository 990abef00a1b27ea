/**
 * The sandbox's customer side: the endpoints that act as the customer's bank for any rail
 * (`POST /sandbox/payments/:id/approve|decline`), and the pages a developer uses in its place: the
 * bank app that scanned an FPS QR, the SberPay app, the 3-D Secure challenge and the push inbox.
 * The pages post plain forms to the same endpoints, so tests and people drive one code path.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { SessionService } from '../sessions/service';
import type { Store } from '../store/store';
import type { PaymentRow } from '../store/session-repo';
import { formatRub } from '../pages/format';
import { page, PAGE_CSP } from '../pages/layout';
import { parseFpsLink } from './fps';
import type { PushInbox } from './push-inbox';

export type SandboxDeps = { store: Store; sessions: SessionService; pushes: PushInbox };

export function sandboxRoutes(d: SandboxDeps) {
  const app = new Hono();
  app.use('/sandbox/*', async (c, next) => {
    await next();
    if (c.res.headers.get('content-type')?.startsWith('text/html')) c.res.headers.set('Content-Security-Policy', PAGE_CSP);
  });

  for (const answer of ['approve', 'decline'] as const) {
    app.post(`/sandbox/payments/:paymentId/${answer}`, async (c) => {
      const paymentId = c.req.param('paymentId');
      const session = await d.sessions.customerAnswer(paymentId, answer === 'approve');
      const payment = d.store.sessions.payment(paymentId)!;
      if (isForm(c.req.header('content-type'))) return c.redirect(`/sandbox/payments/${paymentId}`, 303);
      return c.json({ status: 'ok', payment: { id: payment.id, status: payment.status }, session: { id: session.id, status: session.status } });
    });
  }

  /** The page of one payment as its bank shows it: approve / decline, or its result. */
  app.get('/sandbox/payments/:paymentId', (c) => {
    const payment = d.store.sessions.payment(c.req.param('paymentId'));
    return payment ? c.html(paymentPage(d, payment)) : c.html(notFoundPage('This payment does not exist in the sandbox.'), 404);
  });

  app.get('/sandbox/3ds/:paymentId', (c) => {
    const payment = d.store.sessions.payment(c.req.param('paymentId'));
    return payment ? c.html(paymentPage(d, payment)) : c.html(notFoundPage('This 3-D Secure request does not exist.'), 404);
  });

  /** What a bank app shows after scanning an FPS QR: `?link=https://qr.nspk.ru/…`. */
  app.get('/sandbox/bank', (c) => {
    const parsed = parseFpsLink(c.req.query('link') ?? '');
    if (!parsed) return c.html(notFoundPage('Paste an FPS link such as https://qr.nspk.ru/AD…?type=02&…'), 400);
    if (!parsed.crcValid) return c.html(notFoundPage('This FPS link is damaged: its checksum does not match.'), 400);
    const payment = d.store.sessions.paymentByRailRef(parsed.qrId);
    return payment ? c.html(paymentPage(d, payment)) : c.html(notFoundPage('No sandbox payment has this QR; it may have been renewed.'), 404);
  });

  app.get('/sandbox/sberpay/:invoiceId', (c) => {
    const payment = d.store.sessions.paymentByRailRef(c.req.param('invoiceId'));
    return payment ? c.html(paymentPage(d, payment)) : c.html(notFoundPage('No SberPay order has this id.'), 404);
  });

  app.get('/sandbox/pushes', (c) => {
    const pushes = d.pushes.recent(50, c.req.query('phone'));
    return c.html(
      page(
        'Sandbox push inbox',
        html`<h1>Push inbox</h1><p class="muted">SberPay pushes and SMS sent by <code>sberpay/push</code>.</p>
          <table><tr><th>Time</th><th>Phone</th><th>Message</th><th></th></tr>
          ${pushes.map((p) => html`<tr><td>${new Date(p.created_at).toISOString()}</td><td>+${p.phone}</td><td>${p.text}</td><td><a href="/sandbox/payments/${p.payment_id}">Open</a></td></tr>`)}
          </table>`,
      ),
    );
  });

  return app;
}

const isForm = (type: string | undefined) => !!type && /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type);

const TITLES: Record<PaymentRow['method'], string> = {
  card: '3-D Secure',
  saved_card: '3-D Secure',
  recurrent: 'Card',
  fps: 'Your bank · FPS',
  sberpay: 'SberPay',
};

function paymentPage(d: SandboxDeps, p: PaymentRow) {
  const session = d.store.sessions.get(p.session_id)!;
  const card = p.card_token ? d.store.cards.get(p.card_token) : undefined;
  const waiting = p.stage === 'awaiting_customer';
  const body = html`<span class="badge">Sandbox</span>
    <h1>${TITLES[p.method]}</h1>
    <p class="muted">Payment to <strong>${session.project}</strong>${card ? html` with ${card.brand} •••• ${card.last4}` : ''}</p>
    <div class="amount">${formatRub(p.amount)}</div>
    ${waiting
      ? html`<form method="post" class="actions">
          <button class="approve" formaction="/sandbox/payments/${p.id}/approve" autofocus>${p.method === 'card' || p.method === 'saved_card' ? 'Confirm with code' : 'Pay'}</button>
          <button class="decline" formaction="/sandbox/payments/${p.id}/decline">Decline</button>
        </form>
        <p class="muted">You play the customer's bank: approve or decline, as a phone would.</p>`
      : html`<div class="result ${p.status === 'failed' ? 'failed' : ''}" role="status">
          ${p.status === 'succeeded' ? 'Paid. You can return to the shop.' : p.status === 'failed' ? `Not paid: ${p.failure_description ?? p.failure_code}` : 'Waiting for the merchant to confirm.'}
        </div>`}`;
  return page(`${TITLES[p.method]} · sandbox`, body);
}

const notFoundPage = (message: string) => page('Sandbox', html`<span class="badge">Sandbox</span><h1>Not found</h1><p>${message}</p>`);
