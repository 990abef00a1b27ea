/**
 * What a new user does with two instances (README, "Several instances on PostgreSQL"), in a real
 * Chromium: buy in the demo store of instance A while the developer console of instance B shows
 * the purchase live, kill A (SIGKILL) while the customer looks at the QR, let the customer's
 * bank approve, and start A again: the payment, the order and its webhook are all there.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROME_ARGS, CHROME_PATH } from '../support/chromium';
import { newContext } from '../e2e/browser';
import { postgresAvailable } from '../support/pg-databases';
import { eventually, startCluster, type Cluster, type Instance } from './cluster';

const SHOTS = join(process.cwd(), 'test-results', 'instances');
const skip = postgresAvailable() ? false : 'no PostgreSQL: run through npm test, which starts one, or set DATABASE_URL';

describe('the demo store on two instances', { skip }, () => {
  let c: Cluster;
  let browser: Browser;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    c = await startCluster(2);
    browser = await chromium.launch({ executablePath: CHROME_PATH, args: CHROME_ARGS });
  });
  after(async () => {
    await browser?.close();
    await c?.stop();
  });

  test('paid on A, watched on B, A killed mid-payment: nothing lost', async () => {
    const [a, b] = c.instances as [Instance, Instance];
    const context = await newContext(browser, 'desktop', 'en-US');
    const shop = await context.newPage();
    await shop.goto(`${a.url}/`);
    await shop.locator('.product').first().waitFor();
    await shop.locator('.product button.add').first().click();
    await shop.locator('#checkout').click();
    await shop.locator('sg-checkout').getByRole('button', { name: 'Show the QR code' }).click();
    await shop.locator('sg-checkout sg-qr-view svg[part=qr]').waitFor();
    const orderId = /#order=(ord_[0-9a-f]+)/.exec(shop.url())![1]!;
    const order = (await (await shop.request.get(`${a.url}/demo/orders/${orderId}`)).json()) as { session_id: string };

    // B's console shows the session A made, and its payment waiting for the customer.
    const console = await context.newPage();
    await console.goto(`${b.url}/console`);
    await console.getByText(order.session_id).first().waitFor({ timeout: 10_000 });
    await console.screenshot({ path: join(SHOTS, 'console-b-waiting.png') });
    const detail = await (await fetch(`${b.url}/console/api/sessions/${order.session_id}`)).json() as { payments: { id: string; status: string }[] };
    const payment = detail.payments[0]!;
    assert.equal(payment.status, 'in_progress');

    // A dies while the customer looks at the QR; their bank approves (through B, the instance still up).
    await a.kill('SIGKILL');
    const approved = await c.post(b, `/sandbox/payments/${payment.id}/approve`, {});
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    await eventually('B to show the session accepted', async () => {
      const s = (await (await fetch(`${b.url}/console/api/sessions/${order.session_id}`)).json()) as { session: { status: string } };
      return s.session.status === 'accepted';
    });
    await console.getByText('accepted').first().waitFor({ timeout: 10_000 });
    await console.screenshot({ path: join(SHOTS, 'console-b-accepted.png') });

    // A comes back: the customer's page (reloaded by the customer) shows the payment made, and the
    // order is paid once its payment_finished has reached the store (retried while A was down).
    await a.start();
    await shop.reload();
    await shop.locator('#order-status[data-status="paid"]').waitFor({ timeout: 60_000 });
    await shop.screenshot({ path: join(SHOTS, 'shop-a-paid.png') });
    const events = (await c.storage.outbox.forSession(order.session_id)).filter((e) => e.type === 'payment_finished');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.status, 'delivered');
    await context.close();
  });
});
