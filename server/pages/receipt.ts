/**
 * `/receipt/:paymentId`: the customer's payment confirmation, what was bought, from which shop,
 * for how much, when (in the customer's time zone, local-time.ts), how it was paid (a masked card,
 * FPS or SberPay) and its status, with any refunds, in the customer's language. It is not a fiscal
 * receipt under 54-ФЗ, and says so: the shop sends that. The payment id is unguessable (about 103
 * random bits), so the link itself is the customer's key to it.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { Reads } from '../store/port';
import type { PaymentRow, SessionData } from '../store/rows';
import { formatAmount } from '../../widget/i18n/money';
import { page, pageCsp } from './layout';
import { pageLanguage, type PageLanguage } from './language';
import { LOCAL_TIME_PATH, localTimeScript, timeElement } from './local-time';
import { shopHeader, shopNamed, supportBlock } from './shop';
import { cardLabel } from './card-label';
import { pageToken } from '../subscriptions/service';
import { bindsWithoutPaying } from '../sessions/bindings';

const TEXT = {
  ru: {
    title: 'Подтверждение оплаты',
    notFound: 'Подтверждение оплаты не найдено',
    notFoundHint: 'Проверьте ссылку со страницы оплаты.',
    purchase: 'Покупка',
    date: 'Дата',
    paidWith: 'Способ оплаты',
    status: 'Статус',
    refunded: 'Возвращено',
    testPayment: 'Тестовый платёж — деньги не списывались',
    notFiscal: 'Это подтверждение оплаты, а не кассовый чек по 54\u2011ФЗ. Кассовый чек присылает магазин.',
    paymentNumber: 'Номер платежа для обращения в поддержку',
    backToShop: 'Вернуться в магазин',
    manageSubscription: 'Управлять подпиской: следующие платежи, отмена',
    methods: { card: 'Банковская карта', saved_card: 'Сохранённая банковская карта', recurrent: 'Банковская карта (подписка)', fps: 'Система быстрых платежей (СБП)', sberpay: 'SberPay' },
    statuses: { succeeded: 'Оплачено', failed: 'Не оплачено', in_progress: 'В обработке', pending: 'Ждёт подтверждения магазина' },
  },
  en: {
    title: 'Payment confirmation',
    notFound: 'Payment confirmation not found',
    notFoundHint: 'Check the link from your payment page.',
    purchase: 'Purchase',
    date: 'Date',
    paidWith: 'Paid with',
    status: 'Status',
    refunded: 'Refunded',
    testPayment: 'Test payment — no money moved',
    manageSubscription: 'Manage your subscription: next payments, cancel',
    notFiscal: 'This is a payment confirmation, not a fiscal receipt under Russian law 54\u2011FZ. The shop sends the fiscal receipt.',
    paymentNumber: 'Payment number for support',
    backToShop: 'Return to the shop',
    methods: { card: 'Bank card', saved_card: 'Saved bank card', recurrent: 'Bank card (subscription)', fps: 'Faster Payments System (SBP)', sberpay: 'SberPay' },
    statuses: { succeeded: 'Paid', failed: 'Not paid', in_progress: 'In progress', pending: 'Waiting for the shop to confirm' },
  },
} satisfies Record<PageLanguage, { methods: Record<PaymentRow['method'], string>; statuses: Record<PaymentRow['status'], string> } & Record<string, unknown>>;

/** `sandbox`: the server runs the sandbox acquirer, so every receipt says that no money moved (default false). */
export function receiptPages(store: Reads, { sandbox = false }: { sandbox?: boolean } = {}) {
  const app = new Hono();
  app.route('/', localTimeScript());
  app.get('/receipt/:paymentId', async (c) => {
    const payment = await store.sessions.payment(c.req.param('paymentId'));
    // A binding that took no money (amount 0) confirms no payment: it has no receipt.
    if (!payment || bindsWithoutPaying(payment)) {
      const t = TEXT[pageLanguage(c)];
      c.header('Content-Security-Policy', pageCsp());
      return c.html(page(t.notFound, html`<h1>${t.notFound}</h1><p class="muted">${t.notFoundHint}</p>`, pageLanguage(c)), 404);
    }
    const session = (await store.sessions.get(payment.session_id))!;
    const shop = await shopNamed(store, session.project);
    const lang = pageLanguage(c, shop?.locale);
    const t = TEXT[lang];
    const money = (amountMinor: number) => formatAmount(amountMinor, payment.currency, lang);
    const data = JSON.parse(session.data_json) as SessionData;
    const card = payment.card_token ? await store.cards.get(payment.card_token) : undefined;
    const refunds = await store.sessions.refunds(payment.id);
    // A subscription's payment links to the customer's own page for it (every receipt of it does).
    const project = typeof data.subscription_id === 'string' ? await store.projects.get(session.project) : null;
    const subscriptionPage = project && typeof data.subscription_id === 'string' ? `/s/${pageToken(project, data.subscription_id)}` : null;
    const rows: [string, unknown][] = [
      ...(data.description ? [[t.purchase, data.description] as [string, unknown]] : []),
      [t.date, timeElement(payment.updated_at, lang)],
      [t.paidWith, card ? `${t.methods[payment.method]}, ${cardLabel(card, lang)}` : t.methods[payment.method]],
      [t.status, t.statuses[payment.status]],
      ...refunds.map((r) => [t.refunded, html`${money(r.amount)}, ${timeElement(r.created_at, lang)}`] as [string, unknown]),
    ];
    c.header('Content-Security-Policy', pageCsp({ scripts: true, logoUrl: shop?.logoUrl }));
    return c.html(
      page(
        shop ? `${t.title} · ${shop.name}` : t.title,
        html`${shop ? shopHeader(shop, lang) : ''}
          <h1>${t.title}</h1>
          <div class="amount">${money(payment.amount)}</div>
          ${sandbox ? html`<p><strong class="badge">${t.testPayment}</strong></p>` : ''}
          <table>${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>
          <p class="fine-print">${t.notFiscal}</p>
          ${subscriptionPage ? html`<p><a href="${subscriptionPage}${lang === 'en' ? '?lang=en' : ''}">${t.manageSubscription}</a></p>` : ''}
          ${data.payment_options?.return_url ? html`<p><a href="${data.payment_options.return_url}">${t.backToShop}</a></p>` : ''}
          ${shop ? supportBlock(shop.support, lang) : ''}
          <p class="fine-print">${t.paymentNumber}: <code>${payment.id}</code></p>`,
        lang,
        { head: html`<script defer src="${LOCAL_TIME_PATH}"></script>` },
      ),
    );
  });
  return app;
}
