import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import type { SessionView } from '../../widget/api/public-api';
import type { SgCheckout } from '../../widget/checkout/checkout.element';
import type { SgEventMap } from '../../widget/events';
import '../../widget/sg-checkout';
import { contrastRatio, focusRing } from './support/contrast';
import { decodeSvgQr } from './support/decode-qr';
import { API, FakeServer, RAIL_FORM, RAIL_FORM_TOKEN, apiError, checking, failed, sessionView, succeeded, waitingPayment } from './support/fake-server';

type Options = { locale?: 'ru' | 'en'; layout?: 'desktop' | 'mobile'; token?: string; theme?: 'light' | 'dark' };

async function mount(server: FakeServer, o: Options = {}): Promise<SgCheckout> {
  const el = await fixture<SgCheckout>(html`<sg-checkout
    token=${o.token ?? server.token}
    api=${API}
    locale=${o.locale ?? 'ru'}
    layout=${o.layout ?? 'desktop'}
    theme=${o.theme ?? 'light'}
    .fetchImpl=${server.fetch}
  ></sg-checkout>`);
  await until(el, () => !root(el).querySelector('.skeleton'), 'the session loads');
  return el;
}

const root = (el: SgCheckout) => el.shadowRoot!;
const $ = <T extends Element = HTMLElement>(el: SgCheckout, selector: string) => root(el).querySelector<T>(selector);
const text = (node: Element | null | undefined) => (node?.textContent ?? '').replace(/[ \t\n\r]+/g, ' ').replace(/^ | $/g, '');
const tabs = (el: SgCheckout) => [...root(el).querySelectorAll<HTMLButtonElement>('[role=tab]')];
const tabLabels = (el: SgCheckout) => tabs(el).map((t) => text(t.querySelector('.label')));
const selectedTab = (el: SgCheckout) => text(tabs(el).find((t) => t.getAttribute('aria-selected') === 'true')?.querySelector('.label'));
const qrView = (el: SgCheckout) => root(el).querySelector('sg-qr-view');
const qrSvg = (el: SgCheckout) => qrView(el)?.shadowRoot?.querySelector('svg') ?? null;
const bankList = (el: SgCheckout) => root(el).querySelector('sg-bank-list');
const buttonByText = (scope: ParentNode, label: string) => [...scope.querySelectorAll<HTMLButtonElement>('button')].find((b) => text(b) === label);

/** Asserts that a node is not there (a failing DOM comparison is reported as text, not as a serialised element). */
function expectAbsent(node: Element | null | undefined, what = 'the element') {
  expect(node ? `${what}: <${node.localName}> is present` : 'absent').to.equal('absent');
}

async function until(el: SgCheckout, predicate: () => unknown, message: string, timeout = 4000) {
  await waitUntil(predicate, message, { timeout, interval: 10 });
  await el.updateComplete;
}

/** The method's own button: "Show the QR code", "Pay via FPS", "Pay"… (nothing is paid before it is pressed). */
const payButton = (el: SgCheckout) => $<HTMLButtonElement>(el, '[role=tabpanel] button[part=pay-button]');

async function pressPay(el: SgCheckout) {
  await until(el, () => payButton(el) && !payButton(el)!.disabled, 'the pay button is enabled');
  payButton(el)!.click();
  await el.updateComplete;
}

/** The customer asks for the QR (desktop) or the banks (phone) of the method in front. */
async function showQr(el: SgCheckout) {
  await pressPay(el);
  await until(el, () => qrView(el), 'the QR view appears');
}

async function chooseTab(el: SgCheckout, label: string) {
  const tab = tabs(el).find((t) => text(t.querySelector('.label')) === label);
  expect(tab, `tab ${label}`).to.exist;
  tab!.click();
  await el.updateComplete;
}

/** Every sg-* event that reaches the document. */
function recordEvents() {
  const names = ['sg-ready', 'sg-status', 'sg-success', 'sg-fail', 'sg-error'] as const;
  const events: Array<CustomEvent> = [];
  const listener = (e: Event) => events.push(e as CustomEvent);
  for (const n of names) document.addEventListener(n, listener);
  return {
    events,
    of: <K extends keyof SgEventMap>(name: K) => events.filter((e) => e.type === name).map((e) => e.detail as SgEventMap[K]),
    stop: () => names.forEach((n) => document.removeEventListener(n, listener)),
  };
}

const RUB_1499 = '1\u202f499,00\u00a0₽';
const SAVED = { saved_card: { brand: 'visa', last4: '4242' }, methods: ['saved_card', 'fps', 'card', 'sberpay'] } satisfies Partial<SessionView>;

describe('<sg-checkout>', () => {
  beforeEach(async () => {
    sessionStorage.clear();
    localStorage.clear();
    await setViewport({ width: 1024, height: 900 });
  });

  describe('methods', () => {
    it('opening the checkout starts no payment: every tab waits for the customer to ask, desktop and phone', async () => {
      for (const layout of ['desktop', 'mobile'] as const) {
        const server = new FakeServer(sessionView(SAVED));
        const el = await mount(server, { layout });
        for (const label of ['СБП', 'Карта', 'SberPay', '•••• 4242']) await chooseTab(el, label);
        await new Promise((r) => setTimeout(r, 50));
        expect(server.callsTo('POST', '/payments'), layout).to.have.length(0);
        expectAbsent(qrView(el), `${layout}: no QR before it is asked for`);
        el.remove();
      }
    });

    it('shows the FPS QR of the exact link once the customer asks for it on a desktop (ru)', async () => {
      const server = new FakeServer();
      const el = await mount(server);
      expect(text($(el, 'h2'))).to.equal('Оплата · Годовая подписка на канал');
      expect(text($(el, '.total'))).to.equal(RUB_1499);
      expect(tabLabels(el)).to.deep.equal(['СБП', 'Карта', 'SberPay']);
      expect(selectedTab(el)).to.equal('СБП');
      expect(text(payButton(el))).to.equal('Показать QR-код');
      expect(server.calls.map((c) => `${c.method} ${c.path}`)).to.deep.equal(['GET /', 'GET /']);
      await showQr(el);
      await until(el, () => qrSvg(el), 'the FPS QR appears');
      expect(server.calls.map((c) => `${c.method} ${c.path}`).filter((c) => c !== 'GET /')).to.deep.equal(['POST /payments']);
      expect(server.callsTo('POST', '/payments')[0]!.body).to.deep.equal({ method: 'fps' });
      const link = server.view.payment!.customer_interaction!.redirect.url;
      expect(await decodeSvgQr(qrSvg(el)!)).to.equal(link);
      expect(text(qrView(el)!.shadowRoot!.querySelector('.amount'))).to.equal(RUB_1499);
      // Then it waits for the outcome with a long-poll from the version the start returned.
      await until(el, () => server.waiting === 1, 'a long-poll waits');
      const poll = server.calls.at(-1)!;
      expect([poll.query.get('version'), poll.query.get('wait')]).to.deep.equal([String(server.view.version), '25']);
    });

    it('speaks English with locale="en"', async () => {
      const server = new FakeServer();
      const el = await mount(server, { locale: 'en' });
      expect(text(payButton(el))).to.equal('Show the QR code');
      await showQr(el);
      await until(el, () => qrSvg(el), 'the FPS QR appears');
      expect(text($(el, 'h2'))).to.equal('Payment · Годовая подписка на канал');
      expect(text($(el, '.total'))).to.equal('1,499.00\u00a0₽');
      expect(tabLabels(el)).to.deep.equal(['FPS', 'Card', 'SberPay']);
      expect(text(qrView(el)!.shadowRoot!.querySelector('.hint'))).to.equal('Scan the QR code with your bank app or the camera');
      expect(text(qrView(el)!.shadowRoot!.querySelector('button'))).to.equal('Copy link');
    });

    it('counts down on the server clock, whatever the page clock says', async () => {
      const server = new FakeServer();
      server.serverOffsetMs = -7 * 60_000; // the customer's clock runs 7 minutes fast
      const el = await mount(server);
      await showQr(el);
      await until(el, () => qrSvg(el), 'the FPS QR appears');
      const countdown = text(qrView(el)!.shadowRoot!.querySelector('.countdown'));
      expect(countdown).to.match(/^Осталось (5 мин 00|4 мин 59) с$/);
      expect(text(qrView(el)!.shadowRoot!.querySelector('[aria-live]'))).to.equal('На оплату осталось 5 минут');
    });

    it('renews the QR before it expires and shows the new one', async () => {
      const server = new FakeServer();
      server.onStart = (body, s) => s.update({ status: 'in_progress', payment: waitingPayment('fps', s.view, { lifetimeMs: 20_000, serverNowMs: s.now() }) });
      const el = await mount(server);
      await showQr(el);
      await until(el, () => server.callsTo('POST', '/renew').length === 1, 'the widget renews the QR');
      const renewed = server.view.payment!.customer_interaction!.redirect.url;
      await until(el, () => qrView(el)?.link === renewed, 'the new QR is shown');
      expect(await decodeSvgQr(qrSvg(el)!)).to.equal(renewed);
      expect(server.callsTo('POST', '/payments')).to.have.length(1);
      expect(text(qrView(el)!.shadowRoot!.querySelector('.countdown'))).to.match(/^Осталось (5 мин 00|4 мин 59) с$/);
    });

    it('shows the bank list for FPS on a phone once the customer asks, and another bank rather than a QR when the app did not open', async () => {
      await setViewport({ width: 375, height: 740 });
      const server = new FakeServer();
      const el = await mount(server, { layout: 'mobile' });
      expect(text(payButton(el))).to.equal('Оплатить через СБП');
      await pressPay(el);
      await until(el, () => bankList(el)?.shadowRoot?.querySelector('a[part=bank]'), 'the banks appear');
      expect(text($(el, '[role=tabpanel] .muted'))).to.equal('Выберите банк');
      expectAbsent(qrSvg(el));
      expect(qrView(el)!.compact, 'only the countdown and the copy button under the list').to.equal(true);
      const rest = server.view.payment!.customer_interaction!.redirect.url.slice('https://'.length);
      const first = bankList(el)!.shadowRoot!.querySelector('a[part=bank]')!;
      expect(first.getAttribute('href')).to.equal(`bank100000000111://${rest}`);
      expect(server.callsTo('GET', '/banks')).to.have.length(1);

      // The customer taps Сбербанк (its navigation to the app's scheme is held back here)…
      window.addEventListener('click', (e) => e.preventDefault(), { capture: true, once: true });
      (first as HTMLElement).click();
      bankList(el)!.dispatchEvent(new Event('bank-fallback')); // …and its app did not open (the list's own timer, fired at once)
      await el.updateComplete;
      await bankList(el)!.updateComplete;
      expectAbsent(qrSvg(el), 'no QR to scan with the phone that shows it');
      expect(bankList(el)!.failed, 'the list says the app did not open and offers another bank').to.equal(true);
      const notice = bankList(el)!.shadowRoot!;
      expect(text(notice.querySelector('strong'))).to.equal('Приложение «Сбербанк» не открылось');
      expectAbsent(notice.querySelector('a[part=bank]'), 'the list gives way to the notice');
      buttonByText(notice, 'Выбрать другой банк')!.click();
      await until(el, () => bankList(el)!.shadowRoot!.querySelector('a[part=bank]'), 'the banks are back');
      expect(bankList(el)!.failed).to.equal(false);
      await expect(el).to.be.accessible();
    });

    it('loads the banks on a phone even when the long-poll brings the payment before the start answers', async () => {
      await setViewport({ width: 375, height: 740 });
      const server = new FakeServer();
      const normal = server.onStart;
      server.onStart = async (body, s) => {
        const view = await normal(body, s); // the waiting long-poll answers now…
        await new Promise((r) => setTimeout(r, 100)); // …and the start's own answer comes later
        return view;
      };
      const el = await mount(server, { layout: 'mobile' });
      await pressPay(el);
      await until(el, () => bankList(el)?.shadowRoot?.querySelector('a[part=bank]'), 'the banks appear', 2000);
      expect(server.callsTo('GET', '/banks')).to.have.length(1);
    });

    it('gives the banks the new link when a new FPS payment replaces a failed one on a phone', async () => {
      await setViewport({ width: 375, height: 740 });
      const server = new FakeServer();
      const el = await mount(server, { layout: 'mobile' });
      const firstHref = () => bankList(el)?.shadowRoot?.querySelector('a[part=bank]')?.getAttribute('href');
      await pressPay(el);
      await until(el, () => firstHref(), 'the banks appear');
      const firstLink = server.view.payment!.customer_interaction!.redirect.url;
      expect(firstHref()).to.equal(`bank100000000111://${firstLink.slice('https://'.length)}`);

      server.update({ status: 'created', payment: failed(server.view.payment!) });
      await until(el, () => buttonByText(root(el), 'Выбрать другой способ'), 'the failure screen');
      buttonByText(root(el), 'Выбрать другой способ')!.click();
      await el.updateComplete;
      expect(server.callsTo('POST', '/payments'), 'nothing starts by itself after a failure').to.have.length(1);
      await pressPay(el);
      await until(el, () => server.callsTo('POST', '/payments').length === 2, 'a new FPS payment starts');
      const secondLink = server.view.payment!.customer_interaction!.redirect.url;
      expect(secondLink).to.not.equal(firstLink);
      await until(el, () => firstHref() === `bank100000000111://${secondLink.slice('https://'.length)}`, 'the banks open the new link');
      expect(server.callsTo('GET', '/banks')).to.have.length(2);
    });

    it('offers SberPay on a desktop as a QR and a push to a phone number', async () => {
      const server = new FakeServer();
      const el = await mount(server);
      await showQr(el);
      await chooseTab(el, 'SberPay');
      await showQr(el);
      await until(el, () => qrView(el)?.method === 'sberpay', 'the SberPay QR appears');
      expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([{ method: 'fps' }, { method: 'sberpay', channel: 'web' }]);
      const link = server.view.payment!.customer_interaction!.redirect.url;
      expect(link).to.match(/^https:\/\/pay\.example\.test\/sandbox\/sberpay\/[0-9a-f]{32}$/);
      await qrView(el)!.updateComplete;
      expect(await decodeSvgQr(qrSvg(el)!)).to.equal(link);

      const form = $<HTMLFormElement>(el, 'form.push')!;
      const phone = form.querySelector('input')!;
      expect([phone.type, phone.autocomplete]).to.deep.equal(['tel', 'tel']);
      expect(text(phone.labels![0]!), 'a visible label says what the push is').to.equal(
        'Или получите push на телефон Пришлём запрос на оплату в приложение СберБанк Онлайн на этот номер.',
      );
      phone.value = '8 (900) 123-45-67';
      form.requestSubmit();
      await until(el, () => text(form.querySelector('button')) === 'Отправили: проверьте телефон', 'the push is sent');
      expect(server.callsTo('POST', '/sberpay/push').map((c) => c.body)).to.deep.equal([{ phone: '79001234567' }]);
    });

    it('opens SberPay by its deep link on a phone', async () => {
      await setViewport({ width: 375, height: 740 });
      const server = new FakeServer(sessionView({ methods: ['sberpay', 'fps', 'card'] }));
      const el = await mount(server, { layout: 'mobile', locale: 'en' });
      expect(text(payButton(el))).to.equal('Pay with SberPay');
      await pressPay(el);
      await until(el, () => $(el, 'a[part=pay-button]'), 'the SberPay button appears');
      expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([{ method: 'sberpay', channel: 'mobile_web' }]);
      const button = $<HTMLAnchorElement>(el, 'a[part=pay-button]')!;
      expect(button.getAttribute('href')).to.match(/^sberpay:\/\/invoicing\/v2\?bankInvoiceId=[0-9a-f]{32}&operationType=Web2App$/);
      expect(button.getAttribute('href')).to.equal(server.view.payment!.customer_interaction!.redirect.url);
      expect(text(button)).to.equal('Open SberPay');
      expect($(el, 'form.push'), 'a push is the other way to reach the phone').to.exist;
      expectAbsent(qrSvg(el));
      await expect(el).to.be.accessible();
    });

    it('puts the last used card first as "•••• 4242" and pays with it in one tap', async () => {
      const server = new FakeServer(sessionView(SAVED));
      const log = recordEvents();
      try {
        const el = await mount(server);
        expect(tabLabels(el)).to.deep.equal(['•••• 4242', 'СБП', 'Карта', 'SberPay']);
        expect(selectedTab(el)).to.equal('•••• 4242');
        const pay = $<HTMLButtonElement>(el, 'button[part=pay-button]')!;
        expect(text(pay)).to.equal('Оплатить картой •••• 4242');
        expect(pay.disabled).to.equal(false);
        expect(server.callsTo('POST', '/payments'), 'nothing is paid before the tap').to.have.length(0);
        await expect(el).to.be.accessible();

        pay.click();
        await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the success screen');
        expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([{ method: 'saved_card' }]);
        expect(log.of('sg-success')).to.deep.equal([
          { sessionId: server.view.session_id, paymentId: server.view.payment!.id, amount: 149_900, currency: 'RUB', method: 'saved_card', binding: false },
        ]);
      } finally {
        log.stop();
      }
    });

    it('leads with the other methods when there is no saved card', async () => {
      const el = await mount(new FakeServer(sessionView({ methods: ['fps', 'card', 'sberpay'], saved_card: null })), { locale: 'en' });
      expect(tabLabels(el)).to.deep.equal(['FPS', 'Card', 'SberPay']);
    });

    it('renders the card fields in an iframe on the server origin and pays with the token it sends', async () => {
      const server = new FakeServer(sessionView({ methods: ['card', 'fps', 'sberpay'] }));
      const el = await mount(server, { theme: 'dark' });
      const frame = $(el, 'sg-card-view')!.shadowRoot!.querySelector('iframe')!;
      const src = new URL(frame.src);
      expect(src.origin).to.equal(API);
      expect(src.pathname).to.equal('/widget/card-frame.html');
      expect(Object.fromEntries(new URLSearchParams(src.hash.slice(1)))).to.deep.equal({ origin: location.origin, locale: 'ru', theme: 'dark' });
      expect(src.searchParams.get('token')).to.equal(server.token);
      expect(frame.title, 'named in the customer\'s language').to.equal('Карта');
      const pay = $<HTMLButtonElement>(el, 'button[part=pay-button]')!;
      expect(text(pay)).to.equal(`Оплатить ${RUB_1499}`);
      expect(server.callsTo('POST', '/payments')).to.have.length(0);

      pay.click();
      // A message from another origin, or not from the frame, is not heard.
      const token = 'tok_0123456789abcdefghij';
      const message = { source: 'sg-card-frame', type: 'tokenized', token, brand: 'visa', last4: '4242' };
      window.dispatchEvent(new MessageEvent('message', { data: { ...message, token: 'tok_evilevilevilevilevil' }, origin: 'https://evil.example', source: frame.contentWindow }));
      window.dispatchEvent(new MessageEvent('message', { data: { ...message, token: 'tok_evilevilevilevilevil' }, origin: API, source: window }));
      window.dispatchEvent(new MessageEvent('message', { data: message, origin: API, source: frame.contentWindow }));
      await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the success screen');
      expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([{ method: 'card', card_token: token }]);
    });

    it('renders every method on a desktop and a phone, in both languages', async () => {
      const expected = {
        ru: { tabs: ['•••• 4242', 'СБП', 'Карта', 'SberPay'], saved: 'Оплатить картой •••• 4242', card: `Оплатить ${RUB_1499}`, sber: 'Открыть SberPay', banks: 'Выберите банк' },
        en: { tabs: ['•••• 4242', 'FPS', 'Card', 'SberPay'], saved: 'Pay with card •••• 4242', card: 'Pay 1,499.00\u00a0₽', sber: 'Open SberPay', banks: 'Choose your bank' },
      };
      for (const layout of ['desktop', 'mobile'] as const) {
        await setViewport(layout === 'mobile' ? { width: 375, height: 740 } : { width: 1024, height: 900 });
        for (const locale of ['ru', 'en'] as const) {
          const words = expected[locale];
          const where = `${layout} ${locale}`;
          const server = new FakeServer(sessionView(SAVED));
          const el = await mount(server, { layout, locale });
          expect(tabLabels(el), where).to.deep.equal(words.tabs);
          expect(text($(el, '[part=pay-button]')), where).to.equal(words.saved);

          await chooseTab(el, words.tabs[1]!);
          await pressPay(el);
          if (layout === 'desktop') await until(el, () => qrSvg(el), `${where}: FPS QR`);
          else await until(el, () => bankList(el)?.shadowRoot?.querySelector('a[part=bank]'), `${where}: banks`);
          if (layout === 'mobile') expect(text($(el, '[role=tabpanel] .muted')), where).to.equal(words.banks);

          await chooseTab(el, words.tabs[2]!);
          expect($(el, 'sg-card-view'), where).to.exist;
          expect(text($(el, '[part=pay-button]')), where).to.equal(words.card);

          await chooseTab(el, words.tabs[3]!);
          await pressPay(el);
          if (layout === 'desktop') {
            await until(el, () => qrView(el)?.method === 'sberpay', `${where}: SberPay QR`);
            expect($(el, 'form.push'), where).to.exist;
          } else {
            await until(el, () => $(el, 'a[part=pay-button]'), `${where}: SberPay link`);
            expect(text($(el, 'a[part=pay-button]')), where).to.equal(words.sber);
          }
          const channels = server.callsTo('POST', '/payments').map((c) => (c.body as { channel?: string }).channel ?? (c.body as { method: string }).method);
          expect(channels, where).to.deep.equal(['fps', layout === 'desktop' ? 'web' : 'mobile_web']);
          el.remove();
        }
      }
    });
  });

  describe('results', () => {
    it('shows success with the amount and a link back to the shop', async () => {
      const p = succeeded(waitingPayment('fps', sessionView()));
      const el = await mount(new FakeServer(sessionView({ status: 'accepted', payment: p })));
      expect(text($(el, 'h2'))).to.equal('Оплата прошла');
      expect(text($(el, '.result .total'))).to.equal(RUB_1499);
      expect(text($(el, '.result .muted'))).to.equal('Годовая подписка на канал');
      const back = $<HTMLAnchorElement>(el, 'a.primary')!;
      expect([text(back), back.getAttribute('href')]).to.deep.equal(['Вернуться в магазин', 'https://shop.example.test/thanks']);
      expectAbsent($(el, '[role=tablist]'));
      await expect(el).to.be.accessible();
    });

    it("a subscription's method change: the new method saved, and the way back is to the subscription (ru and en)", async () => {
      const words = { ru: ['Новый способ оплаты сохранён', 'Вернуться к подписке'], en: ['New payment method saved', 'Back to your subscription'] };
      for (const locale of ['ru', 'en'] as const) {
        const p = succeeded(waitingPayment('fps', sessionView()));
        const el = await mount(new FakeServer(sessionView({ status: 'accepted', payment: p, method_change: true, return_url: 'https://pay.example.test/s/abc' })), { locale });
        expect(text($(el, 'h2')), locale).to.equal(words[locale][0]);
        const back = $<HTMLAnchorElement>(el, 'a.primary')!;
        expect([text(back), back.getAttribute('href')], locale).to.deep.equal([words[locale][1], 'https://pay.example.test/s/abc']);
        el.remove();
      }
    });

    it('shows a failure with the reason and "try another method" that returns to the methods', async () => {
      const base = sessionView({ methods: ['card', 'fps', 'sberpay'] });
      const p = failed(waitingPayment('card', base), 'card_declined', 'The issuer declined the card');
      const server = new FakeServer({ ...base, status: 'created', payment: p });
      const el = await mount(server, { locale: 'en' });
      expect(text($(el, 'h2'))).to.equal('Payment failed');
      expect([...root(el).querySelectorAll('.result .muted')].map(text)).to.deep.equal([
        'The bank declined the card. Try another card or another method.',
        'Need help? Contact the shop.',
      ]);
      await expect(el).to.be.accessible();
      const retry = buttonByText(root(el), 'Try another method')!;
      retry.focus(); // as a click or a keypress would
      retry.click();
      await el.updateComplete;
      expect(tabLabels(el)).to.deep.equal(['Card', 'FPS', 'SberPay']);
      expect(text($(el, 'h2'))).to.equal('Payment · Годовая подписка на канал');
      expect(root(el).activeElement === $(el, 'h2'), 'focus moves to the new step').to.equal(true);
      await chooseTab(el, 'FPS');
      await showQr(el);
      await until(el, () => qrSvg(el), 'a new FPS payment starts');
    });

    it('offers no retry when the session itself has failed', async () => {
      const p = failed(waitingPayment('card', sessionView()), 'card_declined', 'The issuer declined the card');
      const el = await mount(new FakeServer(sessionView({ status: 'error', close_reason: 'card_declined', payment: p })));
      expect(text($(el, 'h2'))).to.equal('Оплата не прошла');
      expect(buttonByText(root(el), 'Выбрать другой способ')).to.equal(undefined);
      expect($(el, 'a.primary')!.getAttribute('href')).to.equal('https://shop.example.test/thanks');
    });

    it('shows the expired screen, with the way back or a fresh start', async () => {
      const el = await mount(new FakeServer(sessionView({ status: 'cancelled', close_reason: 'expired' })));
      expect(text($(el, 'h2'))).to.equal('Время на оплату истекло');
      expect($(el, 'a.primary')!.getAttribute('href')).to.equal('https://shop.example.test/thanks');
      await expect(el).to.be.accessible();
      const noReturn = await mount(new FakeServer(sessionView({ status: 'cancelled', close_reason: 'expired', return_url: null })), { locale: 'en' });
      expect(text($(noReturn, 'h2'))).to.equal('Time to pay has run out');
      expect(buttonByText(root(noReturn), 'Start again')).to.exist;
    });

    it('moves to the result when the long-poll brings it, without taking the focus from the page', async () => {
      const server = new FakeServer();
      const el = await mount(server);
      await until(el, () => server.waiting === 1, 'a long-poll waits');
      server.update({ status: 'in_progress', payment: waitingPayment('fps', server.view) }); // paid from another tab, say
      server.update({ status: 'accepted', payment: succeeded(server.view.payment!) });
      await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the success screen');
      expect(root(el).activeElement, 'the customer was not in the widget: the focus stays where it was').to.equal(null);
      const receipt = [...root(el).querySelectorAll<HTMLAnchorElement>('.result a')].find((a) => text(a) === 'Подтверждение оплаты');
      expect(receipt?.getAttribute('href'), 'the receipt opens in the widget\'s language').to.equal(`${API}/receipt/${server.view.payment!.id}?lang=ru`);
    });
  });

  describe('errors', () => {
    for (const [what, fail, words] of [
      ['a server error', () => apiError(500, 'internal_error', 'the acquirer did not answer'), 'На сервере оплаты сбой. Попробуйте через минуту.'],
      ['a network error', () => Promise.reject(new TypeError('Failed to fetch')), 'Нет связи с сервером оплаты. Проверьте интернет и попробуйте ещё раз.'],
      ['an HTML page instead of JSON', () => new Response('<html>502 Bad Gateway</html>', { status: 200, headers: { 'content-type': 'text/html' } }), 'Нет связи с сервером оплаты. Проверьте интернет и попробуйте ещё раз.'],
    ] as const) {
      it(`says in the customer's words that the QR could not be made, and the button tries again (${what})`, async () => {
        const server = new FakeServer();
        let failures = 1;
        const normal = server.onStart;
        server.onStart = (body, s) => (failures-- > 0 ? (fail() as Response | Promise<Response>) : normal(body, s));
        const el = await mount(server);
        await pressPay(el);
        await until(el, () => $(el, '.error'), 'the error shows');
        expect(text($(el, '.error'))).to.equal(words);
        expect($(el, '.error')!.getAttribute('role')).to.equal('alert');
        expectAbsent(qrView(el));
        await expect(el).to.be.accessible();
        await showQr(el);
        await until(el, () => qrSvg(el), 'the QR appears after trying again');
        expectAbsent($(el, '.error'));
        expect(server.callsTo('POST', '/payments')).to.have.length(2);
      });
    }

    it('never shows the server\'s own description: a refused start reads as the customer\'s words', async () => {
      const server = new FakeServer(sessionView({ methods: ['sberpay', 'fps', 'card'] }));
      server.onStart = () => apiError(409, 'invalid_state', 'session ps_0000000000000000000a already has a payment in progress: wait for its result or cancel the session');
      const el = await mount(server, { locale: 'en' });
      await pressPay(el);
      await until(el, () => $(el, '.error'), 'the error shows');
      expect(text($(el, '.error'))).to.equal('The payment changed meanwhile: look at its status above and try again.');
      expect(root(el).textContent).to.not.include('ps_');
    });

    it('says the payment is unavailable in the customer\'s words and emits sg-error with the developer\'s for an unknown token', async () => {
      const server = new FakeServer();
      const log = recordEvents();
      try {
        const el = await mount(server, { token: 'pt_unknownunknownunknow' });
        expect(text($(el, 'h2'))).to.equal('Оплата недоступна');
        expect(text($(el, '.muted'))).to.equal('Эта страница оплаты больше не действует. Вернитесь в магазин и начните оплату заново.');
        expect(log.of('sg-error')).to.deep.equal([{ code: 'not_found', message: 'this payment token is unknown: ask the shop for a new payment page' }]);
        expect(log.of('sg-ready')).to.deep.equal([]);
        await expect(el).to.be.accessible();
      } finally {
        log.stop();
      }
    });

    for (const [what, answer] of [
      ['an HTML page', () => new Response('<!doctype html><h1>Welcome to nginx</h1>', { status: 200, headers: { 'content-type': 'text/html' } })],
      ['broken JSON', () => new Response('{"session_id": "ps_', { status: 200, headers: { 'content-type': 'application/json' } })],
      ['JSON of another shape', () => new Response('{"ok": true}', { status: 200, headers: { 'content-type': 'application/json' } })],
      ['a proxy\'s 502 page', () => new Response('<html>Bad Gateway</html>', { status: 502 })],
      ['a network error', () => Promise.reject(new TypeError('Failed to fetch'))],
    ] as const) {
      it(`an unreadable first answer (${what}) gives an error screen with a retry and one sg-error, never an endless "Loading…"`, async () => {
        const server = new FakeServer();
        server.onLoad = answer as () => Response | Promise<Response>;
        const log = recordEvents();
        try {
          const el = await mount(server);
          expect(text($(el, 'h2'))).to.equal('Оплата недоступна');
          expect(text($(el, '.muted'))).to.equal('Нет связи с сервером оплаты. Проверьте интернет и попробуйте ещё раз.');
          buttonByText(root(el), 'Повторить')!.click();
          await until(el, () => server.callsTo('GET', '/').length >= 2, 'it asks again');
          await new Promise((r) => setTimeout(r, 50));
          expect(log.of('sg-error').map((e) => e.code), 'one sg-error for the whole outage').to.have.length(1);
          server.onLoad = null;
          buttonByText(root(el), 'Повторить')!.click();
          await until(el, () => payButton(el), 'the checkout loads');
        } finally {
          log.stop();
        }
      });
    }
  });

  describe('consent', () => {
    it('keeps the pay actions disabled and starts no payment until the box is ticked', async () => {
      const server = new FakeServer(sessionView({ ...SAVED, consent: { offer_url: 'https://shop.example.test/offer' } }));
      const el = await mount(server);
      const pay = () => $<HTMLButtonElement>(el, 'button[part=pay-button]')!;
      const box = $<HTMLInputElement>(el, '.consent input[type=checkbox]')!;
      expect(pay().disabled).to.equal(true);
      const hint = root(el).getElementById(pay().getAttribute('aria-describedby')!);
      expect(text(hint), 'the disabled button says what is missing').to.equal('Чтобы оплатить, примите условия оферты выше.');
      expect(box.checked).to.equal(false);
      expect($(el, '.consent a')!.getAttribute('href')).to.equal('https://shop.example.test/offer');
      expect(text($(el, '.consent'))).to.equal('Я принимаю условия оферты (оферта)');
      await expect(el).to.be.accessible();

      await chooseTab(el, 'СБП');
      expect(pay().disabled).to.equal(true);
      pay().click();
      await new Promise((r) => setTimeout(r, 50));
      expectAbsent(qrView(el), 'no QR without consent');
      await chooseTab(el, 'Карта');
      expect(pay().disabled).to.equal(true);
      pay().click();
      await chooseTab(el, '•••• 4242');
      pay().click();
      await new Promise((r) => setTimeout(r, 50));
      expect(server.callsTo('POST', '/payments')).to.have.length(0);

      box.click();
      await el.updateComplete;
      expect(pay().disabled).to.equal(false);
      expectAbsent(root(el).getElementById('pay-blocked'), 'nothing missing any more');
      pay().click();
      await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the payment goes through');
      expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([{ method: 'saved_card', consent: true }]);
    });

    it('shows the FPS QR once the box is ticked and the customer asks', async () => {
      const server = new FakeServer(sessionView({ consent: { offer_url: null } }));
      const el = await mount(server);
      expectAbsent($(el, '.consent a'));
      $<HTMLInputElement>(el, '.consent input')!.click();
      await el.updateComplete;
      expect(server.callsTo('POST', '/payments'), 'ticking the box is no request for a QR').to.have.length(0);
      await showQr(el);
      await until(el, () => qrSvg(el), 'the QR appears');
      expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([{ method: 'fps', consent: true }]);
    });
  });

  describe('events', () => {
    it('emits sg-ready once and sg-status on each new version', async () => {
      const server = new FakeServer();
      const log = recordEvents();
      try {
        const el = await mount(server);
        await showQr(el);
        await until(el, () => server.waiting === 1, 'a long-poll waits');
        server.releaseWaiters(); // a long-poll that timed out: same version, no sg-status
        await until(el, () => server.waiting === 1, 'the next long-poll waits');
        expect(log.of('sg-ready')).to.deep.equal([{ sessionId: server.view.session_id, methods: ['fps', 'card', 'sberpay'] }]);
        expect(log.of('sg-status').map((d) => [d.version, d.status, d.payment?.status ?? null])).to.deep.equal([
          [1, 'created', null],
          [2, 'in_progress', 'in_progress'],
        ]);
      } finally {
        log.stop();
      }
    });

    it('emits exactly one sg-success per payment, even when the same final view arrives twice or after a reload', async () => {
      const server = new FakeServer(sessionView(SAVED));
      const log = recordEvents();
      try {
        // The start answers with the success, and the long-poll in flight answers with it too.
        server.onStart = (body, s) => s.update({ status: 'accepted', payment: succeeded(waitingPayment('saved_card', s.view)) });
        const el = await mount(server);
        await until(el, () => server.waiting === 1, 'a long-poll waits');
        $<HTMLButtonElement>(el, 'button[part=pay-button]')!.click();
        await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the success screen');
        await new Promise((r) => setTimeout(r, 50));
        expect(log.of('sg-success')).to.have.length(1);
        el.remove();
        // The page reloads and sees the same success.
        const again = await mount(server);
        expect(text($(again, 'h2'))).to.equal('Оплата прошла');
        expect(log.of('sg-success').map((d) => d.paymentId)).to.deep.equal([server.view.payment!.id]);
        expect(log.of('sg-fail')).to.deep.equal([]);
      } finally {
        log.stop();
      }
    });

    it('emits one sg-fail with the code and reason, however often the failed view arrives', async () => {
      const server = new FakeServer();
      const log = recordEvents();
      try {
        const el = await mount(server);
        await showQr(el);
        await until(el, () => server.waiting === 1, 'a long-poll waits');
        const p = server.view.payment!;
        server.update({ status: 'created', payment: failed(p) });
        await until(el, () => text($(el, 'h2')) === 'Оплата не прошла', 'the failure screen');
        for (let i = 0; i < 3; i++) {
          await until(el, () => server.waiting === 1, 'a long-poll waits');
          server.releaseWaiters();
        }
        await until(el, () => server.waiting === 1, 'a long-poll waits');
        expect(log.of('sg-fail')).to.deep.equal([
          {
            sessionId: server.view.session_id,
            paymentId: p.id,
            amount: 149_900,
            currency: 'RUB',
            binding: false,
            method: 'fps',
            code: 'declined_by_customer',
            reason: 'The customer declined the payment in the bank app',
          },
        ]);
        expect(log.of('sg-success')).to.deep.equal([]);
      } finally {
        log.stop();
      }
    });

    it('does not announce a payment superseded by another method', async () => {
      const server = new FakeServer();
      const log = recordEvents();
      try {
        const el = await mount(server);
        await showQr(el);
        await until(el, () => qrSvg(el), 'the FPS QR');
        server.update({ status: 'created', payment: failed(server.view.payment!, 'superseded', 'The customer chose another way to pay') });
        // Only once the widget has taken in the update can its silence mean anything.
        const version = server.view.version;
        await until(el, () => log.of('sg-status').some((d) => d.version === version), 'the update taken in');
        expect(log.of('sg-fail')).to.deep.equal([]);
        expect(tabLabels(el)).to.have.length(3);
      } finally {
        log.stop();
      }
    });

    it('sends bubbling, composed events that reach the document through a host shadow root', async () => {
      const server = new FakeServer();
      const host = await fixture<HTMLDivElement>(html`<div></div>`);
      const shadow = host.attachShadow({ mode: 'closed' });
      const seen: Array<{ type: string; bubbles: boolean; composed: boolean; retargetedToHost: boolean }> = [];
      const listener = (e: Event) => seen.push({ type: e.type, bubbles: e.bubbles, composed: e.composed, retargetedToHost: e.target === host });
      document.addEventListener('sg-ready', listener);
      document.addEventListener('sg-status', listener);
      try {
        const el = document.createElement('sg-checkout');
        el.setAttribute('token', server.token);
        el.setAttribute('api', API);
        el.setAttribute('layout', 'desktop');
        el.fetchImpl = server.fetch;
        shadow.append(el);
        await waitUntil(() => seen.length >= 2, 'events arrive', { timeout: 4000 });
        expect(seen.slice(0, 2)).to.deep.equal([
          { type: 'sg-ready', bubbles: true, composed: true, retargetedToHost: true },
          { type: 'sg-status', bubbles: true, composed: true, retargetedToHost: true },
        ]);
      } finally {
        document.removeEventListener('sg-ready', listener);
        document.removeEventListener('sg-status', listener);
      }
    });
  });

  describe('card payments', () => {
    const CARD_VIEW = sessionView({ methods: ['card', 'fps', 'sberpay'] });
    const frameOf = (el: SgCheckout) => $(el, 'sg-card-view')!.shadowRoot!.querySelector('iframe')!;
    /** What the card iframe sends when the server tokenised the card. */
    function tokenized(el: SgCheckout, token = 'tok_0123456789abcdefghij') {
      const data = { source: 'sg-card-frame', type: 'tokenized', token, brand: 'visa', last4: '4242', expiry: '12/30' };
      window.dispatchEvent(new MessageEvent('message', { data, origin: API, source: frameOf(el).contentWindow }));
    }
    /** A card payment that asks for 3-D Secure, as the sandbox does for 4000 0000 0000 3220. */
    const challenge = (s: FakeServer) => s.update({ status: 'in_progress', payment: waitingPayment('card', s.view) });

    it('Enter in the card fields pays, as the pay button does', async () => {
      const server = new FakeServer(CARD_VIEW);
      const el = await mount(server);
      $(el, 'sg-card-view')!.dispatchEvent(new Event('card-submit', { bubbles: true, composed: true }));
      await el.updateComplete;
      tokenized(el);
      await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the success screen');
      expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([{ method: 'card', card_token: 'tok_0123456789abcdefghij' }]);
    });

    describe("the rail's own card form (card_form: acquirer)", () => {
      const RAIL_VIEW = sessionView({ methods: ['card', 'fps', 'sberpay'], card_form: 'acquirer' });
      const fromRail = (el: SgCheckout) => {
        const data = { source: 'sg-card-frame', type: 'tokenized', token: 'tok_abcdefghij0123456789', brand: 'mir', last4: '0004', expiry: '07/31' };
        window.dispatchEvent(new MessageEvent('message', { data, origin: new URL(RAIL_FORM).origin, source: frameOf(el).contentWindow }));
      };

      it("frames the rail's form with the rail's token, and pays with its card token and the card it showed", async () => {
        const server = new FakeServer(RAIL_VIEW);
        const el = await mount(server);
        await until(el, () => !!$(el, 'sg-card-view'), 'the card form is shown once the rail opened it');
        const src = new URL(frameOf(el).src);
        expect(src.origin + src.pathname).to.equal(RAIL_FORM);
        expect(src.searchParams.get('token'), "the rail's token, never the session's own").to.equal(RAIL_FORM_TOKEN);
        expect(server.callsTo('POST', '/card-form'), 'opened once').to.have.length(1);
        payButton(el)!.click();
        tokenized(el); // from the payment server's origin: not the form's, so not heard
        fromRail(el);
        await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the success screen');
        expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([
          { method: 'card', card_token: 'tok_abcdefghij0123456789', card: { brand: 'mir', last4: '0004', expiry_month: 7, expiry_year: 2031 } },
        ]);
      });

      it('says so when the rail opens no form, and tries again when asked', async () => {
        const server = new FakeServer(RAIL_VIEW);
        const normal = server.onCardForm;
        server.onCardForm = () => apiError(502, 'acquirer_unavailable', 'the bank could not open its card form just now');
        const el = await mount(server, { locale: 'en' });
        await until(el, () => text($(el, '.error')).startsWith('The bank is not answering'), "the customer's words for it");
        expectAbsent($(el, 'sg-card-view'), 'no form to type into');
        server.onCardForm = normal;
        buttonByText(root(el), 'Try again')!.click();
        await until(el, () => !!$(el, 'sg-card-view'), 'the form, once the rail opens it');
        expectAbsent($(el, '.error'), 'the error goes with it');
      });

      it('opens no form until the card method is shown', async () => {
        const server = new FakeServer({ ...RAIL_VIEW, methods: ['fps', 'card', 'sberpay'] });
        const el = await mount(server);
        await new Promise((r) => setTimeout(r, 50));
        expect(server.callsTo('POST', '/card-form'), 'FPS leads: no form is opened at the rail').to.have.length(0);
        tabs(el).find((t) => text(t) === 'Карта')!.click();
        await until(el, () => !!$(el, 'sg-card-view'), 'the form, once the card tab is chosen');
      });
    });

    it('Enter in the card fields does not get round the consent box', async () => {
      const server = new FakeServer({ ...CARD_VIEW, consent: { offer_url: null } });
      const el = await mount(server);
      $(el, 'sg-card-view')!.dispatchEvent(new Event('card-submit', { bubbles: true, composed: true }));
      await el.updateComplete;
      tokenized(el);
      await new Promise((r) => setTimeout(r, 50));
      expect(server.callsTo('POST', '/payments'), 'nothing is paid before the offer is accepted').to.have.length(0);
      expect(payButton(el)!.getAttribute('aria-busy')).to.equal('false');
    });

    it('gives the Pay button back when the card form never answers', async () => {
      const el = await mount(new FakeServer(CARD_VIEW));
      const clock = { real: window.setTimeout.bind(window) };
      // The frame on the fake server's origin never loads: its answer never comes. Time the wait out at once.
      (window as unknown as { setTimeout: unknown }).setTimeout = (fn: () => void, ms: number) => clock.real(fn, ms >= 20_000 ? 0 : ms);
      try {
        payButton(el)!.click();
        await until(el, () => payButton(el)?.getAttribute('aria-busy') === 'false' && !payButton(el)!.disabled, 'the button is usable again');
      } finally {
        (window as unknown as { setTimeout: unknown }).setTimeout = clock.real;
      }
    });

    it('shows progress on the pay button, then what was paid, how and when, announced and focused', async () => {
      const server = new FakeServer(CARD_VIEW);
      let answer!: () => void;
      const normal = server.onStart;
      server.onStart = (body, s) => new Promise((r) => (answer = () => r(normal(body, s))));
      const el = await mount(server);
      const live = root(el).querySelector('[aria-live=polite]:not(.panel *)');
      expect(live, 'the live region is there before the result').to.exist;
      expect(text(live)).to.equal('');
      payButton(el)!.focus();
      payButton(el)!.click();
      tokenized(el);
      await until(el, () => payButton(el)?.getAttribute('aria-busy') === 'true', 'the button shows progress');
      expect(text(payButton(el))).to.equal('Оплачиваем…');
      expect(payButton(el)!.disabled).to.equal(true);
      answer();
      await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the success screen');
      const paid = server.view.payment!.paid_at!;
      const when = new Intl.DateTimeFormat('ru-RU', { dateStyle: 'long', timeStyle: 'short' }).format(new Date(paid));
      expect(text($(el, '.paid'))).to.equal(`Оплачено картой •••• 4242 ${when}`);
      expect(text(live)).to.equal(`Оплата прошла: ${RUB_1499}, Оплачено картой •••• 4242`);
      expect(root(el).activeElement === $(el, 'h2'), 'the result takes the focus after a card payment').to.equal(true);
    });

    it('"Close" and Esc on the 3-D Secure dialog end that attempt and bring the methods back', async () => {
      for (const leave of ['Close', 'Escape'] as const) {
        const server = new FakeServer(CARD_VIEW);
        server.onStart = (_body, s) => challenge(s);
        const el = await mount(server, { locale: 'en' });
        payButton(el)!.click();
        tokenized(el);
        const dialog = () => $<HTMLDialogElement>(el, 'dialog')!;
        await until(el, () => dialog().open, 'the 3-D Secure dialog opens');
        const src = new URL(dialog().querySelector('iframe')!.src);
        expect(src.searchParams.get('lang'), 'the bank page speaks the widget\'s language').to.equal('en');
        if (leave === 'Close') buttonByText(dialog(), 'Close')!.click();
        else await sendKeys({ press: 'Escape' });
        await until(el, () => server.callsTo('POST', `/payments/${server.view.payment!.id}/abandon`).length === 1, `${leave}: the attempt is ended`);
        await until(el, () => !dialog().open && tabs(el).length === 3, `${leave}: the methods are back`);
        await new Promise((r) => setTimeout(r, 50));
        expect(dialog().open, `${leave}: the dialog does not reopen`).to.equal(false);
        expectAbsent(buttonByText(root(el), 'Try another method'), 'leaving is no failure');
        expect(selectedTab(el)).to.equal('Card');
        el.remove();
      }
    });

    it('offers "remember this card", unticked, only to a customer the shop vouched for, and sends the choice', async () => {
      const stranger = await mount(new FakeServer(CARD_VIEW));
      expectAbsent($(stranger, '.remember'), 'not for a customer nobody vouched for');
      stranger.remove();
      const server = new FakeServer({ ...CARD_VIEW, can_save_card: true });
      const el = await mount(server);
      const box = $<HTMLInputElement>(el, '.remember input')!;
      expect([box.checked, text($(el, '.remember'))]).to.deep.equal([false, 'Запомнить карту для следующих покупок в этом магазине']);
      box.click();
      payButton(el)!.click();
      tokenized(el);
      await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the success screen');
      expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([{ method: 'card', card_token: 'tok_0123456789abcdefghij', remember_card: true }]);
    });

    describe('a session that keeps the card for later charges (recurrent)', () => {
      /** As the server shows it: only the card, no saved card, no "remember this card"; a shop name that looks like markup. */
      const RECURRENT_VIEW = sessionView({ methods: ['card'], recurrent: true, merchant: '<b>Кофейня</b> & Co' });
      const box = (el: SgCheckout) => $<HTMLInputElement>(el, '.recurrent input[type=checkbox]');
      const hintOf = (el: SgCheckout) => text(root(el).getElementById(payButton(el)!.getAttribute('aria-describedby') ?? ''));
      const tick = async (el: SgCheckout, input: HTMLInputElement) => {
        input.click();
        await el.updateComplete;
      };

      it("asks for the customer's consent above the pay button, unticked, naming the shop as text (ru and en)", async () => {
        const plain = await mount(new FakeServer(CARD_VIEW));
        expectAbsent(box(plain), 'no such box when the shop keeps nothing');
        plain.remove();
        const words = {
          ru: ['Я согласен, что магазин «<b>Кофейня</b> & Co» будет списывать оплату с этой карты без моего подтверждения', 'Чтобы оплатить, отметьте согласие на списания выше.'],
          en: ['I agree that <b>Кофейня</b> & Co may charge this card later without asking me each time', 'To pay, tick the consent to later charges above.'],
        };
        for (const locale of ['ru', 'en'] as const) {
          const el = await mount(new FakeServer(RECURRENT_VIEW), { locale });
          expect(box(el)?.checked, locale).to.equal(false);
          expect(text($(el, '.recurrent')), locale).to.equal(words[locale][0]);
          expectAbsent($(el, '.recurrent b'), "the shop's name is never markup");
          const below = $(el, '.recurrent')!.compareDocumentPosition(payButton(el)!);
          expect(below & Node.DOCUMENT_POSITION_FOLLOWING, 'the box comes before the button').to.not.equal(0);
          expect(payButton(el)!.disabled, locale).to.equal(true);
          expect(hintOf(el), `${locale}: the disabled button says what is missing`).to.equal(words[locale][1]);
          await expect(el).to.be.accessible();
          el.remove();
        }
      });

      it('by FPS: the consent names the account binding, and the QR is asked for only once it is ticked (ru and en)', async () => {
        const words = {
          ru: 'Я согласен привязать счёт: магазин «<b>Кофейня</b> & Co» будет списывать оплату через СБП без моего подтверждения',
          en: 'I agree to link my bank account: <b>Кофейня</b> & Co may take later payments through FPS without asking me each time',
        };
        for (const locale of ['ru', 'en'] as const) {
          const server = new FakeServer({ ...RECURRENT_VIEW, methods: ['fps', 'card'] });
          const el = await mount(server, { locale });
          expect(text($(el, '.recurrent')), locale).to.equal(words[locale]);
          expect(payButton(el)!.disabled, `${locale}: no QR before the customer agrees`).to.equal(true);
          await tick(el, box(el)!);
          await showQr(el);
          expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([{ method: 'fps', recurrent_consent: true }]);
          el.remove();
        }
      });

      it("a consent given on one method's tab is not carried to another's: each says something else", async () => {
        const el = await mount(new FakeServer({ ...RECURRENT_VIEW, methods: ['fps', 'card'] }));
        await tick(el, box(el)!);
        await chooseTab(el, 'Карта');
        expect(box(el)?.checked, 'the card tab asks again').to.equal(false);
        expect(payButton(el)!.disabled).to.equal(true);
      });

      it('pays only once the box is ticked, with the consent and the card token', async () => {
        const server = new FakeServer(RECURRENT_VIEW);
        const el = await mount(server);
        payButton(el)!.click();
        tokenized(el);
        await new Promise((r) => setTimeout(r, 50));
        expect(server.callsTo('POST', '/payments'), 'nothing is paid unticked').to.have.length(0);

        await tick(el, box(el)!);
        expect(payButton(el)!.disabled).to.equal(false);
        expectAbsent(root(el).getElementById('pay-blocked'), 'nothing missing any more');
        payButton(el)!.click();
        tokenized(el);
        await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the success screen');
        expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([{ method: 'card', card_token: 'tok_0123456789abcdefghij', recurrent_consent: true }]);
      });

      it('Enter in the card fields does not get round the box', async () => {
        const server = new FakeServer(RECURRENT_VIEW);
        const el = await mount(server);
        $(el, 'sg-card-view')!.dispatchEvent(new Event('card-submit', { bubbles: true, composed: true }));
        await el.updateComplete;
        tokenized(el);
        await new Promise((r) => setTimeout(r, 50));
        expect(server.callsTo('POST', '/payments'), 'nothing is paid before the customer agrees').to.have.length(0);
        expect(payButton(el)!.getAttribute('aria-busy')).to.equal('false');
      });

      it('offers no "remember this card": the shop keeps the card its own way', async () => {
        // Even a view that says the customer could save it: the consent to later charges is the only box.
        const el = await mount(new FakeServer({ ...RECURRENT_VIEW, can_save_card: true }));
        expect(box(el), 'the consent box').to.exist;
        expectAbsent($(el, '.remember'), '"remember this card"');
      });

      it('asks for both consents when the offer is to be accepted too, and pays only with both', async () => {
        const server = new FakeServer({ ...RECURRENT_VIEW, consent: { offer_url: null } });
        const el = await mount(server);
        const offer = $<HTMLInputElement>(el, '.consent input[type=checkbox]')!;
        expect([offer.checked, box(el)!.checked]).to.deep.equal([false, false]);
        expect(hintOf(el), 'the first missing consent').to.equal('Чтобы оплатить, примите условия оферты выше.');

        await tick(el, offer);
        expect(payButton(el)!.disabled, 'the offer alone is not enough').to.equal(true);
        expect(hintOf(el)).to.equal('Чтобы оплатить, отметьте согласие на списания выше.');
        $(el, 'sg-card-view')!.dispatchEvent(new Event('card-submit', { bubbles: true, composed: true }));
        tokenized(el);
        await tick(el, offer);
        await tick(el, box(el)!);
        expect(payButton(el)!.disabled, 'nor the later charges alone').to.equal(true);
        expect(hintOf(el)).to.equal('Чтобы оплатить, примите условия оферты выше.');
        $(el, 'sg-card-view')!.dispatchEvent(new Event('card-submit', { bubbles: true, composed: true }));
        tokenized(el);
        await new Promise((r) => setTimeout(r, 50));
        expect(server.callsTo('POST', '/payments'), 'nothing is paid with one box of two').to.have.length(0);

        await tick(el, offer);
        expect(payButton(el)!.disabled).to.equal(false);
        payButton(el)!.click();
        tokenized(el);
        await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the success screen');
        expect(server.callsTo('POST', '/payments').map((c) => c.body)).to.deep.equal([
          { method: 'card', card_token: 'tok_0123456789abcdefghij', consent: true, recurrent_consent: true },
        ]);
      });
    });

    describe("a subscription's first payment (view.subscription)", () => {
      const THIS_YEAR = new Date().getFullYear();
      /** Noon on the customer's own calendar: the same day whatever the test machine's time zone. */
      const localNoon = (year: number, monthIndex: number, day: number) => new Date(year, monthIndex, day, 12).toISOString();
      const subscribed = (period: { unit: 'day' | 'week' | 'month' | 'year'; count: number }, next_payment_at = localNoon(THIS_YEAR, 0, 1)) =>
        sessionView({
          methods: ['card'],
          recurrent: true,
          amount_details: { amount: 49_900, currency: 'RUB' },
          subscription: { amount_details: { amount: 49_900, currency: 'RUB' }, period, next_payment_at },
        });
      const notice = (el: SgCheckout) => $(el, '.regular');

      it('says by the total, before the methods and the consent, what it charges, how often and when next (ru and en)', async () => {
        // The day's spaces are no-break ones: "1 января" never splits across lines.
        const words = {
          ru: ['499,00\u00a0₽ каждый месяц, следующий платёж 1\u00a0января. Отменить можно в любой момент.', `499,00\u00a0₽ каждый месяц, следующий платёж 1\u00a0января\u00a0${THIS_YEAR + 1}\u00a0г. Отменить можно в любой момент.`],
          en: ['499.00\u00a0₽ every month, next payment on 1\u00a0January. Cancel at any time.', `499.00\u00a0₽ every month, next payment on 1\u00a0January\u00a0${THIS_YEAR + 1}. Cancel at any time.`],
        };
        for (const locale of ['ru', 'en'] as const) {
          const el = await mount(new FakeServer(subscribed({ unit: 'month', count: 1 })), { locale });
          expect(text(notice(el)), locale).to.equal(words[locale][0]);
          expect(notice(el)!.previousElementSibling?.className, `${locale}: right under the total`).to.equal('total');
          const before = (other: Element) => notice(el)!.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_FOLLOWING;
          expect(before($(el, '.recurrent')!), `${locale}: before the consent box`).to.not.equal(0);
          expect(before(payButton(el)!), `${locale}: before the pay button`).to.not.equal(0);
          await expect(el).to.be.accessible();
          el.remove();

          const nextYear = await mount(new FakeServer(subscribed({ unit: 'month', count: 1 }, localNoon(THIS_YEAR + 1, 0, 1))), { locale });
          expect(text(notice(nextYear)), `${locale}: the year, when it is not this one`).to.equal(words[locale][1]);
          nextYear.remove();
        }
      });

      it('begins with the trial when the subscription has one: its days and price, then the price and when it is due (ru and en)', async () => {
        const view = subscribed({ unit: 'month', count: 1 }, localNoon(THIS_YEAR, 0, 8));
        const trial = { ...view, amount_details: { amount: 100, currency: 'RUB' }, subscription: { ...view.subscription!, trial: { days: 7, amount_details: { amount: 100, currency: 'RUB' } } } };
        const words = {
          ru: 'Пробный период: 7 дней за 1,00\u00a0₽, затем 499,00\u00a0₽ каждый месяц с 8\u00a0января. Отменить можно в любой момент.',
          en: 'Trial: 7 days for 1.00\u00a0₽, then 499.00\u00a0₽ every month from 8\u00a0January. Cancel at any time.',
        };
        for (const locale of ['ru', 'en'] as const) {
          const el = await mount(new FakeServer(trial), { locale });
          expect(text(notice(el)), locale).to.equal(words[locale]);
          el.remove();
        }
      });

      it('counts the periods with the right plural forms', async () => {
        const cases = [
          ['ru', 'month', 2, 'каждые 2 месяца'],
          ['ru', 'month', 5, 'каждые 5 месяцев'],
          ['ru', 'month', 21, 'каждый 21 месяц'],
          ['ru', 'week', 1, 'каждую неделю'],
          ['ru', 'week', 2, 'каждые 2 недели'],
          ['ru', 'week', 21, 'каждую 21 неделю'],
          ['ru', 'day', 5, 'каждые 5 дней'],
          ['ru', 'year', 2, 'каждые 2 года'],
          ['ru', 'year', 11, 'каждые 11 лет'],
          ['en', 'week', 3, 'every 3 weeks'],
          ['en', 'day', 1, 'every day'],
        ] as const;
        for (const [locale, unit, count, every] of cases) {
          const el = await mount(new FakeServer(subscribed({ unit, count })), { locale });
          const amount = locale === 'ru' ? '499,00\u00a0₽' : '499.00\u00a0₽';
          expect(text(notice(el)), `${locale}, ${count} ${unit}`).to.match(new RegExp(`^${amount} ${every}, `));
          el.remove();
        }
      });

      it('is shown under hide-summary too: the page around shows the amount, not the terms', async () => {
        const server = new FakeServer(subscribed({ unit: 'month', count: 1 }));
        const el = await fixture<SgCheckout>(html`<sg-checkout token=${server.token} api=${API} locale="ru" layout="desktop" hide-summary .fetchImpl=${server.fetch}></sg-checkout>`);
        await until(el, () => payButton(el), 'the session loads');
        expectAbsent($(el, '.total'));
        expect(text(notice(el))).to.match(/^499,00\u00a0₽ каждый месяц, /);
      });

      it('says nothing of regular payments when the session begins no subscription', async () => {
        for (const view of [sessionView({ methods: ['card'], recurrent: true }), sessionView()]) {
          const el = await mount(new FakeServer(view));
          expect(text($(el, '.total'))).to.equal(RUB_1499);
          expectAbsent(notice(el), 'the regular-payment notice');
          expect(text($(el, '.panel')), 'no such words anywhere').to.not.contain('Отменить можно');
          el.remove();
        }
      });
    });

    it('lets the owner remove the saved card', async () => {
      const server = new FakeServer(sessionView(SAVED));
      const el = await mount(server);
      buttonByText(root(el), 'Удалить эту карту')!.click();
      await until(el, () => tabLabels(el).length === 3, 'the card is gone');
      expect(tabLabels(el)).to.deep.equal(['СБП', 'Карта', 'SberPay']);
      expect(server.callsTo('POST', '/saved-card/remove')).to.have.length(1);
    });

    it('waits for the shop on a card held for confirmation, and offers no other method meanwhile', async () => {
      const p = waitingPayment('card', CARD_VIEW);
      const el = await mount(new FakeServer({ ...CARD_VIEW, status: 'in_progress', payment: { ...p, status: 'pending', customer_interaction: undefined } }));
      expect(text($(el, '.waiting'))).to.equal('Банк одобрил оплату. Магазин подтверждает заказ.');
      expectAbsent($(el, '[role=tablist]'));
    });
  });

  describe('an FPS account binding (view.binding: nothing is paid now)', () => {
    /** As the server shows a binding session: 0 ₽, FPS only, the consent to later charges, no subscription. */
    const BINDING_VIEW = sessionView({
      binding: true,
      recurrent: true,
      amount_details: { amount: 0, currency: 'RUB' },
      methods: ['fps'],
      subscription: null,
      method_change: false,
      description: null,
    });
    const WORDS = {
      ru: {
        title: 'Привязка счёта СБП',
        button: 'Привязать счёт',
        intro: 'Привязка в приложении банка, деньги сейчас не списываются.',
        consent: 'Я согласен привязать счёт: магазин «demo-shop» будет списывать оплату через СБП без моего подтверждения',
        missing: 'Чтобы привязать счёт, отметьте согласие выше.',
        qrHint: 'Отсканируйте QR-код в приложении банка, чтобы привязать счёт',
        chooseBank: 'Выберите банк, чтобы привязать счёт',
        linked: 'Счёт привязан',
        back: 'Вернуться в магазин',
        notLinked: 'Счёт не привязан',
        declined: 'Привязка отклонена в приложении банка.',
        retry: 'Повторить',
      },
      en: {
        title: 'Link your bank account (FPS)',
        button: 'Link account',
        intro: 'Link your account in your bank app: no money is taken now.',
        consent: 'I agree to link my bank account: demo-shop may take later payments through FPS without asking me each time',
        missing: 'To link the account, tick the consent above.',
        qrHint: 'Scan the QR code with your bank app to link your account',
        chooseBank: 'Choose your bank to link your account',
        linked: 'Bank account linked',
        back: 'Return to the shop',
        notLinked: 'Bank account not linked',
        declined: 'Linking was declined in the bank app.',
        retry: 'Try again',
      },
    };
    const box = (el: SgCheckout) => $<HTMLInputElement>(el, '.recurrent input[type=checkbox]');
    const hintOf = (el: SgCheckout) => text(root(el).getElementById(payButton(el)!.getAttribute('aria-describedby') ?? ''));
    const live = (el: SgCheckout) => text(root(el).querySelector('[aria-live=polite]:not(.panel *)'));
    /** Everything the customer reads in the widget, the QR view's and the bank list's own text included. */
    const allText = (el: SgCheckout) =>
      [root(el), qrView(el)?.shadowRoot, bankList(el)?.shadowRoot].map((r) => r?.textContent ?? '').join(' ').replace(/\s+/g, ' ');
    /** No sum anywhere, and no word of paying outside the consent's own (which says the shop will take later payments). */
    function expectNothingToPay(el: SgCheckout, locale: 'ru' | 'en') {
      const shown = allText(el).replace(WORDS[locale].consent, '');
      expect(shown, `${locale}: no amount`).to.not.match(/0[,.]00|₽/);
      expect(shown, `${locale}: no word of paying`).to.not.match(locale === 'ru' ? /оплат|оплач/i : /\bpa(y|id|yment)/i);
    }

    it('says what it is where the amount would be, and binds only once the consent is ticked (ru and en, desktop)', async () => {
      for (const locale of ['ru', 'en'] as const) {
        const w = WORDS[locale];
        const server = new FakeServer(BINDING_VIEW);
        const el = await mount(server, { locale });
        expect(text($(el, 'h2')), locale).to.equal(w.title);
        expectAbsent($(el, '.total'), `${locale}: the total`);
        expect(text($(el, '[role=tabpanel] .intro')), locale).to.equal(w.intro);
        expect(text(payButton(el)), locale).to.equal(w.button);
        expect(text($(el, '.recurrent')), locale).to.equal(w.consent);
        expect(box(el)!.checked, locale).to.equal(false);
        expect(payButton(el)!.disabled, `${locale}: nothing is bound unticked`).to.equal(true);
        expect(hintOf(el), locale).to.equal(w.missing);
        expectNothingToPay(el, locale);
        await expect(el).to.be.accessible();

        box(el)!.click();
        await showQr(el);
        await until(el, () => qrSvg(el), `${locale}: the binding QR appears`);
        expect(server.callsTo('POST', '/payments').map((c) => c.body), locale).to.deep.equal([{ method: 'fps', recurrent_consent: true }]);
        const link = server.view.payment!.customer_interaction!.redirect.url;
        expect(link, 'the fake issues a binding link').to.match(/^https:\/\/sub\.nspk\.ru\/AB[A-Z0-9]{30}\?type=03&bank=\d{12}&crc=[0-9A-F]{4}$/);
        expect(await decodeSvgQr(qrSvg(el)!), locale).to.equal(link);
        expect(text(qrView(el)!.shadowRoot!.querySelector('.hint')), locale).to.equal(w.qrHint);
        expect(qrSvg(el)!.getAttribute('aria-label'), locale).to.equal(w.qrHint);
        expectAbsent(qrView(el)!.shadowRoot!.querySelector('.amount'), `${locale}: an amount under the QR`);
        expectNothingToPay(el, locale);
        el.remove();
      }
    });

    it('on a phone, lists the banks to bind the account in (ru and en)', async () => {
      await setViewport({ width: 390, height: 844 });
      for (const locale of ['ru', 'en'] as const) {
        const w = WORDS[locale];
        const server = new FakeServer(BINDING_VIEW);
        const el = await mount(server, { locale, layout: 'mobile' });
        expect(text(payButton(el)), locale).to.equal(w.button);
        box(el)!.click();
        await pressPay(el);
        await until(el, () => bankList(el)?.shadowRoot?.querySelector('a[part=bank]'), `${locale}: the banks appear`);
        expect(text($(el, '[role=tabpanel] > .muted')), locale).to.equal(w.chooseBank);
        const rest = server.view.payment!.customer_interaction!.redirect.url.slice('https://'.length);
        expect(bankList(el)!.shadowRoot!.querySelector('a[part=bank]')!.getAttribute('href'), locale).to.equal(`bank100000000111://${rest}`);
        expectNothingToPay(el, locale);
        el.remove();
      }
    });

    it('says the account is linked, with no amount, and offers the way back to the shop (ru and en)', async () => {
      for (const locale of ['ru', 'en'] as const) {
        const w = WORDS[locale];
        const server = new FakeServer(BINDING_VIEW);
        const log = recordEvents();
        const el = await mount(server, { locale });
        box(el)!.click();
        await showQr(el);
        const payment = server.view.payment!;
        server.update({ status: 'accepted', payment: succeeded(payment) });
        await until(el, () => $(el, '.result'), `${locale}: the result arrives by long-poll`);
        log.stop();
        expect(log.of('sg-success').map((d) => [d.binding, d.amount]), `${locale}: the shop's page hears a binding`).to.deep.equal([[true, 0]]);
        expect(text($(el, 'h2')), locale).to.equal(w.linked);
        expectAbsent($(el, '.result .total'), `${locale}: the amount`);
        expectAbsent($(el, '.result .paid'), `${locale}: "paid via FPS"`);
        expect([...root(el).querySelectorAll('.result a')].map((a) => [text(a), a.getAttribute('href')]), locale).to.deep.equal([[w.back, 'https://shop.example.test/thanks']]);
        expect(live(el), `${locale}: what a screen reader hears`).to.equal(w.linked);
        expectNothingToPay(el, locale);
        await expect(el).to.be.accessible();
        el.remove();
      }
    });

    it('says a cancelled binding and a missing offer consent in the binding\'s words', async () => {
      const cancelled = failed(waitingPayment('fps', BINDING_VIEW), 'cancelled');
      const el = await mount(new FakeServer({ ...BINDING_VIEW, status: 'created', payment: cancelled }), { locale: 'en' });
      expect(text($(el, '.result .muted'))).to.equal('The shop cancelled the account link.');
      el.remove();
      const withOffer = await mount(new FakeServer({ ...BINDING_VIEW, consent: { offer_url: 'https://shop.example.test/offer' } }), { locale: 'ru' });
      expect(root(withOffer).textContent).to.include('Чтобы привязать счёт, примите условия оферты выше.');
      expect(root(withOffer).textContent).not.to.include('оплатить');
      withOffer.remove();
    });

    it('reads a decline as a binding that failed, and offers to try again (ru and en)', async () => {
      for (const locale of ['ru', 'en'] as const) {
        const w = WORDS[locale];
        const p = failed(waitingPayment('fps', BINDING_VIEW));
        const server = new FakeServer({ ...BINDING_VIEW, status: 'created', payment: p });
        const el = await mount(server, { locale });
        expect(text($(el, 'h2')), locale).to.equal(w.notLinked);
        expect(text($(el, '.result .muted')), locale).to.equal(w.declined);
        buttonByText(root(el), w.retry)!.click();
        await until(el, () => payButton(el), `${locale}: back to binding`);
        expect(text(payButton(el)), locale).to.equal(w.button);
        el.remove();
      }
    });

    it('a payment session keeps its own words', async () => {
      const el = await mount(new FakeServer(sessionView({ methods: ['fps'], recurrent: true, binding: false })));
      expect(text($(el, 'h2'))).to.equal('Оплата · Годовая подписка на канал');
      expect(text($(el, '.total'))).to.equal(RUB_1499);
      expect(text(payButton(el))).to.equal('Показать QR-код');
    });
  });

  describe('test mode', () => {
    const badge = (el: SgCheckout) => $(el, '[part=test-badge]');

    it('shows a "Test mode" badge when the server runs the sandbox, as plain text read with the heading, in Russian and English', async () => {
      for (const [locale, words] of [['ru', 'Тестовый режим'], ['en', 'Test mode']] as const) {
        const el = await mount(new FakeServer(sessionView({ sandbox: true })), { locale });
        expect(root(el).querySelectorAll('[part=test-badge]'), locale).to.have.length(1);
        expect(text(badge(el))).to.equal(words);
        // Text in reading order just before the heading: not an alert, not a live region, so it is said once, not announced.
        expect(badge(el)!.nextElementSibling?.localName).to.equal('h2');
        expect(badge(el)!.closest('[role=alert], [role=status], [aria-live]'), 'not in a live region').to.equal(null);
        expect(badge(el)!.getAttribute('aria-hidden')).to.equal(null);
        await expect(el).to.be.accessible();
        el.remove();
      }
    });

    it('shows no badge when sandbox is false or absent (an older server)', async () => {
      const el = await mount(new FakeServer(sessionView({ sandbox: false })));
      expectAbsent(badge(el), 'sandbox false: the badge');
      const older = sessionView();
      delete (older as Partial<SessionView>).sandbox;
      const other = await mount(new FakeServer(older));
      expectAbsent(badge(other), 'no sandbox field: the badge');
    });

    it('keeps the badge in every state: methods, the QR, a hidden summary, the wait for the shop, a payment being checked and every result', async () => {
      const base = sessionView({ sandbox: true });
      const p = waitingPayment('fps', base);
      const views: Array<[string, Partial<SessionView>]> = [
        ['checking', { status: 'in_progress', payment: checking(p) }],
        ['confirming', { status: 'in_progress', payment: { ...waitingPayment('card', base), status: 'pending' } }],
        ['succeeded', { status: 'accepted', payment: succeeded(p) }],
        ['failed', { status: 'created', payment: failed(p, 'card_declined') }],
        ['final failure', { status: 'error', close_reason: 'card_declined', payment: failed(p, 'card_declined') }],
        ['expired', { status: 'cancelled', close_reason: 'expired' }],
      ];
      for (const [what, patch] of views) {
        const el = await mount(new FakeServer({ ...base, ...patch }), { locale: 'en' });
        expect([what, text($(el, '[part=test-badge]'))]).to.deep.equal([what, 'Test mode']);
        el.remove();
      }
      const server = new FakeServer(base);
      const el = await mount(server);
      await showQr(el);
      await until(el, () => qrSvg(el), 'the FPS QR');
      expect(text($(el, '[part=test-badge]')), 'with the QR').to.equal('Тестовый режим');
      el.hideSummary = true;
      await el.updateComplete;
      expect(text($(el, '[part=test-badge]')), 'with a hidden summary').to.equal('Тестовый режим');
      // Alone at the top, the tabs keep the panel's whole width rather than flow beside it.
      expect($(el, '[role=tablist]')!.getBoundingClientRect().top).to.be.at.least(badge(el)!.getBoundingClientRect().bottom);
    });
  });

  describe('a payment being checked', () => {
    const hint = { ru: 'Это может занять минуту. Не оплачивайте повторно: результат появится здесь.', en: 'This can take a minute. Please do not pay again: the result will appear here.' };
    const title = { ru: 'Проверяем платёж…', en: 'Checking the payment…' };
    const success = { ru: 'Оплата прошла', en: 'Payment successful' };

    for (const locale of ['ru', 'en'] as const) {
      it(`says calmly that the payment is being checked, offers nothing to press, keeps waiting, then shows the success (${locale})`, async () => {
        const server = new FakeServer();
        const log = recordEvents();
        try {
          const el = await mount(server, { locale });
          await showQr(el);
          await until(el, () => server.waiting === 1, 'a long-poll waits for the QR payment');
          const p = server.view.payment!;
          server.update({ payment: checking(p) }); // the customer paid; the rail's answer is slow
          await until(el, () => text($(el, 'h2')) === title[locale], 'the checking screen');
          expect([...root(el).querySelectorAll('.result .muted')].map(text)).to.deep.equal(['Годовая подписка на канал', hint[locale]]);
          expect(text($(el, '.result .total'))).to.equal(locale === 'ru' ? RUB_1499 : '1,499.00\u00a0₽');
          expect($(el, '.spinner'), 'a progress indicator').to.exist;
          expectAbsent($(el, '[role=tablist]'), 'the methods');
          expectAbsent($(el, 'sg-qr-view'), 'the QR');
          expectAbsent($(el, 'button'), 'any button (no retry, no pay)');
          expectAbsent($(el, '[role=alert], .error'), 'an error');
          const live = text(root(el).querySelector('[aria-live=polite]:not(.panel *)'));
          expect(live).to.equal(`${title[locale]} ${hint[locale]}`);
          await expect(el).to.be.accessible();
          // It keeps long-polling, from the checking view's version.
          await until(el, () => server.waiting === 1, 'the long-poll goes on');
          expect(server.calls.at(-1)!.query.get('version')).to.equal(String(server.view.version));
          expect(log.of('sg-status').at(-1)!.payment).to.deep.equal(checking(p));
          expect([log.of('sg-fail'), log.of('sg-error'), log.of('sg-success')]).to.deep.equal([[], [], []]);

          server.update({ status: 'accepted', payment: succeeded(p) });
          await until(el, () => text($(el, 'h2')) === success[locale], 'the success screen');
          server.releaseWaiters();
          await new Promise((r) => setTimeout(r, 50));
          expect(log.of('sg-success').map((d) => d.paymentId)).to.deep.equal([p.id]);
          expect([log.of('sg-fail'), log.of('sg-error')]).to.deep.equal([[], []]);
          expect(log.of('sg-status').map((d) => [d.status, d.payment?.status, d.payment?.checking ?? false])).to.deep.equal([
            ['created', undefined, false],
            ['in_progress', 'in_progress', false],
            ['in_progress', 'in_progress', true],
            ['accepted', 'succeeded', false],
          ]);
        } finally {
          log.stop();
        }
      });
    }

    it('fires one sg-fail when the check ends in a failure, and then offers the methods again', async () => {
      const base = sessionView({ methods: ['card', 'fps'] });
      const p = checking(waitingPayment('card', base));
      const server = new FakeServer({ ...base, status: 'in_progress', payment: p });
      const log = recordEvents();
      try {
        const el = await mount(server, { locale: 'en' });
        expect(text($(el, 'h2')), 'a reload during the check shows the check, not the methods').to.equal('Checking the payment…');
        await until(el, () => server.waiting === 1, 'a long-poll waits');
        server.update({ status: 'created', payment: failed(p, 'card_declined') });
        await until(el, () => text($(el, 'h2')) === 'Payment failed', 'the failure screen');
        server.update({ description: 'changed meanwhile' }); // the same failed payment again
        await new Promise((r) => setTimeout(r, 50));
        expect(log.of('sg-fail').map((d) => [d.paymentId, d.code])).to.deep.equal([[p.id, 'card_declined']]);
        expect(log.of('sg-error')).to.deep.equal([]);
        expect(buttonByText(root(el), 'Try another method')).to.exist;
      } finally {
        log.stop();
      }
    });

    it('replaces the error of a start whose answer was lost with the check, and moves the focus there from the pay button', async () => {
      const server = new FakeServer(sessionView({ methods: ['saved_card', 'fps'], saved_card: { brand: 'visa', last4: '4242' } }));
      let started = '';
      server.onStart = (body, s) => {
        // The server took the payment and asked the rail, whose answer got lost; the widget's request failed too.
        const p = checking(waitingPayment('saved_card', s.view));
        started = p.id;
        setTimeout(() => s.update({ status: 'in_progress', payment: p }), 100);
        return apiError(504, 'network', 'timed out');
      };
      const log = recordEvents();
      try {
        const el = await mount(server);
        await until(el, () => server.waiting === 1, 'a long-poll waits');
        const pay = $<HTMLButtonElement>(el, 'button[part=pay-button]')!;
        pay.focus();
        pay.click();
        await until(el, () => $(el, '.error'), 'the start failed');
        await until(el, () => text($(el, 'h2')) === 'Проверяем платёж…', 'the long-poll brings the check');
        expectAbsent($(el, '[role=alert], .error'), 'the old error');
        expect(root(el).activeElement === $(el, 'h2'), 'focus follows the step').to.equal(true);
        expect(server.view.payment!.id).to.equal(started);
        expect(log.of('sg-fail')).to.deep.equal([]);
      } finally {
        log.stop();
      }
    });
  });

  describe('older browsers', () => {
    it('loads and long-polls where AbortSignal.any and AbortSignal.timeout do not exist (Safari before 17.4)', async () => {
      const signal = AbortSignal as unknown as Record<string, unknown>;
      const saved = { any: signal.any, timeout: signal.timeout };
      delete signal.any;
      delete signal.timeout;
      try {
        const server = new FakeServer();
        const el = await mount(server);
        expect(text(payButton(el))).to.equal('Показать QR-код');
        await until(el, () => server.waiting === 1, 'a long-poll waits');
      } finally {
        Object.assign(signal, saved);
      }
    });
  });

  describe('what screen readers hear', () => {
    it('announces a session that expires by itself, and a second identical failure after "try another method"', async () => {
      const server = new FakeServer();
      const el = await mount(server);
      const live = () => text(root(el).querySelector('[aria-live=polite]:not(.panel *)'));
      server.update({ status: 'cancelled', close_reason: 'expired' });
      await until(el, () => live() === 'Время на оплату истекло', 'the expiry is announced');

      const again = new FakeServer(sessionView({ methods: ['card', 'fps'] }));
      const other = await mount(again);
      const liveOther = () => text(root(other).querySelector('[aria-live=polite]:not(.panel *)'));
      const fail = (id: string) => again.update({ status: 'created', payment: failed({ ...waitingPayment('card', again.view), id }, 'card_declined') });
      fail('pm_00000000000000000001');
      await until(other, () => liveOther().includes('Банк отклонил карту'), 'the first failure');
      buttonByText(root(other), 'Выбрать другой способ')!.click();
      await until(other, () => liveOther() === '', 'cleared for the next one');
      fail('pm_00000000000000000002');
      await until(other, () => liveOther().includes('Банк отклонил карту'), 'the same words, said again');
    });
  });

  describe('what the customer reads', () => {
    it('names a failure it does not know in plain words, never the server\'s description', async () => {
      const base = sessionView();
      const p = failed(waitingPayment('fps', base), 'acquirer_timeout', 'upstream ps_x timed out after 30000 ms');
      const el = await mount(new FakeServer({ ...base, status: 'created', payment: p }), { locale: 'en' });
      expect(text($(el, 'h2'))).to.equal('Payment failed');
      expect(text($(el, '.result .muted'))).to.equal('The payment did not go through.');
      expect(root(el).textContent).to.not.include('ps_x');
    });

    it('under manual confirmation, says the shop is confirming, and lets the customer switch methods meanwhile', async () => {
      const server = new FakeServer();
      server.onStart = (body, s) => s.update({ status: 'in_progress', payment: { ...waitingPayment(body.method as 'fps', s.view), status: 'pending', customer_interaction: undefined } });
      const el = await mount(server);
      await pressPay(el);
      await until(el, () => $(el, '[role=tabpanel] .waiting'), 'the waiting note');
      expect(text($(el, '[role=tabpanel] .waiting'))).to.equal('Магазин подтверждает заказ. Оплата продолжится через минуту.');
      await chooseTab(el, 'SberPay');
      expect(text(payButton(el)), 'another method can still be chosen').to.equal('Показать QR-код');
    });

    it('hides its own title and amount with hide-summary, for a page that shows them', async () => {
      const server = new FakeServer();
      const el = await fixture<SgCheckout>(html`<sg-checkout token=${server.token} api=${API} locale="ru" layout="desktop" hide-summary .fetchImpl=${server.fetch}></sg-checkout>`);
      await until(el, () => payButton(el), 'the session loads');
      expectAbsent($(el, '.total'));
      expect($(el, 'h2')!.classList.contains('sr'), 'the heading stays for screen readers').to.equal(true);
    });
  });

  describe('no layout shift', () => {
    it('the loading panel is about as tall as the checkout that replaces it, so the merchant page below barely moves', async () => {
      // Within a line of text: a long description or a narrow panel wraps the title, which no
      // placeholder can know before the session arrives.
      for (const [width, methods, within] of [[1024, 3, 16], [1024, 4, 16], [412, 3, 48]] as const) {
        await setViewport({ width, height: 900 });
        const server = new FakeServer(sessionView(methods === 4 ? SAVED : {}));
        let release!: () => void;
        server.onLoad = (s) => new Promise((r) => (release = () => r(s.reply())));
        const el = await fixture<SgCheckout>(html`<sg-checkout token=${server.token} api=${API} locale="ru" layout="desktop" .fetchImpl=${server.fetch}></sg-checkout>`);
        await until(el, () => $(el, '.skeleton'), 'loading');
        const loading = el.getBoundingClientRect().height;
        release();
        await until(el, () => payButton(el), 'loaded');
        const loaded = el.getBoundingClientRect().height;
        expect(Math.abs(loaded - loading), `${width} px, ${methods} methods: ${loading} → ${loaded} px`).to.be.at.most(within);
        el.remove();
      }
    });
  });

  describe('layout on a narrow panel', () => {
    /** The tabs' rows, top to bottom, each as the number of tabs on it; and whether any label is cut. */
    async function tabRows(server: FakeServer, width = 300) {
      const holder = await fixture<HTMLDivElement>(html`<div style=${`width: ${width}px`}></div>`);
      const el = document.createElement('sg-checkout') as SgCheckout;
      el.setAttribute('token', server.token);
      el.setAttribute('api', API);
      el.setAttribute('layout', 'desktop');
      el.fetchImpl = server.fetch;
      holder.append(el);
      await until(el, () => tabs(el).length > 0, 'the tabs');
      const tops = tabs(el).map((t) => t.getBoundingClientRect().top);
      const rows = [...new Set(tops)].map((top) => tops.filter((t) => t === top).length);
      return { rows, cut: tabs(el).some((t) => t.scrollWidth > t.clientWidth) };
    }

    it('keeps three tabs on one row, uncut, down to a 320 px phone: none is stranded on a row of its own', async () => {
      // 250 px: the widget's width on a 320 px phone inside the demo store's page.
      for (const width of [300, 250]) {
        const layout = await tabRows(new FakeServer(sessionView({ methods: ['fps', 'card', 'sberpay'], saved_card: null })), width);
        expect(layout, `${width} px`).to.deep.equal({ rows: [3], cut: false });
      }
    });

    it('puts four tabs two by two', async () => {
      expect((await tabRows(new FakeServer(sessionView(SAVED)))).rows).to.deep.equal([2, 2]);
    });
  });

  describe('safety and accessibility', () => {
    it('renders merchant text as text', async () => {
      const evil = '<img src=x onerror="window.__sgXss = 1">';
      const server = new FakeServer(sessionView({ description: evil }));
      const el = await mount(server);
      await showQr(el);
      await until(el, () => qrSvg(el), 'the FPS QR');
      expect(text($(el, 'h2'))).to.equal(`Оплата · ${evil}`);
      expectAbsent(root(el).querySelector('img'));
      await new Promise((r) => setTimeout(r, 50));
      expect((window as unknown as { __sgXss?: number }).__sgXss).to.equal(undefined);
      server.update({ status: 'accepted', payment: succeeded(server.view.payment!) });
      await until(el, () => text($(el, 'h2')) === 'Оплата прошла', 'the success screen');
      expect(text($(el, '.result .muted'))).to.equal(evil);
      expectAbsent(root(el).querySelector('img'));
    });

    it('moves the focus between tabs with the arrow keys and chooses with Enter', async () => {
      const server = new FakeServer(sessionView({ methods: ['card', 'fps', 'sberpay'] }));
      const el = await mount(server, { locale: 'en' });
      expect(tabs(el).map((t) => t.tabIndex)).to.deep.equal([0, -1, -1]);
      tabs(el)[0]!.focus();
      await sendKeys({ press: 'ArrowRight' });
      await el.updateComplete;
      expect(text(root(el).activeElement?.querySelector('.label'))).to.equal('FPS');
      expect(selectedTab(el), 'an arrow only moves the focus').to.equal('Card');
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      expect(selectedTab(el)).to.equal('FPS');
      await sendKeys({ press: 'ArrowLeft' });
      await sendKeys({ press: 'ArrowLeft' });
      expect(text(root(el).activeElement?.querySelector('.label')), 'wraps around').to.equal('SberPay');
      await sendKeys({ press: 'Space' });
      await el.updateComplete;
      expect(selectedTab(el)).to.equal('SberPay');
      expect(text(root(el).activeElement?.querySelector('.label')), 'focus stays on the tab').to.equal('SberPay');
      expect(server.callsTo('POST', '/payments'), 'choosing a tab pays nothing').to.have.length(0);
      // Tab leaves the tab list for the panel's controls.
      await sendKeys({ press: 'Tab' });
      expect(root(el).activeElement?.getAttribute('role')).to.not.equal('tab');
    });

    it('does not take the focus from the page when it loads', async () => {
      const input = await fixture<HTMLInputElement>(html`<input aria-label="Promo code" />`);
      input.focus();
      const server = new FakeServer();
      await mount(server);
      expect(document.activeElement === input, 'the page keeps its focus').to.equal(true);
    });

    it('passes axe on the FPS step, in both themes', async () => {
      for (const theme of ['light', 'dark'] as const) {
        const server = new FakeServer();
        const el = await mount(server, { theme });
        await expect(el).to.be.accessible();
        await showQr(el);
        await until(el, () => qrSvg(el), 'the FPS QR');
        expect(el.getAttribute('theme')).to.equal(theme);
        await expect(el).to.be.accessible();
        el.remove();
      }
    });

    it('draws a focus ring of 3:1 or more against the panel on every control, light and dark', async () => {
      for (const theme of ['light', 'dark'] as const) {
        const el = await mount(new FakeServer(sessionView({ ...SAVED, consent: { offer_url: 'https://shop.example.test/offer' } })), { theme });
        const background = getComputedStyle($(el, '.panel')!).backgroundColor;
        const controls = [...root(el).querySelectorAll<HTMLElement>('[role=tab][tabindex="0"], .consent input, .link')];
        expect(controls.length, theme).to.equal(3);
        for (const control of controls) {
          control.focus();
          await sendKeys({ press: 'Shift' }); // a key press makes the focus :focus-visible, as a keyboard user's is
          const ring = focusRing(control);
          expect([theme, control.localName, ring.style, ring.width >= 2], theme).to.deep.equal([theme, control.localName, 'solid', true]);
          expect(contrastRatio(ring.color, background), `${theme} ${control.className || control.localName}`).to.be.at.least(3);
        }
        el.remove();
      }
    });

    it('passes axe on the card step', async () => {
      const el = await mount(new FakeServer(sessionView({ methods: ['card', 'fps'] })));
      await expect(el).to.be.accessible();
    });
  });
});
