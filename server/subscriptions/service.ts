/**
 * Subscriptions: the server keeps the schedule. `create` makes the subscription and the session
 * of its first payment (a card kept as a recurrent token, or an FPS account bound as it pays, with
 * the customer's consent); once that payment succeeds the subscription is active and the
 * scheduler (`chargeDue`, every second on every instance) charges each later period with the
 * token, merchant-initiated.
 *
 * Every charge is a session of its own, recorded in subscription_charges under (subscription,
 * period, attempt), which is unique: however many instances run the scheduler, and whatever
 * restarts, a period's attempt is charged once. A subscription is claimed with SKIP LOCKED and
 * saved with its version in the transaction that creates the charge's session and payment.
 *
 * A charge's outcome arrives as its session closes (`sessionClosed`, called by the session
 * service in the transaction of that change), so the subscription's change and its webhooks
 * commit with the payment's.
 */
import { createHash, createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { conflict, notFound } from '../errors';
import { iso, type Clock } from '../clock';
import { newId } from '../ids';
import type { WebhookType } from '../domain/types';
import type { CreateSessionInput, SessionService } from '../sessions/service';
import type { Reads, Storage, Tx } from '../store/port';
import type { CardTokenRow, FpsBindingRow, PaymentRow, PeriodUnit, Project, SessionData, SessionRow, SubscriptionRow } from '../store/rows';
import { dueAfter, retryAt } from './schedule';
import { bindingSession, bindsWithoutPaying } from '../sessions/bindings';

export type SubscriptionDeps = { store: Storage; clock: Clock; sessions: SessionService; publicUrl: string; onWebhookQueued?: () => void };

export type CreateSubscriptionInput = {
  amount: number;
  currency: string;
  period: { unit: PeriodUnit; count: number };
  description?: string;
  customer: { reference: string; email?: string; phone?: string };
  returnUrl?: string;
  /** The first payment is `amount` for `days`; the periods start when the trial ends. */
  trial?: { days: number; amount: number };
};

/** A trial's price when the merchant names none: 1 ₽, the least a card or an account is proven with. */
export const DEFAULT_TRIAL_AMOUNT = 100;

export type SubscriptionChanges = { amount?: number; description?: string };

/**
 * How long one scheduler round may go on charging (one transaction each) before it gives the
 * tick back: the deadlines and the reconciler run on the same tick, every second. Measured, a
 * round charges about 450 a second on SQLite (bench/subscriptions.bench.ts), so a backlog of
 * 10,000 due at once is worked off in well under a minute, and instances on PostgreSQL share it.
 */
const CHARGE_ROUND_MS = 500;

type Transition = { row: SubscriptionRow; events: WebhookType[] };

export class SubscriptionService {
  constructor(private readonly d: SubscriptionDeps) {}

  /**
   * The subscription, pending, and the session of its first payment. `firstSession` shapes that
   * session beyond what a subscription gives it (a payment link's purchase makes it the link's:
   * its metadata, webhook URL, order check and hour to pay); what it gives is kept.
   */
  async create(
    tx: Tx,
    project: Project,
    input: CreateSubscriptionInput,
    firstSession: (session: CreateSessionInput) => CreateSessionInput = (session) => session,
  ): Promise<{ subscription: SubscriptionRow; session: SessionRow }> {
    const now = this.d.clock.now();
    const id = newId('sub');
    const session = await this.d.sessions.create(
      tx,
      project,
      firstSession({
        amount: input.trial?.amount ?? input.amount,
        currency: input.currency,
        data: {
          ...(input.description ? { description: input.description } : {}),
          customer: input.customer,
          subscription_id: id,
          payment_options: { recurrent: true, ...(input.returnUrl ? { return_url: input.returnUrl } : {}) },
        },
      }),
    );
    const row: SubscriptionRow = {
      id,
      project: project.name,
      status: 'pending',
      customer_json: JSON.stringify(input.customer),
      amount: input.amount,
      currency: input.currency,
      period_unit: input.period.unit,
      period_count: input.period.count,
      description: input.description ?? null,
      return_url: input.returnUrl ?? null,
      card_token: null,
      binding_id: null,
      trial_days: input.trial?.days ?? null,
      trial_amount: input.trial?.amount ?? null,
      first_session_id: session.id,
      started_at: null,
      current_period_end: null,
      next_charge_at: null,
      charge_session_id: session.id,
      periods_paid: 0,
      failed_attempts: 0,
      cancel_at_period_end: 0,
      cancelled_at: null,
      cancel_reason: null,
      page_token_hash: sha256(pageToken(project, id)),
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await tx.subscriptions.insert(row);
    // A trial's payment is period 0: the first full period is the first charge after it.
    await tx.subscriptions.insertCharge({ session_id: session.id, subscription_id: id, period: input.trial ? 0 : 1, attempt: 1, created_at: now });
    return { subscription: row, session };
  }

  async load(tx: Tx, project: Project, id: string): Promise<SubscriptionRow> {
    const row = await tx.subscriptions.lock(id);
    if (!row || row.project !== project.name) throw notFound('subscription', id);
    return row;
  }

  /**
   * Cancels now, or (`atPeriodEnd`, the default for a paid period) when the period paid last
   * ends, with no further charge. A pending subscription ends at once, its first session with it.
   */
  async cancel(tx: Tx, project: Project, id: string, opts: { atPeriodEnd: boolean; reason: 'merchant' | 'customer' }): Promise<SubscriptionRow> {
    const row = await this.load(tx, project, id);
    if (row.status === 'cancelled') throw conflict(`subscription ${id} is already cancelled`);
    if (row.status === 'active' && opts.atPeriodEnd) {
      if (row.cancel_at_period_end) return row; // asked twice (a double submit): nothing changes, nothing is sent
      // The merchant hears it now (the customer may have asked on their page): no further charge will come.
      return this.save(tx, project, { row: { ...row, cancel_at_period_end: 1, cancel_reason: opts.reason }, events: ['subscription_updated'] });
    }
    if (row.charge_session_id && row.status !== 'pending') throw conflict(`subscription ${id} has a charge under way: cancel again once it has finished (a second or two)`);
    // Saved first: the first session's cancellation below then finds nothing waiting on it.
    const saved = await this.save(tx, project, ended(row, opts.reason, this.d.clock.now()));
    const first = row.status === 'pending' ? await tx.sessions.get(row.first_session_id) : undefined;
    if (first && (first.status === 'created' || first.status === 'in_progress')) await this.d.sessions.cancel(tx, project, first.id);
    return saved;
  }

  /** Takes back a cancellation at the period's end, before it comes. */
  async restore(tx: Tx, project: Project, id: string): Promise<SubscriptionRow> {
    const row = await this.load(tx, project, id);
    if (row.status === 'cancelled') throw conflict(`subscription ${id} has ended: a cancelled subscription cannot be restored, create a new one`);
    if (!row.cancel_at_period_end) throw conflict(`subscription ${id} is not set to end: there is nothing to restore`);
    return this.save(tx, project, { row: { ...row, cancel_at_period_end: 0, cancel_reason: null }, events: ['subscription_updated'] });
  }

  /** A new amount or description, for the charges from the next one on. */
  async update(tx: Tx, project: Project, id: string, changes: SubscriptionChanges): Promise<SubscriptionRow> {
    const row = await this.load(tx, project, id);
    if (row.status === 'cancelled') throw conflict(`subscription ${id} has ended: it takes no changes`);
    return this.save(tx, project, { row: { ...row, amount: changes.amount ?? row.amount, description: changes.description ?? row.description }, events: [] });
  }

  /**
   * A session in which the customer gives a new card or FPS account (`means`) for the later
   * charges: it takes effect once that session is accepted (`sessionClosed`). A card is proven only
   * by a payment, so its session pays METHOD_CHECK_AMOUNT (1 ₽), refunded in full as soon as it
   * succeeds («спишем и сразу вернём 1 ₽», as Russian shops do); an account is bound by NSPK
   * without paying (a binding session, which takes nothing). `description` tells the customer so,
   * in their language; `returnUrl` is their subscription page. Returns the session and its public
   * token (the hosted checkout `/pay/:token`).
   */
  async changeMethod(tx: Tx, project: Project, id: string, means: NewMeans, text: { description: string; returnUrl: string }): Promise<{ session: SessionRow; publicToken: string }> {
    const row = await this.load(tx, project, id);
    if (row.status === 'cancelled') throw conflict(`subscription ${id} has ended: there is no method to change`);
    if (row.status === 'pending') throw conflict(`subscription ${id} waits for its first payment: that payment gives its method`);
    if (row.cancel_at_period_end) throw conflict(`subscription ${id} is set to end: restore it first (subscription/restore)`);
    const change: MethodChange = { replaces: tokenOf(row), means };
    const data: SessionData = {
      description: text.description,
      customer: JSON.parse(row.customer_json) as SessionData['customer'],
      subscription_id: row.id,
      [METHOD_CHANGE]: change,
      payment_options: { recurrent: true, return_url: text.returnUrl },
    };
    // The check is captured at once, whatever the project's confirmation: it is no order for the merchant to confirm, only a check refunded at once.
    const session = await this.d.sessions.create(tx, project, means === 'account' ? bindingSession(data) : { amount: METHOD_CHECK_AMOUNT, currency: row.currency, confirmation: 'auto', data });
    return { session, publicToken: await this.d.sessions.issuePublicToken(tx, project, session.id) };
  }

  /**
   * Charges the subscriptions whose time has come, one transaction each: the period's end, or a
   * retry; until none is due or `budgetMs` of real time has gone (the rest wait for the next
   * round). Run every second by the app's scheduler on each instance; returns how many it took.
   */
  async chargeDue(budgetMs = CHARGE_ROUND_MS): Promise<number> {
    const until = performance.now() + budgetMs;
    let taken = 0;
    do {
      const one = await this.d.store.transaction(async (tx) => {
        const [row] = await tx.subscriptions.claimDue(this.d.clock.now(), 1);
        if (row) await this.chargeOne(tx, row);
        return row !== undefined;
      });
      if (!one) break;
      taken++;
    } while (performance.now() < until);
    return taken;
  }

  /**
   * The outcome of a session the subscription is waiting on, in the transaction that closed it
   * (the session service calls this for every closed session; others are not ours). Applied once:
   * a session the subscription no longer waits on changes nothing.
   */
  async sessionClosed(tx: Tx, project: Project, session: SessionRow): Promise<void> {
    const data = JSON.parse(session.data_json) as SessionData;
    if (data[METHOD_CHANGE]) return this.methodChangeClosed(tx, project, session, data);
    const charge = await tx.subscriptions.chargeOf(session.id);
    if (!charge) return;
    const row = await tx.subscriptions.lock(charge.subscription_id);
    if (!row || row.charge_session_id !== session.id) return;
    const now = this.d.clock.now();
    if (session.status === 'accepted') {
      // Only the first payment's token is the subscription's: a renewal's payment is charged with it.
      if (row.status !== 'pending') {
        await this.save(tx, project, charged(row));
        return;
      }
      const paid = (await tx.sessions.payments(session.id)).find((p) => p.status === 'succeeded');
      await this.save(tx, project, activated(row, await keptBy(tx, paid), now));
      return;
    }
    if (row.status === 'pending') {
      await this.save(tx, project, ended(row, 'not_paid', now));
      return;
    }
    await this.save(tx, project, chargeFailed(row, now));
  }

  render(project: Project, row: SubscriptionRow) {
    return {
      id: row.id,
      status: row.status,
      amount_details: { amount: row.amount, currency: row.currency },
      period: { unit: row.period_unit, count: row.period_count },
      description: row.description,
      ...(row.trial_days !== null ? { trial: { days: row.trial_days, amount_details: { amount: row.trial_amount, currency: row.currency } } } : {}),
      customer: JSON.parse(row.customer_json) as unknown,
      first_session_id: row.first_session_id,
      periods_paid: row.periods_paid,
      started_at: row.started_at === null ? null : iso(row.started_at),
      current_period_end: row.current_period_end === null ? null : iso(row.current_period_end),
      next_charge_at: row.next_charge_at === null ? null : iso(row.next_charge_at),
      failed_attempts: row.failed_attempts,
      cancel_at_period_end: row.cancel_at_period_end === 1,
      cancelled_at: row.cancelled_at === null ? null : iso(row.cancelled_at),
      cancel_reason: row.cancel_reason,
      ...(tokenOf(row) ? { recurrent: { token: tokenOf(row)!, type: row.card_token ? 'card' : 'faster_payment_system' } } : {}),
      /** The customer's own page: what they pay, how often, the next date; cancel there. */
      unsubscribe_url: `${this.d.publicUrl}/s/${pageToken(project, row.id)}`,
      version: row.version,
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
    };
  }

  /** One due subscription: ends it if it was set to end, else opens the period's charge. */
  private async chargeOne(tx: Tx, row: SubscriptionRow): Promise<void> {
    const project = (await tx.projects.get(row.project))!;
    const now = this.d.clock.now();
    if (row.cancel_at_period_end) {
      // It ended when the period paid for did, whenever the scheduler got to it (a clock moved far, an instance down).
      await this.save(tx, project, ended(row, row.cancel_reason ?? 'merchant', Math.min(now, row.current_period_end ?? now)));
      return;
    }
    const means = await chargedWith(tx, row);
    const token = means && ('card' in means ? means.card : means.binding);
    if (!token || token.disabled_at !== null) {
      // The token was disabled (recurrent/disable, or the customer revoked the binding at their bank): no retry can succeed.
      await this.save(tx, project, ended(row, 'token_inactive', now));
      return;
    }
    const customer = JSON.parse(row.customer_json) as SessionData['customer'];
    const session = await this.d.sessions.create(tx, project, {
      amount: row.amount,
      currency: row.currency,
      // The server charges each period by itself: nobody is there to confirm a renewal, whatever the project's confirmation.
      confirmation: 'auto',
      data: { ...(row.description ? { description: row.description } : {}), customer, subscription_id: row.id },
    });
    await tx.subscriptions.insertCharge({ session_id: session.id, subscription_id: row.id, period: row.periods_paid + 1, attempt: row.failed_attempts + 1, created_at: now });
    await this.d.sessions.startPayment(tx, project, session.id, { payment_details: { type: 'recurrent', recurrent: { token: token.id, initiator: 'merchant' } } });
    await this.save(tx, project, { row: { ...row, charge_session_id: session.id, next_charge_at: null }, events: [] });
  }

  /**
   * A method change's session closed. Accepted: the payment's card or binding becomes the
   * subscription's (the old one disabled), `subscription_updated` tells the merchant, and the
   * check is refunded in full. Not if the subscription ended or its method changed meanwhile (a
   * second change paid first): then only the refund. Declined or cancelled: nothing changes.
   * Applied once: the refund's own changes close the session again, and find the refund made.
   */
  private async methodChangeClosed(tx: Tx, project: Project, session: SessionRow, data: SessionData): Promise<void> {
    if (session.status !== 'accepted') return;
    const paid = (await tx.sessions.payments(session.id)).find((p) => p.status === 'succeeded');
    const checked = !bindsWithoutPaying(session);
    if (!paid || (checked && (await tx.sessions.refunds(paid.id)).some((r) => r.status !== 'failed'))) return;
    const row = typeof data.subscription_id === 'string' ? await tx.subscriptions.lock(data.subscription_id) : undefined;
    const means = await keptBy(tx, paid);
    // A binding has no refund to say it was applied: the subscription charging what it bound does.
    if (row && means.binding_id && row.binding_id === means.binding_id) return;
    const now = this.d.clock.now();
    if (row && row.project === project.name && row.status !== 'cancelled' && tokenOf(row) === (data[METHOD_CHANGE] as MethodChange).replaces && (means.card_token || means.binding_id)) {
      if (row.card_token && row.card_token !== means.card_token) await tx.cards.disable(row.card_token, now);
      if (row.binding_id && row.binding_id !== means.binding_id) await tx.bindings.disable(row.binding_id, now, 'merchant');
      // Overdue, it is tried again at once with what the customer just proved can pay.
      const retryNow = row.status === 'past_due' && !row.charge_session_id ? { next_charge_at: now } : {};
      await this.save(tx, project, { row: { ...row, ...means, ...retryNow }, events: ['subscription_updated'] });
    } else {
      // Not applied (it ended, or another change came first): what the customer agreed to was for this subscription, so nothing keeps it.
      if (means.card_token) await tx.cards.disable(means.card_token, now);
      if (means.binding_id) await tx.bindings.disable(means.binding_id, now, 'merchant');
    }
    if (checked) await this.d.sessions.refund(tx, project, session.id, undefined, undefined);
  }

  /** Saves a transition with its version, and its webhooks in the same transaction. */
  private async save(tx: Tx, project: Project, t: Transition): Promise<SubscriptionRow> {
    const now = this.d.clock.now();
    const row = { ...t.row, updated_at: now };
    await tx.subscriptions.update(row, t.row.version);
    const saved = { ...row, version: t.row.version + 1 };
    if (t.events.length) {
      const subscription = this.render(project, saved);
      for (const type of t.events) {
        const payload = JSON.stringify({ type, created_at: iso(now), subscription });
        // Filed under the first session, so a subscription's webhooks go out in the order they happened.
        await tx.outbox.insert({ id: newId('evt'), project: project.name, session_id: saved.first_session_id, type, url: project.webhookUrl, payload_json: payload, created_at: now });
      }
      tx.afterCommit(() => this.d.onWebhookQueued?.());
    }
    return saved;
  }
}

/** `means`: what its first payment kept to charge the later periods with, a card or an FPS account binding. */
function activated(row: SubscriptionRow, means: Pick<SubscriptionRow, 'card_token' | 'binding_id'>, now: number): Transition {
  // A trial's payment pays for the trial, not for a period: the first period is due when it ends.
  const paid = row.trial_days === null ? 1 : 0;
  const end = dueAfter(now, row.trial_days, row.period_unit, row.period_count, paid);
  // Paid, but the rail kept nothing to charge later (an upstream that did not bind the account): the period paid stands, and then it ends.
  const kept = means.card_token !== null || means.binding_id !== null;
  return {
    row: {
      ...row,
      status: 'active',
      ...means,
      started_at: now,
      periods_paid: paid,
      current_period_end: end,
      next_charge_at: end,
      charge_session_id: null,
      ...(kept ? {} : { cancel_at_period_end: 1, cancel_reason: 'token_missing' }),
    },
    events: ['subscription_activated'],
  };
}

function charged(row: SubscriptionRow): Transition {
  const paid = row.periods_paid + 1;
  const end = dueAfter(row.started_at!, row.trial_days, row.period_unit, row.period_count, paid);
  return { row: { ...row, status: 'active', periods_paid: paid, current_period_end: end, next_charge_at: end, failed_attempts: 0, charge_session_id: null }, events: ['subscription_charged'] };
}

function chargeFailed(row: SubscriptionRow, now: number): Transition {
  const failed = row.failed_attempts + 1;
  const retry = retryAt(now, failed);
  if (retry === null) {
    const end = ended({ ...row, failed_attempts: failed }, 'payment_failed', now);
    return { row: end.row, events: ['subscription_payment_failed', ...end.events] };
  }
  return { row: { ...row, status: 'past_due', failed_attempts: failed, next_charge_at: retry, charge_session_id: null }, events: ['subscription_payment_failed'] };
}

function ended(row: SubscriptionRow, reason: string, now: number): Transition {
  return {
    row: { ...row, status: 'cancelled', cancelled_at: now, cancel_reason: reason, next_charge_at: null, charge_session_id: null, cancel_at_period_end: 0 },
    events: ['subscription_cancelled'],
  };
}

/** What a method change's check costs, in minor units (kopecks): 1 ₽, refunded in full once paid (see `changeMethod`). */
export const METHOD_CHECK_AMOUNT = 100;

/** The key in a session's data that marks it a method change (beside `subscription_id`); merchants see it in session/status. */
export const METHOD_CHANGE = 'subscription_method_change';

/** A new card (checked with 1 ₽, refunded) or an FPS account (bound without paying). */
export type NewMeans = 'card' | 'account';

/**
 * A method change's mark: the token it replaces (another change applied first makes it stale, and
 * it changes nothing) and what it takes (`means`: absent in a change begun before there were two,
 * whose 1 ₽ session offered both).
 */
export type MethodChange = { replaces: string | null; means?: NewMeans };

/** The token a subscription is charged with: a card token or an FPS binding id; null while pending. */
const tokenOf = (row: SubscriptionRow): string | null => row.card_token ?? row.binding_id;

/** What a succeeded payment kept to charge later: its card, or the account it bound (neither, when it kept nothing). */
async function keptBy(tx: Tx, paid: PaymentRow | undefined): Promise<Pick<SubscriptionRow, 'card_token' | 'binding_id'>> {
  if (paid?.card_token) return { card_token: paid.card_token, binding_id: null };
  return { card_token: null, binding_id: (paid && (await tx.bindings.byPayment(paid.id))?.id) ?? null };
}

/** What a subscription is charged with, read: its card or its FPS binding (the scheduler, the customer's page, the console); undefined while it has none. */
export async function chargedWith(reads: Pick<Reads, 'cards' | 'bindings'>, row: SubscriptionRow): Promise<{ card: CardTokenRow } | { binding: FpsBindingRow } | undefined> {
  const card = row.card_token ? await reads.cards.get(row.card_token) : undefined;
  if (card) return { card };
  const binding = row.binding_id ? await reads.bindings.get(row.binding_id) : undefined;
  return binding && { binding };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The customer page's token: derived from the project's webhook secret and the subscription id,
 * so every subscription object can carry its URL while the database keeps only its hash.
 * (Rotating the webhook secret changes the pages' addresses: the new ones go out in the next webhook.)
 */
export const pageToken = (project: Project, subscriptionId: string) =>
  createHmac('sha256', project.webhookSecret).update(`sg-subscription-page:${subscriptionId}`).digest('base64url').slice(0, 32);
