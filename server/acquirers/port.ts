/**
 * The acquirer port: what the gateway asks of a payment rail, in domain terms (no storage rows,
 * no HTTP). Two implementations: the sandbox (`server/sandbox/rail.ts`, the embedded simulation)
 * and a Smart Glocal-compatible upstream (`server/acquirers/smartglocal/`).
 *
 * Every call is made outside any database transaction, in two phases (see
 * `server/sessions/rail-calls.ts`): the gateway records the attempt, calls the rail with the
 * payment id (or refund id) as the idempotency key and an AbortSignal that fires at its timeout,
 * then records the answer. A call that throws, or whose signal fired, has an unknown outcome:
 * the payment is `unknown` until `status` says what happened. Only a returned state is an answer;
 * so a rail that is sure it did nothing (a 4xx refusal) answers `declined`, never throws.
 */
import type { Hono } from 'hono';
import type { Money, PaymentMethod } from '../domain/types';

/** What the customer is shown while the payment waits for them: exactly what the rail returned. */
export type CustomerInteraction = {
  /** `qr`: show `redirect.url` as a QR code; `redirect`: open `redirect.url` (deep link or page). */
  type: 'qr' | 'redirect';
  redirect: { url: string; method: 'GET' };
};

export type SberPayChannel = 'app' | 'mobile_web' | 'web';

export type StartRequest = {
  /** The gateway's payment id: the rail's idempotency key, so a repeated start is the same payment. */
  paymentId: string;
  method: PaymentMethod;
  /** 0 only when `bindOnly`. */
  amount: Money;
  /** An FPS binding that takes no money (method fps, amount 0, and so keepRecurrent): the rail binds the account, and its "captured" carries the binding. */
  bindOnly: boolean;
  /** Take the money once authorised (automatic confirmation); false: hold it for `capture`. */
  capture: boolean;
  /** The rail's token for the card (a card, saved-card or recurrent payment). */
  cardToken: string | null;
  /** A recurrent payment by FPS account binding: the rail's id of the binding (see `RailBinding`). */
  bindingRef: string | null;
  /**
   * Keep the means of payment for later charges (payment_options.recurrent; the customer agreed):
   * the card as a recurrent token, or, for FPS, the customer's account bound as they pay.
   */
  keepRecurrent: boolean;
  /** A recurrent payment's initiator: the merchant (no customer, exempt from 3-D Secure) or the customer (one click; the issuer may ask). */
  initiator: 'merchant' | 'client' | null;
  /** False when nobody vouched for who the customer is (a typed identifier): the issuer may ask for 3-D Secure. */
  customerVerified: boolean;
  sberPay: { channel: SberPayChannel; phone?: string } | null;
  /** What the customer reads at their bank: the shop's name and the order's description. */
  merchant: string;
  description: string | null;
  customerReference: string | null;
  returnUrl: string | null;
  /** How long a QR, deep link or 3-D Secure page may be answered (the gateway's lifetime for it; NSPK's `qrTtl`). */
  customerActionTtlMs: number;
};

/** Where a payment stands at the rail: every answer of every call, and what `status` reports. */
export type RailPaymentState =
  | { state: 'awaiting_customer'; interaction: CustomerInteraction; railRef: string | null; expiresAt: number | null }
  /** Authorised and held: `capture` or `void` next. */
  | { state: 'authorized'; railRef: string | null }
  /** Taken; `binding`: an FPS payment with keepRecurrent bound the customer's account as well. */
  | { state: 'captured'; railRef: string | null; binding?: RailBinding }
  | { state: 'declined'; code: string; description: string }
  | { state: 'voided' }
  /** The rail has it and has not decided yet: ask again later. */
  | { state: 'processing'; railRef: string | null }
  /** (`status` only) The rail never received this payment: nothing was, or will be, charged. */
  | { state: 'not_found' };

/**
 * An FPS account binding the customer approved in their bank app (NSPK's subscription): `ref` is
 * the rail's id of it, which later charges name (`StartRequest.bindingRef`); `bankId` the
 * customer's bank (its FPS member id), where they may revoke it at any time.
 */
export type RailBinding = { ref: string; bankId: string | null; /** False: already revoked when the rail reported it. */ active?: boolean };

export type RefundRequest = { refundId: string; paymentId: string; railRef: string | null; amount: Money };

export type RailRefundState =
  | { state: 'succeeded' }
  | { state: 'failed'; code: string; description: string }
  | { state: 'processing' }
  | { state: 'not_found' };

/** What the gateway knows of a payment when it asks the rail about it again. */
export type RailPaymentRef = { paymentId: string; railRef: string | null; start: StartRequest };

/**
 * A card form of the rail's own, opened for one checkout: `url` is its page (which the widget
 * frames, and which speaks the card frame protocol of widget/card/frame-protocol.ts) and `token`
 * what it is opened with. The card number goes only there; the `tok_…` it gives the widget is
 * `StartRequest.cardToken`.
 */
export type RailCardForm = { url: string; token: string };

export interface Acquirer {
  /** Its name in `ACQUIRER` and in its callback routes, `/acquirer/<name>/…`. */
  readonly name: string;
  /** True for the simulation: views and webhooks say `"sandbox": true`, the widget shows "Test mode". */
  readonly sandbox: boolean;
  /** True when an FPS payment with keepRecurrent binds the account and a `bindingRef` can be charged; otherwise only cards recur. */
  readonly bindsFpsAccounts?: boolean;
  start(request: StartRequest, signal: AbortSignal): Promise<RailPaymentState>;
  /** Takes the held money of an authorised payment (the merchant's `session/confirm`). */
  capture(payment: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState>;
  /** Releases a hold, or withdraws a QR or invoice the customer has not paid. */
  void(payment: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState>;
  /** A fresh QR or deep link for a payment that waits for the customer; null when the rail cannot renew one. */
  renew(payment: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState | null>;
  refund(request: RefundRequest, signal: AbortSignal): Promise<RailRefundState>;
  /**
   * Sends the SberPay push (or SMS) for a SberPay payment that waits for the customer to `phone`
   * (digits, 7…). Moves no money; throws when it was not sent. Absent: the rail sends none.
   */
  sberPayPush?(payment: RailPaymentRef, phone: string, signal: AbortSignal): Promise<void>;
  status(payment: RailPaymentRef, signal: AbortSignal): Promise<RailPaymentState>;
  refundStatus(request: RefundRequest, signal: AbortSignal): Promise<RailRefundState>;
  /**
   * A card form at the rail for a card payment of `amount`. Absent: this server tokenises the
   * cards itself, which only the sandbox may do (its cards are test cards); a rail with neither
   * takes no cards.
   */
  cardForm?(amount: Money, signal: AbortSignal): Promise<RailCardForm>;
  /**
   * Where the rail's pages that a checkout frames come from (its card form, its 3-D Secure pages,
   * which may be an issuer's anywhere on https): CSP sources for the hosted pages' `frame-src`.
   */
  readonly framedSources?: readonly string[];
  /** Its callback routes, mounted under `/acquirer/<name>/`; each verifies the rail's own signature. */
  callbackRoutes?(reports: RailReports): Hono;
  /** Stops its background work, if any. */
  stop?(): Promise<void>;
}

/**
 * What a rail tells the gateway by itself (its callback, or the sandbox bank): the same
 * transitions as the answers to calls and reconciliation, applied once however often told.
 */
export interface RailReports {
  payment(paymentId: string, state: RailPaymentState): Promise<void>;
  refund(refundId: string, state: RailRefundState): Promise<void>;
  /** The rail says a payment's refunds changed without naming them (an upstream's payment_refunded): ask it about each pending one now. */
  reconcileRefunds(paymentId: string): Promise<void>;
  /** The customer revoked an FPS account binding at their bank: it is charged no more. */
  bindingRevoked(bindingRef: string): Promise<void>;
  /** The gateway's payment the rail knows by its own reference (an upstream session id), if any. */
  paymentIdByRailRef(railRef: string): Promise<string | null>;
}
