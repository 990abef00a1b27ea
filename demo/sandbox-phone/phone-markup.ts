/**
 * The sandbox phone's frame in the shop page; sandbox-phone.ts fills its screen from the widget's
 * `sg-status` events. Its fixed words carry `data-phone-word` (and the test cards'
 * `data-card-scenario`), so the script can word them in the page's language whatever `lang` the
 * server rendered them in.
 */
import { html } from 'hono/html';
import { TEST_CARDS } from './test-cards';
import { PHONE_WORDS, type PhoneLanguage } from './words/phone-words';

/** `lang`: the words the server renders (default ru, the store's default); the script then follows `<html lang>`. */
export const sandboxPhone = (lang: PhoneLanguage = 'ru') => {
  const t = PHONE_WORDS[lang].frame;
  const cards = PHONE_WORDS[lang].cards;
  return html`<aside class="phone" id="sandbox-phone" lang="${lang}" aria-labelledby="phone-title">
  <div class="phone-frame">
    <div class="phone-notch" aria-hidden="true"></div>
    <div class="phone-screen">
      <h3 id="phone-title"><span data-phone-word="title">${t.title}</span> <span class="badge" data-phone-word="badge">${t.badge}</span></h3>
      <div id="phone-content" aria-live="polite">
        <p data-phone-word="intro">${t.intro}</p>
      </div>
      <details class="test-cards" open>
        <summary data-phone-word="testCards">${t.testCards}</summary>
        <p class="muted" data-phone-word="anyExpiry">${t.anyExpiry}</p>
        <ul>${TEST_CARDS.map((card) => html`<li><code>${card.number}</code> <span data-card-scenario="${card.scenario}">${cards[card.scenario]}</span></li>`)}</ul>
      </details>
      <p class="phone-footer"><a href="/sandbox/pushes?lang=${lang}" target="_blank" rel="noopener" data-phone-word="pushInbox">${t.pushInbox}</a> · <a href="/console" target="_blank" rel="noopener" data-phone-word="console">${t.console}</a></p>
    </div>
  </div>
</aside>`;
};
