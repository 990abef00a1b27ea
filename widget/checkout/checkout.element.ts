import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { defineElement } from '../define-element';
import { ApiFailure, PublicApi, type Bank, type Fetch, type MethodId, type RailCardForm, type SessionView, type ShownCard, type StartPayment, type Consents } from '../api/public-api';
import { emit } from '../events';
import { errorText, formatAmount, pickLocale, regularPaymentText, wordsFor, type Dictionary, type Locale } from '../i18n/i18n';
import { StatusController } from '../status/status-controller';
import type { CardToken, CardView } from '../card/card-view';
import { apiBase, detectLayout, ownScriptUrl } from './platform';
import { deriveState, WALKED_AWAY, type CheckoutState } from './checkout-state';
import { checkoutStyles } from './checkout.styles';
import { resultView, resultAnnouncement } from '../result/result-view';
import { methodPanel, type MethodPanel, type QrMethodId } from './method-panel';
import { challengeDialog } from './challenge-dialog';
import { testBadge } from './test-badge';
import { brandMark, methodMark } from '../marks/marks';
import '../card/card-view';

/** Where this script was loaded from, read while it runs (document.currentScript is null later). */
const SCRIPT_URL = ownScriptUrl(import.meta.url);

/** The QR and the bank list load when first needed: most customers never see one of them. */
const loadQrView = () => import('../qr/qr-view');
const loadBankList = () => import('../banks/bank-list');

/** The shop's own refusal (its order check said no): its words are shown as they are. */
const SHOP_REFUSAL = 'order_refused';

type ActionError = { code: string; shopMessage: string | null };

/**
 * `<sg-checkout token="pt_…">`: the payment options of one session (last used card, bank card,
 * FPS, SberPay), the customer's interaction with each, and the result. Opening it creates no
 * payment: the customer's press on a method's button does.
 *
 * @event sg-ready - the session loaded; detail: sessionId, methods
 * @event sg-status - the session changed; detail: status, payment, version
 * @event sg-success - a payment succeeded (once per payment)
 * @event sg-fail - a payment failed (once per payment); detail adds code and reason
 * @event sg-error - the widget could not load or reach the server (once until it recovers); detail: code, message
 * @csspart panel - the outer box
 * @csspart tab - a payment method tab
 * @csspart pay-button - the main pay button
 * @csspart test-badge - "Test mode", shown while the server runs the sandbox acquirer
 * @cssproperty --sg-accent - the main colour (buttons, selected tab)
 * @cssproperty --sg-accent-color - text on the main colour
 * @cssproperty --sg-background - the panel's background
 * @cssproperty --sg-color - text colour
 * @cssproperty --sg-muted - secondary text
 * @cssproperty --sg-border - borders
 * @cssproperty --sg-focus - the focus ring (≥ 3:1 against the background)
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
  /** Hides the widget's own title and amount, for a page that shows them already (a payment link's). */
  @property({ type: Boolean, attribute: 'hide-summary' }) hideSummary = false;
  /** The fetch the widget uses (tests pass a fake). */
  @property({ attribute: false }) fetchImpl?: Fetch;

  @state() private view: SessionView | null = null;
  @state() private chosen: MethodId | null = null;
  @state() private loadError: string | null = null;
  @state() private actionError: ActionError | null = null;
  @state() private busy: MethodId | null = null;
  @state() private consentGiven = false;
  @state() private recurrentConsentGiven = false;
  @state() private rememberCard = false;
  @state() private banks: Bank[] = [];
  @state() private bankFallback = false;
  @state() private pushSent = false;
  @state() private dismissedFailure: string | null = null;
  /** The payment whose 3-D Secure dialog the customer closed: it is not opened again. */
  @state() private leftChallenge: string | null = null;
  /** What the live region says: the result, once it arrives. */
  @state() private announcement = '';
  @query('sg-card-view') private cardView?: CardView;
  @query('dialog') private dialog?: HTMLDialogElement;

  /** Server time minus page time: every countdown runs on the server's clock. */
  private clockOffsetMs = 0;
  private announced = new Set<string>();
  private readySent = false;
  private errorSent = false;
  private lastKind: CheckoutState['kind'] | null = null;
  private focusWasInside = false;
  /** The customer paid by card in the widget: its result takes the focus even though the pressed button went away. */
  private focusResult = false;
  private cardExpiry = '';
  private client: PublicApi | null = null;
  /** The FPS link that the bank list's deep links open. */
  private banksLink: string | null = null;
  /** The rail's card form (view.card_form = acquirer), opened when the card method is first shown. */
  @state() private railCardForm: RailCardForm | 'opening' | 'failed' | null = null;

  private status = new StatusController(this, {
    source: (signal, since) => this.api$().view(signal, since),
    onView: (view) => this.onView(view),
    onError: (error) => this.onLoadError(error),
    // An unknown token or a foreign origin will not get better by asking again.
    isFatal: (error) => error instanceof ApiFailure && (error.status === 404 || error.status === 403),
  });

  private get localeId(): Locale {
    return pickLocale(this.locale, typeof navigator === 'undefined' ? [] : navigator.languages);
  }

  /** The words of this session: a binding's (view.binding) differ from a payment's. */
  private get t(): Dictionary {
    return wordsFor(this.localeId, this.view);
  }

  private get base(): string {
    return apiBase(this.api, SCRIPT_URL);
  }

  private api$(): PublicApi {
    this.client ??= new PublicApi(this.base, this.token, this.fetchImpl);
    return this.client;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // On a phone FPS opens a bank's app from a list: fetch its code while the page is idle, so the
    // list is there the moment the customer asks for it.
    if (this.isMobile && typeof requestIdleCallback === 'function') requestIdleCallback(() => void loadBankList());
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('token') || changed.has('api') || changed.has('fetchImpl')) {
      this.client = null;
      this.railCardForm = null;
    }
    // The rail's card form opens when the card method is first shown (set here, before the render, it costs no second update).
    const s = this.state;
    if (s.kind === 'choosing' && s.method === 'card' && s.view.card_form === 'acquirer' && this.railCardForm === null) void this.openRailCardForm();
    // Read before the render replaces what held the focus (the button that was just pressed).
    this.focusWasInside = typeof this.matches === 'function' && this.matches(':focus-within');
  }

  private onView(view: SessionView): void {
    this.clockOffsetMs = Date.parse(view.server_time) - Date.now();
    this.loadError = null;
    this.errorSent = false;
    const previous = this.view;
    const wasChecking = this.state.kind === 'checking';
    this.view = view;
    if (!this.readySent) {
      this.readySent = true;
      emit(this, 'sg-ready', { sessionId: view.session_id, methods: view.methods });
    }
    if (previous?.version !== view.version) this.emitStatus();
    this.announceResult(view);
    // A session that ends with no payment result to announce (it expired, or the shop cancelled it) is said too.
    const ended = view.status === 'cancelled' || view.status === 'error';
    const paymentSaid = view.payment?.status === 'succeeded' || view.payment?.status === 'failed';
    if (previous && previous.status !== view.status && ended && !paymentSaid) this.announcement = view.close_reason === 'expired' ? this.t.expired : this.t.failed;
    // Said once as it begins, like a result; an error of the attempt (a start whose answer was lost) no longer applies.
    if (this.state.kind === 'checking' && !wasChecking) {
      this.announcement = `${this.t.checking} ${this.t.checkingHint}`;
      this.actionError = null;
    }
    if (view.status === 'accepted' && !view.show_result && view.return_url) location.assign(view.return_url);
    void this.syncBanks();
  }

  /** Exactly one sg-success or sg-fail per payment, even if the page reloads and sees it again. */
  private announceResult(view: SessionView): void {
    const p = view.payment;
    if (!p || (p.status !== 'succeeded' && p.status !== 'failed') || WALKED_AWAY.has(p.failure?.code ?? '')) return;
    const key = `sg-checkout:announced:${p.id}`;
    if (this.announced.has(p.id) || sessionStorageGet(key)) return;
    this.announced.add(p.id);
    sessionStorageSet(key);
    this.announcement = resultAnnouncement(view, this.t, this.localeId);
    const detail = { sessionId: view.session_id, paymentId: p.id, amount: view.amount_details.amount, currency: view.amount_details.currency, method: p.method, binding: view.binding === true };
    if (p.status === 'succeeded') emit(this, 'sg-success', detail);
    else emit(this, 'sg-fail', { ...detail, code: p.failure?.code ?? 'failed', reason: p.failure?.description ?? '' });
  }

  /** The screen says what is wrong in the customer's words; sg-error tells the page once per outage. */
  private onLoadError(error: unknown): void {
    const code = error instanceof ApiFailure ? error.code : 'network';
    if (!this.view) this.loadError = code;
    if (this.errorSent) return;
    this.errorSent = true;
    emit(this, 'sg-error', { code, message: error instanceof Error ? error.message : String(error) });
  }

  private get state(): CheckoutState {
    return deriveState(this.view, this.chosen, this.loadError, this.dismissedFailure);
  }

  private get isMobile(): boolean {
    return detectLayout(this.layout) === 'mobile';
  }

  /** On a phone the FPS payment opens a bank's app: its list needs the payment's link. */
  private async syncBanks(): Promise<void> {
    const p = this.view?.payment;
    const link = p?.method === 'fps' && p.status === 'in_progress' ? p.customer_interaction?.redirect.url : undefined;
    if (!this.isMobile || !link || link === this.banksLink) return;
    this.banksLink = link; // set first, so views arriving meanwhile do not fetch the same list again
    this.bankFallback = false;
    void loadBankList();
    try {
      this.banks = (await this.api$().banks()).banks;
    } catch (error) {
      this.banksLink = null;
      this.failAction(error);
    }
  }

  /** Runs one customer action that answers with the view; its button shows progress meanwhile. */
  private async act(method: MethodId, call: () => Promise<SessionView>): Promise<void> {
    this.busy = method;
    this.actionError = null;
    try {
      this.status.accept(await call());
    } catch (error) {
      this.failAction(error);
    } finally {
      this.busy = null;
    }
  }

  private failAction(error: unknown): void {
    const code = error instanceof ApiFailure ? error.code : 'network';
    this.actionError = { code, shopMessage: code === SHOP_REFUSAL && error instanceof Error ? error.message : null };
  }

  private start(body: StartPayment): Promise<void> {
    const view = this.view;
    const consents: Consents = {
      ...(view?.consent ? { consent: this.consentGiven } : {}),
      ...(view?.recurrent && this.recurrentConsentGiven ? { recurrent_consent: true } : {}),
    };
    return this.act(body.method, () => this.api$().start({ ...body, ...consents }));
  }

  /** Why paying must wait: the first consent the session asks for that the customer has not given, or null. */
  private get blocked(): string | null {
    if (this.view?.consent && !this.consentGiven) return this.t.consentMissing;
    if (this.view?.recurrent && !this.recurrentConsentGiven) return this.t.recurrentConsentMissing;
    return null;
  }

  private startQr = (method: QrMethodId): void => {
    void loadQrView();
    if (method === 'fps' && this.isMobile) void loadBankList();
    void this.start(method === 'fps' ? { method } : { method, channel: this.isMobile ? 'mobile_web' : 'web' });
  };

  private choose(method: MethodId): void {
    const changed = method !== this.chosen;
    this.chosen = method;
    this.actionError = null;
    // Each method's consent says something else (this card; binding the account): one given for another method is none for this.
    if (changed) this.recurrentConsentGiven = false;
    if (changed) this.emitStatus();
  }

  /** sg-status: the session's state and the method the customer is looking at. */
  private emitStatus(): void {
    const view = this.view;
    if (!view) return;
    const s = this.state;
    emit(this, 'sg-status', { status: view.status, payment: view.payment, version: view.version, method: s.kind === 'choosing' ? s.method : null });
  }

  private payByCard = async (): Promise<void> => {
    // Enter in the card fields comes here too: it must not get round the consents the button waits for.
    if (!this.cardView || this.busy || this.blocked) return;
    this.busy = 'card';
    let card;
    try {
      card = await this.cardView.tokenize();
    } catch {
      this.busy = null; // the frame shows what is wrong next to the field
      return;
    }
    this.cardExpiry = card.expiry;
    this.focusResult = true; // the Pay button goes away while it works: the result takes the focus instead
    // A token of the rail's form is new to the server: it records the card as the form showed it.
    const shown = this.view?.card_form === 'acquirer' ? { card: shownCard(card) } : {};
    await this.start({ method: 'card', card_token: card.token, ...shown, ...(this.rememberCard && !this.view?.recurrent ? { remember_card: true } : {}) });
  };

  /** The form that takes the card: this server's card frame, or the rail's own once it is open. */
  private get cardForm(): RailCardForm | null {
    if (this.view?.card_form !== 'acquirer') return { url: `${this.base}/widget/card-frame.html`, token: this.token };
    return typeof this.railCardForm === 'object' ? this.railCardForm : null;
  }

  private async openRailCardForm(): Promise<void> {
    this.railCardForm = 'opening';
    try {
      this.railCardForm = await this.api$().cardForm();
    } catch (error) {
      this.railCardForm = 'failed';
      this.failAction(error);
    }
  }

  /** Close or Esc on the 3-D Secure dialog: that attempt ends and the methods come back. */
  private leaveChallenge = (): void => {
    const p = this.view?.payment;
    if (!p || this.leftChallenge === p.id) return;
    this.leftChallenge = p.id;
    void this.act(p.method as MethodId, () => this.api$().abandon(p.id)).then(() => {
      // It may have finished meanwhile (the bank answered first): the poll brings the result.
      if (this.actionError) this.status.refresh();
      this.actionError = null;
    });
  };

  private async renew(): Promise<void> {
    try {
      this.status.accept(await this.api$().renew());
    } catch (error) {
      this.failAction(error);
    }
  }

  private async sendPush(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const phone = new FormData(e.target as HTMLFormElement).get('phone')?.toString().replace(/\D/g, '') ?? '';
    try {
      await this.api$().push(phone.length === 10 ? `7${phone}` : phone.replace(/^8/, '7'));
      this.pushSent = true;
    } catch (error) {
      this.failAction(error);
    }
  }

  protected override updated(): void {
    const kind = this.state.kind;
    // Focus follows the step, so keyboard and screen-reader users land on what just appeared; but
    // only when the customer is acting in the widget: a result that arrives by long-poll, or the
    // first content replacing "loading", must not pull the focus (and the scroll) away from
    // whatever the customer is doing on the merchant's page.
    if (this.lastKind !== null && kind !== this.lastKind && (this.focusWasInside || this.focusResult)) {
      this.renderRoot.querySelector<HTMLElement>('h2')?.focus();
      this.focusResult = false;
    }
    this.lastKind = kind;
    const challenge = this.challengeUrl();
    if (challenge && this.dialog && !this.dialog.open) this.dialog.showModal();
    if (!challenge && this.dialog?.open) this.dialog.close();
  }

  /** The 3-D Secure page to show, in the widget's language, while a card payment waits for it. */
  private challengeUrl(): string | null {
    const p = this.view?.payment;
    const card = p && (p.method === 'card' || p.method === 'saved_card');
    if (!card || p.status !== 'in_progress' || p.customer_interaction?.type !== 'redirect' || p.id === this.leftChallenge) return null;
    const url = new URL(p.customer_interaction.redirect.url);
    url.searchParams.set('lang', this.localeId);
    return url.href;
  }

  override render() {
    return html`${this.renderStep()}<div class="sr" role="status" aria-live="polite">${this.announcement}</div>`;
  }

  private renderStep() {
    const s = this.state;
    const t = this.t;
    if (s.kind === 'loading') {
      return html`<div class="panel skeleton" part="panel"><p class="sr" role="status">${t.loading}</p>
        <span class="line"></span><span class="big"></span><span class="tabs"></span><span class="block"></span></div>`;
    }
    if (s.kind === 'unavailable') {
      return html`<div class="panel" part="panel" role="alert">
        <h2 tabindex="-1">${t.unavailable}</h2><p class="muted">${errorText(t, s.code)}</p>
        ${s.code === 'not_found' ? nothing : html`<button class="secondary" @click=${() => this.status.refresh()}>${t.tryAgain}</button>`}</div>`;
    }
    if (s.kind === 'confirming') {
      return html`<div class="panel" part="panel">${testBadge(s.view, t)}<h2 tabindex="-1">${t.payTitle}</h2><p class="waiting" role="status">${t.holdConfirming}</p></div>`;
    }
    if (s.kind !== 'choosing') {
      return resultView(s, t, this.localeId, this.base, () => {
        this.dismissedFailure = s.view.payment?.id ?? null;
        this.focusResult = true;
        this.announcement = ''; // so that the next result is announced even if its words are the same
      });
    }
    const view = s.view;
    return html`<div class="panel" part="panel">${testBadge(view, t)}
      <h2 tabindex="-1" class=${this.hideSummary ? 'sr' : ''}>${t.payTitle}${view.description ? html` · ${view.description}` : nothing}</h2>
      ${this.hideSummary || view.binding
        ? nothing // a binding pays nothing: its title says what it is, and no "0,00 ₽" stands where an amount would
        : html`<p class="total">${formatAmount(view.amount_details.amount, view.amount_details.currency, this.localeId)}</p>`}
      ${view.subscription
        ? // Shown even under hide-summary: it is a term of the payment, which the page around does not know.
          html`<p class="muted regular">${regularPaymentText(t, this.localeId, view.subscription)}</p>`
        : nothing}
      <div role="tablist" class=${view.methods.length > 3 ? 'four' : ''} aria-label=${t.payTitle} @keydown=${this.onTabKey}>
        ${view.methods.map(
          (m) => html`<button role="tab" part="tab" aria-selected=${m === s.method} tabindex=${m === s.method ? 0 : -1} @click=${() => this.choose(m)}>
            ${m === 'saved_card' && view.saved_card ? brandMark(view.saved_card.brand, { decorative: true }) : methodMark(m)}
            <span class="label">${m === 'saved_card' && view.saved_card ? `•••• ${view.saved_card.last4}` : t.methods[m]}</span>
          </button>`,
        )}
      </div>
      ${view.consent ? this.renderConsent(view) : nothing}
      <div role="tabpanel">${methodPanel(this.panel(view, s.method))}</div>
      ${this.actionError
        ? html`<p class="error" role="alert">${this.actionError.shopMessage ?? errorText(t, this.actionError.code)}</p>`
        : nothing}
      ${challengeDialog(t, this.challengeUrl(), this.leaveChallenge)}
    </div>`;
  }

  private panel(view: SessionView, method: MethodId): MethodPanel {
    return {
      view,
      method,
      t: this.t,
      locale: this.localeId,
      mobile: this.isMobile,
      cardForm: this.cardForm,
      cardFormFailed: this.railCardForm === 'failed',
      retryCardForm: () => {
        this.actionError = null;
        void this.openRailCardForm();
      },
      theme: this.theme,
      busy: this.busy,
      blocked: this.blocked,
      clockOffsetMs: this.clockOffsetMs,
      banks: this.banks,
      bankFallback: this.bankFallback,
      pushSent: this.pushSent,
      rememberCard: this.rememberCard,
      recurrentConsent: this.recurrentConsentGiven,
      cardExpiry: this.cardExpiry,
      startQr: this.startQr,
      paySaved: () => {
        this.focusResult = true;
        void this.start({ method: 'saved_card' });
      },
      removeSavedCard: () =>
        void this.act('saved_card', () => this.api$().removeSavedCard()).then(() => {
          if (!this.actionError) this.chosen = null; // gone: the next method leads; refused: its error stays in view
        }),
      payByCard: this.payByCard,
      setRememberCard: (on) => (this.rememberCard = on),
      setRecurrentConsent: (on) => (this.recurrentConsentGiven = on),
      renew: () => void this.renew(),
      sendPush: (e) => void this.sendPush(e),
      onBankFallback: () => (this.bankFallback = true),
      chooseAnotherBank: () => (this.bankFallback = false),
    };
  }

  private onTabKey = (e: KeyboardEvent) => {
    const methods = this.view?.methods ?? [];
    const current = methods.indexOf(this.state.kind === 'choosing' ? this.state.method : methods[0]!);
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    // Arrows move the focus only; Enter or Space chooses.
    const tabs = [...this.renderRoot.querySelectorAll<HTMLElement>('[role=tab]')];
    const focused = tabs.indexOf(this.shadowRoot?.activeElement as HTMLElement);
    const from = focused >= 0 ? focused : current;
    tabs[(from + step + tabs.length) % tabs.length]?.focus();
  };

  private renderConsent(view: SessionView) {
    return html`<label class="consent"><input type="checkbox" .checked=${this.consentGiven}
        @change=${(e: Event) => (this.consentGiven = (e.target as HTMLInputElement).checked)} />
      <span>${this.t.consent}${view.consent?.offer_url ? html` (<a href=${view.consent.offer_url} target="_blank" rel="noopener">${this.t.offer}</a>)` : nothing}</span></label>`;
  }
}

/** The card as the rail's form showed it ('MM/YY' as month and year). */
function shownCard(card: CardToken): ShownCard {
  const [month, year] = card.expiry.split('/').map(Number);
  return { brand: card.brand, last4: card.last4, expiry_month: month!, expiry_year: 2000 + year! };
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
