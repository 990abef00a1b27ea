import { html, nothing } from 'lit';
import type { CheckoutState } from '../checkout/checkout-state';
import { formatAmount, type Dictionary, type Locale } from '../i18n/i18n';

type ResultState = Extract<CheckoutState, { kind: 'succeeded' | 'failed' | 'expired' }>;

/** The success, failure and expiry screens. `retry` dismisses a failure so the customer can pick another method. */
export function resultView(s: ResultState, t: Dictionary, locale: Locale, retry: () => void) {
  const view = s.view;
  const amount = formatAmount(view.amount_details.amount, view.amount_details.currency, locale);
  const back = view.return_url ? html`<a class="primary button" href=${view.return_url}>${t.backToShop}</a>` : nothing;
  if (s.kind === 'succeeded') {
    return html`<div class="panel result" part="panel" role="status">
      <div class="icon" aria-hidden="true">✓</div><h2 tabindex="-1">${t.success}</h2><p class="total">${amount}</p>
      ${view.description ? html`<p class="muted">${view.description}</p>` : nothing}${back}</div>`;
  }
  if (s.kind === 'expired') {
    return html`<div class="panel result" part="panel" role="alert">
      <div class="icon" aria-hidden="true">⏱</div><h2 tabindex="-1">${t.expired}</h2>
      ${view.return_url ? back : html`<button class="primary" @click=${() => location.reload()}>${t.startAgain}</button>`}</div>`;
  }
  const reason = view.payment?.failure?.description;
  return html`<div class="panel result" part="panel" role="alert">
    <div class="icon error" aria-hidden="true">✕</div><h2 tabindex="-1">${t.failed}</h2>
    ${reason ? html`<p class="muted">${reason}</p>` : nothing}<p class="muted">${t.support}</p>
    ${s.final ? back : html`<button class="primary" @click=${retry}>${t.tryOther}</button>`}</div>`;
}
