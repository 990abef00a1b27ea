/**
 * The subscriptions, newest first: what each charges and how often, where its schedule stands,
 * and its charges (period.attempt), each a session that opens as the session list's rows do.
 */
import { h, replace } from '../dom';
import type { SubscriptionSummary } from './console-api';
import { dateTime, formatMoney } from './format';

type Charge = SubscriptionSummary['charges'][number];

export function renderSubscriptions(root: HTMLElement, subscriptions: SubscriptionSummary[]): void {
  if (subscriptions.length === 0) {
    return replace(root, h('p', { class: 'muted' }, 'No subscriptions yet. Create one with the signed ', h('code', {}, 'subscription/create'), ' method and pay its first payment with the customer’s consent to later charges.'));
  }
  replace(root, subscriptions.map(subscriptionEntry));
}

function subscriptionEntry(s: SubscriptionSummary): HTMLElement {
  return h(
    'article',
    { class: 'subscription-entry', 'data-id': s.id },
    h(
      'h2',
      {},
      s.id,
      h('span', { class: `status status-${s.status}` }, s.status),
      s.cancel_at_period_end ? h('span', { class: 'status status-pending' }, 'ends at period end') : null,
    ),
    h(
      'dl',
      { class: 'facts' },
      fact('Project', s.project),
      fact('Price', `${formatMoney(s.amount_details.amount)} ${per(s.period)}`),
      s.description ? fact('Description', s.description) : null,
      s.customer_reference ? fact('Customer', s.customer_reference) : null,
      fact('Next charge', nextCharge(s)),
      fact('Periods paid', String(s.periods_paid)),
      fact('Failed attempts', String(s.failed_attempts)),
      fact('Cancel at period end', s.cancel_at_period_end ? 'yes' : 'no'),
      s.cancelled_at ? fact('Cancelled', `${dateTime(s.cancelled_at)}${s.cancel_reason ? ` (${s.cancel_reason})` : ''}`) : null,
      s.method ? fact('Paid with', s.method) : null,
      s.trial_days !== null ? fact('Trial', `${s.trial_days} d`) : null,
    ),
    h(
      'table',
      { class: 'charges' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Charge'), h('th', {}, 'Date'), h('th', { class: 'num' }, 'Amount'), h('th', {}, 'Session'), h('th', {}, 'Status'))),
      h('tbody', {}, s.charges.map(chargeRow)),
    ),
  );
}

function chargeRow(c: Charge): HTMLElement {
  return h(
    'tr',
    {},
    h('td', { class: 'charge-number', title: c.period === 0 ? 'the trial' : `period ${c.period}, attempt ${c.attempt}` }, c.period === 0 ? 'trial' : `${c.period}.${c.attempt}`),
    h('td', { class: 'time' }, dateTime(c.created_at)),
    h('td', { class: 'num' }, c.amount === null ? '—' : formatMoney(c.amount)),
    h('td', {}, h('a', { href: `#sessions/${c.session_id}` }, c.session_id)),
    h('td', {}, c.status ? h('span', { class: `status status-${c.status}` }, c.status) : '—', c.failure ? h('div', { class: 'bad small' }, c.failure.code) : null),
  );
}

const fact = (term: string, value: string) => [h('dt', {}, term), h('dd', {}, value)];

/** "/ month", "every 3 months". */
const per = (p: SubscriptionSummary['period']) => (p.count === 1 ? `/ ${p.unit}` : `every ${p.count} ${p.unit}s`);

/**
 * The next charge's date, or why there is none. A subscription set to end keeps its date (the
 * scheduler ends it then), but nothing is charged on it.
 */
function nextCharge(s: SubscriptionSummary): string {
  if (s.cancel_at_period_end && s.current_period_end) return `none: ends on ${dateTime(s.current_period_end)}`;
  if (s.next_charge_at) return dateTime(s.next_charge_at);
  if (s.status === 'pending') return 'none until the first payment succeeds';
  if (s.status === 'cancelled') return 'none: ended';
  return 'a charge is under way';
}
