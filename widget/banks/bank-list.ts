import { LitElement, html, svg, css, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { defineElement } from '../define-element';
import type { Bank } from '../api/public-api';
import { DICTIONARIES, type Dictionary, type Locale } from '../i18n/i18n';
import { bankInitials, monogramColour, monogramFontSize } from '../../server/sandbox/bank-monogram';

const LAST_BANK_KEY = 'sg-checkout:last-bank';
/** If the page is still visible this long after a tap, the bank's app did not open. */
export const APP_OPEN_TIMEOUT_MS = 2_500;
/** Rows rendered at first, and added each time the customer scrolls near the end. */
export const BANK_PAGE_SIZE = 12;

/** This list's own words (the widget's dictionary does not have them yet). */
const TEXT: Record<Locale, { appDidNotOpen: (bank: string) => string; genericDidNotOpen: string; chooseAnother: string; orCopy: string }> = {
  ru: {
    appDidNotOpen: (bank) => `Приложение «${bank}» не открылось`,
    genericDidNotOpen: 'Приложение банка не открылось',
    chooseAnother: 'Выбрать другой банк',
    orCopy: 'Или скопируйте ссылку и откройте её в приложении банка.',
  },
  en: {
    appDidNotOpen: (bank) => `The ${bank} app did not open`,
    genericDidNotOpen: 'The bank app did not open',
    chooseAnother: 'Choose another bank',
    orCopy: 'Or copy the link and open it in your bank app.',
  },
};

/**
 * The FPS banks as a phone shows them: searchable, the last bank used first, each opening its
 * app by deep link (URL scheme on iOS, intent on Android). Only a page of rows is rendered, more
 * as the customer scrolls (192 rows and logos at once cost a phone 220 ms of blocked main thread).
 * When the app did not open (`failed`), it says so and offers another bank and the link instead
 * (a QR is no use to the phone it is shown on).
 *
 * @event bank-fallback - the page is still visible APP_OPEN_TIMEOUT_MS after a tap: the app did not open; set `failed`
 * @event choose-another - the customer wants another bank after a failed one; clear `failed`
 * @csspart bank - one bank's button
 * @csspart failed - the notice shown while `failed`
 * @cssproperty --sg-focus - the focus ring's colour (default #1d4ed8, 6.7:1 on white; set a light one on a dark theme)
 */
@defineElement('sg-bank-list')
export class BankList extends LitElement {
  @property({ attribute: false }) banks: Bank[] = [];
  @property() platform: 'ios' | 'android' = 'ios';
  @property({ attribute: false }) t!: Dictionary;
  /** The language of this list's own words (the notice of a failed app); by default, that of `t`. */
  @property() locale?: Locale;
  /** The payment link, offered to copy when the app did not open. */
  @property() link = '';
  /** The last bank tapped did not open its app: show the notice instead of the list. */
  @property({ type: Boolean, reflect: true }) failed = false;
  @state() private query = '';
  @state() private broken = new Set<string>();
  @state() private shown = BANK_PAGE_SIZE;
  @state() private copied = false;
  /** The bank tapped last in this list, named by the notice. */
  @state() private tapped: Bank | null = null;
  @query('.more') private sentinel?: HTMLElement;
  @query('ul') private scroller?: HTMLElement;
  private observer: IntersectionObserver | null = null;

  static override styles = css`
    :host { display: block; }
    input { width: 100%; box-sizing: border-box; font: inherit; padding: 10px 12px; border-radius: var(--sg-radius, 10px);
      border: 1px solid var(--sg-border, #d1d5db); background: transparent; color: inherit; margin-bottom: 8px; }
    ul { list-style: none; margin: 0; padding: 3px; max-height: 360px; overflow-y: auto; }
    a { display: flex; align-items: center; gap: 12px; min-height: 36px; padding: 10px 8px; border-radius: 8px; color: inherit; text-decoration: none; }
    a:hover { background: var(--sg-hover, rgb(127 127 127 / 0.12)); }
    /* A solid ring inside the scroller's padding (an outside one would be clipped): #1d4ed8 is 6.7:1 on white. */
    a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--sg-focus, #1d4ed8); outline-offset: -1px; }
    .logo { position: relative; width: 36px; height: 36px; flex: none; }
    /* The monogram is under the logo, so a row is never a blank square while its logo loads (or when it cannot). */
    .logo svg, .logo img { position: absolute; inset: 0; width: 36px; height: 36px; border-radius: 8px; }
    .more { height: 1px; }
    .empty { color: var(--sg-muted, #6b7280); padding: 12px 8px; }
    .failed { padding: 4px 0 8px; }
    .failed p { margin: 0 0 12px; }
    .failed strong { display: block; margin-bottom: 4px; }
    .failed button { display: block; width: 100%; font: inherit; padding: 10px 16px; margin-top: 8px; border-radius: var(--sg-radius, 10px); cursor: pointer;
      border: 1px solid var(--sg-border, #d1d5db); background: transparent; color: inherit; }
    /* Outside the button, against the page: an inset ring on the green button would not show. */
    .failed button:focus-visible { outline-offset: 2px; }
    .failed button.primary { background: var(--sg-accent, #1a7f5a); border-color: transparent; color: var(--sg-accent-color, #fff); font-weight: 600; }
  `;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.observer?.disconnect();
    this.observer = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // A new list starts again from the first page (a new search does too, in its input handler).
    if (changed.has('banks')) this.shown = BANK_PAGE_SIZE;
  }

  protected override updated(changed: PropertyValues<this>): void {
    this.watchSentinel();
    // Back from the notice to the list: the search box is where the customer goes next.
    if (changed.get('failed') === true && !this.failed) this.renderRoot.querySelector('input')?.focus();
  }

  /** Observes the end-of-list marker within the scroller: in view (or near it), the next page renders. */
  private watchSentinel(): void {
    if (!this.sentinel || typeof IntersectionObserver === 'undefined') {
      this.observer?.disconnect();
      return;
    }
    if (!this.observer || this.observer.root !== this.scroller) {
      this.observer?.disconnect();
      this.observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) this.shown += BANK_PAGE_SIZE;
      }, { root: this.scroller, rootMargin: '0px 0px 240px 0px' });
    }
    // Observed afresh after each page, so a sentinel still in view after a page fires again.
    this.observer.disconnect();
    this.observer.observe(this.sentinel);
  }

  private lastBankId(): string | null {
    try {
      return localStorage.getItem(LAST_BANK_KEY);
    } catch {
      return null; // storage blocked (private mode, sandboxed frame): no memory, no error
    }
  }

  /** The banks matching the search, the last used first (all of them, not only the rendered page). */
  visibleBanks(): Bank[] {
    const normalize = (s: string) => s.toLowerCase().replaceAll('ё', 'е');
    const q = normalize(this.query.trim());
    const last = this.lastBankId();
    const found = this.banks.filter((b) => normalize(b.name).includes(q));
    const lastBank = found.find((b) => b.id === last);
    return lastBank ? [lastBank, ...found.filter((b) => b !== lastBank)] : found;
  }

  private open(bank: Bank): void {
    this.tapped = bank;
    try {
      localStorage.setItem(LAST_BANK_KEY, bank.id);
    } catch {
      /* storage blocked: the list simply won't remember */
    }
    // The app opening hides this page; if it is still visible after a while, it did not open.
    setTimeout(() => {
      if (document.visibilityState === 'visible') this.dispatchEvent(new CustomEvent('bank-fallback', { detail: { bank }, bubbles: true, composed: true }));
    }, APP_OPEN_TIMEOUT_MS);
  }

  private async copy(): Promise<void> {
    // Say "copied" only when it was: an unavailable or refused clipboard leaves the button as it is.
    const copied = await navigator.clipboard?.writeText(this.link).then(() => true, () => false);
    if (!copied) return;
    this.copied = true;
    setTimeout(() => (this.copied = false), 2000);
  }

  private chooseAnother(): void {
    // The list comes back when the host clears `failed`.
    this.dispatchEvent(new Event('choose-another', { bubbles: true, composed: true }));
  }

  private renderMonogram(bank: Bank) {
    const initials = bankInitials(bank.name);
    return html`<svg viewBox="0 0 36 36" aria-hidden="true">${svg`<rect width="36" height="36" rx="8" fill=${monogramColour(bank.id)}></rect>
      <text x="18" y="18" dy=".35em" text-anchor="middle" font-weight="700" font-size=${monogramFontSize(initials)} fill="#fff">${initials}</text>`}</svg>`;
  }

  private renderFailed() {
    const locale = this.locale ?? (Object.keys(DICTIONARIES) as Locale[]).find((l) => DICTIONARIES[l] === this.t) ?? 'ru';
    const words = TEXT[locale] ?? TEXT.ru;
    const bank = this.tapped ?? this.banks.find((b) => b.id === this.lastBankId());
    return html`<div class="failed" part="failed" role="alert">
      <p><strong>${bank ? words.appDidNotOpen(bank.name) : words.genericDidNotOpen}</strong>${this.link ? words.orCopy : nothing}</p>
      <button class="primary" @click=${this.chooseAnother}>${words.chooseAnother}</button>
      ${this.link ? html`<button class="copy" @click=${this.copy}>${this.copied ? this.t.copied : this.t.copyLink}</button>` : nothing}
    </div>`;
  }

  override render() {
    if (this.failed) return this.renderFailed();
    const banks = this.visibleBanks();
    const page = banks.slice(0, this.shown);
    return html`
      <input type="search" .value=${this.query} placeholder=${this.t.searchBank} aria-label=${this.t.searchBank}
        @input=${(e: Event) => {
          this.query = (e.target as HTMLInputElement).value;
          this.shown = BANK_PAGE_SIZE;
        }} />
      <ul aria-label=${this.t.chooseBank}>
        ${page.map((b) => {
          const href = this.platform === 'android' && b.android_url ? b.android_url : b.ios_url;
          return html`<li>
            <a part="bank" href=${href} @click=${() => this.open(b)}>
              <span class="logo">${this.renderMonogram(b)}${b.logo_url && !this.broken.has(b.id)
                ? html`<img src=${b.logo_url} alt="" width="36" height="36" loading="lazy" decoding="async" @error=${() => (this.broken = new Set(this.broken).add(b.id))} />`
                : nothing}</span>
              <span class="name">${b.name}</span>
            </a>
          </li>`;
        })}
        ${page.length < banks.length ? html`<li class="more" aria-hidden="true"></li>` : nothing}
      </ul>
      ${banks.length === 0 ? html`<p class="empty">${this.t.noBank}</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sg-bank-list': BankList;
  }
  interface GlobalEventHandlersEventMap {
    'bank-fallback': CustomEvent<{ bank: Bank }>;
  }
}
