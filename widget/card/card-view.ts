import { LitElement, html, css } from 'lit';
import { property, query } from 'lit/decorators.js';
import { defineElement } from '../define-element';
import type { Locale } from '../i18n/i18n';
import { CARD_FRAME_SOURCE, type FrameMessage } from './frame-protocol';

/** A tokenised card: what the merchant page may know of it. `expiry` is 'MM/YY'. */
/** How long the frame may take to tokenise (its own request to the server included). */
export const TOKENIZE_TIMEOUT_MS = 20_000;

export type CardToken = { token: string; brand: string; last4: string; expiry: string };

/** The iframe's accessible name when the host gives no `label`. */
const FRAME_LABEL: Record<Locale, string> = { ru: 'Данные карты', en: 'Card details' };

/**
 * Hosts the card fields' iframe, served by the payment server (or the rail, for its own card
 * form), so the card number never touches the merchant's page. Only messages from that iframe's
 * window and the form's origin are heard; the iframe in turn hears only this page's origin.
 *
 * @event card-submit - the customer pressed Enter in a card field: pay as the Pay button does (call `tokenize()`)
 * @csspart frame - the iframe
 */
@defineElement('sg-card-view')
export class CardView extends LitElement {
  /** The card form's page: the payment server's `/widget/card-frame.html`, or the rail's own card form. */
  @property() form = '';
  /** What the form is opened with: the session's public token (the rail's, for the rail's form). */
  @property() token = '';
  @property() locale: Locale = 'ru';
  @property() theme: 'light' | 'dark' = 'light';
  /** The iframe's accessible name, in the customer's language (default: "Данные карты" / "Card details"). */
  @property() label = '';
  /**
   * The expiry ('MM/YY') to fill in, e.g. the one of the card that just failed (`CardToken.expiry`):
   * the customer re-types only the number and the CVC, which are never passed.
   */
  @property() expiry = '';
  @query('iframe') private frame!: HTMLIFrameElement;
  private pending: { resolve: (t: CardToken) => void; reject: (e: Error) => void } | null = null;

  static override styles = css`
    :host { display: block; }
    iframe { width: 100%; border: 0; height: 210px; display: block; color-scheme: normal; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('message', this.onMessage);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('message', this.onMessage);
    this.pending?.reject(new Error('card form closed'));
    this.pending = null;
  }

  /** Asks the frame to check and tokenise the card; resolves with the `tok_` or rejects when the fields are invalid. */
  tokenize(): Promise<CardToken> {
    this.pending?.reject(new Error('superseded'));
    return new Promise((resolve, reject) => {
      // A frame that never answers (its script not running yet, its request hung) must not leave the Pay button busy for ever.
      const timer = setTimeout(() => this.pending?.reject(new Error('the card form did not answer')), TOKENIZE_TIMEOUT_MS);
      const settle = () => {
        clearTimeout(timer);
        this.pending = null;
      };
      this.pending = { resolve: (t) => (settle(), resolve(t)), reject: (e) => (settle(), reject(e)) };
      this.frame.contentWindow?.postMessage({ source: CARD_FRAME_SOURCE, type: 'submit' }, new URL(this.form).origin);
    });
  }

  private onMessage = (event: MessageEvent<FrameMessage>) => {
    if (event.origin !== new URL(this.form).origin || event.source !== this.frame?.contentWindow) return;
    const m = event.data;
    if (m?.source !== CARD_FRAME_SOURCE) return;
    if (m.type === 'resize') this.frame.style.height = `${m.height}px`;
    if (m.type === 'submit-request') this.dispatchEvent(new Event('card-submit', { bubbles: true, composed: true }));
    if (m.type === 'tokenized') this.pending?.resolve({ token: m.token, brand: m.brand, last4: m.last4, expiry: m.expiry });
    if (m.type === 'invalid') this.pending?.reject(new Error(m.message));
    if (m.type === 'tokenized' || m.type === 'invalid') this.pending = null;
  };

  override render() {
    // The token goes in the query: the server frames the page only inside its session's project's
    // origins, and the frame pays with that same token. The rest is for the frame alone (the hash).
    const query = new URLSearchParams({ token: this.token });
    const hash = new URLSearchParams({ origin: location.origin, locale: this.locale, theme: this.theme });
    if (/^\d{2}\/\d{2}$/.test(this.expiry)) hash.set('expiry', this.expiry);
    return html`<iframe part="frame" title=${this.label || FRAME_LABEL[this.locale] || FRAME_LABEL.ru} src=${`${this.form}?${query}#${hash}`} allow="payment"></iframe>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sg-card-view': CardView;
  }
}
