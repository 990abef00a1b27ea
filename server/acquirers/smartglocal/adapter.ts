/**
 * `ACQUIRER=smartglocal`: payments forwarded to an upstream gateway that speaks the Smart Glocal
 * merchant API (this product's own merchant API is one). Each gateway payment is one upstream
 * session made by `session/init/payment` with the payment id as its Idempotency-Key; the
 * upstream's session id is the payment's railRef.
 *
 * Lost answers: every create is repeatable with the same key and byte-identical body (the body
 * is built from the StartRequest or RefundRequest alone and encoded canonically), so `status` and
 * `refundStatus` learn what the upstream did by asking the same question again: the upstream
 * answers its first reply, or, if the first never reached it, acts now, once.
 */
import type { Hono } from 'hono';
import type { Money } from '../../domain/types';
import type { Acquirer, RailCardForm, RailPaymentRef, RailPaymentState, RailRefundState, RailReports, RefundRequest, StartRequest } from '../port';
import { SmartGlocalClient, UpstreamOutcomeUnknown, type JsonObject, type UpstreamAnswer } from './client';
import type { SmartGlocalConfig } from './config';
import { findRefund, newestRefund, railStateOf, refundStateOf } from './mapping';
import { sessionOf, type UpstreamSession } from './protocol';
import { smartGlocalWebhooks } from './webhooks';

/** `timeoutMs`: how long one call may take (the gateway passes ACQUIRER_TIMEOUT_MS; its own signal bounds each call too). */
export type SmartGlocalOptions = SmartGlocalConfig & { timeoutMs: number; fetch?: typeof fetch };

/** A definite refusal: a request this adapter cannot send, or the upstream's 4xx answer to it. */
class Refused {
  constructor(readonly refused: { code: string; description: string }) {}
}

/** `session/init/payment`'s body for a start: the same request always makes the same body. */
export function initPaymentBody(r: StartRequest): JsonObject | Refused {
  const details = paymentDetails(r);
  if (details instanceof Refused) return details;
  // A binding that takes no money names no amount (the upstream keeps the account, and sets what a binding may).
  if (r.bindOnly) return { payment_details: details, payment_options: { return_url: r.returnUrl ?? undefined }, ...bodyTail(r) };
  return {
    amount_details: { amount: r.amount.amount, currency: r.amount.currency.toUpperCase() },
    payment_details: details,
    payment_options: { confirmation: r.capture ? 'auto' : 'manual', return_url: r.returnUrl ?? undefined, ...(r.keepRecurrent ? { recurrent: true } : {}) },
    ...bodyTail(r),
  };
}


/** What every start tells the upstream besides the payment: what the customer reads, who they are, and our id of it. */
function bodyTail(r: StartRequest): JsonObject {
  return {
    description: r.description ?? undefined,
    customer: r.customerReference ? { reference: r.customerReference } : undefined,
    metadata: { gateway_payment_id: r.paymentId },
  };
}

function paymentDetails(r: StartRequest): JsonObject | Refused {
  switch (r.method) {
    case 'fps':
      return { type: r.bindOnly ? 'faster_payment_system_binding' : 'faster_payment_system' };
    case 'sberpay':
      return {
        type: 'internet_banking',
        internet_banking: { type: 'sber_pay', sber_pay: { channel: r.sberPay?.channel ?? 'web', phone: r.sberPay?.phone } },
      };
    case 'card':
    case 'saved_card':
      if (!r.cardToken) return refusal('card_token_missing', `a ${r.method} payment needs the upstream's card token (tok_…) from its card frame`);
      return { type: 'card', card: { token: r.cardToken } };
    case 'recurrent': {
      // A card's recurrent token, or the upstream's token of an FPS binding: both are the upstream's own.
      const token = r.bindingRef ?? r.cardToken;
      if (!token) return refusal('card_token_missing', "a recurrent payment needs the upstream's recurrent token");
      return { type: 'recurrent', recurrent: { token, initiator: r.initiator ?? 'merchant' } };
    }
    default:
      return refusal('method_not_supported', `the Smart Glocal upstream takes no ${String(r.method)} payments`);
  }
}

const refusal = (code: string, description: string): Refused => new Refused({ code, description });

export class SmartGlocalAcquirer implements Acquirer {
  readonly name = 'smartglocal';
  readonly sandbox = false;
  /** An FPS payment with payment_options.recurrent binds the account at the upstream, whose binding token later charges name. */
  readonly bindsFpsAccounts = true;
  private readonly client: SmartGlocalClient;

  constructor(private readonly o: SmartGlocalOptions) {
    this.client = new SmartGlocalClient(o);
  }

  async start(request: StartRequest, signal: AbortSignal): Promise<RailPaymentState> {
    const answer = await this.initPayment(request, signal);
    if (answer instanceof Refused) return { state: 'declined', ...answer.refused };
    return railStateOf(answer.session);
  }

  async capture(payment: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState> {
    return this.act('session/confirm', payment, signal);
  }

  async void(payment: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState> {
    return this.act('session/cancel', payment, signal);
  }

  /** The protocol has no way to renew a QR or deep link: the gateway starts a new payment instead. */
  async renew(): Promise<RailPaymentState | null> {
    return null;
  }

  async status(payment: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState> {
    const sessionId = await this.sessionIdOf(payment, signal);
    if (typeof sessionId !== 'string') return sessionId;
    const answer = await this.client.call('session/status', { session_id: sessionId }, { signal });
    if (!answer.ok) {
      if (answer.httpStatus === 404) return { state: 'not_found' };
      throw unexpected('session/status', answer);
    }
    return railStateOf(this.session('session/status', answer));
  }

  async refund(request: RefundRequest, signal: AbortSignal): Promise<RailRefundState> {
    const answer = await this.refundCall(request, signal);
    if ('state' in answer) return answer;
    const refund = newestRefund(answer.session);
    return refund ? refundStateOf(refund) : { state: 'processing' };
  }

  async refundStatus(request: RefundRequest, signal: AbortSignal): Promise<RailRefundState> {
    // The same request again tells which upstream refund is ours (or makes it, once, if the first never arrived).
    const answer = await this.refundCall(request, signal);
    if ('state' in answer) return answer;
    const refundId = newestRefund(answer.session)?.id;
    if (!refundId) return { state: 'processing' };
    const now = await this.client.call('session/status', { session_id: answer.session.id }, { signal });
    if (!now.ok) throw unexpected('session/status', now);
    const refund = findRefund(this.session('session/status', now), refundId);
    return refund ? refundStateOf(refund) : { state: 'processing' };
  }

  /** The upstream's `sberpay/push` for the payment's upstream session. */
  async sberPayPush(payment: RailPaymentRef, phone: string, signal: AbortSignal): Promise<void> {
    const sessionId = await this.sessionIdOf(payment, signal);
    if (typeof sessionId !== 'string') throw new Error(`the upstream has no SberPay payment ${payment.paymentId} to push`);
    const answer = await this.client.call('sberpay/push', { session_id: sessionId, phone }, { signal });
    if (!answer.ok) throw unexpected('sberpay/push', answer);
  }

  callbackRoutes(reports: RailReports): Hono {
    return smartGlocalWebhooks(reports, this.o.upstreamPublicKey);
  }

  /** The upstream's own pages (its card form, its 3-D Secure pages) and any issuer's on https. */
  get framedSources(): readonly string[] {
    return [new URL(this.o.url).origin, 'https:'];
  }

  /**
   * A card form at the upstream: its own card frame tokenises the card there, so the number never
   * passes through this server. It is an upstream session of its own (`session/create`, then
   * `token`) that is never paid: the payment is a session/init/payment like any other, with the
   * `tok_…` the form gave. The frame is the one the `token` reply names (`card_form_url`), or,
   * from an upstream that names none, sg-checkout's at the upstream's URL.
   */
  async cardForm(amount: Money, signal: AbortSignal): Promise<RailCardForm> {
    const created = await this.client.call('session/create', { amount_details: { amount: amount.amount, currency: amount.currency.toUpperCase() } }, { signal });
    if (!created.ok) throw unexpected('session/create', created);
    const sessionId = this.session('session/create', created).id;
    const answer = await this.client.call('token', { session_id: sessionId }, { signal });
    if (!answer.ok) throw unexpected('token', answer);
    const { public_token: token, card_form_url: named } = answer.body;
    if (typeof token !== 'string' || !token) throw new UpstreamOutcomeUnknown('token', 'the reply has no public_token');
    const url = typeof named === 'string' && URL.canParse(named) ? named : `${this.o.url}/widget/card-frame.html`;
    return { url, token };
  }

  /** session/init/payment for `request` under its payment id: the session, or the upstream's refusal. */
  private async initPayment(request: StartRequest, signal: AbortSignal): Promise<{ session: UpstreamSession } | Refused> {
    const body = initPaymentBody(request);
    if (body instanceof Refused) return body;
    const answer = await this.client.call('session/init/payment', body, { signal, idempotencyKey: request.paymentId });
    if (!answer.ok) {
      // The key holds another body: a payment may be running under it, so this is no refusal (and cannot happen while bodies are canonical).
      if (answer.httpStatus === 422) throw new UpstreamOutcomeUnknown('session/init/payment', `the upstream holds another request under Idempotency-Key ${request.paymentId} (${answer.description})`);
      return refusal(answer.code, answer.description);
    }
    return { session: this.session('session/init/payment', answer) };
  }

  /** The upstream session of a payment: its railRef, or what repeating its start names; a state when the repeat was refused. */
  private async sessionIdOf(payment: RailPaymentRef, signal: AbortSignal): Promise<string | RailPaymentState> {
    if (payment.railRef) return payment.railRef;
    const replay = await this.initPayment(payment.start, signal);
    if (replay instanceof Refused) return { state: 'declined', ...replay.refused };
    return replay.session.id;
  }

  /**
   * confirm or cancel. A 409 (the payment has moved on: captured already, or finished) is no
   * failure of the call: where the payment now stands is the answer.
   */
  private async act(method: 'session/confirm' | 'session/cancel', payment: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState> {
    const sessionId = await this.sessionIdOf(payment, signal);
    if (typeof sessionId !== 'string') return sessionId;
    const answer = await this.client.call(method, { session_id: sessionId }, { signal });
    if (answer.ok) return railStateOf(this.session(method, answer));
    if (answer.httpStatus === 409) return this.status({ ...payment, railRef: sessionId }, signal);
    if (answer.httpStatus === 404) return { state: 'not_found' };
    throw unexpected(method, answer);
  }

  /** session/refund under the refund id: the session replied, or the refund's definite end. */
  private async refundCall(request: RefundRequest, signal: AbortSignal): Promise<{ session: UpstreamSession } | RailRefundState> {
    if (!request.railRef) {
      return { state: 'failed', code: 'no_upstream_session', description: `payment ${request.paymentId} has no upstream session to refund: it was never captured there` };
    }
    const body = { session_id: request.railRef, amount_details: { amount: request.amount.amount, currency: request.amount.currency.toUpperCase() } };
    const answer = await this.client.call('session/refund', body, { signal, idempotencyKey: request.refundId });
    if (!answer.ok) {
      if (answer.httpStatus === 422) throw new UpstreamOutcomeUnknown('session/refund', `the upstream holds another request under Idempotency-Key ${request.refundId} (${answer.description})`);
      return { state: 'failed', code: answer.code, description: answer.description };
    }
    return { session: this.session('session/refund', answer) };
  }

  private session(method: string, answer: Extract<UpstreamAnswer, { ok: true }>): UpstreamSession {
    const session = sessionOf(answer.body);
    if (!session) throw new UpstreamOutcomeUnknown(method, 'the reply holds no session that can be read');
    return session;
  }
}

/** A refusal that no call of this adapter should meet (a bad key, an unknown method): a configuration problem, thrown. */
function unexpected(method: string, answer: Extract<UpstreamAnswer, { ok: false }>): Error {
  return new Error(`smartglocal ${method}: the upstream refused (HTTP ${answer.httpStatus} ${answer.code}: ${answer.description})`);
}
