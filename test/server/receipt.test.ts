import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RUB, sessionWithToken, startHarness, tokenize } from './helpers';

test('a receipt shows the purchase, the amount, the masked card and later refunds', async () => {
  const h = startHarness();
  try {
    const { id, token } = await sessionWithToken(h, { description: 'Кофе <b>латте</b>', amount_details: RUB(34900) });
    const card = await tokenize(h, token, '4242424242424242');
    const paid = await h.call('session/start/payment', { session_id: id, payment_details: { type: 'card', card: { token: card } } });
    const paymentId = paid.body.session.acquiring_payments[0].id as string;

    let res = await h.app.request(`/receipt/${paymentId}`);
    assert.equal(res.status, 200);
    let page = await res.text();
    assert.match(page, /349,00\u00a0₽/);
    assert.match(page, /visa •••• 4242/);
    assert.match(page, />Paid</);
    assert.match(page, /Кофе &lt;b&gt;латте&lt;\/b&gt;/, 'merchant text is escaped');
    assert.doesNotMatch(page, /4242424242424242/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);

    await h.call('session/refund', { session_id: id, amount_details: RUB(10000) });
    res = await h.app.request(`/receipt/${paymentId}`);
    page = await res.text();
    assert.match(page, /Refunded<\/th><td>100,00\u00a0₽/);
  } finally {
    await h.close();
  }
});

test('an unknown receipt is a 404 page', async () => {
  const h = startHarness();
  try {
    const res = await h.app.request('/receipt/pm_doesnotexist0000000');
    assert.equal(res.status, 404);
    assert.match(await res.text(), /Receipt not found/);
  } finally {
    await h.close();
  }
});
