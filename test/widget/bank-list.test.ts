import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { Bank } from '../../widget/api/public-api';
import { APP_OPEN_TIMEOUT_MS, type BankList } from '../../widget/banks/bank-list';
import '../../widget/banks/bank-list';
import { DICTIONARIES } from '../../widget/i18n/i18n';
import { banksFor, fpsLink } from './support/fake-server';

const LAST_BANK_KEY = 'sg-checkout:last-bank';
const LINK = fpsLink(149_900);
const REST = LINK.slice('https://'.length);
/** A logo that cannot load: an image whose bytes are not an image. */
const BROKEN_LOGO = 'data:image/png;base64,bm90IGFuIGltYWdl';
/** A logo that loads: a tiny inline SVG. */
const GOOD_LOGO = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="36" height="36"><rect width="36" height="36" fill="#21a038"/></svg>')}`;

async function mount(banks: Bank[] = banksFor(LINK), platform: 'ios' | 'android' = 'ios', locale: 'ru' | 'en' = 'ru') {
  return fixture<BankList>(html`<sg-bank-list .banks=${banks} .platform=${platform} .t=${DICTIONARIES[locale]}></sg-bank-list>`);
}

const names = (el: BankList) => [...el.shadowRoot!.querySelectorAll('a[part=bank] span:last-child')].map((s) => s.textContent!.trim());
const anchors = (el: BankList) => [...el.shadowRoot!.querySelectorAll<HTMLAnchorElement>('a[part=bank]')];

async function search(el: BankList, query: string) {
  const input = el.shadowRoot!.querySelector('input')!;
  input.value = query;
  input.dispatchEvent(new Event('input'));
  await el.updateComplete;
}

/** Clicks a bank without leaving the page: the deep link's navigation is cancelled, the list's own handler still runs. */
function tap(anchor: HTMLAnchorElement) {
  const cancel = (e: Event) => e.preventDefault();
  window.addEventListener('click', cancel, { capture: true, once: true });
  anchor.click();
}

/** Runs `body` with the bank list's app-open timer captured instead of scheduled. */
function withCapturedAppTimer(body: (fire: () => void) => void) {
  const original = window.setTimeout;
  const captured: Array<() => void> = [];
  window.setTimeout = ((fn: () => void, ms?: number, ...rest: unknown[]) => {
    if (ms === APP_OPEN_TIMEOUT_MS) {
      captured.push(fn);
      return 0;
    }
    return original(fn, ms, ...rest);
  }) as typeof window.setTimeout;
  try {
    body(() => {
      expect(captured, 'one app-open timer per tap').to.have.length(1);
      captured[0]!();
    });
  } finally {
    window.setTimeout = original;
  }
}

describe('<sg-bank-list>', () => {
  beforeEach(() => localStorage.removeItem(LAST_BANK_KEY));
  afterEach(() => localStorage.removeItem(LAST_BANK_KEY));

  it('lists the banks in the order the server gives', async () => {
    const el = await mount();
    expect(names(el)).to.deep.equal(['Сбербанк', 'Т-Банк', 'Альфа-Банк', 'КБ Пойдём!']);
    expect(el.shadowRoot!.querySelector('input')!.getAttribute('aria-label')).to.equal('Название банка');
    expect(el.shadowRoot!.querySelector('ul')!.getAttribute('aria-label')).to.equal('Выберите банк');
  });

  it('searches case-insensitively, treating ё as е', async () => {
    const el = await mount();
    await search(el, 'сБЕР');
    expect(names(el)).to.deep.equal(['Сбербанк']);
    await search(el, 'пойдем');
    expect(names(el)).to.deep.equal(['КБ Пойдём!']);
    await search(el, 'ПОЙДЁМ');
    expect(names(el)).to.deep.equal(['КБ Пойдём!']);
    await search(el, '  -банк ');
    expect(names(el)).to.deep.equal(['Т-Банк', 'Альфа-Банк']);
    await search(el, 'Несуществующий');
    expect(names(el)).to.deep.equal([]);
    expect(el.shadowRoot!.querySelector('.empty')!.textContent!.trim()).to.equal('Банк не найден');
    await search(el, '');
    expect(names(el)).to.have.length(4);
  });

  it('puts the last bank used first, remembered across visits', async () => {
    localStorage.setItem(LAST_BANK_KEY, '100000000008');
    const el = await mount();
    expect(names(el)).to.deep.equal(['Альфа-Банк', 'Сбербанк', 'Т-Банк', 'КБ Пойдём!']);
    // It stays first when it matches the search, and does not appear when it does not.
    await search(el, '-банк');
    expect(names(el)).to.deep.equal(['Альфа-Банк', 'Т-Банк']);
    await search(el, 'сбер');
    expect(names(el)).to.deep.equal(['Сбербанк']);
  });

  it('remembers the bank tapped', async () => {
    const el = await mount();
    withCapturedAppTimer(() => tap(anchors(el)[1]!));
    expect(localStorage.getItem(LAST_BANK_KEY)).to.equal('100000000004');
    const again = await mount();
    expect(names(again)[0]).to.equal('Т-Банк');
  });

  it('falls back to the initial when a logo cannot load, and keeps the logos that do', async () => {
    const banks = banksFor(LINK).map((b, i) => ({ ...b, logo_url: i === 0 ? BROKEN_LOGO : i === 1 ? GOOD_LOGO : null }));
    const el = await mount(banks);
    const rows = () => anchors(el).map((a) => (a.querySelector('img') ? `img ${a.querySelector('img')!.getAttribute('src')!.slice(0, 14)}` : `initial ${a.querySelector('.initials')!.textContent}`));
    await waitUntil(() => anchors(el)[0]!.querySelector('.initials'), 'the broken logo is replaced', { timeout: 5000 });
    expect(rows()).to.deep.equal(['initial С', 'img data:image/svg', 'initial А', 'initial К']);
    const logo = anchors(el)[1]!.querySelector('img')!;
    await logo.decode();
    expect(logo.naturalWidth).to.equal(36);
    expect(logo.getAttribute('alt'), 'the name beside it is the text').to.equal('');
  });

  it('opens the bank app by its URL scheme on iOS', async () => {
    const el = await mount(banksFor(LINK), 'ios');
    expect(anchors(el).map((a) => a.getAttribute('href'))).to.deep.equal([
      `bank100000000111://${REST}`,
      `bank100000000004://${REST}`,
      `bank100000000008://${REST}`,
      `bank100000000174://${REST}`,
    ]);
  });

  it('opens the bank app by an intent on Android, and by the scheme when the bank has no package', async () => {
    const el = await mount(banksFor(LINK), 'android');
    expect(anchors(el).map((a) => a.getAttribute('href'))).to.deep.equal([
      `intent://${REST}#Intent;scheme=bank100000000111;package=ru.sberbankmobile;end;`,
      `intent://${REST}#Intent;scheme=bank100000000004;package=com.idamob.tinkoff.android;end;`,
      `intent://${REST}#Intent;scheme=bank100000000008;package=ru.alfabank.mobile.android;end;`,
      `bank100000000174://${REST}`,
    ]);
  });

  it('fires bank-fallback when the page is still visible after a tap (the app did not open)', async () => {
    const el = await mount();
    let fallbacks = 0;
    el.addEventListener('bank-fallback', () => fallbacks++);
    withCapturedAppTimer((fire) => {
      tap(anchors(el)[0]!);
      expect(fallbacks, 'not before the timeout').to.equal(0);
      fire();
    });
    expect(fallbacks).to.equal(1);
  });

  it('does not fire bank-fallback when the app opened and hid the page', async () => {
    const el = await mount();
    let fallbacks = 0;
    el.addEventListener('bank-fallback', () => fallbacks++);
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    try {
      withCapturedAppTimer((fire) => {
        tap(anchors(el)[0]!);
        fire();
      });
    } finally {
      delete (document as unknown as Record<string, unknown>).visibilityState;
    }
    expect(document.visibilityState).to.equal('visible');
    expect(fallbacks).to.equal(0);
  });

  it('is accessible, in English too', async () => {
    const el = await mount(banksFor(LINK), 'ios', 'en');
    expect(el.shadowRoot!.querySelector('input')!.getAttribute('placeholder')).to.equal('Bank name');
    await expect(el).to.be.accessible();
  });
});
