/**
 * `/receipt/:paymentId`: the customer's receipt — what was bought, from whom, for how much, when,
 * how it was paid (a masked card, FPS or SberPay) and its status, with any refunds. The payment
 * id is unguessable (about 103 random bits), so the link itself is the customer's key to it.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { Store } from '../store/store';
import type { PaymentRow, SessionData } from '../store/session-repo';
import { formatRub } from './format';
import { page, PAGE_CSP } from './layout';

const METHOD_NAMES: Record<PaymentRow['method'], string> = {
  card: 'Bank card',
  saved_card: 'Bank card (last used)',
  recurrent: 'Bank card (subscription)',
  fps: 'Faster Payments System (СБП)',
  sberpay: 'SberPay',
};

const STATUS_NAMES: Record<PaymentRow['status'], string> = {
  succeeded: 'Paid',
  failed: 'Not paid',
  in_progress: 'In progress',
  pending: 'Waiting for the shop',
};

export function receiptPages(store: Store) {
  const app = new Hono();
  app.get('/receipt/:paymentId', (c) => {
    c.header('Content-Security-Policy', PAGE_CSP);
    const payment = store.sessions.payment(c.req.param('paymentId'));
    if (!payment) return c.html(page('Receipt', html`<h1>Receipt not found</h1><p class="muted">Check the link from your payment page.</p>`), 404);
    const session = store.sessions.get(payment.session_id)!;
    const data = JSON.parse(session.data_json) as SessionData;
    const card = payment.card_token ? store.cards.get(payment.card_token) : undefined;
    const refunds = store.sessions.refunds(payment.id);
    const rows: [string, unknown][] = [
      ['Shop', session.project],
      ...(data.description ? [['Purchase', data.description] as [string, unknown]] : []),
      ['Amount', formatRub(payment.amount)],
      ['Date', new Date(payment.updated_at).toISOString().replace('T', ' ').slice(0, 16) + ' UTC'],
      ['Paid with', card ? `${METHOD_NAMES[payment.method]}, ${card.brand} •••• ${card.last4}` : METHOD_NAMES[payment.method]],
      ['Status', STATUS_NAMES[payment.status]],
      ...refunds.map((r) => ['Refunded', `${formatRub(r.amount)} on ${new Date(r.created_at).toISOString().slice(0, 10)}`] as [string, unknown]),
      ['Payment', payment.id],
    ];
    return c.html(
      page(
        'Receipt',
        html`<h1>Receipt</h1>
          <div class="amount">${formatRub(payment.amount)}</div>
          <table>${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>
          ${data.payment_options?.return_url ? html`<p><a href="${data.payment_options.return_url}">Return to the shop</a></p>` : ''}`,
      ),
    );
  });
  return app;
}
