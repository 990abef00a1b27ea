import { html, nothing } from 'lit';
import type { SessionView } from '../api/public-api';
import type { CheckoutState } from '../checkout/checkout-state';
import { formatAmount, type Dictionary, type Locale } from '../i18n/i18n';

type ResultState = Extract<CheckoutState, { kind: 'succeeded' | 'failed' | 'expired' }>;

/**
 * The success, failure and expiry screens. `api` is the server's origin (for the receipt);
 * `retry` dismisses a failure so the customer can pick another method.
 */
export function resultView(s: ResultState, t: Dictionary, locale: Locale, api: string, retry: () => void) {
  const view = s.view;
  const amount = formatAmount(view.amount_details.amount, view.amount_details.currency, locale);
  const back = view.return_url ? html`<a class="primary button" href=${view.return_url}>${t.backToShop}</a>` : nothing;
  if (s.kind === 'succeeded') {
    const receipt = view.payment ? html`<a class="secondary button" href=${`${api}/receipt/${view.payment.id}`} target="_blank" rel="noopener">${t.receipt}</a>` : nothing;
    return html`<div class="panel result" part="panel" role="status">
      <div class="icon" aria-hidden="true">✓</div><h2 tabindex="-1">${t.success}</h2><p class="total">${amount}</p>
      ${view.description ? html`<p class="muted">${view.description}</p>` : nothing}${back}${receipt}</div>`;
  }
  if (s.kind === 'expired') {
    return html`<div class="panel result" part="panel" role="alert">
      <div class="icon" aria-hidden="true">⏱</div><h2 tabindex="-1">${t.expired}</h2>
      ${view.return_url ? back : html`<button class="primary" @click=${() => location.reload()}>${t.startAgain}</button>`}</div>`;
  }
  const failure = view.payment?.failure;
  // The customer's language first; the server's own words only for a reason the widget does not know.
  const reason = failure ? (t.failures[failure.code] ?? failure.description) : null;
  return html`<div class="panel result" part="panel" role="alert">
    <div class="icon error" aria-hidden="true">✕</div><h2 tabindex="-1">${t.failed}</h2>
    ${reason ? html`<p class="muted">${reason}</p>` : nothing}${supportView(view.support, t)}
    ${s.final ? back : html`<button class="primary" @click=${retry}>${t.tryOther}</button>`}</div>`;
}

function supportView(support: SessionView['support'], t: Dictionary) {
  if (!support) return html`<p class="muted">${t.support}</p>`;
  const links = [
    support.phone && html`<a href=${`tel:${support.phone}`}>${support.phone}</a>`,
    support.email && html`<a href=${`mailto:${support.email}`}>${support.email}</a>`,
    support.telegram && html`<a href=${`https://t.me/${support.telegram.slice(1)}`} target="_blank" rel="noopener">${support.telegram}</a>`,
    support.url && html`<a href=${support.url} target="_blank" rel="noopener">${support.url}</a>`,
  ].filter(Boolean);
  return html`<p class="muted support">${t.supportTitle}: ${links.map((l, i) => html`${i ? ' · ' : ''}${l}`)}</p>`;
}
