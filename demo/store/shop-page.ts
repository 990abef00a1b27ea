/**
 * The shop page's markup. The cart and checkout behaviour is in store-page.ts (built by Vite to
 * /demo/store-page.js); the widget is the merchant's two lines: its script tag here, and an
 * `<sg-checkout token="…">` that the page adds once the backend has created the order's session.
 */
import { html } from 'hono/html';
import { CATALOG, productText, type StoreLanguage } from './catalog';
import { LOGO, PRODUCT_ART } from './product-art';
import { formatAmount } from '../../widget/i18n/money';
import { sandboxPhone } from '../sandbox-phone/phone-markup';
import { STORE_WORDS } from './words';

/** Each language named in itself, for the switch's screen-reader names. */
const LANGUAGE_NAMES = { ru: 'Русский', en: 'English' } as const;

/** `lang`: the page's language (index.ts picks it); the script and the widget read it from `<html lang>`. */
export function shopPage(opts: { sandbox: boolean; lang: StoreLanguage }) {
  const { lang } = opts;
  const t = STORE_WORDS[lang];
  const money = (amountMinor: number) => formatAmount(amountMinor, 'RUB', lang);
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.title}</title>
<link rel="stylesheet" href="/assets/pages.css">
<link rel="stylesheet" href="/demo/store.css">
${opts.sandbox ? html`<link rel="stylesheet" href="/demo/sandbox-phone.css">` : ''}
</head>
<body class="shop">
<header class="shop-header">
  <a class="brand" href="/?lang=${lang}">${LOGO}<span>Baikal Goods</span></a>
  ${opts.sandbox ? html`<span class="badge">${t.sandbox}</span>` : ''}
  <nav><a href="/console">${t.consoleLink}</a><a href="/docs">${t.docsLink}</a></nav>
  <nav class="lang-switch" aria-label="${t.language}">${(['ru', 'en'] as const).map(
    (l) => html`<a href="/?lang=${l}" lang="${l}" hreflang="${l}" aria-label="${LANGUAGE_NAMES[l]}"${l === lang ? html` aria-current="true"` : ''}>${l.toUpperCase()}</a>`,
  )}</nav>
</header>
<main class="shop-main">
  <h1 class="sr">${t.heading}</h1>
  <section class="products" aria-label="${t.products}">
    ${CATALOG.map((p) => {
      const text = productText(p, lang);
      return html`<article class="product" data-sku="${p.sku}" data-name="${text.name}" data-price="${p.priceMinor}"${p.subscription ? html` data-period="${p.subscription.period.unit}"` : ''}>
        <div class="art">${PRODUCT_ART[p.sku]}</div>
        <h2>${text.name}</h2>
        <p class="muted">${text.description}</p>
        <div class="buy"><span class="price">${p.subscription ? t.perMonth(money(p.priceMinor)) : money(p.priceMinor)}</span><button type="button" class="add">${t.addToCart}</button></div>
      </article>`;
    })}
  </section>
  <aside class="cart" aria-labelledby="cart-title">
    <h2 id="cart-title">${t.cart}</h2>
    <p class="muted" id="cart-empty">${t.cartEmpty}</p>
    <ul id="cart-lines"></ul>
    <p class="total">${t.total} <output id="cart-total">${money(0)}</output></p>
    <p class="cart-note" id="cart-note" hidden>${t.subscriptionAlone}</p>
    <button type="button" class="approve" id="checkout" disabled>${t.checkout}</button>
    <p class="error" id="cart-error" role="alert" hidden></p>
  </aside>
  <section class="checkout" id="checkout-section" aria-labelledby="checkout-title" hidden>
    <div class="checkout-head">
      <h2 id="checkout-title">${t.payment}</h2>
      <p class="muted" id="order-summary"></p>
      <button type="button" class="link-button" id="new-order">${t.newOrder}</button>
      <p class="order-status" id="order-status" role="status"></p>
    </div>
    <div class="checkout-body">
      <div id="widget-slot" class="widget-slot"></div>
      ${opts.sandbox ? sandboxPhone(lang) : ''}
    </div>
  </section>
</main>
<script src="/widget/sg-checkout.js"></script>
<script src="/demo/store-page.js"></script>
</body>
</html>`;
}
