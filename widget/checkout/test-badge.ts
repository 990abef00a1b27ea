import { html, nothing } from 'lit';
import type { SessionView } from '../api/public-api';
import type { Dictionary } from '../i18n/i18n';

/**
 * "Test mode" while the server runs the sandbox acquirer (no real money moves). Plain text in
 * reading order, first in the panel: a screen reader reads it once with the heading, never as an alert.
 */
export const testBadge = (view: SessionView, t: Dictionary) =>
  view.sandbox === true ? html`<p class="test-badge" part="test-badge">${t.testMode}</p>` : nothing;
