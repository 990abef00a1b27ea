/**
 * The sandbox rail: the embedded simulation of a remote acquirer, behind the same port as a real
 * one (server/acquirers/port.ts). It keeps its own books (`sandbox_rail_*` tables), as a remote
 * acquirer keeps its own, keyed by the gateway's payment id, so a repeated call is the same
 * payment; it decides what a bank would (authorise, challenge, decline) from the card's test
 * scenario, issues FPS links and SberPay invoices, and reports the customer's answer back through
 * `RailReports`, as a real rail's callback would. Faults (`faults`) make it fail like a network.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Acquirer, CustomerInteraction, RailPaymentRef, RailPaymentState, RailRefundState, RailReports, RefundRequest, StartRequest } from '../acquirers/port';
import type { Clock } from '../clock';
import { conflict, notFound } from '../errors';
import type { SandboxRailReads, Storage, Tx } from '../store/port';
import type { SandboxRailPaymentRow, SandboxRailRefundRow } from '../store/rows';
import { SandboxFaults, SandboxRailFailure, type SandboxOp } from './faults';
import { fpsBindingLink, fpsLink, newFpsBindingId, newFpsQrId } from './fps';
import { formatAmount } from '../../widget/i18n/money';

/** The FPS member id (bank) that receives sandbox payments. */
export const SANDBOX_FPS_MEMBER_ID = '100000000111';
/** The customer's bank when the sandbox bank page answers without naming one (the bank list names the one tapped). */
export const SANDBOX_CUSTOMER_BANK_ID = '100000000111';

export type SandboxRailDeps = { store: Storage; clock: Clock; publicUrl: string };

export class SandboxRail implements Acquirer {
  readonly name = 'sandbox';
  readonly sandbox = true;
  readonly bindsFpsAccounts = true;
  readonly faults = new SandboxFaults();
  private reports: RailReports | null = null;

  constructor(private readonly d: SandboxRailDeps) {}

  /** Where the customer's answers are reported (the gateway's RailReports). */
  connect(reports: RailReports): void {
    this.reports = reports;
  }

  start(request: StartRequest, signal: AbortSignal): Promise<RailPaymentState> {
    return this.call('start', signal, () =>
      this.d.store.transaction(async (tx) => {
        const known = await tx.sandboxRail.lockPayment(request.paymentId);
        if (known) return answerOf(tx, known); // the same key: the same payment, never a second one
        const row = await this.newPayment(tx, request);
        await tx.sandboxRail.insertPayment(row);
        return stateOf(row);
      }),
    );
  }

  capture(ref: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState> {
    return this.change('capture', ref, signal, (row) => (row.status === 'authorized' ? { ...row, status: 'captured' } : row));
  }

  void(ref: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState> {
    return this.change('void', ref, signal, (row) =>
      row.status === 'awaiting_customer' || row.status === 'authorized' ? { ...row, status: 'voided', interaction_json: null } : row,
    );
  }

  /** The push lands in the sandbox's inbox (/sandbox/pushes), worded as SberPay's app words it: in Russian, with the shop's own name. */
  async sberPayPush(ref: RailPaymentRef, phone: string): Promise<void> {
    const text = `SberPay: оплата ${formatAmount(ref.start.amount.amount, ref.start.amount.currency, 'ru')} в магазин «${ref.start.merchant}»`;
    await this.d.store.transaction((tx) => tx.pushes.record(ref.paymentId, phone, text, this.d.clock.now()));
  }

  async renew(ref: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState | null> {
    if (ref.start.method !== 'fps' && ref.start.method !== 'sberpay') return null;
    return this.change('renew', ref, signal, (row) => {
      if (row.status !== 'awaiting_customer') return row;
      const fresh = customerStep(this.d.publicUrl, ref.start);
      return { ...row, ref: fresh.ref, interaction_json: JSON.stringify(fresh.interaction), expires_at: this.d.clock.now() + ref.start.customerActionTtlMs };
    });
  }

  status(ref: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState> {
    return this.call('status', signal, async () => {
      const row = await this.d.store.sandboxRail.payment(ref.paymentId);
      return row ? answerOf(this.d.store, row) : { state: 'not_found' };
    });
  }

  refund(request: RefundRequest, signal: AbortSignal): Promise<RailRefundState> {
    return this.call('refund', signal, () =>
      this.d.store.transaction(async (tx): Promise<RailRefundState> => {
        const known = await tx.sandboxRail.refund(request.refundId);
        if (known) return refundStateOf(known);
        const payment = await tx.sandboxRail.lockPayment(request.paymentId);
        if (!payment) return { state: 'failed', code: 'payment_not_found', description: 'The bank has no such payment' };
        const left = payment.amount - payment.refunded_amount;
        const refused =
          payment.status !== 'captured' ? 'The payment was not captured, so there is nothing to refund'
          : request.amount.amount > left ? `Only ${left} of ${payment.amount} kopecks are left to refund`
          : null;
        const row: SandboxRailRefundRow = { refund_id: request.refundId, payment_id: payment.payment_id, amount: request.amount.amount, status: refused ? 'failed' : 'succeeded', created_at: this.d.clock.now() };
        await tx.sandboxRail.insertRefund(row);
        if (!refused) await tx.sandboxRail.updatePayment({ ...payment, refunded_amount: payment.refunded_amount + row.amount, updated_at: this.d.clock.now() });
        return refused ? { state: 'failed', code: 'refund_refused', description: refused } : refundStateOf(row);
      }),
    );
  }

  refundStatus(request: RefundRequest, signal: AbortSignal): Promise<RailRefundState> {
    return this.call('refundStatus', signal, async () => {
      const row = await this.d.store.sandboxRail.refund(request.refundId);
      return row ? refundStateOf(row) : { state: 'not_found' };
    });
  }

  /**
   * The customer answers at their bank (the sandbox bank page, the 3-D Secure page, a test): the
   * rail records it and reports it to the gateway, as a real rail's callback would. Approving an
   * FPS payment that binds also binds the account at `bankId`, the customer's bank.
   */
  async customerAnswer(paymentId: string, approved: boolean, bankId: string = SANDBOX_CUSTOMER_BANK_ID): Promise<RailPaymentState> {
    const state = await this.d.store.transaction(async (tx) => {
      const row = await tx.sandboxRail.lockPayment(paymentId);
      if (!row) throw notFound('payment', paymentId);
      const now = this.d.clock.now();
      if (row.status !== 'awaiting_customer') throw conflict(`payment ${paymentId} is ${row.status} at the bank and waits for no customer action`);
      if (row.expires_at !== null && row.expires_at <= now) throw conflict(`payment ${paymentId} has expired at the bank: the customer took too long`);
      const card = row.method === 'card' || row.method === 'saved_card' || row.method === 'recurrent';
      const next: SandboxRailPaymentRow = approved
        ? { ...row, status: card && !row.capture_on_approval ? 'authorized' : 'captured', interaction_json: null, updated_at: now }
        : {
            ...row,
            status: 'declined',
            decline_code: card ? 'authentication_failed' : 'declined_by_customer',
            decline_description: card ? '3-D Secure authentication failed' : 'The customer declined the payment in the bank app',
            interaction_json: null,
            updated_at: now,
          };
      await tx.sandboxRail.updatePayment(next);
      if (approved && row.binds) await tx.sandboxRail.insertBinding({ ref: row.ref!, payment_id: paymentId, bank_id: bankId, status: 'active', created_at: now, revoked_at: null });
      return answerOf(tx, next);
    });
    // The callback: lost when a test says so (the gateway then learns it by reconciliation).
    if (this.faults.take('report') === undefined) await this.reports?.payment(paymentId, state);
    return state;
  }

  /**
   * The customer revokes a binding in their bank app (the sandbox bank's list of subscriptions, a
   * test): the bank charges it no more and tells the gateway, as NSPK tells the acquirer.
   */
  async revokeBinding(ref: string): Promise<void> {
    const revoked = await this.d.store.transaction(async (tx) => {
      if (!(await tx.sandboxRail.binding(ref))) throw notFound('binding', ref);
      return tx.sandboxRail.revokeBinding(ref, this.d.clock.now());
    });
    if (!revoked) throw conflict(`binding ${ref} was already revoked`);
    if (this.faults.take('report') === undefined) await this.reports?.bindingRevoked(ref);
  }

  /** Runs one call as a remote rail would answer it, with the injected latency and faults. */
  private async call<T>(op: SandboxOp, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs, undefined, { signal });
    signal.throwIfAborted();
    const fault = this.faults.take(op);
    if (fault === 'error') throw new SandboxRailFailure(op, fault);
    const answer = await work();
    if (fault === 'lost') throw new SandboxRailFailure(op, fault);
    if (fault === 'late') {
      await new Promise((resolve) => (signal.aborted ? resolve(null) : signal.addEventListener('abort', resolve, { once: true })));
      throw new SandboxRailFailure(op, 'lost');
    }
    return answer;
  }

  /** Changes the rail's own payment (locked), or answers not_found. */
  private change(op: SandboxOp, ref: RailPaymentRef, signal: AbortSignal, next: (row: SandboxRailPaymentRow) => SandboxRailPaymentRow): Promise<RailPaymentState> {
    return this.call(op, signal, () =>
      this.d.store.transaction(async (tx): Promise<RailPaymentState> => {
        const row = await tx.sandboxRail.lockPayment(ref.paymentId);
        if (!row) return { state: 'not_found' };
        const changed = next(row);
        if (changed !== row) await tx.sandboxRail.updatePayment({ ...changed, updated_at: this.d.clock.now() });
        return answerOf(tx, changed); // a payment already captured with its binding says so, as status does
      }),
    );
  }

  private async newPayment(tx: Tx, r: StartRequest): Promise<SandboxRailPaymentRow> {
    const now = this.d.clock.now();
    const base: SandboxRailPaymentRow = {
      payment_id: r.paymentId,
      method: r.method,
      status: 'captured',
      amount: r.amount.amount,
      currency: r.amount.currency,
      refunded_amount: 0,
      card_token: r.cardToken,
      ref: null,
      capture_on_approval: r.capture ? 1 : 0,
      decline_code: null,
      decline_description: null,
      interaction_json: null,
      expires_at: null,
      binds: r.method === 'fps' && r.keepRecurrent ? 1 : 0,
      created_at: now,
      updated_at: now,
    };
    const waitForCustomer = (): SandboxRailPaymentRow => {
      const step = customerStep(this.d.publicUrl, r);
      return { ...base, status: 'awaiting_customer', ref: step.ref, interaction_json: JSON.stringify(step.interaction), expires_at: now + r.customerActionTtlMs };
    };
    if (r.method === 'fps' || r.method === 'sberpay') return waitForCustomer();
    if (r.bindingRef) {
      // A charge of a bound account: the customer agreed once, in their bank app; the bank pays while the binding stands.
      const binding = await tx.sandboxRail.binding(r.bindingRef);
      if (binding?.status === 'active') return { ...base, status: r.capture ? 'captured' : 'authorized' };
      return { ...base, status: 'declined', decline_code: 'binding_revoked', decline_description: binding ? 'The customer revoked the account binding in their bank app' : 'The bank does not know this account binding' };
    }
    const card = r.cardToken ? await tx.cards.get(r.cardToken) : undefined;
    if (!card) return { ...base, status: 'declined', decline_code: 'card_not_found', decline_description: 'The bank does not know this card token' };
    const held = r.capture ? 'captured' : 'authorized';
    switch (card.scenario) {
      case 'decline':
        return { ...base, status: 'declined', decline_code: 'card_declined', decline_description: 'The issuer declined the card' };
      case 'insufficient_funds':
        return { ...base, status: 'declined', decline_code: 'insufficient_funds', decline_description: 'The card has insufficient funds' };
      case 'recurring_decline':
        return r.method === 'recurrent'
          ? { ...base, status: 'declined', decline_code: 'insufficient_funds', decline_description: 'The card has insufficient funds' }
          : { ...base, status: held };
      // A merchant-initiated recurrent charge is exempt from 3-D Secure: no customer is there to answer. The customer's one click is not.
      case 'challenge':
        return r.initiator === 'merchant' ? { ...base, status: held } : waitForCustomer();
      // One tap on a card saved for an identifier anybody could type: the issuer asks the cardholder.
      default:
        return r.method === 'saved_card' && !r.customerVerified ? waitForCustomer() : { ...base, status: held };
    }
  }
}

/** What the customer is shown, and the rail's reference for it (the QR id, the invoice id). */
function customerStep(publicUrl: string, r: StartRequest): { ref: string | null; interaction: CustomerInteraction } {
  if (r.method === 'fps' && r.keepRecurrent) {
    const qrId = newFpsBindingId();
    return { ref: qrId, interaction: { type: 'qr', redirect: { url: fpsBindingLink({ qrId, memberId: SANDBOX_FPS_MEMBER_ID, amountMinor: r.bindOnly ? null : r.amount.amount }), method: 'GET' } } };
  }
  if (r.method === 'fps') {
    const qrId = newFpsQrId();
    return { ref: qrId, interaction: { type: 'qr', redirect: { url: fpsLink({ qrId, memberId: SANDBOX_FPS_MEMBER_ID, amountMinor: r.amount.amount }), method: 'GET' } } };
  }
  if (r.method === 'sberpay') {
    const invoice = randomBytes(16).toString('hex');
    return r.sberPay?.channel === 'web' || !r.sberPay
      ? { ref: invoice, interaction: { type: 'qr', redirect: { url: `${publicUrl}/sandbox/sberpay/${invoice}`, method: 'GET' } } }
      : { ref: invoice, interaction: { type: 'redirect', redirect: { url: `sberpay://invoicing/v2?bankInvoiceId=${invoice}&operationType=Web2App`, method: 'GET' } } };
  }
  return { ref: null, interaction: { type: 'redirect', redirect: { url: `${publicUrl}/sandbox/3ds/${r.paymentId}`, method: 'GET' } } };
}

function stateOf(row: SandboxRailPaymentRow): RailPaymentState {
  switch (row.status) {
    case 'awaiting_customer':
      return { state: 'awaiting_customer', interaction: JSON.parse(row.interaction_json!) as CustomerInteraction, railRef: row.ref, expiresAt: row.expires_at };
    case 'authorized':
      return { state: 'authorized', railRef: row.ref };
    case 'captured':
      return { state: 'captured', railRef: row.ref };
    case 'declined':
      return { state: 'declined', code: row.decline_code ?? 'declined', description: row.decline_description ?? 'The bank declined the payment' };
    case 'voided':
      return { state: 'voided' };
  }
}

/** `stateOf`, with the binding a captured binding payment made (its bank is in the binding's row). */
async function answerOf(reads: { sandboxRail: SandboxRailReads }, row: SandboxRailPaymentRow): Promise<RailPaymentState> {
  const state = stateOf(row);
  if (state.state !== 'captured' || !row.binds || !row.ref) return state;
  const binding = await reads.sandboxRail.binding(row.ref);
  return binding ? { ...state, binding: { ref: binding.ref, bankId: binding.bank_id, active: binding.status === 'active' } } : state;
}

const refundStateOf = (row: SandboxRailRefundRow): RailRefundState =>
  row.status === 'succeeded' ? { state: 'succeeded' } : { state: 'failed', code: 'refund_refused', description: 'The bank refused the refund' };
