/**
 * The hosted pages: `/l/:linkId`, the payment link page (the SG Pay mini app), and `/pay/:token`,
 * the hosted checkout of a plain session. Both are headed by the shop's name and logo and speak
 * one language (language.ts): the page's words and the widget's `locale` are the same.
 * Everything a merchant typed is interpolated through `html`, which escapes it: it renders as text.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import type { LinkService } from '../links/link-service';
import type { LinkCheckout } from '../links/link-checkout';
import type { Reads } from '../store/port';
import { publicTokenHash } from '../sessions/service';
import { validationError } from '../http/validation';
import { PUBLIC_BODY_LIMIT_BYTES, readJson } from '../http/body';
import { clientAddress } from '../http/client-address';
import type { RateLimiter } from '../http/rate-limits';
import { frameAncestors, TELEGRAM_WEB_ORIGIN } from '../http/security-headers';
import { DICTIONARIES } from '../../widget/i18n/i18n';
import { formatAmount } from '../../widget/i18n/money';
import { bindsWithoutPaying } from '../sessions/bindings';
import { missingHint, type LinkWords } from '../../widget/link-page/link-words';
import { page } from './layout';
import { pageLanguage, type PageLanguage } from './language';
import { shopHeader, shopNamed, supportBlock, type Shop } from './shop';
import type { HtmlEscapedString } from 'hono/utils/html';

type Content = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * Telegram's Mini App script may run (link-page.ts loads it only inside Telegram); the merchant's
 * https pictures may show. `framers`: who may frame the page (default nobody). `framed`: the
 * rail's pages the widget frames besides this server's (its card form, its 3-D Secure pages).
 */
const hostedCsp = (framers: readonly string[], framed: readonly string[]) =>
  `default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; frame-src ${["'self'", ...framed].join(' ')}; form-action 'self'; base-uri 'none'; ${frameAncestors(framers)}`;

const TEXT = {
  ru: {
    payTitle: 'Оплата',
    bindTitle: 'Привязка счёта',
    pay: 'Перейти к оплате',
    offer: (link: Content) => html`Я принимаю условия ${link}`,
    offerLink: 'оферты',
    marketing: 'Я согласен получать сообщения, в том числе рекламные, от магазина',
    optional: 'необязательно',
    goneTitle: 'Ссылка недействительна',
    gone: 'Ссылка на оплату не найдена или отключена. Попросите у магазина новую.',
    notFoundTitle: 'Страница оплаты не найдена',
    notFound: 'Проверьте ссылку или попросите у магазина новую.',
    /** Under a subscription link's price, which it continues: "1 499,00 ₽ каждый год. Отменить можно в любой момент." */
    regular: (every: string) => `${every}. Отменить можно в любой момент.`,
  },
  en: {
    payTitle: 'Payment',
    bindTitle: 'Account link',
    pay: 'Continue to payment',
    offer: (link: Content) => html`I accept the ${link}`,
    offerLink: 'offer',
    marketing: 'I agree to receive messages, including advertising, from the shop',
    optional: 'optional',
    goneTitle: 'Link not valid',
    gone: 'This payment link does not exist or was disabled. Ask the shop for a new one.',
    notFoundTitle: 'Payment page not found',
    notFound: 'Check the link or ask the shop for a new one.',
    /** Under a subscription link's price, which it continues: "1,499.00 ₽ every year; cancel at any time." */
    regular: (every: string) => `${every}; cancel at any time.`,
  },
} satisfies Record<PageLanguage, unknown>;

/**
 * What link-page.ts says in the page's language: the hint beside a disabled "continue", and the
 * customer's words for each error code the checkout can answer (never the server's description).
 */
const SCRIPT_WORDS: Record<PageLanguage, Omit<LinkWords, 'fields'> & { field: (name: string) => string }> = {
  ru: {
    fill: 'Заполните',
    and: 'и',
    accept: 'примите условия оферты',
    acceptFirst: 'Примите условия оферты',
    field: (name: string) => `«${name}»`,
    errors: {
      network: 'Нет связи с сервером. Попробуйте ещё раз.',
      invalid_init_data: 'Не удалось подтвердить ваш аккаунт Telegram. Откройте оплату заново из чата.',
      not_found: TEXT.ru.gone,
      consent: 'Примите условия оферты, чтобы перейти к оплате.',
      field: 'Проверьте поле {field}: оно не заполнено или слишком длинное.',
      other: 'Не удалось перейти к оплате. Попробуйте ещё раз через минуту.',
    },
  },
  en: {
    fill: 'Fill in',
    and: 'and',
    accept: 'accept the offer',
    acceptFirst: 'Accept the offer',
    field: (name: string) => name,
    errors: {
      network: 'Cannot reach the server. Please try again.',
      invalid_init_data: 'We could not confirm your Telegram account. Open the payment again from the chat.',
      not_found: TEXT.en.gone,
      consent: 'Accept the offer to continue to payment.',
      field: 'Check the field {field}: it is empty or too long.',
      other: 'Could not continue to payment. Please try again in a minute.',
    },
  },
};

/** The words for link-page.ts, with the field names already quoted as the language quotes them. */
const linkWords = (lang: PageLanguage, fieldNames: string[]): LinkWords => {
  const { field, ...words } = SCRIPT_WORDS[lang];
  return { ...words, fields: fieldNames.map(field) };
};

/** The body of `POST /l/:linkId/checkout`: it validates the request and documents it at /docs. */
export const linkCheckoutBody = z.strictObject({
  user: z.string().max(1000).openapi({ description: "The value of the link's user field." }),
  extra: z.array(z.string().max(1000)).max(2).default([]).openapi({ description: "The values of the link's extra fields, in order." }),
  /** The offer: required. */
  consent: z.boolean().openapi({ description: 'The offer accepted: must be true.' }),
  /** Messages (advertising) from the shop: optional, separate from the offer. */
  marketing: z.boolean().optional().openapi({ description: 'Messages (advertising) from the shop agreed to: separate, optional.' }),
  init_data: z.string().max(4096).optional().openapi({ description: 'Telegram Mini App initData, checked when the link has a bot token.' }),
});

/** The rate limits a link checkout counts against, and whether X-Forwarded-For names the client. */
export type CheckoutGuard = { limiter: RateLimiter; trustProxy: boolean };

const LINK_ID = /^pl_[0-9a-z]{20}$/;

/** `store` gives the shop's name, logo and language; without it the pages show no shop header and follow the customer. */
/** `framedSources`: the acquirer's (Acquirer.framedSources), whose pages the widget frames on these pages. */
export function hostedPages(links: LinkService, checkout: LinkCheckout, store?: Reads, guard?: CheckoutGuard, framedSources: readonly string[] = []) {
  const app = new Hono();
  /** The link page is a mini app: Telegram's web client frames it (the phone and desktop apps use a web view). */
  const LINK_PAGE_CSP = hostedCsp([TELEGRAM_WEB_ORIGIN], framedSources);
  /** The hosted checkout: framed, its consent and pay buttons could be clickjacked, and the project's origin list sidestepped. */
  const PAY_PAGE_CSP = hostedCsp([], framedSources);
  const shopOfProject = async (project: string): Promise<Shop | null> => (store ? shopNamed(store, project) : null);

  app.get('/l/:linkId', async (c) => {
    c.header('Content-Security-Policy', LINK_PAGE_CSP);
    const found = await links.active(c.req.param('linkId'));
    if (!found) {
      const lang = pageLanguage(c);
      const t = TEXT[lang];
      return c.html(shell(lang, t.goneTitle, html`<h1>${t.goneTitle}</h1><p class="muted">${t.gone}</p>`), 404);
    }
    const { link, row } = found;
    const shop = await shopOfProject(row.project);
    const lang = pageLanguage(c, shop?.locale);
    const t = TEXT[lang];
    const fields = [link.user_field, ...(link.extra_fields ?? [])];
    const words = linkWords(lang, fields.map((f) => f.name));
    return c.html(
      shell(
        lang,
        link.product_name,
        html`${shop ? shopHeader(shop, lang) : ''}
          ${link.image_url ? html`<img class="product-image" src="${link.image_url}" alt="">` : ''}
          <h1>${link.product_name}</h1>
          ${link.description ? html`<p class="muted">${link.description}</p>` : ''}
          <div class="amount">${formatAmount(link.amount_details.amount, link.amount_details.currency, lang)}${
            // The regular-payment notice, before anything is paid: read with the price, it says what is charged, how often, and that it can end.
            link.subscription ? html` <span class="per" id="regular-payment">${t.regular(DICTIONARIES[lang].every(link.subscription.period.unit, link.subscription.period.count))}</span>` : ''
          }</div>
          <form id="link-form" class="link-form" data-words="${JSON.stringify(words)}" novalidate>
            ${fields.map(
              (f, i) => html`<label>${f.name}<input name="${i === 0 ? 'user' : 'extra'}" placeholder="${f.placeholder}" maxlength="255" required autocomplete="off"></label>`,
            )}
            <label class="consent"><input type="checkbox" name="consent" required>
              <span>${t.offer(html`<a href="${link.offer_url}" target="_blank" rel="noopener">${t.offerLink}</a>`)}</span></label>
            <label class="consent"><input type="checkbox" name="marketing">
              <span>${t.marketing} <span class="muted">(${t.optional})</span></span></label>
            <button type="submit" class="approve" disabled aria-describedby="continue-hint">${t.pay}</button>
            <p id="continue-hint" class="hint">${missingHint(words, words.fields, false)}</p>
            <p class="error" role="alert" hidden></p>
          </form>
          <div id="pay"></div>
          ${supportBlock(link.support, lang)}`,
        { description: link.description ?? '', image: link.image_url, linkPage: true },
      ),
    );
  });

  app.post('/l/:linkId/checkout', async (c) => {
    const linkId = c.req.param('linkId');
    if (!LINK_ID.test(linkId)) throw new ApiError(404, 'not_found', 'this payment link does not exist or was disabled: ask the shop for a new one');
    // The address first: one over its limit is refused before a key is kept for the link it named.
    guard?.limiter.take(['link_checkouts_per_address', clientAddress(c, guard.trustProxy)], ['link_checkouts_per_link', linkId]);
    const input = await readJson(c.req.raw, PUBLIC_BODY_LIMIT_BYTES);
    const parsed = linkCheckoutBody.safeParse(input);
    if (!parsed.success) throw validationError(parsed.error, input);
    const { user, extra, consent, marketing, init_data } = parsed.data;
    const opened = await checkout.open(linkId, { user, extra, consent, marketing: marketing ?? false, initData: init_data });
    return c.json({ status: 'ok', session_id: opened.sessionId, token: opened.token });
  });

  /**
   * The hosted checkout of a session: what a merchant without a page of their own sends customers to.
   * The widget shows what is paid for and how much, so the page adds only the shop.
   */
  app.get('/pay/:token', async (c) => {
    c.header('Content-Security-Policy', PAY_PAGE_CSP);
    c.header('Referrer-Policy', 'no-referrer'); // the token is in this page's URL
    const token = c.req.param('token');
    const wellFormed = /^pt_[A-Za-z0-9_-]{32}$/.test(token);
    const session = wellFormed ? await store?.sessions.byPublicToken(publicTokenHash(token)) : undefined;
    const shop = session ? await shopOfProject(session.project) : null;
    const lang = pageLanguage(c, shop?.locale);
    // A customer who mistyped the link reads a page in their language, not the API's JSON error.
    if (!wellFormed || (store && !session)) {
      const t = TEXT[lang];
      return c.html(shell(lang, t.notFoundTitle, html`<h1>${t.notFoundTitle}</h1><p class="muted">${t.notFound}</p>`), 404);
    }
    // A session that only binds an account asks for no payment: the page says what it does.
    const what = session && bindsWithoutPaying(session) ? TEXT[lang].bindTitle : TEXT[lang].payTitle;
    const title = shop ? `${what} · ${shop.name}` : what;
    return c.html(
      shell(
        lang,
        title,
        // The widget's own heading is an h2: the page's h1 (for screen readers) says whom it pays.
        html`<h1 class="sr">${title}</h1>${shop ? shopHeader(shop, lang) : ''}<div id="pay"><sg-checkout token="${token}" locale="${lang}"></sg-checkout></div>${shop ? supportBlock(shop.support, lang) : ''}`,
      ),
    );
  });

  return app;
}

/** The hosted pages' frame: the shared page, plus OpenGraph tags for a link's preview and the scripts. */
function shell(
  lang: PageLanguage,
  title: string,
  body: Content,
  opts: { description?: string; image?: string; linkPage?: boolean } = {},
) {
  const head = html`<meta property="og:title" content="${title}">
${opts.description ? html`<meta property="og:description" content="${opts.description}">` : ''}
${opts.image ? html`<meta property="og:image" content="${opts.image}">` : ''}
<script defer src="/widget/sg-checkout.js"></script>
${opts.linkPage ? html`<script defer src="/widget/link-page.js"></script>` : ''}`;
  return page(title, body, lang, { mainClass: 'hosted', head });
}
