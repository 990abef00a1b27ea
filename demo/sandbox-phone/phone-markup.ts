/** The sandbox phone's frame in the shop page; sandbox-phone.ts fills its screen from the widget's `sg-status` events. */
import { html } from 'hono/html';
import { TEST_CARDS } from './test-cards';

export const sandboxPhone = () => html`<aside class="phone" id="sandbox-phone" aria-labelledby="phone-title">
  <div class="phone-frame">
    <div class="phone-notch" aria-hidden="true"></div>
    <div class="phone-screen">
      <h3 id="phone-title">The customer's phone <span class="badge">Sandbox</span></h3>
      <div id="phone-content" aria-live="polite">
        <p>Choose how to pay in the checkout. This phone then shows how the customer finishes the payment.</p>
      </div>
      <details class="test-cards" open>
        <summary>Test cards</summary>
        <p class="muted">Any future expiry date, any CVC.</p>
        <ul>${TEST_CARDS.map((card) => html`<li><code>${card.number}</code> ${card.outcome}</li>`)}</ul>
      </details>
      <p class="phone-footer"><a href="/sandbox/pushes" target="_blank" rel="noopener">Push inbox</a> · <a href="/console" target="_blank" rel="noopener">Console</a></p>
    </div>
  </div>
</aside>`;
