/**
 * What the console shows, read from the server's store (its committed state, through the
 * storage port's reads). It never writes; the one action, a refund, goes through the
 * SessionService.
 */
import { cardLabel } from '../../server/pages/card-label';
import { chargedWith } from '../../server/subscriptions/service';
import type { Reads } from '../../server/store/port';
import type { PaymentRow, SessionRow, SubscriptionChargeRow, SubscriptionRow } from '../../server/store/rows';
import type { WebhookEventRow } from '../../server/store/rows';
import { formatMoney } from './format';
import { signatureHeaders } from '../../server/webhooks/signature-headers';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export type TimelineEntry = { at: string; kind: 'session' | 'payment' | 'refund' | 'webhook' | 'attempt'; text: string; ok?: boolean };

export class ConsoleReadModel {
  constructor(
    private readonly store: Reads,
    private readonly publicUrl: string,
  ) {}

  /** The newest sessions (of one project, or all), each with its payments and webhook counts. */
  async sessions(limit: number, project?: string) {
    const rows = await this.store.sessions.newest(project ?? null, limit);
    return Promise.all(
      rows.map(async (row) => {
        const [events, payments] = await Promise.all([this.store.outbox.forSession(row.id), this.store.sessions.payments(row.id)]);
        return {
          ...this.sessionSummary(row),
          payments: payments.map((p) => ({ id: p.id, method: p.method, status: p.status })),
          webhooks: { total: events.length, delivered: count(events, 'delivered'), pending: count(events, 'pending'), failed: count(events, 'failed') },
        };
      }),
    );
  }

  /** One session with its payments, refunds, webhook deliveries and a timeline of all of them. */
  async session(id: string) {
    const row = await this.store.sessions.get(id);
    if (!row) return null;
    const data = JSON.parse(row.data_json) as Record<string, unknown>;
    const payments = await Promise.all((await this.store.sessions.payments(row.id)).map((p) => this.payment(p)));
    const webhooks = await Promise.all((await this.store.outbox.forSession(row.id)).map((e) => this.webhook(e)));
    const captured = payments.find((p) => p.status === 'succeeded');
    return {
      session: { ...this.sessionSummary(row), close_reason: row.close_reason, metadata: data.metadata ?? null, customer: data.customer ?? null },
      refundable_amount: captured ? captured.amount - captured.refunded_amount : 0,
      payments,
      webhooks,
      timeline: timeline(row, payments, webhooks),
    };
  }

  /** Every payment link, newest first, with how many sessions it opened and how many were paid. */
  async links() {
    const counts = new Map((await this.store.sessions.linkCounts()).map((c) => [c.link_id, c]));
    const links = (await Promise.all((await this.store.projects.list()).map((project) => this.store.links.list(project.name)))).flat();
    return links
      .map((link) => {
        // Whitelisted fields only: a link's data also holds its Telegram bot token.
        const d = JSON.parse(link.data_json) as { product_name: string; description?: string; amount_details: { amount: number; currency: string }; confirmation?: string; webhook_url: string; return_url: string };
        return {
          id: link.id,
          project: link.project,
          url: `${this.publicUrl}/l/${link.id}`,
          product_name: d.product_name,
          description: d.description ?? null,
          amount_details: d.amount_details,
          confirmation: d.confirmation ?? 'auto',
          webhook_url: d.webhook_url,
          return_url: d.return_url,
          disabled_at: iso(link.disabled_at),
          created_at: iso(link.created_at),
          sessions: counts.get(link.id)?.sessions ?? 0,
          paid: counts.get(link.id)?.paid ?? 0,
        };
      })
      .sort((a, b) => (a.created_at! < b.created_at! ? 1 : -1));
  }

  /**
   * The newest subscriptions (of one project, or all), each with its charges oldest first: the
   * first payment is period 1, attempt 1; a declined renewal's retries are further attempts.
   */
  async subscriptions(limit: number, project?: string) {
    const projects = project ? [project] : (await this.store.projects.list()).map((p) => p.name);
    const rows = (await Promise.all(projects.map((name) => this.store.subscriptions.list(name, limit)))).flat();
    // Each project's list is newest first; merged, they are sorted again (the id breaks a tie of the same millisecond).
    rows.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
    return Promise.all(rows.slice(0, limit).map((row) => this.subscription(row)));
  }

  /** The registered projects, without their keys or secrets. */
  async projects() {
    return Promise.all(
      (await this.store.projects.list()).map(async (p) => ({
        name: p.name,
        webhook_url: p.webhookUrl,
        webhook_endpoint_disabled: await this.store.outbox.isEndpointDisabled(p.name, p.webhookUrl),
        failed_webhooks: (await this.store.outbox.failed(p.name)).length,
        origins: p.origins,
        confirmation: p.confirmation,
        created_at: iso(p.createdAt),
      })),
    );
  }

  // Whitelisted fields only: the recurrent token and the customer page's token hash stay out.
  private async subscription(row: SubscriptionRow) {
    const customer = JSON.parse(row.customer_json) as { reference?: string };
    return {
      method: await this.methodOf(row),
      trial_days: row.trial_days,
      id: row.id,
      project: row.project,
      status: row.status,
      amount_details: { amount: row.amount, currency: row.currency },
      period: { unit: row.period_unit, count: row.period_count },
      description: row.description,
      customer_reference: customer.reference ?? null,
      started_at: iso(row.started_at),
      current_period_end: iso(row.current_period_end),
      next_charge_at: iso(row.next_charge_at),
      periods_paid: row.periods_paid,
      failed_attempts: row.failed_attempts,
      cancel_at_period_end: row.cancel_at_period_end === 1,
      cancelled_at: iso(row.cancelled_at),
      cancel_reason: row.cancel_reason,
      created_at: iso(row.created_at)!,
      charges: await Promise.all((await this.store.subscriptions.charges(row.id)).map((c) => this.charge(c))),
    };
  }

  /** What the subscription charges, as its customer knows it: the card's brand and last 4, or FPS and their bank; null before its first payment. */
  private async methodOf(row: SubscriptionRow): Promise<string | null> {
    const charged = await chargedWith(this.store, row);
    if (!charged) return null;
    if ('card' in charged) return `${cardLabel(charged.card, 'en')}${charged.card.disabled_at === null ? '' : ' (disabled)'}`;
    const b = charged.binding;
    return `FPS · ${b.bank_name ?? 'bank'}${b.disabled_at === null ? '' : ` (${b.disabled_by === 'bank' ? 'revoked at the bank' : 'disabled'})`}`;
  }

  private async charge(c: SubscriptionChargeRow) {
    const [session, payments] = await Promise.all([this.store.sessions.get(c.session_id), this.store.sessions.payments(c.session_id)]);
    // Why a charge did not go through (a first payment the customer retried and then paid has none).
    const failed = payments.some((p) => p.status === 'succeeded') ? undefined : payments.findLast((p) => p.failure_code !== null && p.failure_code !== 'superseded');
    return {
      session_id: c.session_id,
      period: c.period,
      attempt: c.attempt,
      created_at: iso(c.created_at)!,
      amount: session?.amount ?? null,
      status: session?.status ?? null,
      failure: failed ? { code: failed.failure_code!, description: failed.failure_description } : null,
    };
  }

  private sessionSummary(row: SessionRow) {
    const data = JSON.parse(row.data_json) as { description?: string };
    return {
      id: row.id,
      project: row.project,
      status: row.status,
      version: row.version,
      amount_details: { amount: row.amount, currency: row.currency },
      description: data.description ?? null,
      customer_reference: row.customer_reference,
      link_id: row.link_id,
      created_at: iso(row.created_at)!,
      updated_at: iso(row.updated_at)!,
      expires_at: iso(row.expires_at)!,
    };
  }

  private async payment(p: PaymentRow) {
    const card = p.card_token ? await this.store.cards.get(p.card_token) : undefined;
    const refunds = await this.store.sessions.refunds(p.id);
    return {
      id: p.id,
      method: p.method,
      status: p.status,
      stage: p.stage,
      amount: p.amount,
      refunded_amount: p.refunded_amount,
      currency: p.currency,
      card: card ? { brand: card.brand, last4: card.last4 } : null,
      failure: p.failure_code ? { code: p.failure_code, description: p.failure_description } : null,
      created_at: iso(p.created_at)!,
      updated_at: iso(p.updated_at)!,
      action_expires_at: iso(p.action_expires_at),
      confirm_expires_at: iso(p.confirm_expires_at),
      refunds: refunds.map((r) => ({ id: r.id, amount: r.amount, status: r.status, created_at: iso(r.created_at)! })),
    };
  }

  private async webhook(e: WebhookEventRow) {
    const secret = (await this.store.projects.get(e.project))?.webhookSecret;
    const attempts = await this.store.outbox.attempts(e.id);
    return {
      id: e.id,
      type: e.type,
      url: e.url,
      status: e.status,
      attempts_count: e.attempts,
      created_at: iso(e.created_at)!,
      delivered_at: iso(e.delivered_at),
      next_attempt_at: e.status === 'pending' ? iso(e.next_attempt_at) : null,
      last_response_status: e.last_response_status,
      last_error: e.last_error,
      payload: JSON.parse(e.payload_json) as unknown,
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        at: iso(a.at)!,
        response_status: a.response_status,
        error: a.error,
        duration_ms: a.duration_ms,
        headers: secret ? signatureHeaders(secret, e.id, a.at, e.payload_json) : null,
      })),
    };
  }
}

const count = (events: WebhookEventRow[], status: WebhookEventRow['status']) => events.filter((e) => e.status === status).length;

type PaymentView = Awaited<ReturnType<ConsoleReadModel['payment']>>;
type WebhookView = Awaited<ReturnType<ConsoleReadModel['webhook']>>;

function timeline(row: SessionRow, payments: PaymentView[], webhooks: WebhookView[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ at: iso(row.created_at)!, kind: 'session', text: 'session created' }];
  for (const p of payments) {
    entries.push({ at: p.created_at, kind: 'payment', text: `payment ${p.id} started: ${p.method}${p.card ? ` ${p.card.brand} •••• ${p.card.last4}` : ''}` });
    if (p.failure?.code === 'superseded') {
      // Not a failure the developer must look into: the customer switched methods (the widget
      // starts the leading method's payment at once, so every purchase by another method has one).
      entries.push({ at: finishedAt(p, webhooks), kind: 'payment', text: `payment ${p.id} replaced: the customer chose another method` });
    } else if (p.status === 'succeeded' || p.status === 'failed') {
      entries.push({ at: finishedAt(p, webhooks), kind: 'payment', text: `payment ${p.id} ${p.status}${p.failure ? `: ${p.failure.code}` : ''}`, ok: p.status === 'succeeded' });
    }
    for (const r of p.refunds) entries.push({ at: r.created_at, kind: 'refund', text: `refund ${r.id} of ${formatMoney(r.amount)} ${r.status}`, ok: r.status === 'succeeded' });
  }
  for (const w of webhooks) {
    const status = (w.payload as { session?: { status?: string } }).session?.status;
    entries.push({ at: w.created_at, kind: 'webhook', text: `webhook ${w.type} queued (session ${status ?? '?'})` });
    for (const a of w.attempts) {
      const ok = a.response_status !== null && a.response_status >= 200 && a.response_status < 300;
      entries.push({ at: a.at, kind: 'attempt', text: `${w.type} attempt ${a.attempt}: ${a.response_status ?? a.error}`, ok });
    }
  }
  if (row.status === 'cancelled' || row.status === 'error') {
    entries.push({ at: iso(row.updated_at)!, kind: 'session', text: `session ${row.status}${row.close_reason ? `: ${row.close_reason}` : ''}`, ok: false });
  }
  // Stable: entries of the same millisecond keep the order they happened in.
  return entries.map((e, i) => ({ e, i })).sort((a, b) => (a.e.at === b.e.at ? a.i - b.i : a.e.at < b.e.at ? -1 : 1)).map(({ e }) => e);
}

/**
 * When a payment ended. A refund later moves its `updated_at`, but the payment_finished event
 * written in the transaction that ended it keeps the moment, with the payment's final status.
 */
function finishedAt(p: PaymentView, webhooks: WebhookView[]): string {
  const event = webhooks.find((w) => {
    if (w.type !== 'payment_finished') return false;
    const payments = (w.payload as { session?: { acquiring_payments?: { id: string; status: string }[] } }).session?.acquiring_payments ?? [];
    return payments.some((q) => q.id === p.id && q.status === p.status);
  });
  return event?.created_at ?? p.updated_at;
}
