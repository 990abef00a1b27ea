import { expect, fixture, html } from '@open-wc/testing';
import { DICTIONARIES } from '../../widget/i18n/i18n';
import { QR_METHODS } from '../../widget/qr/qr-methods';
import type { QrView } from '../../widget/qr/qr-view';
import '../../widget/qr/qr-view';
import { decodeSvgQr } from './support/decode-qr';
import { contrastRatio, focusRing } from './support/contrast';
import { sendKeys } from '@web/test-runner-commands';
import { fpsLink } from './support/fake-server';

const SBERPAY_QR = 'https://pay.example.test/sandbox/sberpay/0f1e2d3c4b5a69788796a5b4c3d2e1f0';

type Mounted = { el: QrView; tick: () => void; clock: { now: number } };

/**
 * Mounts the view with a clock the test moves and its once-a-second timer captured, so minutes of
 * countdown run in a few milliseconds.
 */
async function mount(props: { link: string; method?: 'fps' | 'sberpay'; remainingMs: number; locale?: 'ru' | 'en' }): Promise<Mounted> {
  const clock = { now: 1_750_000_000_000 };
  let tick: () => void = () => {
    throw new Error('the view started no timer');
  };
  const original = window.setInterval;
  window.setInterval = ((fn: () => void, ms: number) => {
    expect(ms).to.equal(1000);
    tick = fn;
    return 0;
  }) as typeof window.setInterval;
  try {
    const el = await fixture<QrView>(html`<sg-qr-view
      .link=${props.link}
      .method=${props.method ?? 'fps'}
      .amount=${'1\u202f499,00\u00a0₽'}
      .expiresAt=${clock.now + props.remainingMs}
      .now=${() => clock.now}
      .t=${DICTIONARIES[props.locale ?? 'ru']}
    ></sg-qr-view>`);
    return { el, tick: () => tick(), clock };
  } finally {
    window.setInterval = original;
  }
}

const $ = (el: QrView, selector: string) => el.shadowRoot!.querySelector(selector)!;
const text = (el: QrView, selector: string) => $(el, selector).textContent!.trim();

describe('<sg-qr-view>', () => {
  it('renders a QR that decodes back to the exact NSPK link', async () => {
    const link = fpsLink(149_900);
    expect(link).to.match(/^https:\/\/qr\.nspk\.ru\/AD[A-Z0-9]{30}\?type=02&bank=100000000111&sum=149900&cur=RUB&crc=[0-9A-F]{4}$/);
    const { el } = await mount({ link, remainingMs: 300_000 });
    const svg = $(el, 'svg') as SVGSVGElement;
    expect(await decodeSvgQr(svg)).to.equal(link);
  });

  it('renders a SberPay QR in SberPay green that decodes to its link, with its own hint', async () => {
    const { el } = await mount({ link: SBERPAY_QR, method: 'sberpay', remainingMs: 300_000 });
    const svg = $(el, 'svg') as SVGSVGElement;
    expect(await decodeSvgQr(svg)).to.equal(SBERPAY_QR);
    expect(svg.querySelector('path')!.getAttribute('fill')).to.equal(QR_METHODS.sberpay.accent);
    expect(text(el, '.hint')).to.equal(DICTIONARIES.ru.sberHint);
    expect(svg.getAttribute('aria-label')).to.equal(DICTIONARIES.ru.sberHint);
  });

  for (const method of ['fps', 'sberpay'] as const) {
    it(`carries the ${method} mark in its middle, within 22% of its width, and still decodes`, async () => {
      const link = method === 'fps' ? fpsLink(149_900) : SBERPAY_QR;
      const { el } = await mount({ link, method, remainingMs: 300_000 });
      const svg = $(el, 'svg[part=qr]') as SVGSVGElement;
      const mark = svg.querySelector(`svg.mark-${method}`)!;
      expect(mark, 'the mark is inside the QR').to.exist;
      expect(mark.getAttribute('aria-hidden'), 'the QR is the image; its mark is decoration').to.equal('true');
      const qr = svg.getBoundingClientRect();
      const pad = svg.querySelector('.mark-pad')!.getBoundingClientRect();
      // The QR's box includes a 2-module margin each side: its code is (size / (size + 4)) of it.
      const size = Number(svg.getAttribute('viewBox')!.split(' ')[2]) - 4;
      const codeWidth = (qr.width * size) / (size + 4);
      expect(pad.width / codeWidth).to.be.within(0.15, 0.22 + 1e-6);
      expect(Math.abs(pad.left + pad.width / 2 - (qr.left + qr.width / 2)), 'centred').to.be.below(1);
      expect(await decodeSvgQr(svg)).to.equal(link);
    });
  }

  it('shows a focus ring at 3:1 or more on its copy button', async () => {
    const { el } = await mount({ link: fpsLink(149_900), remainingMs: 300_000 });
    const button = $(el, 'button') as HTMLButtonElement;
    button.focus();
    await sendKeys({ press: 'Shift' }); // a keyboard event, so :focus-visible applies as for a keyboard user
    button.focus();
    const ring = focusRing(button);
    expect(ring.style).to.equal('solid');
    expect(ring.width).to.be.at.least(2);
    expect(contrastRatio(ring.color, 'rgb(255, 255, 255)')).to.be.at.least(3);
  });

  it('shows the amount, the hint and a labelled image', async () => {
    const { el } = await mount({ link: fpsLink(149_900), remainingMs: 300_000, locale: 'en' });
    expect(text(el, '.amount')).to.equal('1\u202f499,00\u00a0₽');
    expect(text(el, '.hint')).to.equal('Scan the QR code with your bank app or the camera');
    const svg = $(el, 'svg');
    expect(svg.getAttribute('role')).to.equal('img');
    expect(svg.getAttribute('aria-label')).to.equal('Scan the QR code with your bank app or the camera');
    await expect(el).to.be.accessible();
  });

  it('counts down to the deadline every second', async () => {
    const { el, tick, clock } = await mount({ link: fpsLink(100), remainingMs: 4 * 60_000 + 5_000 });
    expect(text(el, '.countdown')).to.equal('Осталось 4 мин 05 с');
    clock.now += 1_000;
    tick();
    await el.updateComplete;
    expect(text(el, '.countdown')).to.equal('Осталось 4 мин 04 с');
    clock.now += 3 * 60_000 + 20_000;
    tick();
    await el.updateComplete;
    expect(text(el, '.countdown')).to.equal('Осталось 44 с');
    clock.now += 60_000;
    tick();
    await el.updateComplete;
    expect(text(el, '.countdown')).to.equal('Осталось 0 с');
    expect($(el, '.countdown').getAttribute('aria-hidden'), 'the per-second text is not read out').to.equal('true');
  });

  it('changes the polite live region once a minute, not every second', async () => {
    const { el, tick, clock } = await mount({ link: fpsLink(100), remainingMs: 185_000 });
    const live = $(el, '[aria-live]');
    expect(live.getAttribute('aria-live')).to.equal('polite');
    expect(live.getAttribute('role')).to.equal('status');
    const announcements = [live.textContent!.trim()];
    const countdowns = new Set([text(el, '.countdown')]);
    for (let second = 1; second <= 185; second++) {
      clock.now += 1_000;
      tick();
      await el.updateComplete;
      const now = live.textContent!.trim();
      if (now !== announcements.at(-1)) announcements.push(now);
      countdowns.add(text(el, '.countdown'));
    }
    expect(announcements).to.deep.equal([
      'На оплату осталось 4 минуты',
      'На оплату осталось 3 минуты',
      'На оплату осталось 2 минуты',
      'На оплату осталась 1 минута',
      'На оплату осталось 0 минут',
    ]);
    expect(countdowns.size, 'the visible countdown moves every second').to.equal(186);
  });

  it('asks once for a new QR shortly before it expires, and again for the renewed one', async () => {
    const { el, tick, clock } = await mount({ link: fpsLink(100), remainingMs: 60_000 });
    const asked: number[] = [];
    el.addEventListener('qr-renew', () => asked.push(el.expiresAt - clock.now));
    for (let s = 0; s < 60; s++) {
      clock.now += 1_000;
      tick();
    }
    expect(asked).to.deep.equal([QR_METHODS.fps.renewBeforeMs]);

    // The checkout renews: a new link with a new deadline.
    el.link = fpsLink(100);
    el.expiresAt = clock.now + 5 * 60_000;
    await el.updateComplete;
    expect(text(el, '.countdown')).to.equal('Осталось 5 мин 00 с');
    for (let s = 0; s < 5 * 60; s++) {
      clock.now += 1_000;
      tick();
    }
    expect(asked).to.deep.equal([QR_METHODS.fps.renewBeforeMs, QR_METHODS.fps.renewBeforeMs]);
  });

  it('asks for a new QR at once when it is shown with less time left than the renewal margin (a reload)', async () => {
    const asked: Event[] = [];
    const listener = (e: Event) => asked.push(e);
    document.addEventListener('qr-renew', listener, true);
    try {
      const { el, tick } = await mount({ link: fpsLink(100), remainingMs: 10_000 });
      tick();
      tick();
      expect(asked).to.have.length(1);
      expect(asked[0]!.target === el, 'sent by the view').to.equal(true);
    } finally {
      document.removeEventListener('qr-renew', listener, true);
    }
  });

  it('copies the link and says so', async () => {
    const link = fpsLink(149_900);
    const { el } = await mount({ link, remainingMs: 300_000 });
    const copied: string[] = [];
    Object.defineProperty(navigator.clipboard, 'writeText', { configurable: true, value: async (t: string) => void copied.push(t) });
    try {
      const button = $(el, 'button') as HTMLButtonElement;
      expect(button.textContent!.trim()).to.equal('Скопировать ссылку');
      button.click();
      await new Promise((r) => setTimeout(r, 0));
      await el.updateComplete;
      expect(copied).to.deep.equal([link]);
      expect(button.textContent!.trim()).to.equal('Скопировано');
    } finally {
      delete (navigator.clipboard as unknown as Record<string, unknown>).writeText;
    }
  });

  it('stops its timer when removed', async () => {
    const cleared: unknown[] = [];
    const original = window.clearInterval;
    const { el } = await mount({ link: fpsLink(100), remainingMs: 60_000 });
    window.clearInterval = ((id: unknown) => void cleared.push(id)) as typeof window.clearInterval;
    try {
      el.remove();
    } finally {
      window.clearInterval = original;
    }
    expect(cleared).to.deep.equal([0]);
  });
});
