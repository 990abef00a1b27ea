import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { defineElement } from '../define-element';
import { ApiFailure, PublicApi, type Bank, type Fetch, type MethodId, type SessionView, type StartPayment } from '../api/public-api';
import { emit } from '../events';
import { DICTIONARIES, formatAmount, pickLocale, type Dictionary } from '../i18n/i18n';
import { StatusController } from '../status/status-controller';
import type { CardView } from '../card/card-view';
import { apiBase, detectLayout, mobileOs } from './platform';
import { deriveState, type CheckoutState } from './checkout-state';
import { checkoutStyles } from './checkout.styles';
import { resultView } from '../result/result-view';
import '../qr/qr-view';
import '../banks/bank-list';
import '../card/card-view';

/** Where this script was loaded from, read while it runs (document.currentScript is null later). */
const SCRIPT_URL: string | undefined =
  typeof document === 'undefined' ? undefined : ((document.currentScript as HTMLScriptElement | null)?.src ?? import.meta.url);

const QR_METHODS = new Set<MethodId>(['fps', 'sberpay']);
const SHOP_REFUSALS = new Set(['order_refused', 'order_check_failed']);

/**
 * `<sg-checkout token="pt_…">`: the payment options of one session (last used card, bank card,
 * FPS, SberPay), the customer's interaction with each, and the result.
 *
 * @event sg-ready - the session loaded; detail: sessionId, methods
 * @event sg-status - the session changed; detail: status, payment, version
 * @event sg-success - a payment succeeded (once per payment)
 * @event sg-fail - a payment failed (once per payment); detail adds code and reason
 * @event sg-error - the widget could not load or reach the server; detail: code, message
 * @csspart panel - the outer box
 * @csspart tab - a payment method tab
 * @csspart pay-button - the main pay button
 * @cssproperty --sg-accent - the main colour (buttons, selected tab)
 * @cssproperty --sg-accent-color - text on the main colour
 * @cssproperty --sg-background - the panel's background
 * @cssproperty --sg-color - text colour
 * @cssproperty --sg-muted - secondary text
 * @cssproperty --sg-border - borders
 * @cssproperty --sg-radius - buttons and inputs; --sg-radius-panel for the panel
 * @cssproperty --sg-font - the font shorthand
 */
@defineElement('sg-checkout')
export class SgCheckout extends LitElement {
  static override styles = checkoutStyles;

  /** The session's public token, from the merchant API's `token` method. */
  @property() token = '';
  /** The payment server's origin; defaults to the origin this script was loaded from. */
  @property() api = '';
  /** `ru` or `en`; defaults to the browser's language. */
  @property() locale = '';
  @property({ reflect: true }) theme: 'light' | 'dark' = 'light';
  /** `mobile` or `desktop`; detected from the device unless set. */
  @property() layout = '';
  /** The fetch the widget uses (tests pass a fake). */
  @property({ attribute: false }) fetchImpl?: Fetch;

  @state() private view: SessionView | null = null;
  @state() private chosen: MethodId | null = null;
  @state() private loadError: string | null = null;
  @state() private actionError: string | null = null;
  /** The shop's own answer (its order check said no): shown as it is, with no words of ours around it. */
  private actionErrorIsShops = false;
  @state() private busy = false;
  @state() private consentGiven = false;
  @state() private banks: Bank[] = [];
  @state() private bankFallback = false;
  @state() private pushSent = false;
  @state() private dismissedFailure: string | null = null;
  @query('sg-card-view') private cardView?: CardView;
  @query('dialog') private dialog?: HTMLDialogElement;

  /** Server time minus page time: every countdown runs on the server's clock. */
  private clockOffsetMs = 0;
  private announced = new Set<string>();
  private readySent = false;
  private lastKind: CheckoutState['kind'] | null = null;
  private focusWasInside = false;
  private client: PublicApi | null = null;
  /** The FPS link that the bank list's deep links open. */
  private banksLink: string | null = null;

  private status = new StatusController(this, {
    source: (signal, since) => this.api$().view(signal, since),
    onView: (view) => this.onView(view),
    onError: (error) => this.onLoadError(error),
    // An unknown token or a foreign origin will not get better by asking again.
    isFatal: (error) => error instanceof ApiFailure && (error.status === 404 || error.status === 403),
  });

  private get t(): Dictionary {
    return DICTIONARIES[pickLocale(this.locale, typeof navigator === 'undefined' ? [] : navigator.languages)];
  }

  private api$(): PublicApi {
    this.client ??= new PublicApi(apiBase(this.api, SCRIPT_URL), this.token, this.fetchImpl);
    return this.client;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('token') || changed.has('api') || changed.has('fetchImpl')) this.client = null;
    // Read before the render replaces what held the focus (the button that was just pressed).
    this.focusWasInside = typeof this.matches === 'function' && this.matches(':focus-within');
  }

  private onView(view: SessionView): void {
    this.clockOffsetMs = Date.parse(view.server_time) - Date.now();
    this.loadError = null;
    const previous = this.view;
    this.view = view;
    if (!this.readySent) {
      this.readySent = true;
      emit(this, 'sg-ready', { sessionId: view.session_id, methods: view.methods });
    }
    if (previous?.version !== view.version) this.emitStatus();
    this.announceResult(view);
    if (view.status === 'accepted' && !view.show_result && view.return_url) location.assign(view.return_url);
    void this.ensurePayment();
  }

  /** Exactly one sg-success or sg-fail per payment, even if the page reloads and sees it again. */
  private announceResult(view: SessionView): void {
    const p = view.payment;
    if (!p || (p.status !== 'succeeded' && p.status !== 'failed') || p.failure?.code === 'superseded') return;
    const key = `sg-checkout:announced:${p.id}`;
    if (this.announced.has(p.id) || sessionStorageGet(key)) return;
    this.announced.add(p.id);
    sessionStorageSet(key);
    const detail = { sessionId: view.session_id, paymentId: p.id, amount: view.amount_details.amount, currency: view.amount_details.currency, method: p.method };
    if (p.status === 'succeeded') emit(this, 'sg-success', detail);
    else emit(this, 'sg-fail', { ...detail, code: p.failure?.code ?? 'failed', reason: p.failure?.description ?? '' });
  }

  private onLoadError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (!this.view) this.loadError = message;
    emit(this, 'sg-error', { code: error instanceof ApiFailure ? error.code : 'network', message });
  }

  private get state(): CheckoutState {
    return deriveState(this.view, this.chosen, this.loadError, this.dismissedFailure);
  }

  private get isMobile(): boolean {
    return detectLayout(this.layout) === 'mobile';
  }

  private consentOk(view: SessionView): boolean {
    return !view.consent || this.consentGiven;
  }

  /** QR methods start their payment as soon as they are shown: the QR is what the customer came for. */
  private async ensurePayment(): Promise<void> {
    const s = this.state;
    if (s.kind !== 'choosing' || !QR_METHODS.has(s.method) || this.busy || this.actionError || !this.consentOk(s.view)) return;
    const p = s.view.payment;
    if (p && p.method === s.method && (p.status === 'in_progress' || p.status === 'pending')) {
      const link = p.customer_interaction?.redirect.url;
      if (s.method === 'fps' && this.isMobile && link && link !== this.banksLink) await this.loadBanks(link);
      return;
    }
    const channel = this.isMobile ? 'mobile_web' : 'web';
    await this.start(s.method === 'fps' ? { method: 'fps' } : { method: 'sberpay', channel });
    // The view the start answered came while busy: now load what it needs (the bank list on a phone).
    if (this.view?.payment?.status === 'in_progress') await this.ensurePayment();
  }

  private async start(body: StartPayment): Promise<void> {
    const view = this.view;
    if (!view) return;
    this.busy = true;
    this.actionError = null;
    try {
      this.status.accept(await this.api$().start({ ...body, ...(view.consent ? { consent: this.consentGiven } : {}) } as StartPayment));
    } catch (error) {
      this.actionError = error instanceof Error ? error.message : String(error);
      this.actionErrorIsShops = error instanceof ApiFailure && SHOP_REFUSALS.has(error.code);
    } finally {
      this.busy = false;
    }
  }

  /** The banks' deep links open one FPS link: a new payment or a renewed QR needs them again. */
  private async loadBanks(link: string): Promise<void> {
    this.banksLink = link; // set first, so views arriving meanwhile do not fetch the same list again
    try {
      this.banks = (await this.api$().banks()).banks;
    } catch (error) {
      this.banksLink = null;
      this.actionError = error instanceof Error ? error.message : String(error);
    }
  }

  private choose(method: MethodId): void {
    const changed = method !== this.chosen;
    this.chosen = method;
    this.actionError = null;
    this.bankFallback = false;
    if (changed) this.emitStatus();
    void this.ensurePayment();
  }

  /** sg-status: the session's state and the method the customer is looking at. */
  private emitStatus(): void {
    const view = this.view;
    if (!view) return;
    const s = this.state;
    emit(this, 'sg-status', { status: view.status, payment: view.payment, version: view.version, method: s.kind === 'choosing' ? s.method : null });
  }

  private async payByCard(): Promise<void> {
    if (!this.cardView) return;
    this.busy = true;
    try {
      const card = await this.cardView.tokenize();
      this.busy = false;
      await this.start({ method: 'card', card_token: card.token });
    } catch {
      this.busy = false; // the frame shows what is wrong next to the field
    }
  }

  private async renew(): Promise<void> {
    try {
      this.status.accept(await this.api$().renew());
    } catch (error) {
      this.actionError = error instanceof Error ? error.message : String(error);
    }
  }

  private async sendPush(e: Event): Promise<void> {
    e.preventDefault();
    const phone = new FormData(e.target as HTMLFormElement).get('phone')?.toString().replace(/\D/g, '') ?? '';
    try {
      await this.api$().push(phone.length === 10 ? `7${phone}` : phone.replace(/^8/, '7'));
      this.pushSent = true;
    } catch (error) {
      this.actionError = error instanceof Error ? error.message : String(error);
    }
  }

  protected override updated(): void {
    const kind = this.state.kind;
    // Focus follows the step, so keyboard and screen-reader users land on what just appeared; but
    // only when the focus is already in the widget: a result that arrives by long-poll, or the
    // first content replacing "loading", must not pull the focus (and the scroll) away from
    // whatever the customer is doing on the merchant's page.
    if (this.lastKind !== null && kind !== this.lastKind && this.focusWasInside) this.renderRoot.querySelector<HTMLElement>('h2')?.focus();
    this.lastKind = kind;
    const challenge = this.challengeUrl();
    if (challenge && this.dialog && !this.dialog.open) this.dialog.showModal();
    if (!challenge && this.dialog?.open) this.dialog.close();
  }

  /** The 3-D Secure page to show, while a card payment waits for it. */
  private challengeUrl(): string | null {
    const p = this.view?.payment;
    const card = p && (p.method === 'card' || p.method === 'saved_card');
    return card && p.status === 'in_progress' && p.customer_interaction?.type === 'redirect' ? p.customer_interaction.redirect.url : null;
  }

  override render() {
    const s = this.state;
    const t = this.t;
    if (s.kind === 'loading') return html`<div class="panel" part="panel"><p class="waiting" role="status">${t.loading}</p></div>`;
    if (s.kind === 'unavailable') {
      return html`<div class="panel" part="panel" role="alert">
        <h2 tabindex="-1">${t.unavailable}</h2><p class="muted">${s.message}</p>
        <button class="secondary" @click=${() => this.status.refresh()}>${t.tryAgain}</button></div>`;
    }
    if (s.kind !== 'choosing') {
      return resultView(s, t, this.localeId(), apiBase(this.api, SCRIPT_URL), () => {
        this.dismissedFailure = s.view.payment?.id ?? null;
        void this.ensurePayment();
      });
    }
    const view = s.view;
    return html`<div class="panel" part="panel">
      <h2 tabindex="-1">${t.payTitle}${view.description ? html` · ${view.description}` : nothing}</h2>
      <p class="total">${formatAmount(view.amount_details.amount, view.amount_details.currency, this.localeId())}</p>
      <div role="tablist" class=${view.methods.length > 3 ? 'four' : ''} aria-label=${t.payTitle} @keydown=${this.onTabKey}>
        ${view.methods.map(
          (m) => html`<button role="tab" part="tab" aria-selected=${m === s.method} tabindex=${m === s.method ? 0 : -1} @click=${() => this.choose(m)}>
            ${m === 'saved_card' && view.saved_card ? `•••• ${view.saved_card.last4}` : t.methods[m]}
          </button>`,
        )}
      </div>
      <div role="tabpanel">${this.renderMethod(s.method, view)}</div>
      ${view.consent ? this.renderConsent(view) : nothing}
      ${this.actionError
        ? html`<p class="error" role="alert">${QR_METHODS.has(s.method) && !this.actionErrorIsShops ? t.qrFailed : ''} ${this.actionError}</p>
            <button class="secondary" @click=${() => ((this.actionError = null), void this.ensurePayment())}>${t.tryAgain}</button>`
        : nothing}
      <dialog aria-label=${t.threeDs} @close=${() => this.requestUpdate()}>
        <header><strong>${t.threeDs}</strong><button class="secondary close" @click=${() => this.dialog?.close()}>${t.close}</button></header>
        ${this.challengeUrl() ? html`<iframe title=${t.threeDs} src=${this.challengeUrl()!}></iframe>` : nothing}
      </dialog>
    </div>`;
  }

  private localeId() {
    return pickLocale(this.locale, typeof navigator === 'undefined' ? [] : navigator.languages);
  }

  private onTabKey = (e: KeyboardEvent) => {
    const methods = this.view?.methods ?? [];
    const current = methods.indexOf(this.state.kind === 'choosing' ? this.state.method : methods[0]!);
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    // Arrows move the focus only; Enter or Space chooses (a QR tab starts a payment, so it must be a choice).
    const tabs = [...this.renderRoot.querySelectorAll<HTMLElement>('[role=tab]')];
    const focused = tabs.indexOf(this.shadowRoot?.activeElement as HTMLElement);
    const from = focused >= 0 ? focused : current;
    tabs[(from + step + tabs.length) % tabs.length]?.focus();
  };

  private renderConsent(view: SessionView) {
    return html`<label class="consent"><input type="checkbox" .checked=${this.consentGiven}
        @change=${(e: Event) => ((this.consentGiven = (e.target as HTMLInputElement).checked), void this.ensurePayment())} />
      <span>${this.t.consent}${view.consent?.offer_url ? html` (<a href=${view.consent.offer_url} target="_blank" rel="noopener">${this.t.offer}</a>)` : nothing}</span></label>`;
  }

  private renderMethod(method: MethodId, view: SessionView) {
    const t = this.t;
    const amount = formatAmount(view.amount_details.amount, view.amount_details.currency, this.localeId());
    const payDisabled = this.busy || !this.consentOk(view);
    if (method === 'saved_card') {
      return html`<button class="primary" part="pay-button" ?disabled=${payDisabled} @click=${() => this.start({ method: 'saved_card' })}>
        ${t.payWithSaved(view.saved_card?.last4 ?? '')}</button>`;
    }
    if (method === 'card') {
      return html`<sg-card-view .api=${apiBase(this.api, SCRIPT_URL)} .token=${this.token} .locale=${this.localeId()} .theme=${this.theme}></sg-card-view>
        <button class="primary" part="pay-button" ?disabled=${payDisabled} @click=${this.payByCard}>${t.payCard} ${amount}</button>`;
    }
    const p = view.payment;
    const interaction = p && p.method === method && p.status === 'in_progress' ? p.customer_interaction : undefined;
    if (!interaction) return this.consentOk(view) && !this.actionError ? html`<p class="waiting" role="status">${t.loading}</p>` : nothing;
    const expiresAt = Date.parse(interaction.expires_at) - this.clockOffsetMs;
    // On a phone the QR itself is not shown, but its countdown, copy button and renewal still are.
    const qr = (compact: boolean) => html`<sg-qr-view .link=${interaction.redirect.url} .method=${method as 'fps' | 'sberpay'} .amount=${amount}
      .expiresAt=${expiresAt} .t=${t} ?compact=${compact} @qr-renew=${this.renew}></sg-qr-view>`;
    const push = html`<form class="push" @submit=${this.sendPush}>
      <input name="phone" type="tel" autocomplete="tel" inputmode="tel" aria-label=${t.phone} placeholder="+7 900 000-00-00" required />
      <button>${this.pushSent ? t.pushSent : t.sendPush}</button></form>`;
    if (method === 'sberpay') {
      if (interaction.type === 'redirect') {
        return html`<a class="primary button" part="pay-button" href=${interaction.redirect.url}>${t.openSberPay}</a>${push}${qr(true)}`;
      }
      return html`${qr(false)}${push}`;
    }
    if (this.isMobile && !this.bankFallback) {
      const list = this.banks.length
        ? html`<sg-bank-list .banks=${this.banks} .platform=${mobileOs()} .t=${t} @bank-fallback=${() => (this.bankFallback = true)}></sg-bank-list>`
        : html`<p class="waiting" role="status">${t.loading}</p>`;
      return html`<p class="muted">${t.chooseBank}</p>${list}${qr(true)}`;
    }
    return html`${this.bankFallback ? html`<p class="muted">${t.appDidNotOpen}</p>` : nothing}${qr(false)}`;
  }
}

function sessionStorageGet(key: string): boolean {
  try {
    return sessionStorage.getItem(key) !== null;
  } catch {
    return false;
  }
}

function sessionStorageSet(key: string): void {
  try {
    sessionStorage.setItem(key, '1');
  } catch {
    /* storage blocked: the in-memory set still prevents duplicates on this page */
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sg-checkout': SgCheckout;
  }
}
