/**
 * The shop page's markup. The cart and checkout behaviour is in store-page.ts (built by Vite to
 * /demo/store-page.js); the widget is the merchant's two lines: its script tag here, and an
 * `<sg-checkout token="…">` that the page adds once the backend has created the order's session.
 */
import { html } from 'hono/html';
import { CATALOG } from './catalog';
import { LOGO, PRODUCT_ART } from './product-art';
import { formatRub } from '../../server/pages/format';
import { sandboxPhone } from '../sandbox-phone/phone-markup';

export function shopPage(opts: { sandbox: boolean }) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Baikal Goods · sg-checkout demo store</title>
<link rel="stylesheet" href="/assets/pages.css">
<link rel="stylesheet" href="/demo/store.css">
${opts.sandbox ? html`<link rel="stylesheet" href="/demo/sandbox-phone.css">` : ''}
</head>
<body class="shop">
<header class="shop-header">
  <a class="brand" href="/">${LOGO}<span>Baikal Goods</span></a>
  ${opts.sandbox ? html`<span class="badge">Sandbox: no real money</span>` : ''}
  <nav><a href="/console">Developer console</a><a href="/docs">API reference</a></nav>
</header>
<main class="shop-main">
  <section class="products" aria-label="Products">
    ${CATALOG.map(
      (p) => html`<article class="product" data-sku="${p.sku}" data-name="${p.name}" data-price="${p.priceMinor}">
        <div class="art">${PRODUCT_ART[p.sku]}</div>
        <h2>${p.name}</h2>
        <p class="muted">${p.description}</p>
        <div class="buy"><span class="price">${formatRub(p.priceMinor)}</span><button type="button" class="add">Add to cart</button></div>
      </article>`,
    )}
  </section>
  <aside class="cart" aria-labelledby="cart-title">
    <h2 id="cart-title">Cart</h2>
    <p class="muted" id="cart-empty">Empty. Add something you like.</p>
    <ul id="cart-lines"></ul>
    <p class="total">Total <output id="cart-total">${formatRub(0)}</output></p>
    <button type="button" class="approve" id="checkout" disabled>Checkout</button>
    <p class="error" id="cart-error" role="alert" hidden></p>
  </aside>
  <section class="checkout" id="checkout-section" aria-labelledby="checkout-title" hidden>
    <div class="checkout-head">
      <h2 id="checkout-title">Payment</h2>
      <p class="muted" id="order-summary"></p>
      <button type="button" class="link-button" id="new-order">Start a new order</button>
      <p class="order-status" id="order-status" role="status"></p>
    </div>
    <div class="checkout-body">
      <div id="widget-slot" class="widget-slot"></div>
      ${opts.sandbox ? sandboxPhone() : ''}
    </div>
  </section>
</main>
<script src="/widget/sg-checkout.js"></script>
<script src="/demo/store-page.js"></script>
</body>
</html>`;
}
