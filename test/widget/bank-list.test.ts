import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { Bank } from '../../widget/api/public-api';
import { APP_OPEN_TIMEOUT_MS, BANK_PAGE_SIZE, type BankList } from '../../widget/banks/bank-list';
import '../../widget/banks/bank-list';
import { DICTIONARIES } from '../../widget/i18n/i18n';
import { banksFor, fpsLink } from './support/fake-server';
import { contrastRatio, focusRing } from './support/contrast';
import { sendKeys } from '@web/test-runner-commands';

/** A directory as long as NSPK's: 192 banks, each with a logo that loads. */
const manyBanks = (): Bank[] =>
  Array.from({ length: 192 }, (_, i) => ({
    id: String(100000000000 + i),
    name: `Банк номер ${i + 1}`,
    logo_url: GOOD_LOGO,
    ios_url: `bank${100000000000 + i}://${REST}`,
    android_url: null,
  }));

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

  it('falls back to the monogram when a logo cannot load, and keeps the logos that do', async () => {
    const banks = banksFor(LINK).map((b, i) => ({ ...b, logo_url: i === 0 ? BROKEN_LOGO : i === 1 ? GOOD_LOGO : null }));
    const el = await mount(banks);
    const rows = () => anchors(el).map((a) => (a.querySelector('img') ? `img ${a.querySelector('img')!.getAttribute('src')!.slice(0, 14)}` : `initial ${a.querySelector('.logo text')!.textContent}`));
    await waitUntil(() => !anchors(el)[0]!.querySelector('img'), 'the broken logo is replaced', { timeout: 5000 });
    expect(rows()).to.deep.equal(['initial С', 'img data:image/svg', 'initial А', 'initial П']);
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

  it('renders a first page of rows, and more as the customer scrolls to the end', async () => {
    const el = await mount(manyBanks());
    expect(anchors(el)).to.have.length(BANK_PAGE_SIZE);
    const list = el.shadowRoot!.querySelector('ul')!;
    for (let pages = 2; pages <= 3; pages++) {
      list.scrollTop = list.scrollHeight;
      await waitUntil(() => anchors(el).length === pages * BANK_PAGE_SIZE, `page ${pages} renders on scroll`, { timeout: 3000 });
    }
    expect(anchors(el).length).to.be.below(192);
    await expect(el, 'the end marker in the list is no problem for assistive tech').to.be.accessible();
  });

  it('searches all the banks, not only the rendered page, and starts again from the first page', async () => {
    const el = await mount(manyBanks());
    await search(el, 'номер 150');
    expect(names(el)).to.deep.equal(['Банк номер 150']);
    await search(el, 'номер 1');
    expect(anchors(el), 'a broad search shows a page of its matches').to.have.length(BANK_PAGE_SIZE);
    await search(el, '');
    expect(anchors(el)).to.have.length(BANK_PAGE_SIZE);
  });

  it('loads logos lazily at a fixed size, over a monogram, so nothing shifts and nothing is blank', async () => {
    const el = await mount(manyBanks());
    const first = anchors(el)[0]!;
    const img = first.querySelector('img')!;
    expect(img.getAttribute('loading')).to.equal('lazy');
    expect([img.getAttribute('width'), img.getAttribute('height')]).to.deep.equal(['36', '36']);
    const monogram = first.querySelector('.logo svg')!;
    expect(monogram.querySelector('text')!.textContent, "the bank's initials").to.equal('Н1');
    const [under, over] = [monogram.getBoundingClientRect(), img.getBoundingClientRect()];
    expect([under.x, under.y, under.width, under.height]).to.deep.equal([over.x, over.y, over.width, over.height]);
    const heightBefore = first.getBoundingClientRect().height;
    await img.decode();
    expect(first.getBoundingClientRect().height, 'the row keeps its height when the logo arrives').to.equal(heightBefore);
  });

  it('shows a solid focus ring at 3:1 or more on a bank row', async () => {
    const el = await mount();
    await sendKeys({ press: 'Shift' }); // keyboard modality, so :focus-visible matches as for a keyboard user
    anchors(el)[0]!.focus();
    const ring = focusRing(anchors(el)[0]!);
    expect(ring.style).to.equal('solid');
    expect(ring.width).to.be.at.least(2);
    expect(contrastRatio(ring.color, 'rgb(255, 255, 255)')).to.be.at.least(3);
  });

  it('when the app did not open, names the bank and offers another bank and the link, not the list', async () => {
    const el = await mount(banksFor(LINK), 'ios', 'en'); // no locale: the words follow the dictionary's language
    el.link = LINK;
    withCapturedAppTimer((fire) => {
      tap(anchors(el)[1]!);
      fire();
    });
    el.failed = true;
    await el.updateComplete;
    const notice = el.shadowRoot!.querySelector('[part=failed]')!;
    expect(notice.getAttribute('role')).to.equal('alert');
    expect(notice.querySelector('strong')!.textContent).to.equal('The Т-Банк app did not open');
    expect(anchors(el), 'the list steps aside').to.have.length(0);
    const [another, copy] = [...notice.querySelectorAll('button')];
    expect(another!.textContent!.trim()).to.equal('Choose another bank');
    await sendKeys({ press: 'Shift' });
    another!.focus();
    expect(contrastRatio(focusRing(another!).color, 'rgb(255, 255, 255)'), 'its ring against the page').to.be.at.least(3);
    expect(parseFloat(getComputedStyle(another!).outlineOffset), 'outside the green button').to.be.at.least(1);
    expect(copy!.textContent!.trim()).to.equal('Copy link');

    const copied: string[] = [];
    Object.defineProperty(navigator.clipboard, 'writeText', { configurable: true, value: async (t: string) => void copied.push(t) });
    try {
      copy!.click();
      await waitUntil(() => copy!.textContent!.trim() === 'Copied', 'says it copied');
    } finally {
      delete (navigator.clipboard as unknown as Record<string, unknown>).writeText;
    }
    expect(copied).to.deep.equal([LINK]);

    let chosen = 0;
    el.addEventListener('choose-another', () => chosen++);
    another!.click();
    expect(chosen).to.equal(1);
    el.failed = false; // what the checkout does on choose-another
    await el.updateComplete;
    await el.updateComplete;
    expect(anchors(el)).to.have.length(4);
    expect(el.shadowRoot!.activeElement?.tagName, 'the search box has the focus').to.equal('INPUT');
    await expect(el).to.be.accessible();
  });

  it('says the app did not open in Russian too', async () => {
    localStorage.setItem(LAST_BANK_KEY, '100000000111');
    const el = await fixture<BankList>(html`<sg-bank-list .banks=${banksFor(LINK)} .t=${DICTIONARIES.ru} locale="ru" link=${LINK} failed></sg-bank-list>`);
    expect(el.shadowRoot!.querySelector('[part=failed] strong')!.textContent).to.equal('Приложение «Сбербанк» не открылось');
    expect(el.shadowRoot!.querySelector('[part=failed] button')!.textContent!.trim()).to.equal('Выбрать другой банк');
  });

  it('sends bank-fallback with the bank, bubbling out of the shadow root', async () => {
    const el = await mount();
    const seen: CustomEvent[] = [];
    const listener = (e: Event) => seen.push(e as CustomEvent);
    document.addEventListener('bank-fallback', listener);
    try {
      withCapturedAppTimer((fire) => {
        tap(anchors(el)[2]!);
        fire();
      });
    } finally {
      document.removeEventListener('bank-fallback', listener);
    }
    expect(seen.map((e) => e.detail.bank.id)).to.deep.equal(['100000000008']);
  });
});
