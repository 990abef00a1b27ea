/**
 * The 3-D Secure page of the card's bank, in a modal dialog over the checkout. "Close" and Esc
 * leave it: the element then ends that attempt, so the customer is never stuck in it.
 */
import { html, nothing } from 'lit';
import type { Dictionary } from '../i18n/i18n';

export function challengeDialog(t: Dictionary, url: string | null, leave: () => void) {
  const onCancel = (e: Event) => {
    e.preventDefault(); // Esc: the element closes the dialog once the attempt is left
    leave();
  };
  return html`<dialog aria-label=${t.threeDs} @cancel=${onCancel}>
    <header><strong>${t.threeDs}</strong><button class="secondary close" @click=${leave}>${t.close}</button></header>
    ${url ? html`<iframe title=${t.threeDs} src=${url}></iframe>` : nothing}
  </dialog>`;
}
