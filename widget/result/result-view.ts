import { html, nothing } from 'lit';
import type { SessionView } from '../api/public-api';
import type { CheckoutState } from '../checkout/checkout-state';
import { formatAmount, type Dictionary, type Locale } from '../i18n/i18n';
import { testBadge } from '../checkout/test-badge';

type ResultState = Extract<CheckoutState, { kind: 'succeeded' | 'failed' | 'expired' | 'checking' }>;

/** "by card •••• 4242", "via FPS": how the payment was made, in the customer's words. */
function paidHow(view: SessionView, t: Dictionary): string {
  const p = view.payment;
  if (!p) return '';
  return p.card ? t.byCard(p.card.last4) : (t.byMethod[p.method] ?? '');
}

/** When it was paid, on the customer's own clock and in their language. */
function paidWhen(view: SessionView, locale: Locale): string {
  const at = view.payment?.paid_at;
  if (!at) return '';
  return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'long', timeStyle: 'short' }).format(new Date(at));
}

/** The customer's words for why a payment failed: known codes only, never the server's description. */
function failureReason(view: SessionView, t: Dictionary): string {
  const code = view.payment?.failure?.code ?? view.close_reason;
  return (code && t.failures[code]) || t.failedOther;
}

/** What the live region says when a result arrives (it exists before, so screen readers hear it). */
export function resultAnnouncement(view: SessionView, t: Dictionary, locale: Locale): string {
  const amount = formatAmount(view.amount_details.amount, view.amount_details.currency, locale);
  if (view.payment?.status === 'succeeded') return view.binding ? (view.method_change ? t.methodSaved : t.success) : `${t.success}: ${amount}, ${t.paidWith(paidHow(view, t))}`;
  return `${t.failed}. ${failureReason(view, t)}`;
}

/**
 * The success, failure and expiry screens, and the wait for an outcome the server is checking.
 * `api` is the server's origin (for the receipt); `retry` dismisses a failure so the customer can
 * pick another method.
 */
export function resultView(s: ResultState, t: Dictionary, locale: Locale, api: string, retry: () => void) {
  const view = s.view;
  // A binding pays nothing: no "0,00 ₽", no "paid via FPS", no receipt (its words come from `t`, a binding's dictionary).
  const amount = view.binding ? nothing : html`<p class="total">${formatAmount(view.amount_details.amount, view.amount_details.currency, locale)}</p>`;
  const description = view.description ? html`<p class="muted">${view.description}</p>` : nothing;
  const back = view.return_url ? html`<a class="primary button" href=${view.return_url}>${view.method_change ? t.backToSubscription : t.backToShop}</a>` : nothing;
  const badge = testBadge(view, t);
  if (s.kind === 'checking') {
    // Nothing to press: no methods, no retry (either could pay twice); the long-poll brings the outcome.
    return html`<div class="panel result" part="panel">${badge}
      <div class="icon" aria-hidden="true"><span class="spinner"></span></div><h2 tabindex="-1">${t.checking}</h2>${amount}
      ${description}<p class="muted">${t.checkingHint}</p></div>`;
  }
  if (s.kind === 'succeeded') {
    const heading = html`<div class="icon" aria-hidden="true">✓</div><h2 tabindex="-1">${view.method_change ? t.methodSaved : t.success}</h2>`;
    if (view.binding) return html`<div class="panel result" part="panel">${badge}${heading}${description}${back}</div>`;
    const receipt = view.payment ? html`<a class="secondary button" href=${`${api}/receipt/${view.payment.id}?lang=${locale}`} target="_blank" rel="noopener">${t.receipt}</a>` : nothing;
    const when = paidWhen(view, locale);
    return html`<div class="panel result" part="panel">${badge}
      ${heading}${amount}${description}
      <p class="muted paid">${t.paidWith(paidHow(view, t))}${when ? html` <time datetime=${view.payment!.paid_at!}>${when}</time>` : nothing}</p>
      ${back}${receipt}</div>`;
  }
  if (s.kind === 'expired') {
    return html`<div class="panel result" part="panel">${badge}
      <div class="icon" aria-hidden="true">⏱</div><h2 tabindex="-1">${t.expired}</h2>
      ${view.return_url ? back : html`<button class="primary" @click=${() => location.reload()}>${t.startAgain}</button>`}</div>`;
  }
  return html`<div class="panel result" part="panel">${badge}
    <div class="icon error" aria-hidden="true">✕</div><h2 tabindex="-1">${t.failed}</h2>
    <p class="muted">${failureReason(view, t)}</p>${supportView(view.support, t)}
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
