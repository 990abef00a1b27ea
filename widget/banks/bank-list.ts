import { LitElement, html, css, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { defineElement } from '../define-element';
import type { Bank } from '../api/public-api';
import type { Dictionary } from '../i18n/i18n';

const LAST_BANK_KEY = 'sg-checkout:last-bank';
/** If the page is still visible this long after a tap, the bank's app did not open. */
export const APP_OPEN_TIMEOUT_MS = 2_500;

/**
 * The FPS banks as a phone shows them: searchable, the last bank used first, each opening its
 * app by deep link (URL scheme on iOS, intent on Android). When the app did not open, offers
 * the QR and the link instead.
 *
 * @event bank-fallback - the app did not open (internal: the checkout shows the QR)
 * @csspart bank - one bank's button
 */
@defineElement('sg-bank-list')
export class BankList extends LitElement {
  @property({ attribute: false }) banks: Bank[] = [];
  @property() platform: 'ios' | 'android' = 'ios';
  @property({ attribute: false }) t!: Dictionary;
  @state() private query = '';
  @state() private broken = new Set<string>();

  static override styles = css`
    :host { display: block; }
    input { width: 100%; box-sizing: border-box; font: inherit; padding: 10px 12px; border-radius: var(--sg-radius, 10px);
      border: 1px solid var(--sg-border, #d1d5db); background: transparent; color: inherit; margin-bottom: 8px; }
    ul { list-style: none; margin: 0; padding: 0; max-height: 360px; overflow-y: auto; }
    a { display: flex; align-items: center; gap: 12px; padding: 10px 8px; border-radius: 8px; color: inherit; text-decoration: none; }
    a:hover, a:focus-visible { background: var(--sg-hover, rgb(127 127 127 / 0.12)); outline: none; }
    img, .initials { width: 36px; height: 36px; border-radius: 8px; flex: none; }
    .initials { display: grid; place-items: center; background: var(--sg-accent, #1a7f5a); color: #fff; font-weight: 700; }
    .empty { color: var(--sg-muted, #6b7280); padding: 12px 8px; }
  `;

  private lastBankId(): string | null {
    try {
      return localStorage.getItem(LAST_BANK_KEY);
    } catch {
      return null; // storage blocked (private mode, sandboxed frame): no memory, no error
    }
  }

  /** The banks matching the search, the last used first. */
  visibleBanks(): Bank[] {
    const normalize = (s: string) => s.toLowerCase().replaceAll('ё', 'е');
    const q = normalize(this.query.trim());
    const last = this.lastBankId();
    const found = this.banks.filter((b) => normalize(b.name).includes(q));
    const lastBank = found.find((b) => b.id === last);
    return lastBank ? [lastBank, ...found.filter((b) => b !== lastBank)] : found;
  }

  private open(bank: Bank): void {
    try {
      localStorage.setItem(LAST_BANK_KEY, bank.id);
    } catch {
      /* storage blocked: the list simply won't remember */
    }
    // The app opening hides this page; if it is still visible after a while, it did not open.
    setTimeout(() => {
      if (document.visibilityState === 'visible') this.dispatchEvent(new Event('bank-fallback'));
    }, APP_OPEN_TIMEOUT_MS);
  }

  override render() {
    const banks = this.visibleBanks();
    return html`
      <input type="search" .value=${this.query} placeholder=${this.t.searchBank} aria-label=${this.t.searchBank}
        @input=${(e: Event) => (this.query = (e.target as HTMLInputElement).value)} />
      <ul aria-label=${this.t.chooseBank}>
        ${banks.map((b) => {
          const href = this.platform === 'android' && b.android_url ? b.android_url : b.ios_url;
          return html`<li>
            <a part="bank" href=${href} @click=${() => this.open(b)}>
              ${b.logo_url && !this.broken.has(b.id)
                ? html`<img src=${b.logo_url} alt="" loading="lazy" @error=${() => (this.broken = new Set(this.broken).add(b.id))} />`
                : html`<span class="initials" aria-hidden="true">${b.name.replace(/[^\p{L}\d]/gu, '').slice(0, 1).toUpperCase()}</span>`}
              <span>${b.name}</span>
            </a>
          </li>`;
        })}
      </ul>
      ${banks.length === 0 ? html`<p class="empty">${this.t.noBank}</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sg-bank-list': BankList;
  }
}
