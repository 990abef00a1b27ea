/**
 * The shop page's behaviour (built by Vite into /demo/store-page.js, one classic script): the
 * cart, the order (priced by the backend), the widget for the order's session, the sandbox
 * phone fed by the widget's events, and the order's status as the backend knows it.
 */
import { h, replace, type Child } from '../dom';
import { formatAmount } from '../../widget/i18n/money';
import { STORE_WORDS } from './words';
import { Cart } from './cart';
import { subscriptionIn } from './catalog';
import { isFinal, orderStatusLine, subscriptionStatus, type OrderView } from './order-status';
import { SandboxPhone } from '../sandbox-phone/sandbox-phone';

/** How often the page asks the backend for the order's status while the checkout is open. */
const ORDER_POLL_MS = 2_000;

/** The page's language, as the server rendered it: the widget is given the same. */
const lang = document.documentElement.lang === 'en' ? 'en' : 'ru';
const t = STORE_WORDS[lang];
const money = (amountMinor: number) => formatAmount(amountMinor, 'RUB', lang);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const products = new Map(
  [...document.querySelectorAll<HTMLElement>('.product')].map((el) => [
    el.dataset.sku!,
    { el, add: el.querySelector<HTMLButtonElement>('button.add')!, name: el.dataset.name!, priceMinor: Number(el.dataset.price) },
  ]),
);
const cart = new Cart(sessionStorage, (sku) => products.has(sku));
const els = {
  lines: $<HTMLUListElement>('cart-lines'),
  empty: $('cart-empty'),
  total: $<HTMLOutputElement>('cart-total'),
  checkout: $<HTMLButtonElement>('checkout'),
  note: $('cart-note'),
  cartError: $('cart-error'),
  section: $('checkout-section'),
  summary: $('order-summary'),
  status: $('order-status'),
  slot: $('widget-slot'),
  phone: document.getElementById('phone-content'),
};

let openOrder: string | null = null;
let pollTimer: ReturnType<typeof setTimeout> | undefined;
/** What the status shows now (showStatus): unchanged, it is left alone. */
let shownStatus = '';

function renderCart(): void {
  const items = cart.items();
  const locked = openOrder !== null;
  const subscription = subscriptionIn(items);
  // A subscription is bought on its own (catalog.ts says why): with other goods beside it, the
  // customer is told so and picks one; the backend would refuse the mix anyway.
  const mixed = subscription !== undefined && items.length > 1;
  els.empty.hidden = items.length > 0;
  els.note.hidden = !mixed;
  replace(
    els.lines,
    items.map(({ sku, qty }) => {
      const p = products.get(sku)!;
      return h(
        'li',
        {},
        h('span', { class: 'line-name' }, p.name),
        h(
          'span',
          { class: 'qty' },
          h('button', { type: 'button', 'aria-label': t.oneLess(p.name), disabled: locked, onclick: () => change(sku, -1) }, '−'),
          h('span', {}, qty),
          h('button', { type: 'button', 'aria-label': t.oneMore(p.name), disabled: locked || !cart.canAdd(sku), onclick: () => change(sku, 1) }, '+'),
        ),
        h('span', { class: 'line-total' }, sku === subscription?.sku ? t.perMonthShort(money(p.priceMinor)) : money(p.priceMinor * qty)),
      );
    }),
  );
  els.total.value = money(cart.totalMinor((sku) => products.get(sku)!.priceMinor));
  els.checkout.disabled = locked || items.length === 0 || mixed;
  els.checkout.textContent = subscription && !mixed ? t.subscribe : t.checkout;
  for (const [sku, p] of products) {
    // One subscription is all an order takes (ten of anything else): its button says it is in.
    const full = !cart.canAdd(sku);
    p.add.disabled = full;
    p.add.textContent = full ? t.inCart : t.addToCart;
  }
}

function change(sku: string, delta: number): void {
  cart.change(sku, delta);
  renderCart();
}

async function placeOrder(): Promise<void> {
  els.checkout.disabled = true;
  els.cartError.hidden = true;
  // Only SKUs and quantities: the backend prices the order itself.
  const res = await fetch('/demo/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: cart.items(), lang }) }).catch(() => null);
  const body = (await res?.json().catch(() => null)) as (OrderView & { token: string; error?: string }) | null;
  if (!res?.ok || !body?.token) {
    els.cartError.textContent = t.storeDown; // the backend's error text is for developers, and in English
    els.cartError.hidden = false;
    renderCart();
    return;
  }
  history.replaceState(null, '', `#order=${body.order_id}`);
  openCheckout(body.order_id, body.token);
}

/** Shows the widget for the order's session: the merchant's `<sg-checkout token="…">`. */
function openCheckout(orderId: string, token: string | undefined): void {
  openOrder = orderId;
  renderCart();
  els.section.hidden = false;
  els.summary.textContent = t.orderSummary(orderId);
  if (token) {
    const widget = document.createElement('sg-checkout');
    widget.setAttribute('token', token);
    widget.setAttribute('locale', lang);
    const phone = els.phone ? new SandboxPhone(els.phone, token) : null;
    widget.addEventListener('sg-status', (e) => phone?.update(e.detail));
    widget.addEventListener('sg-success', () => void pollOrder(0));
    replace(els.slot, widget);
  } else {
    // Paid, refunded or cancelled (back after a reload): nothing to pay, so no widget, and the
    // phone must not invite the visitor to choose a method.
    replace(els.slot);
    if (els.phone) replace(els.phone, h('p', {}, t.nothingToPay));
  }
  els.section.scrollIntoView({ behavior: 'smooth', block: 'start' });
  void pollOrder(0);
}

async function pollOrder(delayMs = ORDER_POLL_MS): Promise<void> {
  clearTimeout(pollTimer);
  const orderId = openOrder;
  if (!orderId) return;
  if (delayMs) await new Promise((resolve) => (pollTimer = setTimeout(resolve, delayMs)));
  if (openOrder !== orderId) return;
  const res = await fetch(`/demo/orders/${encodeURIComponent(orderId)}`).catch(() => null);
  const order = res?.ok ? ((await res.json()) as OrderView) : null;
  if (openOrder !== orderId) return;
  if (order) {
    showStatus(order);
    if (isFinal(order.status)) return;
  }
  void pollOrder();
}

/** The order's status; a paid subscription's with its state, payments and a link to the customer's page. */
function showStatus(order: OrderView): void {
  const sub = subscriptionStatus(order, lang);
  const lines: Child[] = sub
    ? [
        h('span', { class: 'status-line' }, sub.headline),
        ...sub.details.map((d) => h('span', { class: 'status-line detail' }, d)),
        // Its own page, beside this one: the customer comes back here to shop.
        h('a', { class: 'status-line', href: sub.link.href, target: '_blank', rel: 'noopener', id: 'subscription-page' }, sub.link.text),
      ]
    : [orderStatusLine(order, lang)];
  // Asked every 2 s: the same words again would be announced again (role="status") and drop the link's focus.
  const shown = JSON.stringify([order.status, sub ?? lines]);
  if (shown !== shownStatus) replace(els.status, ...lines);
  shownStatus = shown;
  els.status.dataset.status = order.status;
  if (order.subscription) els.status.dataset.subscription = order.subscription.status;
  else delete els.status.dataset.subscription;
}

function newOrder(): void {
  openOrder = null;
  clearTimeout(pollTimer);
  cart.clear();
  history.replaceState(null, '', location.pathname);
  els.section.hidden = true;
  els.status.textContent = '';
  delete els.status.dataset.status; // else the next order would read as the last one's "paid" until its first poll
  delete els.status.dataset.subscription;
  shownStatus = '';
  replace(els.slot);
  renderCart();
  window.scrollTo({ top: 0, behavior: 'smooth' });
}

/** Back to an order after a reload (`#order=…`): the backend says whether it still needs paying. */
async function resume(): Promise<void> {
  const orderId = /^#order=(ord_[0-9a-f]+)$/.exec(location.hash)?.[1];
  if (!orderId) return;
  const res = await fetch(`/demo/orders/${orderId}`).catch(() => null);
  if (!res?.ok) return void history.replaceState(null, '', location.pathname);
  const order = (await res.json()) as OrderView;
  openCheckout(order.order_id, order.token);
}

for (const [sku, p] of products) p.add.addEventListener('click', () => change(sku, 1));
els.checkout.addEventListener('click', () => void placeOrder());
$('new-order').addEventListener('click', newOrder);
renderCart();
void resume();
