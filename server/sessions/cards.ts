/**
 * The cards a session's payments charge and keep: which card token a payment may take, the
 * tokens of the rail's own card form, and the saved card offered for one-tap payment to a
 * customer someone vouched for (`vouchedCustomer`).
 */
import type { Clock } from '../clock';
import { badRequest, conflict, notFound } from '../errors';
import type { Tx } from '../store/port';
import type { CardTokenRow, PaymentRow, Project, SessionData, SessionRow } from '../store/rows';
import type { PaymentDetailsInput } from './payment-record';

/** The card shown by a rail's card form: what the customer typed, as brand, last four digits and expiry. */
export type RailCardShown = { brand: string; last4: string; expiry_month: number; expiry_year: number };
/** The `scenario` of a rail's card: the rail decides, not the sandbox issuer. */
export const RAIL_CARD = 'rail';

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

/** The customer whose saved card the session's page may remove; 409 when they have none. */
export async function savedCardOwner(tx: Tx, project: Project, session: SessionRow): Promise<string> {
  const reference = vouchedCustomer(session);
  if (!reference || !(await tx.cards.lastCard(project.name, reference))) throw conflict(`session ${session.id} has no saved card to remove`);
  return reference;
}

/**
 * A token of the rail's own card form, recorded on its first use so the payment can name it,
 * with the card as that form showed it to the customer (`shown`). A token already known is left
 * as it is: startPayment checks it as any other (its session, whether it was used).
 */
export async function recordRailCard(tx: Tx, project: Project, sessionId: string, token: string, shown: RailCardShown | undefined, clock: Clock): Promise<void> {
  if (await tx.cards.get(token)) return;
  if (!shown) throw badRequest('card', "a token from the bank's card form needs the card as the form showed it: brand, last4, expiry_month and expiry_year");
  const row: CardTokenRow = { id: token, project: project.name, session_id: sessionId, ...shown, holder: null, scenario: RAIL_CARD, recurrent: 0, recurrent_at: null, used_at: null, disabled_at: null, created_at: clock.now() };
  await tx.cards.insert(row);
}

/**
 * The card a payment with these details charges, if any: the customer's saved card, or the
 * token it names, checked (this project's, not disabled, recurrent when charged as such; made
 * on this session's own card form when the customer pays with it, `byCustomer`).
 */
export async function cardFor(tx: Tx, project: Project, session: SessionRow, details: PaymentDetailsInput, byCustomer: boolean): Promise<CardTokenRow | null> {
  if (details.type === 'saved_card') {
    const reference = vouchedCustomer(session);
    const card = reference ? await tx.cards.lastCard(project.name, reference) : undefined;
    if (!card) throw conflict(`session ${session.id} has no saved card: its customer has not paid by card before`);
    return card;
  }
  const token = details.type === 'card' ? details.card.token : details.type === 'recurrent' ? details.recurrent.token : null;
  if (!token) return null;
  const card = await tx.cards.get(token);
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

/**
 * Keeps a card for the customer's next one-tap payment only when they agreed to it (the widget's
 * "remember this card" box, or the merchant's own form through payment_options.save_card) and
 * someone vouched for who they are (see `vouchedCustomer`).
 */
export async function rememberCard(tx: Tx, project: Project, session: SessionRow, payment: PaymentRow, clock: Clock): Promise<void> {
  if (!payment.card_token || payment.method === 'recurrent') return;
  const details = JSON.parse(payment.details_json) as { payment_options?: { recurrent?: boolean; save_card?: boolean }; customer?: SessionData['customer'] };
  if (details.payment_options?.recurrent) await tx.cards.setRecurrent(payment.card_token, clock.now());
  if (payment.method === 'saved_card' || details.payment_options?.save_card !== true) return;
  // The payment's customer, which session/start/payment may have given, else the session's.
  const reference = details.customer?.reference ? vouchedReference(details.customer) : vouchedCustomer(session);
  if (reference) await tx.cards.rememberLastCard(project.name, reference, payment.card_token, clock.now());
}
