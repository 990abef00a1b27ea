/**
 * The sandbox phone beside the demo checkout, styled as the shop page styles it (pages.css, the
 * store's and the phone's CSS), in every screen it shows, light and dark: all its text at 4.5:1
 * or more against what is behind it.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import { PAGES_CSS } from '../../server/pages/layout';
import { sandboxPhone } from '../../demo/sandbox-phone/phone-markup';
import { SandboxPhone } from '../../demo/sandbox-phone/sandbox-phone';
import type { PhoneScreen } from '../../demo/sandbox-phone/phone-guide';
import { backgroundBehind, contrastRatio, focusRing, textContrasts } from './support/contrast';

const SCREENS: PhoneScreen[] = [
  { kind: 'idle' },
  { kind: 'fps', paymentId: 'pm_1', link: 'https://qr.nspk.ru/AD1', bankPageUrl: '/sandbox/fps/AD1' },
  { kind: 'sberpay', paymentId: 'pm_1', appPageUrl: '/sandbox/sberpay/1' },
  { kind: 'three_ds', paymentId: 'pm_1' },
  { kind: 'paid', paymentId: 'pm_1' },
  { kind: 'failed', paymentId: 'pm_1', reason: 'the bank declined the card' },
];

async function mountPhone(): Promise<{ shell: HTMLElement; phone: SandboxPhone }> {
  const styles = await Promise.all(['/demo/store/store.css', '/demo/sandbox-phone/sandbox-phone.css'].map((p) => fetch(p).then((r) => r.text())));
  const shell = await fixture<HTMLElement>(html`<div class="shell"></div>`);
  const style = document.createElement('style');
  style.textContent = [PAGES_CSS, ...styles].join('\n');
  document.head.append(style);
  shell.append(document.createRange().createContextualFragment(String(sandboxPhone())));
  const phone = new SandboxPhone(shell.querySelector('#phone-content')!, 'pt_phone');
  return { shell, phone };
}

const show = (phone: SandboxPhone, screen: PhoneScreen) => {
  (phone as unknown as { screen: PhoneScreen }).screen = screen;
  (phone as unknown as { render: () => void }).render();
};

describe('sandbox phone', () => {
  const originalFetch = window.fetch;
  before(() => {
    // The bank list of the FPS screen: two banks without logos (their initials show).
    window.fetch = (async (input: RequestInfo | URL) =>
      String(input).includes('/banks')
        ? Response.json({ link: '', banks: [{ id: '100000000111', name: 'Сбербанк', logo_url: null, ios_url: 'bank100000000111://x' }, { id: '100000000004', name: 'Т-Банк', logo_url: null, ios_url: 'x' }] })
        : originalFetch(input)) as typeof fetch;
  });
  after(async () => {
    window.fetch = originalFetch;
    document.querySelectorAll('head style').forEach((s) => s.textContent?.includes('.phone-frame') && s.remove());
    await emulateMedia({ colorScheme: 'light' });
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`keeps every text at 4.5:1 or more on the ${scheme} scheme`, async () => {
      await emulateMedia({ colorScheme: scheme });
      const { shell, phone } = await mountPhone();
      const page = getComputedStyle(document.documentElement).getPropertyValue('--bg').trim();
      const low: string[] = [];
      for (const screen of SCREENS) {
        show(phone, screen);
        await new Promise((r) => setTimeout(r, 20)); // the FPS screen's bank list arrives
        for (const c of textContrasts(shell.querySelector('#sandbox-phone')!, page)) {
          if (c.ratio < 4.5) low.push(`${screen.kind}: "${c.text}" ${c.color} on ${c.background} = ${c.ratio.toFixed(2)}`);
        }
      }
      expect([...new Set(low)]).to.deep.equal([]);
    });

    it(`shows focus rings at 3:1 or more on the ${scheme} scheme`, async () => {
      await emulateMedia({ colorScheme: scheme });
      const { shell, phone } = await mountPhone();
      const page = getComputedStyle(document.documentElement).getPropertyValue('--bg').trim();
      show(phone, SCREENS[1]!);
      await sendKeys({ press: 'Shift' }); // keyboard modality for :focus-visible
      for (const el of shell.querySelectorAll<HTMLElement>('#sandbox-phone a, #sandbox-phone button, #sandbox-phone summary')) {
        el.focus();
        const ring = focusRing(el);
        const ratio = contrastRatio(ring.color, backgroundBehind(el.parentElement!, page));
        expect(ring.style, el.textContent!).to.equal('solid');
        expect(ratio, `${el.textContent}: ${ring.color}`).to.be.at.least(3);
      }
    });
  }
});
