/**
 * The sandbox phone beside the demo checkout, styled as the shop page styles it (pages.css, the
 * store's and the phone's CSS), in every screen it shows, light and dark: all its text at 4.5:1
 * or more against what is behind it. And in the page's language (`<html lang>`), every word.
 */
import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
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
  { kind: 'failed', paymentId: 'pm_1', code: 'card_declined', description: 'The issuer declined the card' },
];

/** The screens the contrast tests skip (plain paragraphs), which still have to be translated. */
const TEXT_ONLY_SCREENS: PhoneScreen[] = [
  { kind: 'awaiting_merchant', paymentId: 'pm_1' },
  { kind: 'processing', paymentId: 'pm_1' },
  { kind: 'failed', paymentId: 'pm_1', code: 'authentication_failed', description: '3-D Secure authentication failed' },
  { kind: 'failed', paymentId: 'pm_1', code: 'no_such_code_yet', description: 'Something new went wrong' },
  { kind: 'closed', status: 'cancelled' },
  { kind: 'closed', status: 'error' },
];

type Bank = { id: string; name: string; logo_url: string | null; ios_url: string };
const bank = (id: string, name: string): Bank => ({ id, name, logo_url: `https://elsewhere.example/logos/${id}.png`, ios_url: `bank${id}://qr.nspk.ru/AD1` });
const TWO_BANKS = [bank('100000000111', 'Сбербанк'), bank('100000000004', 'Т-Банк')];
/** What the phone's bank list is given: tests change it. */
let banks: Bank[] = TWO_BANKS;

/**
 * `/assets/pages.css` as the server sends it: PAGES_CSS in server/pages/layout.ts, read from its
 * source because that module is the server's (it imports node:crypto), which a browser cannot run.
 */
async function pagesCss(): Promise<string> {
  const source = await (await fetch('/server/pages/layout.ts')).text();
  const css = /PAGES_CSS = `([^`]*)`/.exec(source)?.[1];
  if (!css) throw new Error('PAGES_CSS is no longer a plain template literal in server/pages/layout.ts');
  return css;
}

async function mountPhone(): Promise<{ shell: HTMLElement; phone: SandboxPhone }> {
  const styles = await Promise.all([pagesCss(), ...['/demo/store/store.css', '/demo/sandbox-phone/sandbox-phone.css'].map((p) => fetch(p).then((r) => r.text()))]);
  const shell = await fixture<HTMLElement>(html`<div class="shell"></div>`);
  const style = document.createElement('style');
  style.textContent = styles.join('\n');
  document.head.append(style);
  shell.append(document.createRange().createContextualFragment(String(sandboxPhone())));
  const phone = new SandboxPhone(shell.querySelector('#phone-content')!, 'pt_phone');
  return { shell, phone };
}

/** Words of the other language in everything `root` shows or names (text, placeholders, labels, tooltips). */
function foreignWords(root: Element, lang: 'ru' | 'en'): string[] {
  const parts: string[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) parts.push(n.textContent!);
  for (const el of root.querySelectorAll('*')) for (const name of ['placeholder', 'aria-label', 'title', 'alt']) parts.push(el.getAttribute(name) ?? '');
  const words = parts.join(' ').replace(/\S+:\/\/\S*/g, ' ').match(/[\p{L}_]+/gu) ?? [];
  // Names that stay as they are in either language: products, protocols, the bank list's own
  // banks; and codes (payment_finished, a failure code).
  const names = lang === 'ru' ? ['SberPay', 'D', 'Secure', 'QR', 'CVC', 'push', 'HTTP'] : ['СБП', 'Сбербанк', 'Т', 'Банк'];
  const foreign = lang === 'ru' ? /[a-z]/i : /[а-яё]/i;
  return words.filter((w) => foreign.test(w) && !names.includes(w) && !w.includes('_'));
}

/** Resolves once `done()` holds (the phone's bank list arrives from a fetch). */
async function until(done: () => boolean, timeoutMs = 2_000): Promise<void> {
  for (const start = Date.now(); !done(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out: ${String(done)}`);
  }
}

const show = (phone: SandboxPhone, screen: PhoneScreen) => {
  (phone as unknown as { screen: PhoneScreen }).screen = screen;
  (phone as unknown as { render: () => void }).render();
};

describe('sandbox phone', () => {
  const originalFetch = window.fetch;
  before(() => {
    // The bank list of the FPS screen. The test server has no /assets/banks/: every logo fails
    // to load and the bank's initials show instead.
    window.fetch = (async (input: RequestInfo | URL) =>
      String(input).includes('/public/v1/sessions/') ? Response.json({ link: '', banks }) : originalFetch(input)) as typeof fetch;
  });
  afterEach(() => {
    banks = TWO_BANKS;
    document.documentElement.lang = pageLang;
  });
  const pageLang = document.documentElement.lang;
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

  for (const lang of ['ru', 'en'] as const) {
    it(`speaks ${lang === 'ru' ? 'Russian' : 'English'}, every word on every screen, when the page's lang is ${lang}`, async () => {
      document.documentElement.lang = lang;
      const { shell, phone } = await mountPhone();
      const foreign: string[] = [];
      for (const screen of [...SCREENS, ...TEXT_ONLY_SCREENS]) {
        show(phone, screen);
        await until(() => screen.kind !== 'fps' || !!shell.querySelector('#phone-banks li'));
        for (const word of foreignWords(shell.querySelector('#sandbox-phone')!, lang)) foreign.push(`${screen.kind}: ${word}`);
      }
      expect([...new Set(foreign)]).to.deep.equal([]);
      expect(shell.querySelector('#sandbox-phone')!.getAttribute('lang')).to.equal(lang);
    });
  }

  it('speaks Russian when the page names no language', async () => {
    document.documentElement.removeAttribute('lang');
    const { shell } = await mountPhone();
    expect(shell.querySelector('#phone-title')!.textContent).to.include('Телефон покупателя');
  });

  it('counts the banks it finds in Russian plurals (1 банк, 2 банка, 5 банков, 21 банк)', async () => {
    document.documentElement.lang = 'ru';
    const counts: string[] = [];
    for (const n of [1, 2, 5, 11, 21, 22]) {
      banks = Array.from({ length: n }, (_, i) => bank(String(100000000100 + i), `Банк ${i}`));
      const { shell, phone } = await mountPhone();
      show(phone, SCREENS[1]!);
      await until(() => !!shell.querySelector('#phone-bank-count'));
      counts.push(shell.querySelector('#phone-bank-count')!.textContent!);
    }
    expect(counts).to.deep.equal(['1 банк', '2 банка', '5 банков', '11 банков', '21 банк', '22 банка']);
  });

  it('narrows the bank list as the customer types, and says when no bank matches', async () => {
    document.documentElement.lang = 'en';
    const { shell, phone } = await mountPhone();
    show(phone, SCREENS[1]!);
    await until(() => !!shell.querySelector('#phone-banks input'));
    const search = shell.querySelector<HTMLInputElement>('#phone-banks input')!;
    const count = () => shell.querySelector('#phone-bank-count')!.textContent;
    expect(count()).to.equal('2 banks');
    search.value = 'сбер';
    search.dispatchEvent(new Event('input'));
    expect(count()).to.equal('1 bank');
    expect([...shell.querySelectorAll<HTMLElement>('#phone-banks li')].map((li) => li.hidden)).to.deep.equal([false, true]);
    search.value = 'nothing like it';
    search.dispatchEvent(new Event('input'));
    expect(count()).to.equal('No bank found');
  });

  it("shows each bank's logo from this server, 36 px, and its initials when the logo does not load", async () => {
    document.documentElement.lang = 'ru';
    const { shell, phone } = await mountPhone();
    // The list's first frame, before any logo request can fail.
    const firstImages = new Promise<string[]>((resolve) => {
      const seen = new MutationObserver(() => {
        const imgs = [...shell.querySelectorAll('#phone-banks img')];
        if (!imgs.length) return;
        seen.disconnect();
        resolve(imgs.map((img) => `${img.getAttribute('src')} ${img.getAttribute('width')}x${img.getAttribute('height')} alt="${img.getAttribute('alt')}"`));
      });
      seen.observe(shell, { childList: true, subtree: true });
    });
    show(phone, SCREENS[1]!);
    expect(await firstImages).to.deep.equal(['/assets/banks/100000000111 36x36 alt=""', '/assets/banks/100000000004 36x36 alt=""']);
    await until(() => shell.querySelectorAll('#phone-banks .bank-initial').length === 2);
    expect([...shell.querySelectorAll('#phone-banks .bank-initial')].map((el) => el.textContent)).to.deep.equal(['С', 'Т']);
  });

  it('opens the sandbox bank and the push inbox in the page language', async () => {
    for (const lang of ['ru', 'en'] as const) {
      document.documentElement.lang = lang;
      const { shell, phone } = await mountPhone();
      show(phone, { kind: 'fps', paymentId: 'pm_1', link: 'https://qr.nspk.ru/AD1', bankPageUrl: '/sandbox/bank?link=https%3A%2F%2Fqr.nspk.ru%2FAD1' });
      await until(() => !!shell.querySelector('#phone-banks li a'));
      for (const a of shell.querySelectorAll<HTMLAnchorElement>('a.phone-primary, #phone-banks li a')) {
        const url = new URL(a.href);
        expect([url.pathname, url.searchParams.get('link'), url.searchParams.get('lang')]).to.deep.equal(['/sandbox/bank', 'https://qr.nspk.ru/AD1', lang]);
      }
      const inbox = [...shell.querySelectorAll<HTMLAnchorElement>('a[href^="/sandbox/pushes"]')].map((a) => a.getAttribute('href'));
      expect(inbox).to.deep.equal([`/sandbox/pushes?lang=${lang}`]);
    }
  });
});
