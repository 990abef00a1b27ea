/**
 * The session service: every change to a session runs here, inside one transaction that loads
 * the rows, applies a transition of the domain machine, saves the result, writes the webhook
 * outbox rows and (after commit) wakes the long-polls. Deadlines are applied first, on the
 * server clock, so a late request never acts on a session that has already expired.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock';
import { iso, MINUTE_MS } from '../clock';
import { badRequest, conflict, notFound } from '../errors';
import { newId, newSecretId } from '../ids';
import * as machine from '../domain/session-machine';
import type { Confirmation, PaymentMethod, WebhookType } from '../domain/types';
import type { Acquirer } from '../sandbox/acquirer';
import type { Store } from '../store/store';
import type { Project } from '../store/project-repo';
import type { CardTokenRow } from '../store/card-repo';
import type { PaymentRow, SessionData, SessionRow } from '../store/session-repo';
import { renderSession } from './render';
import { formatAmount } from '../../widget/i18n/money';
import { methodOf, paymentDetailsRecord, type PaymentDetailsInput, type StartPaymentInput } from './payment-record';
import { paymentState, sessionState, withPaymentState } from './state';
import type { SessionNotifier } from './notifier';
import type { PushInbox } from '../sandbox/push-inbox';

export type SessionDeps = {
  store: Store;
  pushes: PushInbox;
  clock: Clock;
  acquirer: Acquirer;
  notifier: SessionNotifier;
  /** Called after a commit that wrote webhook rows, so the sender need not wait for its next poll. */
  onWebhookQueued?: () => void;
  sessionLifetimeMinutes: number;
};

export type CreateSessionInput = {
  amount: number;
  currency: string;
  confirmation?: Confirmation;
  lifetimeMinutes?: number;
  webhookUrl?: string;
  linkId?: string;
  orderCheckUrl?: string;
  data: SessionData;
};

const ACTIVE = new Set(['in_progress', 'pending']);
/** Public tokens are stored only as this hash: a copy of the database opens no checkout. */
export const publicTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The customer a saved card may be offered to or kept for: one that someone vouched for, the
 * merchant's backend (which created the session for its own customer) or Telegram (a verified
 * Mini App user). A value a customer typed on a link page is anybody's claim: null.
 */
export function vouchedCustomer(session: SessionRow): string | null {
  return vouchedReference((JSON.parse(session.data_json) as SessionData).customer);
}

function vouchedReference(customer: SessionData['customer']): string | null {
  return customer?.reference && customer.verified !== false ? customer.reference : null;
}

export class SessionService {
  constructor(private readonly d: SessionDeps) {}

  private get store() {
    return this.d.store;
  }

  create(project: Project, input: CreateSessionInput): SessionRow {
    const now = this.d.clock.now();
    const row: SessionRow = {
      id: newId('ps'),
      project: project.name,
      status: 'created',
      version: 1,
      amount: input.amount,
      currency: input.currency,
      confirmation: input.confirmation ?? project.confirmation,
      customer_reference: input.data.customer?.reference ?? null,
      webhook_url: input.webhookUrl ?? null,
      failed_attempts: 0,
      close_reason: null,
      data_json: JSON.stringify(input.data),
      expires_at: now + (input.lifetimeMinutes ?? this.d.sessionLifetimeMinutes) * MINUTE_MS,
      created_at: now,
      updated_at: now,
      link_id: input.linkId ?? null,
      order_check_url: input.orderCheckUrl ?? null,
    };
    this.store.transaction(() => this.store.sessions.insert(row));
    return row;
  }

  /** The session of this project, with any passed deadline applied; 404 for another project's. */
  load(project: Project, sessionId: string): SessionRow {
    return this.store.transaction(() => {
      const row = this.store.sessions.get(sessionId);
      if (!row || row.project !== project.name) throw notFound('session', sessionId);
      return this.settle(row, project);
    });
  }

  /**
   * Applies the passed deadlines of a session in a transaction of its own. Callers run this
   * before an action's transaction, so an expiry that the action then trips over (a confirm after
   * the window) is committed even though the action itself is refused and rolled back.
   */
  settleById(sessionId: string): void {
    this.store.transaction(() => {
      const row = this.store.sessions.get(sessionId);
      if (row) this.settle(row, this.project(row.project));
    });
  }

  render(row: SessionRow) {
    return renderSession(row, this.store.sessions, this.d.acquirer);
  }

  /**
   * Starts a payment. `byCustomer`: the customer started it in the widget, so a payment that
   * nothing was charged for yet (see `machine.isAbandonable`) is replaced (they switched
   * methods), and a card token must come from this session's own card form (a customer cannot
   * carry tokens between sessions, to dodge a session's limits, say). The merchant's signed calls
   * may charge any token of their project.
   */
  startPayment(project: Project, sessionId: string, input: StartPaymentInput, opts: { byCustomer?: boolean } = {}): SessionRow {
    return this.store.transaction(() => {
      let row = this.load(project, sessionId);
      const waiting = opts.byCustomer ? this.activePayment(row.id) : null;
      if (waiting && machine.isAbandonable(paymentState(waiting))) {
        row = this.commit(project, row, waiting, machine.abandon(sessionState(row), paymentState(waiting), 'superseded'));
      }
      const method = methodOf(input.payment_details);
      const card = this.cardFor(project, row, input.payment_details, opts.byCustomer === true);
      const now = this.d.clock.now();
      const customerVerified = (JSON.parse(row.data_json) as SessionData).customer?.verified !== false;
      const { result, railRef } = this.d.acquirer.start({ method, amount: row.amount, card, customerVerified });
      const payment: PaymentRow = {
        id: newSecretId('pm'),
        session_id: row.id,
        status: 'in_progress',
        method,
        stage: 'awaiting_customer',
        amount: row.amount,
        currency: row.currency,
        refunded_amount: 0,
        card_token: card?.id ?? null,
        rail_ref: railRef,
        details_json: JSON.stringify(paymentDetailsRecord(row, input, card)),
        failure_code: null,
        failure_description: null,
        action_expires_at: null,
        confirm_expires_at: null,
        created_at: now,
        updated_at: now,
      };
      const step = machine.beginPayment(sessionState(row), paymentState(payment), result, this.timing(project, method));
      this.store.sessions.insertPayment(payment);
      if (method === 'card' && card && !this.store.cards.markUsed(card.id, now)) {
        throw conflict(`card token ${card.id} was already used for a payment: tokenise the card again`);
      }
      return this.commit(project, row, payment, step);
    });
  }

  /** The customer closed the 3-D Secure page (or left a QR): the waiting payment ends, the methods come back. */
  abandon(project: Project, sessionId: string, paymentId: string): SessionRow {
    return this.transition(project, sessionId, (s, p) => {
      if (!p || p.id !== paymentId) throw new machine.StateConflict(`payment ${paymentId} is not the one waiting for the customer`, s.status);
      return machine.abandon(s, p, 'abandoned');
    });
  }

  /** The customer removes their saved card: it is no longer offered for one-tap payment. */
  forgetSavedCard(project: Project, sessionId: string): SessionRow {
    return this.store.transaction(() => {
      const row = this.load(project, sessionId);
      const reference = vouchedCustomer(row);
      if (!reference || !this.store.cards.lastCard(project.name, reference)) throw conflict(`session ${row.id} has no saved card to remove`);
      this.store.cards.forgetLastCard(project.name, reference, this.d.clock.now());
      this.store.sessions.touch(row.id, this.d.clock.now());
      return this.afterChange(project, row.id, []);
    });
  }

  confirm(project: Project, sessionId: string): SessionRow {
    return this.transition(project, sessionId, (s, p, t) => machine.confirm(s, p, t));
  }

  cancel(project: Project, sessionId: string): SessionRow {
    return this.transition(project, sessionId, (s, p) => machine.cancel(s, p));
  }

  /** Refunds `amount` kopecks (all that is left when omitted) of the session's captured payment. */
  refund(project: Project, sessionId: string, amount: number | undefined, currency: string | undefined): SessionRow {
    return this.store.transaction(() => {
      const row = this.load(project, sessionId);
      const payment = this.store.sessions.payments(row.id).find((p) => p.status === 'succeeded') ?? null;
      if (currency && payment && currency !== payment.currency) {
        throw conflict(`refund currency ${currency} differs from the payment's ${payment.currency}`);
      }
      const left = payment ? payment.amount - payment.refunded_amount : 0;
      if (payment && left === 0) throw conflict(`payment ${payment.id} is already fully refunded`);
      const refunded = machine.refund(sessionState(row), payment && paymentState(payment), amount ?? left);
      const now = this.d.clock.now();
      this.store.sessions.updatePayment(withPaymentState(payment!, refunded, now));
      this.store.sessions.insertRefund({ id: newId('rf'), payment_id: payment!.id, amount: amount ?? left, currency: payment!.currency, status: 'succeeded', created_at: now });
      this.store.sessions.touch(row.id, now);
      return this.afterChange(project, row.id, ['payment_refunded']);
    });
  }

  /** A new public token for the widget and hosted page. Only its hash is stored. */
  issuePublicToken(project: Project, sessionId: string): string {
    return this.store.transaction(() => {
      const row = this.load(project, sessionId);
      const token = `pt_${randomBytes(24).toString('base64url')}`;
      this.store.sessions.insertPublicToken(publicTokenHash(token), row.id, this.d.clock.now());
      return token;
    });
  }

  /** The customer's bank (sandbox page or test) answers for a payment. */
  customerAnswer(paymentId: string, approved: boolean): Promise<SessionRow> {
    const known = this.store.sessions.payment(paymentId);
    return this.store.commitThen(() => known && this.settleById(known.session_id), () => {
      const payment = this.store.sessions.payment(paymentId);
      if (!payment) throw notFound('payment', paymentId);
      const session = this.store.sessions.get(payment.session_id)!;
      const project = this.project(session.project);
      return this.transition(project, session.id, (s, p, t) => {
        if (!p || p.id !== paymentId) {
          throw new machine.StateConflict(`payment ${paymentId} is ${payment.status} and waits for no customer action`, s.status);
        }
        return approved ? machine.customerApproved(s, p, t) : machine.customerDeclined(s, p);
      });
    });
  }

  /** Sends the SberPay push (to the sandbox inbox) for the payment waiting for the customer. */
  sendSberPayPush(project: Project, sessionId: string, phone: string | undefined) {
    return this.store.transaction(() => {
      const row = this.load(project, sessionId);
      const payment = this.activePayment(row.id);
      if (!payment || payment.method !== 'sberpay' || payment.stage !== 'awaiting_customer') {
        throw conflict(`session ${row.id} is ${row.status} and has no SberPay payment waiting for the customer: push after action_required`);
      }
      const details = JSON.parse(payment.details_json) as { payment_details: { internet_banking: { sber_pay: { phone?: string } } } };
      const to = phone ?? details.payment_details.internet_banking.sber_pay.phone;
      if (!to) throw badRequest('phone', "phone is required: the payment's sber_pay has no phone to default to");
      // What SberPay's app shows the customer: in Russian, as that app speaks, with the shop's own name.
      const text = `SberPay: оплата ${formatAmount(row.amount, row.currency, 'ru')} в магазин «${project.displayName ?? project.name}»`;
      return this.d.pushes.record(payment.id, to, text, this.d.clock.now());
    });
  }

  /** Replaces the QR or deep link of a waiting payment with a fresh one (new reference, new lifetime). */
  renewCustomerAction(project: Project, sessionId: string): SessionRow {
    return this.store.transaction(() => {
      const row = this.load(project, sessionId);
      const payment = this.activePayment(row.id);
      if (!payment) throw conflict(`session ${row.id} is ${row.status} and shows the customer nothing to renew`);
      const renewed = machine.renewCustomerAction(sessionState(row), paymentState(payment), this.timing(project, payment.method));
      const now = this.d.clock.now();
      this.store.sessions.updatePayment({ ...withPaymentState(payment, renewed, now), rail_ref: this.d.acquirer.renewRef(payment) });
      this.store.sessions.touch(row.id, now);
      return this.afterChange(project, row.id, ['action_required']);
    });
  }

  /** Applies every deadline that has passed; the scheduler calls this every second. */
  expireDue(): number {
    const ids = this.store.sessions.dueForExpiry(this.d.clock.now());
    for (const id of ids) {
      this.store.transaction(() => {
        const row = this.store.sessions.get(id)!;
        this.settle(row, this.project(row.project));
      });
    }
    return ids.length;
  }

  lastPayment(sessionId: string): PaymentRow | null {
    return this.store.sessions.latestPayment(sessionId) ?? null;
  }

  activePayment(sessionId: string): PaymentRow | null {
    const latest = this.store.sessions.latestPayment(sessionId);
    return latest && ACTIVE.has(latest.status) ? latest : null;
  }

  private project(name: string): Project {
    const project = this.store.projects.get(name);
    if (!project) throw new Error(`project ${name} vanished`);
    return project;
  }

  private timing(project: Project, method: PaymentMethod): machine.Timing {
    return {
      now: this.d.clock.now(),
      confirmWindowMs: this.d.acquirer.confirmWindowMs(method, project),
      actionLifetimeMs: this.d.acquirer.actionLifetimeMs(method, project),
    };
  }

  /** Applies every passed deadline: an expired QR can hand back a session that has itself expired. */
  private settle(row: SessionRow, project: Project): SessionRow {
    for (;;) {
      const payment = this.activePayment(row.id);
      const step = machine.expire(sessionState(row), payment && paymentState(payment), { now: this.d.clock.now(), confirmWindowMs: 0, actionLifetimeMs: 0 });
      if (!step) return row;
      row = this.commit(project, row, payment, step);
    }
  }

  private transition(
    project: Project,
    sessionId: string,
    apply: (s: ReturnType<typeof sessionState>, p: ReturnType<typeof paymentState> | null, t: machine.Timing) => machine.Step | { session: ReturnType<typeof sessionState>; payment: null; events: [] },
  ): SessionRow {
    return this.store.transaction(() => {
      const row = this.load(project, sessionId);
      const payment = this.activePayment(row.id);
      const step = apply(sessionState(row), payment && paymentState(payment), this.timing(project, payment?.method ?? 'card'));
      return this.commit(project, row, payment, step);
    });
  }

  private commit(
    project: Project,
    row: SessionRow,
    payment: PaymentRow | null,
    step: { session: ReturnType<typeof sessionState>; payment: ReturnType<typeof paymentState> | null; events: WebhookType[] },
  ): SessionRow {
    const now = this.d.clock.now();
    this.store.sessions.update({ id: row.id, status: step.session.status, failed_attempts: step.session.failedAttempts, close_reason: step.session.closeReason, updated_at: now });
    if (payment && step.payment) {
      const saved = withPaymentState(payment, step.payment, now);
      this.store.sessions.updatePayment(saved);
      if (saved.status === 'succeeded') this.rememberCard(project, row, saved);
    }
    return this.afterChange(project, row.id, step.events);
  }

  /** Writes the outbox rows of `events` with the session as it now is, and wakes its waiters. */
  private afterChange(project: Project, sessionId: string, events: WebhookType[]): SessionRow {
    const row = this.store.sessions.get(sessionId)!;
    if (events.length) {
      const now = this.d.clock.now();
      const url = row.webhook_url ?? project.webhookUrl;
      const session = this.render(row);
      for (const type of events) {
        this.store.outbox.insert({ id: newId('evt'), project: project.name, session_id: row.id, type, url, payload_json: JSON.stringify({ type, created_at: iso(now), session }), created_at: now });
      }
      this.store.afterCommit(() => this.d.onWebhookQueued?.());
    }
    this.store.afterCommit(() => this.d.notifier.notify(sessionId));
    return row;
  }

  /**
   * Keeps a card for the customer's next one-tap payment only when they agreed to it (the widget's
   * "remember this card" box, or the merchant's own form through payment_options.save_card) and
   * someone vouched for who they are (see `vouchedCustomer`).
   */
  private rememberCard(project: Project, session: SessionRow, payment: PaymentRow): void {
    if (!payment.card_token || payment.method === 'recurrent') return;
    const details = JSON.parse(payment.details_json) as { payment_options?: { recurrent?: boolean; save_card?: boolean }; customer?: SessionData['customer'] };
    if (details.payment_options?.recurrent) this.store.cards.setRecurrent(payment.card_token);
    if (payment.method === 'saved_card' || details.payment_options?.save_card !== true) return;
    // The payment's customer, which session/start/payment may have given, else the session's.
    const reference = details.customer?.reference ? vouchedReference(details.customer) : vouchedCustomer(session);
    if (reference) this.store.cards.rememberLastCard(project.name, reference, payment.card_token, this.d.clock.now());
  }

  private cardFor(project: Project, session: SessionRow, details: PaymentDetailsInput, byCustomer: boolean): CardTokenRow | null {
    if (details.type === 'saved_card') {
      const reference = vouchedCustomer(session);
      const card = reference ? this.store.cards.lastCard(project.name, reference) : undefined;
      if (!card) throw conflict(`session ${session.id} has no saved card: its customer has not paid by card before`);
      return card;
    }
    const token = details.type === 'card' ? details.card.token : details.type === 'recurrent' ? details.recurrent.token : null;
    if (!token) return null;
    const card = this.store.cards.get(token);
    if (!card || card.project !== project.name) throw notFound('card token', token);
    if (byCustomer && details.type === 'card' && card.session_id !== session.id) {
      throw conflict(`card token ${token} was made on another session's card form: tokenise the card on this session's page (the widget does)`);
    }
    if (card.disabled_at !== null) throw conflict(`card token ${token} was disabled: ask the customer to pay by card again`);
    if (details.type === 'recurrent' && !card.recurrent) {
      throw conflict(`card token ${token} is not a recurrent token: pay once with payment_options.recurrent = true to get one`);
    }
    return card;
  }
}
