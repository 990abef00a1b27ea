/**
 * What the gateway asks the rail, built from what it stored: the same request for the first call
 * and for every later one (reconciliation repeats a lost start with the same idempotency key, and
 * an upstream compares its bytes), so nothing here may depend on anything but the rows.
 */
import type { RailPaymentRef, SberPayChannel, StartRequest } from '../acquirers/port';
import type { PaymentRow, Project, SessionData, SessionRow } from '../store/rows';
import { actionLifetimeMs } from './windows';
import { bindsWithoutPaying } from './bindings';

type StoredDetails = {
  payment_details?: {
    internet_banking?: { sber_pay?: { channel?: SberPayChannel; phone?: string } };
    recurrent?: { initiator?: 'merchant' | 'client' };
  };
  binding_rail_ref?: string;
  customer?: SessionData['customer'];
  payment_options?: { return_url?: string; recurrent?: boolean };
};

export function startRequestOf(session: SessionRow, payment: PaymentRow, project: Project): StartRequest {
  const data = JSON.parse(session.data_json) as SessionData;
  const details = JSON.parse(payment.details_json) as StoredDetails;
  const sberPay = details.payment_details?.internet_banking?.sber_pay;
  return {
    paymentId: payment.id,
    method: payment.method,
    amount: { amount: payment.amount, currency: payment.currency },
    bindOnly: bindsWithoutPaying(payment),
    // FPS and SberPay cannot hold money: the merchant's confirmation, if asked for, came before the rail was. A charge of a
    // bound account under manual confirmation is approved by the bank and debited on the merchant's confirm (ready_to_confirm first).
    capture: session.confirmation === 'auto' || payment.method === 'fps' || payment.method === 'sberpay',
    cardToken: payment.card_token,
    bindingRef: payment.method === 'recurrent' ? (details.binding_rail_ref ?? null) : null,
    // A binding keeps what it binds, whatever its details say: the rails read keepRecurrent alone for that.
    keepRecurrent: (details.payment_options?.recurrent === true || bindsWithoutPaying(payment)) && payment.method !== 'recurrent',
    initiator: payment.method === 'recurrent' ? (details.payment_details?.recurrent?.initiator ?? 'merchant') : null,
    customerVerified: data.customer?.verified !== false,
    sberPay: payment.method === 'sberpay' ? { channel: sberPay?.channel ?? 'web', ...(sberPay?.phone ? { phone: sberPay.phone } : {}) } : null,
    merchant: project.displayName ?? project.name,
    description: data.description ?? null,
    customerReference: (details.customer ?? data.customer)?.reference ?? null,
    returnUrl: details.payment_options?.return_url ?? data.payment_options?.return_url ?? null,
    customerActionTtlMs: actionLifetimeMs(payment.method, project),
  };
}

export const railRefOf = (session: SessionRow, payment: PaymentRow, project: Project): RailPaymentRef => ({
  paymentId: payment.id,
  railRef: payment.rail_ref,
  start: startRequestOf(session, payment, project),
});
