import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phoneScreen, sberPayInvoiceId } from '../../demo/sandbox-phone/phone-guide';
import { Cart } from '../../demo/store/cart';

const INVOICE = '0123456789abcdef0123456789abcdef';
const FPS_LINK = 'https://qr.nspk.ru/AD10006M8KH1A7KG9N8OAGLA9N5QJ5KT?type=02&bank=100000000111&sum=129000&cur=RUB&crc=1A2B';
const waiting = (method: string, url: string) => ({
  status: 'in_progress' as const,
  payment: { id: 'pm_1', method: method as 'fps', status: 'in_progress' as const, customer_interaction: { type: 'qr' as const, redirect: { url, method: 'GET' as const }, expires_at: '' } },
});

test('an FPS QR: the sandbox bank page for exactly this link', () => {
  assert.deepEqual(phoneScreen(waiting('fps', FPS_LINK)), { kind: 'fps', paymentId: 'pm_1', link: FPS_LINK, bankPageUrl: `/sandbox/bank?link=${encodeURIComponent(FPS_LINK)}` });
});

test('SberPay: the SberPay app page, from the desktop QR or the phone deep link', () => {
  const app = { kind: 'sberpay', paymentId: 'pm_1', appPageUrl: `/sandbox/sberpay/${INVOICE}` };
  assert.deepEqual(phoneScreen(waiting('sberpay', `http://localhost:3000/sandbox/sberpay/${INVOICE}`)), app);
  assert.deepEqual(phoneScreen(waiting('sberpay', `sberpay://invoicing/v2?bankInvoiceId=${INVOICE}&operationType=Web2App`)), app);
  assert.equal(sberPayInvoiceId('sberpay://invoicing/v2?bankInvoiceId=nothex'), null);
});

test('a card waiting for 3-D Secure: the challenge of this payment', () => {
  assert.deepEqual(phoneScreen(waiting('card', 'http://localhost:3000/sandbox/3ds/pm_1')), { kind: 'three_ds', paymentId: 'pm_1' });
});

test('results, a superseded payment and a closed session', () => {
  const payment = (status: 'succeeded' | 'failed' | 'pending', failure?: { code: string; description: string | null }) => ({ id: 'pm_1', method: 'card' as const, status, ...(failure ? { failure } : {}) });
  assert.equal(phoneScreen({ status: 'accepted', payment: payment('succeeded') }).kind, 'paid');
  // The code, which the phone words in the page's language; the server's English description is its fallback.
  assert.deepEqual(phoneScreen({ status: 'created', payment: payment('failed', { code: 'card_declined', description: 'The issuer declined the card' }) }), { kind: 'failed', paymentId: 'pm_1', code: 'card_declined', description: 'The issuer declined the card' });
  assert.deepEqual(phoneScreen({ status: 'created', payment: { id: 'pm_1', method: 'card' as const, status: 'failed' as const } }), { kind: 'failed', paymentId: 'pm_1', code: 'declined', description: null });
  assert.equal(phoneScreen({ status: 'created', payment: payment('failed', { code: 'superseded', description: null }) }).kind, 'idle');
  assert.equal(phoneScreen({ status: 'in_progress', payment: payment('pending') }).kind, 'awaiting_merchant');
  assert.deepEqual(phoneScreen({ status: 'cancelled', payment: null }), { kind: 'closed', status: 'cancelled' });
  assert.equal(phoneScreen({ status: 'created', payment: null }).kind, 'idle');
});

test('the cart keeps whole quantities of known products within the limit, across a reload', () => {
  const saved = new Map<string, string>();
  const storage = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => void saved.set(k, v) };
  const known = (sku: string) => sku !== 'gone';
  const cart = new Cart(storage, known);
  cart.change('baikal-mug', 1);
  cart.change('baikal-mug', 20);
  cart.change('wool-socks', 1);
  cart.change('wool-socks', -1);
  assert.deepEqual(cart.items(), [{ sku: 'baikal-mug', qty: 10 }]);
  saved.set('demo-store-cart', JSON.stringify([...cart.items(), { sku: 'gone', qty: 1 }, { sku: 'wool-socks', qty: -3 }]));
  assert.deepEqual(new Cart(storage, known).items(), [{ sku: 'baikal-mug', qty: 10 }]);
  saved.set('demo-store-cart', '{not json');
  assert.deepEqual(new Cart(storage, known).items(), []);
  assert.equal(cart.totalMinor(() => 129_000), 1_290_000);
});
