/**
 * The customer-facing view model of a session: what the widget and hosted pages may know.
 * Scoped by the public token; never holds project secrets, other sessions, or card data beyond
 * brand and last4.
 */
import { iso } from '../clock';
import { interactionOf } from '../sessions/render';
import { isAtTheRail } from '../domain/session-machine';
import type { Reads } from '../store/port';
import type { SupportContacts } from '../store/rows';
import type { LinkInput } from '../links/link-schema';
import type { PaymentRow, SessionData, SessionRow, SubscriptionRow } from '../store/rows';
import { dueAfter } from '../subscriptions/schedule';
import { METHOD_CHANGE, type MethodChange } from '../subscriptions/service';
import { vouchedCustomer } from '../sessions/cards';
import { bindsWithoutPaying } from '../sessions/bindings';

export type MethodId = 'saved_card' | 'fps' | 'card' | 'sberpay';

/** FPS leads (the cheapest rail for a merchant and the customer's habit in Russia); a saved card goes first when there is one. */
const METHOD_ORDER: readonly MethodId[] = ['fps', 'card', 'sberpay'];
const WITHOUT_CARDS: readonly MethodId[] = ['fps', 'sberpay'];
/**
 * What can pay now and be charged again later without the customer, in METHOD_ORDER: FPS when
 * the rail binds the account as it pays (`bindsFps`), cards when this server takes them.
 */
export const recurringMethods = (cardForm: CardFormKind, bindsFps: boolean): MethodId[] =>
  METHOD_ORDER.filter((m) => (m === 'fps' && bindsFps) || (m === 'card' && cardForm !== null));

/**
 * What may pay a session that keeps the means of payment: one that binds without paying, FPS
 * alone (only an account binds with no money); a subscription's new card, the card alone.
 */
export function keepingMethods(row: SessionRow, data: SessionData, cardForm: CardFormKind, bindsFps: boolean): MethodId[] {
  if (bindsWithoutPaying(row)) return bindsFps ? ['fps'] : [];
  const recurring = recurringMethods(cardForm, bindsFps);
  return (data[METHOD_CHANGE] as MethodChange | undefined)?.means === 'card' ? recurring.filter((m) => m === 'card') : recurring;
}

/**
 * Who tokenises the cards: this server (`server`, only the sandbox: its cards are test cards) or
 * the rail's own card form (`acquirer`, opened with POST …/card-form). null: no cards are taken.
 */
export type CardFormKind = 'server' | 'acquirer' | null;

/** The view without `server_time`, which the route adds to each reply. */
/** `latest`: the session's latest payment, live or finished (a failed one tells the customer why before they retry). */
/**
 * `sandbox`: the server runs the sandbox rail (the widget shows "Test mode"); `cardForm`: who
 * tokenises cards; `bindsFps`: the rail binds FPS accounts (see `recurringMethods`); `now`: the server's clock (a subscription's next date is counted from it).
 */
export async function sessionView(row: SessionRow, latest: PaymentRow | null, store: Reads, opts: { sandbox: boolean; cardForm: CardFormKind; bindsFps: boolean; now: number }) {
  const { sandbox, cardForm } = opts;
  const data = JSON.parse(row.data_json) as SessionData;
  // A saved card's last digits are shown only to a customer someone vouched for: never to whoever typed a name.
  // One tap pays again with a card this server tokenised; a rail's card token pays once (its recurrent tokens are another matter).
  // A session that keeps the card for later charges saves it anyway: no one-tap card, no "remember this card".
  const recurrent = data.payment_options?.recurrent === true;
  const customer = cardForm === 'server' && !recurrent ? vouchedCustomer(row) : null;
  const [project, saved, link, subscription] = await Promise.all([
    store.projects.get(row.project),
    customer ? store.cards.lastCard(row.project, customer) : undefined,
    row.link_id ? store.links.get(row.link_id) : undefined,
    typeof data.subscription_id === 'string' ? store.subscriptions.get(data.subscription_id) : undefined,
  ]);
  const interaction = latest && interactionOf(latest);
  const card = latest?.card_token ? await store.cards.get(latest.card_token) : undefined;
  return {
    session_id: row.id,
    version: row.version,
    status: row.status,
    close_reason: row.close_reason,
    amount_details: { amount: row.amount, currency: row.currency },
    description: data.description ?? null,
    /** The shop as its customers know it: its display name, never the project's internal name when it has one. */
    merchant: project?.displayName ?? row.project,
    methods: recurrent ? keepingMethods(row, data, cardForm, opts.bindsFps) : !cardForm ? WITHOUT_CARDS : saved ? (['saved_card', ...METHOD_ORDER] as MethodId[]) : METHOD_ORDER,
    card_form: cardForm,
    /** The session keeps the means of payment for the shop's later charges: the customer must agree (recurrent_consent), and only what can recur is offered. */
    recurrent,
    /** The session binds the customer's FPS account and takes no money (amount 0): the widget asks them to link it, not to pay. */
    binding: bindsWithoutPaying(row),
    /** The session checks a subscription's new card or account (1 ₽, refunded): the widget's success says the method was saved. */
    method_change: data[METHOD_CHANGE] !== undefined,
    /** The subscription this session's payment begins: the regular-payment notice says what, how often and when next. */
    subscription: subscription ? regularPayment(subscription, opts.now) : null,
    saved_card: saved ? { brand: saved.brand, last4: saved.last4 } : null,
    /** Whether the widget may offer "remember this card" (unticked): only for a vouched customer. */
    can_save_card: customer !== null,
    return_url: data.payment_options?.return_url ?? null,
    show_result: data.payment_options?.show_result !== false,
    consent: consentOf(data),
    /** The shop's contacts, shown when a payment fails: a payment link's support block. */
    support: supportOf(link ? (JSON.parse(link.data_json) as LinkInput).support : undefined, project?.support),
    expires_at: iso(row.expires_at),
    sandbox,
    payment: latest
      ? {
          id: latest.id,
          method: latest.method,
          status: latest.status,
          // The rail has not answered yet, or its answer was lost: the server is finding out (the widget says "checking the payment").
          ...(isAtTheRail(latest.stage) ? { checking: true as const } : {}),
          ...(interaction && latest.action_expires_at ? { customer_interaction: { ...interaction, expires_at: iso(latest.action_expires_at) } } : {}),
          ...(latest.failure_code ? { failure: { code: latest.failure_code, description: latest.failure_description } } : {}),
          ...(card ? { card: { brand: card.brand, last4: card.last4 } } : {}),
          ...(latest.status === 'succeeded' ? { paid_at: iso(latest.updated_at) } : {}),
        }
      : null,
  };
}

export type SessionView = Awaited<ReturnType<typeof sessionView>>;

/**
 * What the customer agrees to pay regularly: the price, the period, the next date if they pay
 * now, and the trial (its days and price, what this payment is) when it begins with one.
 */
function regularPayment(s: SubscriptionRow, now: number) {
  // Not begun, this payment pays the first period (or the trial) if made now. Begun, the scheduler's own date (a retry,
  // when overdue), else the end of the last period paid (a charge under way); never a date already past.
  const next =
    s.started_at === null ? dueAfter(now, s.trial_days, s.period_unit, s.period_count, s.trial_days === null ? 1 : 0)
    : (s.next_charge_at ?? dueAfter(s.started_at, s.trial_days, s.period_unit, s.period_count, s.periods_paid));
  return {
    amount_details: { amount: s.amount, currency: s.currency },
    period: { unit: s.period_unit, count: s.period_count },
    next_payment_at: iso(Math.max(now, next)),
    // What this payment is, while it is the trial's: once begun, the trial is behind the customer.
    ...(s.trial_days !== null && s.started_at === null ? { trial: { days: s.trial_days, amount_details: { amount: s.trial_amount!, currency: s.currency } } } : {}),
  };
}

/** The shop's contacts: a payment link's own, else the project's; null when the shop gave none. */
function supportOf(...candidates: (SupportContacts | undefined)[]): SupportContacts | null {
  return candidates.find((s) => s && Object.values(s).some(Boolean)) ?? null;
}

/** The consent the session asks for, or null when it asks for none. */
export function consentOf(data: SessionData): { offer_url: string | null } | null {
  const consent = data.payment_options?.consent as { offer_url?: string } | undefined;
  return consent ? { offer_url: consent.offer_url ?? null } : null;
}
