/**
 * The sandbox's customer side: the endpoints that act as the customer's bank for any rail
 * (`POST /sandbox/payments/:id/approve|decline`), and the pages a developer uses in its place: the
 * bank app that scanned an FPS QR (or a binding link), the SberPay app, the 3-D Secure challenge,
 * the push inbox, and the customer's FPS subscriptions at their bank (bindings-page.ts).
 * The pages post plain forms to the same endpoints, so tests and people drive one code path.
 *
 * Framing: a card payment's page (the 3-D Secure challenge, and its result after the answer's
 * redirect) opens in the checkout's dialog, so the session's project's origins and this server may
 * frame it (sessionFramers); every other page (the bank app, SberPay, the push inbox) opens in a tab
 * or an app, and nobody may frame it.
 */
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { Storage } from '../store/port';
import type { CardTokenRow, PaymentRow, SandboxRailPaymentRow } from '../store/rows';
import type { SandboxRail } from './rail';
import { conflict } from '../errors';
import { formatAmount } from '../../widget/i18n/money';
import { wordsFor } from '../../widget/i18n/i18n';
import { page, pageCsp } from '../pages/layout';
import { asLanguage, pageLanguage, type PageLanguage } from '../pages/language';
import { LOCAL_TIME_PATH, timeElement } from '../pages/local-time';
import { shopHeader, shopNamed, type Shop } from '../pages/shop';
import { cardLabel } from '../pages/card-label';
import { sessionFramers } from '../http/security-headers';
import { badRequest } from '../errors';
import { BANKS } from './banks';
import { parseFpsLink } from './fps';
import { bindingRoutes } from './bindings-page';
import { bindsWithoutPaying } from '../sessions/bindings';
export type SandboxDeps = { store: Storage; rail: SandboxRail };

export function sandboxRoutes(d: SandboxDeps) {
  const app = new Hono();
  app.use('/sandbox/*', async (c, next) => {
    await next();
    if (c.res.headers.get('content-type')?.startsWith('text/html') && !c.res.headers.has('Content-Security-Policy')) c.res.headers.set('Content-Security-Policy', pageCsp());
  });

  for (const answer of ['approve', 'decline'] as const) {
    app.post(`/sandbox/payments/:paymentId/${answer}`, async (c) => {
      const paymentId = c.req.param('paymentId');
      if (!(await d.store.sandboxRail.payment(paymentId)) && (await d.store.sessions.payment(paymentId))) {
        throw conflict(`payment ${paymentId} has not reached the bank: it waits for the merchant's confirmation (or has ended), so there is nothing to answer`);
      }
      await d.rail.customerAnswer(paymentId, answer === 'approve', customerBank(c.req.query('bank')));
      // What the gateway made of it (its callback may have been lost by an injected fault: then what it knew before).
      const payment = (await d.store.sessions.payment(paymentId))!;
      const session = (await d.store.sessions.get(payment.session_id))!;
      // The result page keeps the language the customer saw the question in.
      if (isForm(c.req.header('content-type'))) return c.redirect(`/sandbox/payments/${paymentId}${langQuery(c)}`, 303);
      return c.json({ status: 'ok', payment: { id: payment.id, status: payment.status }, session: { id: session.id, status: session.status } });
    });
  }

  app.route('/', bindingRoutes(d));

  /** The page of one payment as its bank shows it: approve / decline, or its result. */
  app.get('/sandbox/payments/:paymentId', async (c) => paymentOr(c, c.req.param('paymentId'), 'noPayment'));
  app.get('/sandbox/3ds/:paymentId', async (c) => {
    // An unknown challenge still answers in the dialog of this server's own pages, as the card frame does for an unknown token.
    c.header('Content-Security-Policy', pageCsp({ framers: await sessionFramers(d.store, undefined) }));
    return paymentOr(c, c.req.param('paymentId'), 'no3ds');
  });

  /** What a bank app shows after scanning an FPS QR: `?link=https://qr.nspk.ru/…`. */
  app.get('/sandbox/bank', async (c) => {
    const parsed = parseFpsLink(c.req.query('link') ?? '');
    if (!parsed) return c.html(notFoundPage(pageLanguage(c), 'pasteLink'), 400);
    if (!parsed.crcValid) return c.html(notFoundPage(pageLanguage(c), 'damaged'), 400);
    // `bank`: the bank whose app opened the link (a phone's deep link names it), so a binding is made there.
    return paymentOr(c, (await d.store.sandboxRail.paymentByRef(parsed.qrId))?.payment_id, 'noQr', customerBank(c.req.query('bank')));
  });

  app.get('/sandbox/sberpay/:invoiceId', async (c) => paymentOr(c, (await d.store.sandboxRail.paymentByRef(c.req.param('invoiceId')))?.payment_id, 'noSberPay'));

  app.get('/sandbox/pushes', async (c) => {
    const lang = pageLanguage(c);
    const t = TEXT[lang];
    const pushes = await d.store.pushes.recent(50, c.req.query('phone'));
    c.header('Content-Security-Policy', pageCsp({ scripts: true }));
    return c.html(
      page(
        t.inboxTitle,
        html`<span class="badge">${t.badge}</span><h1>${t.inboxTitle}</h1><p class="muted">${t.inboxHint}</p>
          <table><tr><th>${t.time}</th><th>${t.phone}</th><th>${t.message}</th><th><span class="sr">${t.payment}</span></th></tr>
          ${pushes.map((p) => html`<tr><td>${timeElement(p.created_at, lang)}</td><td>+${p.phone}</td><td>${p.text}</td><td><a href="/sandbox/payments/${p.payment_id}${langQuery(c)}">${t.open}</a></td></tr>`)}
          </table>`,
        lang,
        { head: html`<script defer src="${LOCAL_TIME_PATH}"></script>` },
      ),
    );
  });

  /** The payment's page, or a not-found page saying `missing`. */
  async function paymentOr(c: Context, paymentId: string | undefined, missing: keyof (typeof TEXT)['en']['missing'], bank?: string) {
    // The bank's own record says whether it waits for an answer; the gateway's, how the payment ended.
    const [atBank, payment] = paymentId ? await Promise.all([d.store.sandboxRail.payment(paymentId), d.store.sessions.payment(paymentId)]) : [];
    if (!payment || !atBank) return c.html(notFoundPage(pageLanguage(c), missing), 404);
    const session = (await d.store.sessions.get(payment.session_id))!;
    const shop = await shopNamed(d.store, session.project);
    const lang = pageLanguage(c, shop?.locale);
    const challenged = payment.method === 'card' || payment.method === 'saved_card';
    c.header('Content-Security-Policy', pageCsp({ logoUrl: shop?.logoUrl, framers: challenged ? await sessionFramers(d.store, session) : [] }));
    const card = payment.card_token ? await d.store.cards.get(payment.card_token) : undefined;
    const query = [langQuery(c).slice(1), bank ? `bank=${bank}` : ''].filter(Boolean).join('&');
    return c.html(paymentPage(payment, atBank, card, lang, shop, query ? `?${query}` : ''));
  }

  return app;
}

/** The customer's bank named by `?bank=` (an FPS member id of the directory); undefined: the sandbox's default. */
function customerBank(id: string | undefined): string | undefined {
  if (id === undefined || id === '') return undefined;
  if (!BANKS.some((b) => b.id === id)) throw badRequest('bank', `no FPS bank has member id "${id}": give one of /public/v1/banks, or leave bank out`);
  return id;
}

const isForm = (type: string | undefined) => !!type && /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type);

/** `?lang=…` as the request had it, for the links and forms that lead to the next page. */
const langQuery = (c: Context) => {
  const lang = asLanguage(c.req.query('lang'));
  return lang ? `?lang=${lang}` : '';
};

const TEXT = {
  ru: {
    badge: 'Песочница',
    titles: { card: '3-D Secure', saved_card: '3-D Secure', recurrent: 'Карта', fps: 'Ваш банк · СБП', sberpay: 'SberPay' },
    paymentTo: (shop: string) => html`Оплата в магазин <strong>${shop}</strong>`,
    withCard: (card: string) => ` картой ${card}`,
    confirmWithCode: 'Подтвердить кодом',
    pay: 'Оплатить',
    payAndBind: 'Оплатить и привязать счёт',
    bind: 'Привязать счёт',
    bindingTo: (shop: string) => html`Привязка счёта для магазина <strong>${shop}</strong>`,
    bound: 'Счёт привязан. Можно вернуться в магазин.',
    notBound: 'Счёт не привязан:',
    bindingNote: (shop: string) => `Привязка счёта: «${shop}» сможет списывать следующие платежи с вашего счёта без подтверждения. Отключить её можно в приложении банка, в подписках СБП.`,
    yourBindings: 'Подписки СБП в банке',
    decline: 'Отклонить',
    youPlayTheBank: 'Вы играете роль банка покупателя: подтвердите или отклоните, как сделал бы телефон.',
    paid: 'Оплачено. Можно вернуться в магазин.',
    notPaid: 'Не оплачено:',
    waitingForShop: 'Ждём подтверждения магазина.',
    notFound: 'Не найдено',
    missing: {
      noPayment: 'В песочнице нет такого платежа.',
      no3ds: 'Такого запроса 3-D Secure нет.',
      pasteLink: 'Вставьте ссылку СБП, например https://qr.nspk.ru/AD…?type=02&… или https://sub.nspk.ru/AB…?type=03&…',
      damaged: 'Ссылка СБП повреждена: её контрольная сумма (checksum) не совпадает.',
      noQr: 'В песочнице нет платежа с этим QR-кодом; возможно, код уже обновился.',
      noSberPay: 'Заказа SberPay с таким номером нет.',
    },
    inboxTitle: 'Входящие push',
    inboxHint: 'Push-уведомления и SMS SberPay, отправленные методом sberpay/push.',
    time: 'Время',
    phone: 'Телефон',
    message: 'Сообщение',
    open: 'Открыть',
    payment: 'Платёж',
  },
  en: {
    badge: 'Sandbox',
    titles: { card: '3-D Secure', saved_card: '3-D Secure', recurrent: 'Card', fps: 'Your bank · FPS', sberpay: 'SberPay' },
    paymentTo: (shop: string) => html`Payment to <strong>${shop}</strong>`,
    withCard: (card: string) => ` with ${card}`,
    confirmWithCode: 'Confirm with code',
    pay: 'Pay',
    payAndBind: 'Pay and link account',
    bind: 'Link account',
    bindingTo: (shop: string) => html`Account link for <strong>${shop}</strong>`,
    bound: 'Account linked. You can return to the shop.',
    notBound: 'Not linked:',
    bindingNote: (shop: string) => `Account binding: ${shop} may take the next payments from your account without asking. You can end it in your bank app, under FPS subscriptions.`,
    yourBindings: 'FPS subscriptions at the bank',
    decline: 'Decline',
    youPlayTheBank: "You play the customer's bank: approve or decline, as a phone would.",
    paid: 'Paid. You can return to the shop.',
    notPaid: 'Not paid:',
    waitingForShop: 'Waiting for the shop to confirm.',
    notFound: 'Not found',
    missing: {
      noPayment: 'This payment does not exist in the sandbox.',
      no3ds: 'This 3-D Secure request does not exist.',
      pasteLink: 'Paste an FPS link such as https://qr.nspk.ru/AD…?type=02&… or https://sub.nspk.ru/AB…?type=03&…',
      damaged: 'This FPS link is damaged: its checksum does not match.',
      noQr: 'No sandbox payment has this QR; it may have been renewed.',
      noSberPay: 'No SberPay order has this id.',
    },
    inboxTitle: 'Push inbox',
    inboxHint: 'SberPay pushes and SMS sent by sberpay/push.',
    time: 'Time',
    phone: 'Phone',
    message: 'Message',
    open: 'Open',
    payment: 'Payment',
  },
} satisfies Record<PageLanguage, { titles: Record<PaymentRow['method'], string> } & Record<string, unknown>>;

function paymentPage(p: PaymentRow, atBank: SandboxRailPaymentRow, card: CardTokenRow | undefined, lang: PageLanguage, shop: Shop | null, query: string) {
  const t = TEXT[lang];
  const waiting = atBank.status === 'awaiting_customer' && p.stage === 'awaiting_customer';
  const isCard = p.method === 'card' || p.method === 'saved_card';
  // A binding that takes no money: the bank asks to link the account, with no sum to pay.
  const onlyBinds = bindsWithoutPaying(p);
  // The widget's words for a failure: the same the customer read in the checkout, never the acquirer's description.
  const words = wordsFor(lang, { binding: onlyBinds });
  const failure = p.failure_code ? (words.failures[p.failure_code] ?? words.failed) : words.failed;
  const body = html`${shop ? shopHeader(shop, lang) : ''}<span class="badge">${t.badge}</span>
    <h1>${t.titles[p.method]}</h1>
    ${shop ? html`<p class="muted">${onlyBinds ? t.bindingTo(shop.name) : t.paymentTo(shop.name)}${card ? t.withCard(cardLabel(card, lang)) : ''}</p>` : ''}
    ${onlyBinds ? '' : html`<div class="amount">${formatAmount(p.amount, p.currency, lang)}</div>`}
    ${waiting
      ? html`<form method="post" class="actions">
          <button class="approve" formaction="/sandbox/payments/${p.id}/approve${query}" autofocus>${isCard ? t.confirmWithCode : onlyBinds ? t.bind : atBank.binds ? t.payAndBind : t.pay}</button>
          <button class="decline" formaction="/sandbox/payments/${p.id}/decline${query}">${t.decline}</button>
        </form>
        ${atBank.binds && shop ? html`<p>${t.bindingNote(shop.name)}</p>` : ''}
        <p class="muted">${t.youPlayTheBank}</p>`
      : html`<div class="result ${p.status === 'failed' ? 'failed' : ''}" role="status">
          ${p.status === 'succeeded' ? (onlyBinds ? t.bound : t.paid) : p.status === 'failed' ? `${onlyBinds ? t.notBound : t.notPaid} ${failure}` : t.waitingForShop}
        </div>
        ${atBank.binds && p.status === 'succeeded' ? html`<p><a href="/sandbox/bindings${langOnly(query)}">${t.yourBindings}</a></p>` : ''}`}`;
  return page(`${t.titles[p.method]} · ${t.badge}`, body, lang);
}

/** `?lang=…` alone of a page's query (the bank stays behind). */
const langOnly = (query: string) => {
  const lang = /(?:^\?|&)lang=(ru|en)/.exec(query)?.[1];
  return lang ? `?lang=${lang}` : '';
};

const notFoundPage = (lang: PageLanguage, missing: keyof (typeof TEXT)['en']['missing']) =>
  page(TEXT[lang].badge, html`<span class="badge">${TEXT[lang].badge}</span><h1>${TEXT[lang].notFound}</h1><p>${TEXT[lang].missing[missing]}</p>`, lang);
