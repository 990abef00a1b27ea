/**
 * The hosted pages: `/l/:linkId`, the payment link page (the SG Pay mini app), and `/pay/:token`,
 * the hosted checkout of a plain session. Both share one layout: the product, then the widget.
 * Everything a merchant typed is interpolated through `html`, which escapes it: it renders as text.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { LinkService } from '../links/link-service';
import type { LinkCheckout } from '../links/link-checkout';
import type { LinkInput } from '../links/link-schema';
import { ApiError } from '../errors';
import { validationError } from '../http/validation';
import { formatRub } from './format';
import { page } from './layout';
import type { HtmlEscapedString } from 'hono/utils/html';

/** The link page may show the merchant's https picture and run Telegram's Mini App script. */
const HOSTED_CSP =
  "default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'";

const TEXT = {
  ru: {
    pay: 'Перейти к оплате',
    consent: 'Я согласен получать сообщения от мини-приложения и принимаю условия',
    offer: 'оферты',
    support: 'Поддержка',
    network: 'Нет связи с сервером. Попробуйте ещё раз.',
    telegram: 'Не удалось подтвердить ваш аккаунт Telegram. Откройте оплату заново из чата.',
    gone: 'Ссылка на оплату не найдена или отключена. Попросите у магазина новую.',
    goneTitle: 'Ссылка недействительна',
  },
  en: {
    pay: 'Continue to payment',
    consent: 'I agree to receive messages from the mini app and accept the',
    offer: 'offer',
    support: 'Support',
    network: 'Cannot reach the server. Please try again.',
    telegram: 'We could not confirm your Telegram account. Open the payment again from the chat.',
    gone: 'This payment link does not exist or was disabled. Ask the shop for a new one.',
    goneTitle: 'Link not valid',
  },
};
type Lang = keyof typeof TEXT;

const checkoutBody = z.strictObject({
  user: z.string().max(1000),
  extra: z.array(z.string().max(1000)).max(2).default([]),
  consent: z.boolean(),
  init_data: z.string().max(4096).optional(),
});

export function hostedPages(links: LinkService, checkout: LinkCheckout) {
  const app = new Hono();

  app.get('/l/:linkId', (c) => {
    const lang = language(c.req.header('accept-language'));
    c.header('Content-Security-Policy', HOSTED_CSP);
    const found = links.active(c.req.param('linkId'));
    if (!found) return c.html(shell(lang, TEXT[lang].goneTitle, html`<h1>${TEXT[lang].goneTitle}</h1><p class="muted">${TEXT[lang].gone}</p>`), 404);
    const link = found.link;
    const t = TEXT[lang];
    return c.html(
      shell(
        lang,
        link.product_name,
        html`${link.image_url ? html`<img class="product-image" src="${link.image_url}" alt="">` : ''}
          <h1>${link.product_name}</h1>
          ${link.description ? html`<p class="muted">${link.description}</p>` : ''}
          <div class="amount">${formatRub(link.amount_details.amount)}</div>
          <form id="link-form" class="link-form" data-return="${link.return_url}" data-network-error="${t.network}" data-telegram-error="${t.telegram}" novalidate>
            ${[link.user_field, ...(link.extra_fields ?? [])].map(
              (f, i) => html`<label>${f.name}<input name="${i === 0 ? 'user' : 'extra'}" placeholder="${f.placeholder}" maxlength="255" required autocomplete="off"></label>`,
            )}
            <label class="consent"><input type="checkbox" name="consent" required>
              <span>${t.consent} <a href="${link.offer_url}" target="_blank" rel="noopener">${t.offer}</a></span></label>
            <button type="submit" class="approve" disabled>${t.pay}</button>
            <p class="error" role="alert" hidden></p>
          </form>
          <div id="pay"></div>
          ${supportBlock(link, t.support)}`,
        { description: link.description ?? '', image: link.image_url },
      ),
    );
  });

  app.post('/l/:linkId/checkout', async (c) => {
    const parsed = checkoutBody.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) throw validationError(parsed.error);
    const { user, extra, consent, init_data } = parsed.data;
    const opened = checkout.open(c.req.param('linkId'), { user, extra, consent, initData: init_data });
    return c.json({ status: 'ok', session_id: opened.sessionId, token: opened.token });
  });

  /** The hosted checkout of a session: what a merchant without a page of their own sends customers to. */
  app.get('/pay/:token', (c) => {
    const lang = language(c.req.header('accept-language'));
    c.header('Content-Security-Policy', HOSTED_CSP);
    c.header('Referrer-Policy', 'no-referrer'); // the token is in this page's URL
    const token = c.req.param('token');
    if (!/^pt_[A-Za-z0-9_-]{32}$/.test(token)) throw new ApiError(404, 'not_found', 'this payment page does not exist');
    return c.html(shell(lang, 'Оплата', html`<div id="pay"><sg-checkout token="${token}" locale="${lang}"></sg-checkout></div>`));
  });

  return app;
}

function language(acceptLanguage: string | undefined): Lang {
  return /^\s*en\b/i.test(acceptLanguage ?? '') ? 'en' : 'ru';
}

function supportBlock(link: LinkInput, title: string) {
  const s = link.support;
  const items = [
    s.phone && html`<a href="tel:${s.phone}">${s.phone}</a>`,
    s.email && html`<a href="mailto:${s.email}">${s.email}</a>`,
    s.telegram && html`<a href="https://t.me/${s.telegram.slice(1)}">${s.telegram}</a>`,
    s.url && html`<a href="${s.url}" target="_blank" rel="noopener">${s.url}</a>`,
  ].filter(Boolean);
  return html`<section id="support" class="support"><strong>${title}:</strong> ${items.map((item, i) => html`${i ? ' · ' : ''}${item}`)}</section>`;
}

/** The hosted pages' frame: the shared page, plus OpenGraph tags for a link's preview and the scripts. */
function shell(lang: Lang, title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>, og: { description?: string; image?: string } = {}) {
  const head = html`<meta property="og:title" content="${title}">
${og.description ? html`<meta property="og:description" content="${og.description}">` : ''}
${og.image ? html`<meta property="og:image" content="${og.image}">` : ''}
<script defer src="https://telegram.org/js/telegram-web-app.js"></script>
<script defer src="/widget/sg-checkout.js"></script>
<script defer src="/widget/link-page.js"></script>`;
  return page(title, body, lang, { mainClass: 'hosted', head });
}
