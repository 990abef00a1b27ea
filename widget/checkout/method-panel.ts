/**
 * The panel under the tabs: what one method shows before, while and instead of paying. Plain
 * render functions over what the element hands them; the element keeps the state and the calls.
 */
import { html, nothing } from 'lit';
import type { MethodId, RailCardForm, SessionView } from '../api/public-api';
import { formatAmount, type Dictionary, type Locale } from '../i18n/i18n';
import { mobileOs } from './platform';

export type QrMethodId = 'fps' | 'sberpay';

/** What the panel reads and what it may ask the element to do. */
export type MethodPanel = {
  view: SessionView;
  method: MethodId;
  t: Dictionary;
  locale: Locale;
  mobile: boolean;
  /** The card form to frame (this server's, or the rail's once opened); null while the rail's opens, or when it could not. */
  cardForm: RailCardForm | null;
  /** The rail's card form could not be opened: the panel offers to try again. */
  cardFormFailed: boolean;
  retryCardForm: () => void;
  theme: 'light' | 'dark';
  /** The method whose action is under way (its button shows progress), or null. */
  busy: MethodId | null;
  /** Why the pay buttons are disabled (the first consent missing), or null. */
  blocked: string | null;
  clockOffsetMs: number;
  banks: import('../api/public-api').Bank[];
  bankFallback: boolean;
  pushSent: boolean;
  rememberCard: boolean;
  /** The customer agreed that the shop may charge this card later (view.recurrent). */
  recurrentConsent: boolean;
  /** The expiry the customer typed before a failed attempt, handed back to the card form. */
  cardExpiry: string;
  startQr: (method: QrMethodId) => void;
  paySaved: () => void;
  removeSavedCard: () => void;
  payByCard: () => void;
  setRememberCard: (on: boolean) => void;
  setRecurrentConsent: (on: boolean) => void;
  renew: () => void;
  sendPush: (e: SubmitEvent) => void;
  onBankFallback: () => void;
  chooseAnotherBank: () => void;
};

const BLOCKED_HINT_ID = 'pay-blocked';

/** The primary button of a method: disabled with the reason beside it, or showing progress. */
function payButton(p: MethodPanel, method: MethodId, label: string, onClick: () => void) {
  const busy = p.busy === method;
  return html`<button class="primary" part="pay-button" ?disabled=${p.busy !== null || p.blocked !== null} aria-busy=${busy ? 'true' : 'false'}
      aria-describedby=${p.blocked ? BLOCKED_HINT_ID : nothing} @click=${onClick}>
      ${busy ? html`<span class="spinner" aria-hidden="true"></span>${method === 'card' || method === 'saved_card' ? p.t.paying : p.t.preparing}` : label}
    </button>
    ${p.blocked ? html`<p class="muted hint" id=${BLOCKED_HINT_ID}>${p.blocked}</p>` : nothing}`;
}

export function methodPanel(p: MethodPanel) {
  const { t, view } = p;
  if (p.method === 'saved_card') {
    return html`${payButton(p, 'saved_card', t.payWithSaved(view.saved_card?.last4 ?? ''), p.paySaved)}
      <button class="link" ?disabled=${p.busy !== null} @click=${p.removeSavedCard}>${t.removeCard}</button>`;
  }
  if (p.method === 'card') {
    const amount = formatAmount(view.amount_details.amount, view.amount_details.currency, p.locale);
    if (!p.cardForm) {
      return p.cardFormFailed
        ? html`<button class="secondary" @click=${p.retryCardForm}>${t.tryAgain}</button>`
        : html`<p class="waiting" role="status">${t.loading}</p>`;
    }
    return html`<sg-card-view .form=${p.cardForm.url} .token=${p.cardForm.token} .locale=${p.locale} .theme=${p.theme} .expiry=${p.cardExpiry} .label=${t.methods.card}
        @card-submit=${p.payByCard}></sg-card-view>
      ${view.recurrent ? recurrentConsentBox(p) : view.can_save_card ? rememberCardBox(p) : nothing}
      ${payButton(p, 'card', `${t.payCard} ${amount}`, p.payByCard)}`;
  }
  return qrMethodPanel(p, p.method as QrMethodId);
}

/** The shop keeps this card (or, by FPS, binds the account) for later charges: the customer's consent, next to the button it unblocks. */
function recurrentConsentBox(p: MethodPanel, method: 'card' | 'fps' = 'card') {
  const words = method === 'fps' ? p.t.recurrentConsentFps : p.t.recurrentConsent;
  return html`<label class="recurrent"><input type="checkbox" .checked=${p.recurrentConsent}
      @change=${(e: Event) => p.setRecurrentConsent((e.target as HTMLInputElement).checked)} /><span>${words(p.view.merchant)}</span></label>`;
}

/** "Remember this card", for a customer the shop or Telegram vouched for (view.can_save_card). */
function rememberCardBox(p: MethodPanel) {
  return html`<label class="remember"><input type="checkbox" .checked=${p.rememberCard}
      @change=${(e: Event) => p.setRememberCard((e.target as HTMLInputElement).checked)} /><span>${p.t.rememberCard}</span></label>`;
}

/** FPS and SberPay: nothing is made until the customer asks; then the QR, the banks or the app link. */
function qrMethodPanel(p: MethodPanel, method: QrMethodId) {
  const { t, view } = p;
  const payment = view.payment;
  const mine = payment && payment.method === method ? payment : null;
  if (mine?.status === 'pending') return html`<p class="waiting" role="status">${t.waitingShop}</p>`;
  const interaction = mine?.status === 'in_progress' ? mine.customer_interaction : undefined;
  if (!interaction) {
    const label = p.mobile ? (method === 'fps' ? t.payFps : t.paySberPay) : t.showQr;
    return html`<p class="muted intro">${method === 'fps' ? t.fpsIntro : t.sberIntro}</p>
      ${view.recurrent && method === 'fps' ? recurrentConsentBox(p, 'fps') : nothing}${payButton(p, method, label, () => p.startQr(method))}`;
  }
  // A binding's link carries no sum: the QR shows none either.
  const amount = view.binding ? '' : formatAmount(view.amount_details.amount, view.amount_details.currency, p.locale);
  const expiresAt = Date.parse(interaction.expires_at) - p.clockOffsetMs;
  // On a phone the QR itself is not shown, but its countdown, copy button and renewal still are.
  const qr = (compact: boolean) => html`<sg-qr-view .link=${interaction.redirect.url} .method=${method} .amount=${amount}
    .expiresAt=${expiresAt} .t=${t} ?compact=${compact} @qr-renew=${p.renew}></sg-qr-view>`;
  if (method === 'sberpay') {
    const push = html`<form class="push" @submit=${p.sendPush}>
      <label for="push-phone"><strong>${t.pushTitle}</strong> <span class="muted" id="push-hint">${t.pushHint}</span></label>
      <div class="push-row"><input id="push-phone" name="phone" type="tel" autocomplete="tel" inputmode="tel" aria-describedby="push-hint" placeholder="+7 900 000-00-00" required />
        <button>${p.pushSent ? t.pushSent : t.sendPush}</button></div></form>`;
    if (interaction.type === 'redirect') return html`<a class="primary button" part="pay-button" href=${interaction.redirect.url}>${t.openSberPay}</a>${push}${qr(true)}`;
    return html`${qr(false)}${push}`;
  }
  if (!p.mobile) return qr(false);
  const list = p.banks.length
    ? html`<sg-bank-list .banks=${p.banks} .platform=${mobileOs()} .t=${t} .locale=${p.locale} .link=${interaction.redirect.url} .failed=${p.bankFallback}
        @bank-fallback=${p.onBankFallback} @choose-another=${p.chooseAnotherBank}></sg-bank-list>`
    : html`<p class="waiting" role="status">${t.loading}</p>`;
  // While the list says the app did not open, it offers the link itself: no second copy button below.
  return html`<p class="muted">${t.chooseBank}</p>${list}${p.bankFallback ? nothing : qr(true)}`;
}
