import { LitElement, html, svg, css, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { defineElement } from '../define-element';
import type { Dictionary } from '../i18n/i18n';
import { markInside } from '../marks/marks';
import { MARK_SHARE, qrPath } from './qr-code';
import { QR_METHODS } from './qr-methods';

/**
 * The QR of an FPS or SberPay link, its amount (if any), a countdown to the server's deadline and a
 * copy-link button. Asks its host to renew the link shortly before it expires.
 *
 * @event qr-renew - the link is about to expire (internal: the checkout renews it)
 * @csspart qr - the QR's SVG, with the rail's mark (СБП or SberPay) in its middle
 * @cssproperty --sg-focus - the focus ring's colour (default #1d4ed8, 6.7:1 on white; set a light one on a dark theme)
 * @csspart countdown - the visible countdown
 */
@defineElement('sg-qr-view')
export class QrView extends LitElement {
  @property() link = '';
  @property() method: 'fps' | 'sberpay' = 'fps';
  /** The sum to pay, as the customer reads it; empty for a link that pays nothing (an account binding). */
  @property() amount = '';
  /** The deadline on this page's clock (the server's `expires_at` shifted by the clock offset). */
  @property({ type: Number }) expiresAt = 0;
  /** Only the countdown and the copy button (on a phone, under the bank list): the renewal works the same. */
  @property({ type: Boolean }) compact = false;
  @property({ attribute: false }) t!: Dictionary;
  /** The page's clock; tests replace it. */
  @property({ attribute: false }) now: () => number = () => Date.now();
  @state() private remainingMs = 0;
  @state() private copied = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The link a renewal was last asked for: once per link, however often the view updates. */
  private renewAskedFor: string | null = null;

  static override styles = css`
    :host { display: block; text-align: center; }
    :host([compact]) { margin-top: 16px; }
    svg { width: min(220px, 70vw); height: auto; display: block; margin: 8px auto; background: #fff; border-radius: 12px; }
    .amount { font-size: 1.5em; font-weight: 700; margin: 4px 0; }
    .hint { color: var(--sg-muted, #6b7280); font-size: 0.9em; margin: 4px 0 12px; }
    .countdown { font-variant-numeric: tabular-nums; color: var(--sg-muted, #6b7280); font-size: 0.9em; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    button { font: inherit; margin-top: 12px; padding: 8px 16px; border-radius: var(--sg-radius, 10px); border: 1px solid var(--sg-border, #d1d5db);
      background: transparent; color: inherit; cursor: pointer; }
    /* #1d4ed8 is 6.7:1 on white; a dark theme sets --sg-focus to a light blue. */
    button:focus-visible { outline: 3px solid var(--sg-focus, #1d4ed8); outline-offset: 2px; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    this.tick();
    this.timer = setInterval(() => this.tick(), 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.timer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('expiresAt')) this.remainingMs = Math.max(0, this.expiresAt - this.now());
  }

  private tick(): void {
    this.remainingMs = Math.max(0, this.expiresAt - this.now());
    if (this.renewAskedFor !== this.link && this.link && this.remainingMs <= QR_METHODS[this.method].renewBeforeMs) {
      this.renewAskedFor = this.link;
      this.dispatchEvent(new Event('qr-renew'));
    }
  }

  private async copy(): Promise<void> {
    // Say "copied" only when it was: an unavailable or refused clipboard leaves the button as it is.
    const copied = await navigator.clipboard?.writeText(this.link).then(() => true, () => false);
    if (!copied) return;
    this.copied = true;
    setTimeout(() => (this.copied = false), 2000);
  }

  private renderCode() {
    const { size, d } = qrPath(this.link);
    const view = `-2 -2 ${size + 4} ${size + 4}`;
    const method = QR_METHODS[this.method];
    // The rail's mark on a white pad in the middle; error correction restores the modules under it.
    // Snapped to whole modules (size and pad of the same parity), so no module is cut in half.
    const wholePad = Math.floor(size * MARK_SHARE);
    const pad = (size - wholePad) % 2 ? wholePad - 1 : wholePad;
    const at = (size - pad) / 2;
    const inset = pad * 0.12;
    return html`
      <svg part="qr" role="img" aria-label=${method.hint(this.t)} viewBox=${view} shape-rendering="crispEdges">
        ${svg`<path d=${d} fill=${method.accent}></path>
          <rect class="mark-pad" x=${at} y=${at} width=${pad} height=${pad} rx=${pad * 0.18} fill="#fff" shape-rendering="geometricPrecision"></rect>
          <g shape-rendering="geometricPrecision">${markInside(method.mark, at + inset, at + inset, pad - 2 * inset)}</g>`}
      </svg>
      ${this.amount ? html`<div class="amount">${this.amount}</div>` : nothing}
      <p class="hint">${QR_METHODS[this.method].hint(this.t)}</p>`;
  }

  override render() {
    const seconds = Math.ceil(this.remainingMs / 1000);
    const minutesLeft = Math.ceil(seconds / 60);
    return html`
      ${this.compact ? nothing : this.renderCode()}
      <div class="countdown" part="countdown" aria-hidden="true">${this.t.timeLeft(Math.floor(seconds / 60), seconds % 60)}</div>
      <div class="sr" role="status" aria-live="polite">${this.t.minutesLeft(minutesLeft)}</div>
      <button @click=${this.copy}>${this.copied ? this.t.copied : this.t.copyLink}</button>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sg-qr-view': QrView;
  }
}
