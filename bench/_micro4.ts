import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../server/store/store';
import { newId } from '../server/ids';
const mode = process.argv[2] as 'flusher' | 'on-commit';
const dir = mkdtempSync(join(tmpdir(), 'mb-'));
const store = Store.open(join(dir, 'db.sqlite'), mode);
store.db.prepare("INSERT INTO projects (name, public_key_pem, webhook_url, webhook_secret, created_at) VALUES ('p','k','u','s',0)").run();
const data = JSON.stringify({ description: 'Order #r-1: 2 items', metadata: { order_id: 'r-1', channel: 'web' }, customer: { reference: 'customer-1', email: 'buyer1@example.com', phone: '79000000001' }, payment_options: { return_url: 'https://shop.example/orders/r-1/return' } });
const row = (i: number) => ({ id: newId('ps'), project: 'p', status: 'created' as const, version: 1, amount: 100 + i, currency: 'RUB', confirmation: 'auto' as const, customer_reference: 'c', webhook_url: null, failed_attempts: 0, close_reason: null, data_json: data, expires_at: Date.now() + 86400000, created_at: Date.now(), updated_at: Date.now(), link_id: null, order_check_url: null });
const t0 = performance.now();
for (let r = 0; r < 2000; r++) {
  store.transaction(() => { for (let i = 0; i < 25; i++) store.transaction(() => store.sessions.insert(row(i))); });
  if (r % 10 === 0) await new Promise((res) => setTimeout(res, 1));
}
console.log(mode, 'µs/row', ((performance.now() - t0) * 1000 / 50000).toFixed(1));
await store.close();
