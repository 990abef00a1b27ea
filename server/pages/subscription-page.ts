/**
 * `/s/:token`: the customer's own subscription page, the `unsubscribe_url` of every subscription
 * object. What they pay for and to which shop, how much and how often, where it stands, the next
 * payment, the card or bank and the payments so far; buttons for a new card or another bank (a
 * checkout of its own, `/pay/:token`, that returns here); a cancel button (at the end of a paid
 * period, else at once), then a resume button while it is set to end. No script is needed: the
 * buttons are plain forms, answered with a 303 (back to the page, or to the checkout).
 *
 * The token (subscriptions/service.ts `pageToken`) is the customer's key, so the page is never
 * framed, sends no referrer, is not cached, and takes a form only from this server's own pages.
 */
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { ApiError } from '../errors';
import { StateConflict } from '../domain/session-machine';
import { SessionMoved } from '../store/errors';
import type { Reads, Storage, Tx } from '../store/port';
import type { Project, SubscriptionRow } from '../store/rows';
import { chargedWith, METHOD_CHECK_AMOUNT, type NewMeans, type SubscriptionService } from '../subscriptions/service';
import { DICTIONARIES } from '../../widget/i18n/i18n';
import { formatAmount } from '../../widget/i18n/money';
import { page, pageCsp } from './layout';
import { asLanguage, pageLanguage, type PageLanguage } from './language';
import { LOCAL_TIME_PATH, localTimeScript, timeElement } from './local-time';
import { shopHeader, shopOf, supportBlock } from './shop';
import { cardLabel } from './card-label';
import { bankName } from './bank-names';

type At = HtmlEscapedString | Promise<HtmlEscapedString>;

const TEXT = {
  ru: {
    title: 'Подписка',
    notFound: 'Страница подписки не найдена',
    notFoundHint: 'Проверьте ссылку, которую прислал магазин, или попросите её заново.',
    refused: 'Ничего не изменилось',
    refusedHint: 'Откройте страницу подписки заново и повторите.',
    backToPage: 'Открыть страницу подписки',
    status: 'Статус',
    nextPayment: 'Следующий платёж',
    chargingNow: 'Проходит сейчас',
    method: 'Способ оплаты',
    history: 'Платежи',
    olderHidden: 'Более ранние платежи не показаны.',
    results: { paid: 'Оплачено', declined: 'Отклонено', under_way: 'В обработке' },
    statuses: {
      pending: () => html`Ждёт первого платежа`,
      active: () => html`Активна`,
      ending: (at: At) => html`Завершится ${at}, новых списаний не будет`,
      past_due: (at: At | null) => (at ? html`Платёж не прошёл, повторим попытку ${at}` : html`Платёж не прошёл, пробуем ещё раз`),
      cancelled: (at: At) => html`Отменена ${at}`,
    },
    cancel: 'Отменить подписку',
    cancelAtEnd: (at: At) => html`Подписка останется оплаченной до ${at}, дальше деньги списываться не будут.`,
    cancelNow: 'Подписка завершится сразу, деньги больше списываться не будут.',
    confirmCancel: 'Да, отменить подписку',
    resume: 'Возобновить подписку',
    resumeHint: (at: At) => html`Подписка продолжится, следующий платёж — ${at}.`,
    fps: 'СБП',
    changeTo: { card: 'Новая карта', account: 'Другой банк через СБП' },
    changeHints: { card: (check: string) => `Новую карту проверим платежом: спишем ${check} и сразу вернём.`, account: () => 'Счёт в банке привяжем без списания.' },
    // Quotes within quotes are „…“ (the description may have its own «…»).
    methodChange: (check: string, description: string | null) => `Смена способа оплаты ${description ? `«${description.replace(/«/g, '„').replace(/»/g, '“')}»` : 'подписки'}: ${check} вернём сразу`,
    // Beside the widget's «Привязка счёта СБП»: what the account is linked for, the subscription's own name.
    accountFor: (description: string | null) => description ?? 'Подписка',
    methodChanged: (method: string, checked: boolean) => `Готово, новый способ оплаты: ${method}.${checked ? ' Проверочный 1\u00a0₽ возвращаем.' : ''}`,
    methodUnchanged: (method: string) => `Способ оплаты не изменился, остался прежний: ${method}.`,
    methodRefused: 'Способ оплаты не изменён',
    methodRefusedHints: {
      ended: 'Подписка уже завершена: списаний по ней больше не будет.',
      pending: 'Подписка ждёт первого платежа: карта или счёт, которыми вы его оплатите, и станут способом оплаты.',
      ending: 'Подписка завершится в конце оплаченного периода. Чтобы сменить способ оплаты, сначала возобновите её.',
    },
    notices: {
      cancelled: 'Готово: больше платежей по подписке не будет.',
      restored: 'Готово: подписка снова действует.',
      ended: 'Подписка уже завершена, изменить её нельзя.',
      busy: 'Сейчас проходит платёж. Попробуйте ещё раз через минуту.',
      retry: 'Не получилось изменить подписку. Попробуйте ещё раз через минуту.',
    },
  },
  en: {
    title: 'Subscription',
    notFound: 'Subscription page not found',
    notFoundHint: 'Check the link the shop sent you, or ask the shop for it again.',
    refused: 'Nothing was changed',
    refusedHint: 'Open your subscription page again and try once more.',
    backToPage: 'Open the subscription page',
    status: 'Status',
    nextPayment: 'Next payment',
    chargingNow: 'Going through now',
    method: 'Payment method',
    history: 'Payments',
    olderHidden: 'Earlier payments are not shown.',
    results: { paid: 'Paid', declined: 'Declined', under_way: 'In progress' },
    statuses: {
      pending: () => html`Waiting for the first payment`,
      active: () => html`Active`,
      ending: (at: At) => html`Ends on ${at}, no further payments`,
      past_due: (at: At | null) => (at ? html`Payment overdue, next try on ${at}` : html`Payment overdue, trying again now`),
      cancelled: (at: At) => html`Cancelled on ${at}`,
    },
    cancel: 'Cancel subscription',
    cancelAtEnd: (at: At) => html`It stays paid until ${at}; no further payments will be taken.`,
    cancelNow: 'It ends at once; no further payments will be taken.',
    confirmCancel: 'Yes, cancel the subscription',
    resume: 'Resume subscription',
    resumeHint: (at: At) => html`It carries on; the next payment is on ${at}.`,
    fps: 'FPS',
    changeTo: { card: 'New card', account: 'Another bank (FPS)' },
    changeHints: { card: (check: string) => `We check a new card with a payment: ${check} is charged and refunded at once.`, account: () => 'A bank account is linked with no charge.' },
    methodChange: (check: string, description: string | null) => `New payment method for ${description ? `“${description}”` : 'your subscription'}: ${check}, refunded at once`,
    accountFor: (description: string | null) => description ?? 'Subscription',
    methodChanged: (method: string, checked: boolean) => `Done, the new payment method is ${method}.${checked ? ' The 1\u00a0₽ check is being refunded.' : ''}`,
    methodUnchanged: (method: string) => `The payment method was not changed: it is still ${method}.`,
    methodRefused: 'The payment method was not changed',
    methodRefusedHints: {
      ended: 'This subscription has already ended: no further payments will be taken.',
      pending: 'This subscription is waiting for its first payment: the card or account you pay it with becomes its payment method.',
      ending: 'This subscription ends with the period paid for. To change its payment method, resume it first.',
    },
    notices: {
      cancelled: 'Done: no further payments will be taken.',
      restored: 'Done: your subscription is active again.',
      ended: 'This subscription has already ended: it can no longer be changed.',
      busy: 'A payment is going through right now. Please try again in a minute.',
      retry: 'The subscription could not be changed just now. Please try again in a minute.',
    },
  },
} satisfies Record<PageLanguage, { notices: Record<Notice, string>; methodRefusedHints: Record<MethodRefusal, string> } & Record<string, unknown>>;

/** Why a method change was refused: the subscription ended, waits for its first payment, or is set to end. */
type MethodRefusal = 'ended' | 'pending' | 'ending';

type Notice = 'cancelled' | 'restored' | 'ended' | 'busy' | 'retry';
const NOTICES: readonly string[] = ['cancelled', 'restored', 'ended', 'busy', 'retry'] satisfies Notice[];

/** What `subscriptions/service.ts` issues: 32 base64url characters. Anything else is looked up nowhere. */
const PAGE_TOKEN = /^[A-Za-z0-9_-]{32}$/;

/** The newest payments shown; a daily subscription would otherwise list hundreds. */
const HISTORY_LIMIT = 24;

/** `takes`: what this server can take as a new method, a card (it has a card form) and an FPS account (its rail binds them). */
export type SubscriptionPageDeps = { store: Storage; subscriptions: SubscriptionService; publicUrl: string; takes: Record<NewMeans, boolean> };

/** The page, its cancel and restore forms, and the local-time script its dates use. */
export function subscriptionPages(d: SubscriptionPageDeps) {
  const app = new Hono();
  const ownOrigin = new URL(d.publicUrl).origin;
  app.route('/', localTimeScript());

  const find = async (token: string) => {
    if (!PAGE_TOKEN.test(token)) return undefined;
    const row = await d.store.subscriptions.byPageToken(createHash('sha256').update(token).digest('hex'));
    const project = row && (await d.store.projects.get(row.project));
    return row && project ? { row, project } : undefined;
  };

  app.get('/s/:token', async (c) => {
    const found = await find(c.req.param('token'));
    guardHeaders(c, found?.project.logoUrl);
    if (!found) return notFoundPage(c);
    const notice = c.req.query('notice') ?? '';
    const lang = pageLanguage(c, found.project.locale);
    return c.html(
      await subscriptionPage(d.store, found, d.takes, {
        token: c.req.param('token'),
        lang,
        query: langQuery(c),
        notice: NOTICES.includes(notice) ? (notice as Notice) : null,
        // Back from a method change's checkout (its return_url, which names the method it began with): changed or not, and the method now.
        backFromChange: notice === 'method' && c.req.query('was') ? { changed: methodTag(found.row) !== c.req.query('was') } : null,
      }),
    );
  });

  const action = (name: 'cancel' | 'restore', run: (tx: Tx, project: Project, id: string) => Promise<unknown>) =>
    app.post(`/s/:token/${name}`, async (c) => {
      guardHeaders(c);
      if (!fromOwnPage(c.req.raw, ownOrigin)) return refusedPage(c);
      const token = c.req.param('token');
      const found = await find(token);
      if (!found) return notFoundPage(c);
      let notice: Notice | null = name === 'cancel' ? 'cancelled' : 'restored';
      try {
        await d.store.transaction((tx) => run(tx, found.project, found.row.id));
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409) && !(err instanceof StateConflict) && !(err instanceof SessionMoved)) throw err;
        // Refused (ended, a charge under way, nothing to restore): the page says where it stands now.
        const now = await d.store.subscriptions.get(found.row.id);
        notice = now?.status === 'cancelled' ? 'ended' : now?.status === 'pending' ? 'retry' : now?.charge_session_id ? 'busy' : null;
      }
      const query = new URLSearchParams(langQuery(c));
      if (notice) query.set('notice', notice);
      return c.redirect(`/s/${token}${query.size ? `?${query}` : ''}`, 303);
    });
  // A paid period stays paid until it ends; one not paid yet (pending, or a renewal overdue) ends at once.
  // Its status is read under the row's lock: a first payment landing meanwhile makes it a paid period.
  action('cancel', async (tx, project, id) => {
    const { status } = await d.subscriptions.load(tx, project, id);
    return d.subscriptions.cancel(tx, project, id, { atPeriodEnd: status === 'active', reason: 'customer' });
  });
  action('restore', (tx, project, id) => d.subscriptions.restore(tx, project, id));

  // A new card (checked in a checkout of its own: 1 ₽, refunded) or account (bound there, with no charge), which returns here.
  app.post('/s/:token/method/:means{card|account}', async (c) => {
    guardHeaders(c);
    if (!fromOwnPage(c.req.raw, ownOrigin)) return refusedPage(c);
    const token = c.req.param('token');
    const means = c.req.param('means') as NewMeans;
    const found = d.takes[means] ? await find(token) : undefined;
    if (!found) return notFoundPage(c);
    const lang = pageLanguage(c, found.project.locale);
    const check = wholeAmount(METHOD_CHECK_AMOUNT, found.row.currency, lang);
    const back = new URLSearchParams(langQuery(c));
    back.set('notice', 'method');
    back.set('was', methodTag(found.row));
    try {
      const { publicToken } = await d.store.transaction((tx) =>
        d.subscriptions.changeMethod(tx, found.project, found.row.id, means, {
          description: means === 'card' ? TEXT[lang].methodChange(check, found.row.description) : TEXT[lang].accountFor(found.row.description),
          returnUrl: `${d.publicUrl}/s/${token}?${back}`,
        }),
      );
      return c.redirect(`/pay/${publicToken}${langQuery(c)}`, 303);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err;
      const now = await d.store.subscriptions.get(found.row.id);
      return methodRefusedPage(c, found.project, now?.status === 'pending' ? 'pending' : now?.status === 'cancelled' || !now ? 'ended' : 'ending');
    }
  });
  return app;
}

/** `?lang=` as the request gave it (one of ours), kept through the forms and their redirects; else empty. */
function langQuery(c: Context): string {
  const lang = asLanguage(c.req.query('lang'));
  return lang ? `?lang=${lang}` : '';
}

/** Every answer of these routes: not framed (CSP frame-ancestors 'none'), no referrer (the token is in the URL), not cached. */
function guardHeaders(c: Context, logoUrl?: string | null): void {
  c.header('Content-Security-Policy', pageCsp({ scripts: true, logoUrl }));
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-store');
}

/**
 * A form posted from this server's own page (the CSRF defence of a page whose URL is its key): its
 * Origin is PUBLIC_URL's. Under `Referrer-Policy: no-referrer` a browser sends `Origin: null` with
 * a form post, even to its own origin (Fetch, "serializing a request origin"), so `null` passes
 * only with the browser's own `Sec-Fetch-Site: same-origin`, which no page can set.
 */
function fromOwnPage(req: Request, ownOrigin: string): boolean {
  const site = req.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin') return false;
  const origin = req.headers.get('origin');
  return origin === ownOrigin || (origin === 'null' && site === 'same-origin');
}

/** `query`: the page's own `?lang=`, kept in its links and forms. */
async function subscriptionPage(
  store: Reads,
  { row, project }: { row: SubscriptionRow; project: Project },
  takes: Record<NewMeans, boolean>,
  { token, lang, query, notice, backFromChange }: { token: string; lang: PageLanguage; query: string; notice: Notice | null; backFromChange: { changed: boolean } | null },
) {
  const t = TEXT[lang];
  const shop = shopOf(project);
  const at = (ms: number) => timeElement(ms, lang);
  const means = row.status === 'cancelled' ? null : await meansOf(store, row, lang);
  const method = means?.label ?? null;
  const ending = row.status === 'active' && row.cancel_at_period_end === 1 && row.current_period_end !== null;
  const status =
    row.status === 'cancelled' ? t.statuses.cancelled(at(row.cancelled_at ?? row.updated_at))
    : row.status === 'past_due' ? t.statuses.past_due(row.next_charge_at === null ? null : at(row.next_charge_at))
    : ending ? t.statuses.ending(at(row.current_period_end!))
    : t.statuses[row.status]();
  // Overdue, the status names the next try; ending or ended, there is no next payment.
  const next = row.status === 'active' && !ending ? (row.next_charge_at === null ? t.chargingNow : at(row.next_charge_at)) : null;
  const rows: [string, unknown][] = [
    [t.status, status],
    ...(next ? [[t.nextPayment, next] as [string, unknown]] : []),
    ...(method ? [[t.method, method] as [string, unknown]] : []),
  ];
  // What changeMethod takes: a subscription that still charges (active or overdue) and is not set to end.
  const changeable = (row.status === 'active' && !ending) || row.status === 'past_due';
  const offered = NEW_MEANS.filter((m) => takes[m]);
  const history = await paymentsOf(store, row);
  const form = (path: string, label: string, className: string) =>
    html`<form method="post" action="/s/${token}/${path}${query}"><button type="submit" class="${className}">${label}</button></form>`;
  const title = row.description ?? t.title;
  return page(
    `${title} · ${shop.name}`,
    html`${shopHeader(shop, lang)}
      <h1>${title}</h1>
      <div class="amount">${formatAmount(row.amount, row.currency, lang)} <span class="per">${DICTIONARIES[lang].every(row.period_unit, row.period_count)}</span></div>
      ${backFromChange && means ? html`<p class="${backFromChange.changed ? 'result' : 'result failed'}" role="status">${backFromChange.changed ? t.methodChanged(means.label, means.card) : t.methodUnchanged(means.label)}</p>` : ''}
      ${notice ? html`<p class="${notice === 'cancelled' || notice === 'restored' ? 'result' : 'result failed'}" role="status">${t.notices[notice]}</p>` : ''}
      <table>${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>
      ${changeable && offered.length ? html`<div class="actions">${offered.map((m) => form(`method/${m}`, t.changeTo[m], 'approve'))}</div>
        <p class="fine-print">${offered.map((m) => t.changeHints[m](wholeAmount(METHOD_CHECK_AMOUNT, row.currency, lang))).join(' ')}</p>` : ''}
      ${row.status === 'cancelled' ? ''
        : ending ? html`<div class="actions">${form('restore', t.resume, 'approve')}</div><p class="fine-print">${t.resumeHint(at(row.current_period_end!))}</p>`
        : html`<details class="confirm"><summary>${t.cancel}</summary>
            <p>${row.status === 'active' && row.current_period_end !== null ? t.cancelAtEnd(at(row.current_period_end)) : t.cancelNow}</p>
            ${form('cancel', t.confirmCancel, 'decline')}</details>`}
      ${history.entries.length ? html`<h2>${t.history}</h2>
        <ul class="history">${history.entries.map(
          (e) => html`<li><span><strong>${formatAmount(e.amount, e.currency, lang)}</strong> · ${e.result === 'paid' ? html`<a href="/receipt/${e.paymentId}${query}">${t.results.paid}</a>` : html`<span class="${e.result}">${t.results[e.result]}</span>`}</span> <span class="when">${at(e.at)}</span></li>`,
        )}</ul>
        ${history.more ? html`<p class="fine-print">${t.olderHidden}</p>` : ''}` : ''}
      ${supportBlock(shop.support, lang)}`,
    lang,
    { mainClass: 'subscription', head: html`<script defer src="${LOCAL_TIME_PATH}"></script>` },
  );
}

type Entry = { at: number; amount: number; currency: string; result: 'paid' | 'declined' | 'under_way'; paymentId: string };

/** The charges the customer took part in, newest first: a charge whose session saw no payment yet (the first, unpaid) is left out. */
async function paymentsOf(store: Reads, row: SubscriptionRow): Promise<{ entries: Entry[]; more: boolean }> {
  const charges = (await store.subscriptions.charges(row.id)).reverse();
  const shown = await Promise.all(
    charges.slice(0, HISTORY_LIMIT).map(async (charge): Promise<Entry | null> => {
      const payments = await store.sessions.payments(charge.session_id);
      const paid = payments.find((p) => p.status === 'succeeded');
      const last = paid ?? payments.at(-1);
      if (!last) return null;
      const result = paid ? 'paid' : last.status === 'failed' ? 'declined' : 'under_way';
      return { at: last.created_at, amount: last.amount, currency: last.currency, result, paymentId: last.id };
    }),
  );
  return { entries: shown.filter((e) => e !== null), more: charges.length > HISTORY_LIMIT };
}

function notFoundPage(c: Context) {
  const t = TEXT[pageLanguage(c)];
  return c.html(page(t.notFound, html`<h1>${t.notFound}</h1><p class="muted">${t.notFoundHint}</p>`, pageLanguage(c)), 404);
}

/** The subscription's method as the customer knows it ("Visa •••• 4242", «СБП · Т-Банк», their bank when known); null while there is none. */
/** What the subscription charges, as the page names it; `card`: a card (a change to it was checked with 1 ₽), else an FPS account. */
async function meansOf(store: Reads, row: SubscriptionRow, lang: PageLanguage): Promise<{ label: string; card: boolean } | null> {
  const charged = await chargedWith(store, row);
  if (!charged) return null;
  if ('card' in charged) return { label: cardLabel(charged.card, lang), card: true };
  const bank = charged.binding.bank_name;
  return { label: bank ? `${TEXT[lang].fps}\u00a0· ${bankName(bank, lang)}` : TEXT[lang].fps, card: false };
}

/** The new methods the page offers, in this order, where the server takes them. */
const NEW_MEANS: readonly NewMeans[] = ['card', 'account'];

/** A short tag of the token the subscription charges now, which the method change's way back carries: a token's id stays out of the URL. */
const methodTag = (row: SubscriptionRow) => createHash('sha256').update(row.card_token ?? row.binding_id ?? '').digest('base64url').slice(0, 12);

/** "1 ₽", not "1,00 ₽": a round sum as the customer says it. */
const wholeAmount = (minor: number, currency: string, lang: PageLanguage) => formatAmount(minor, currency, lang).replace(/[.,]00(?=\u00a0)/, '');

/** A method change refused (409): why, in the customer's words, and the way back to their page. */
function methodRefusedPage(c: Context, project: Project, why: MethodRefusal) {
  const lang = pageLanguage(c, project.locale);
  const t = TEXT[lang];
  return c.html(
    page(t.methodRefused, html`<h1>${t.methodRefused}</h1><p class="muted">${t.methodRefusedHints[why]}</p><p><a href="/s/${c.req.param('token')}${langQuery(c)}">${t.backToPage}</a></p>`, lang),
    409,
  );
}

function refusedPage(c: Context) {
  const lang = pageLanguage(c);
  const t = TEXT[lang];
  const token = c.req.param('token') ?? '';
  const back = PAGE_TOKEN.test(token) ? html`<p><a href="/s/${token}${langQuery(c)}">${t.backToPage}</a></p>` : '';
  return c.html(page(t.refused, html`<h1>${t.refused}</h1><p class="muted">${t.refusedHint}</p>${back}`, lang), 403);
}
