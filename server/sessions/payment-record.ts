/** What a payment records of its request, which rail its details choose, and the row it starts as. */
import { iso } from '../clock';
import type { PaymentMethod } from '../domain/types';
import { newSecretId } from '../ids';
import type { CardTokenRow, FpsBindingRow, PaymentRow } from '../store/rows';
import type { SessionData, SessionRow } from '../store/rows';

export type PaymentDetailsInput =
  | { type: 'card'; card: { token: string } }
  | { type: 'recurrent'; recurrent: { token: string; initiator?: 'merchant' | 'client' } }
  | { type: 'faster_payment_system' }
  /** Binds the customer's account and takes no money: only on a session of amount 0 (see bindings.ts). */
  | { type: 'faster_payment_system_binding' }
  | { type: 'internet_banking'; internet_banking: { type: 'sber_pay'; sber_pay: { phone?: string; channel: 'app' | 'mobile_web' | 'web' } } }
  /** Public API only: the customer's last used card, one tap. */
  | { type: 'saved_card' };

export type StartPaymentInput = {
  payment_details: PaymentDetailsInput;
  metadata?: unknown;
  customer?: SessionData['customer'];
  payment_options?: { return_url?: string; recurrent?: boolean; save_card?: boolean };
  /** When the customer accepted the offer, for sessions that ask for consent. */
  consentedAt?: number;
  /** When the customer agreed to the shop's later charges (public API; the merchant API's caller answers for it). */
  recurrentConsentedAt?: number;
};

export function methodOf(d: PaymentDetailsInput): PaymentMethod {
  switch (d.type) {
    case 'card':
      return 'card';
    case 'saved_card':
      return 'saved_card';
    case 'recurrent':
      return 'recurrent';
    case 'faster_payment_system':
    case 'faster_payment_system_binding':
      return 'fps';
    case 'internet_banking':
      return 'sberpay';
  }
}

/**
 * What the payment records of its request: card data only as brand, last4 and expiry; for a
 * charge of an FPS account binding, the binding (its rail's id is what the rail is asked to charge).
 */
export function paymentDetailsRecord(session: SessionRow, input: StartPaymentInput, card: CardTokenRow | null, binding: FpsBindingRow | null = null) {
  const data = JSON.parse(session.data_json) as SessionData;
  const cardInfo = card && {
    token: card.id,
    brand: card.brand,
    last4: card.last4,
    expiry_month: card.expiry_month,
    expiry_year: card.expiry_year,
    ...(card.holder ? { holder: card.holder } : {}),
  };
  const d = input.payment_details;
  const payment_details =
    d.type === 'saved_card' ? { type: 'card', card: { ...cardInfo, saved: true } }
    : d.type === 'card' ? { type: 'card', card: cardInfo }
    : d.type === 'recurrent' && binding ? { type: 'recurrent', recurrent: { token: binding.id, initiator: d.recurrent.initiator ?? 'merchant' }, faster_payment_system: { bank: binding.bank_name } }
    : d.type === 'recurrent' ? { type: 'recurrent', recurrent: { token: card!.id, initiator: d.recurrent.initiator ?? 'merchant' }, card: cardInfo }
    : d;
  return {
    payment_details,
    // What the rail is asked to charge (its own id of the binding): kept beside the details, never rendered to the merchant.
    ...(binding ? { binding_rail_ref: binding.rail_ref } : {}),
    metadata: input.metadata ?? data.metadata,
    customer: input.customer ?? data.customer,
    payment_options: { ...data.payment_options, ...input.payment_options },
    ...(input.consentedAt ? { consent: { accepted_at: iso(input.consentedAt) } } : {}),
    ...(input.recurrentConsentedAt ? { recurrent_consent: { accepted_at: iso(input.recurrentConsentedAt) } } : {}),
  };
}

/** A payment of the session by `method` as it starts, at `now`: in progress, waiting for the customer, nothing asked of the rail yet. */
export function startedPayment(session: SessionRow, method: PaymentMethod, input: StartPaymentInput, card: CardTokenRow | null, binding: FpsBindingRow | null, now: number): PaymentRow {
  return {
    id: newSecretId('pm'),
    session_id: session.id,
    status: 'in_progress',
    method,
    stage: 'awaiting_customer',
    amount: session.amount,
    currency: session.currency,
    refunded_amount: 0,
    card_token: card?.id ?? null,
    rail_ref: null,
    details_json: JSON.stringify(paymentDetailsRecord(session, input, card, binding)),
    rail_op: null,
    reconcile_at: null,
    rail_checks: 0,
    interaction_json: null,
    failure_code: null,
    failure_description: null,
    action_expires_at: null,
    confirm_expires_at: null,
    created_at: now,
    updated_at: now,
  };
}
