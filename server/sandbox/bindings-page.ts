/**
 * The customer's FPS subscriptions as their bank app lists them: every account binding the
 * sandbox bank keeps, and "Disable" on each, which revokes it as a customer would in the app
 * (`POST /sandbox/bindings/:ref/revoke`: the rail tells the gateway, the merchant gets
 * `recurrent_disabled`, and later charges of it are declined).
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { Storage } from '../store/port';
import type { SandboxRail } from './rail';
import { BANKS } from './banks';
import { page, pageCsp } from '../pages/layout';
import { pageLanguage, type PageLanguage } from '../pages/language';
import { LOCAL_TIME_PATH, timeElement } from '../pages/local-time';
import { shopNamed } from '../pages/shop';

const LISTED = 50;

export function bindingRoutes(d: { store: Storage; rail: SandboxRail }) {
  const app = new Hono();

  app.get('/sandbox/bindings', async (c) => {
    const lang = pageLanguage(c);
    const t = TEXT[lang];
    const rows = await Promise.all(
      (await d.store.sandboxRail.bindings(LISTED)).map(async (b) => {
        const payment = await d.store.sessions.payment(b.payment_id);
        const session = payment && (await d.store.sessions.get(payment.session_id));
        const shop = session ? await shopNamed(d.store, session.project) : null;
        return { ...b, shop: shop?.name ?? '—', bank: BANKS.find((x) => x.id === b.bank_id)?.name ?? b.bank_id };
      }),
    );
    const query = `?lang=${lang}`;
    c.header('Content-Security-Policy', pageCsp({ scripts: true }));
    return c.html(
      page(
        t.title,
        html`<span class="badge">${t.badge}</span><h1>${t.title}</h1><p class="muted">${t.hint}</p>
          ${rows.length === 0
            ? html`<p>${t.none}</p>`
            : html`<ul class="history">
              ${rows.map(
                (b) => html`<li data-binding="${b.ref}"><strong>${b.shop}</strong> · ${b.bank}
                  <span class="when">${t.since} ${timeElement(b.created_at, lang)} · ${b.status === 'active' ? t.active : t.revoked}</span>
                  ${b.status === 'active' ? html`<form method="post" action="/sandbox/bindings/${b.ref}/revoke${query}" class="actions"><button class="decline">${t.revoke}</button></form>` : ''}</li>`,
              )}
              </ul>`}`,
        lang,
        { head: html`<script defer src="${LOCAL_TIME_PATH}"></script>` },
      ),
    );
  });

  app.post('/sandbox/bindings/:ref/revoke', async (c) => {
    await d.rail.revokeBinding(c.req.param('ref'));
    if (/^application\/x-www-form-urlencoded/i.test(c.req.header('content-type') ?? '')) {
      const lang = c.req.query('lang');
      return c.redirect(`/sandbox/bindings${lang ? `?lang=${lang}` : ''}`, 303);
    }
    return c.json({ status: 'ok', binding: { ref: c.req.param('ref'), status: 'revoked' } });
  });

  return app;
}

const TEXT = {
  ru: {
    badge: 'Песочница',
    title: 'Подписки СБП',
    hint: 'Привязки счёта, которые покупатель дал магазинам в приложении банка. Отключите привязку, как сделал бы покупатель: магазин больше не сможет списывать по ней.',
    none: 'Привязок пока нет: оплатите подписку через СБП.',
    since: 'Подключена',
    active: 'Действует',
    revoked: 'Отключена',
    revoke: 'Отключить',
  },
  en: {
    badge: 'Sandbox',
    title: 'FPS subscriptions',
    hint: 'The account bindings the customer gave shops in their bank app. Disable one as the customer would: the shop can charge it no more.',
    none: 'No bindings yet: pay for a subscription by FPS.',
    since: 'Since',
    active: 'Active',
    revoked: 'Disabled',
    revoke: 'Disable',
  },
} satisfies Record<PageLanguage, Record<string, string>>;
