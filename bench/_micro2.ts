import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../server/store/store';
import { newId } from '../server/ids';
const dir = mkdtempSync(join(tmpdir(), 'mb-'));
const store = Store.open(join(dir, 'db.sqlite'), 'flusher');
store.db.prepare("INSERT INTO projects (name, public_key_pem, webhook_url, webhook_secret, created_at) VALUES ('p','k','u','s',0)").run();
const data = JSON.stringify({ description: 'Order #r-1: 2 items', metadata: { order_id: 'r-1', channel: 'web' }, customer: { reference: 'customer-1', email: 'buyer1@example.com', phone: '79000000001' }, payment_options: { return_url: 'https://shop.example/orders/r-1/return' } });
const row = (i: number) => ({ id: newId('ps'), project: 'p', status: 'created' as const, version: 1, amount: 100 + i, currency: 'RUB', confirmation: 'auto' as const, customer_reference: 'c', webhook_url: null, failed_attempts: 0, close_reason: null, data_json: data, expires_at: Date.now() + 86400000, created_at: Date.now(), updated_at: Date.now(), link_id: null, order_check_url: null });
const sp = store.db.prepare('SAVEPOINT a'), rel = store.db.prepare('RELEASE a');
for (const [label, batch, nest] of [['batch40 nest2', 40, 2], ['batch40 nest0', 40, 0], ['batch1 nest0', 1, 0], ['batch40 nest2', 40, 2]] as const) {
  let tInside = 0, tCommit = 0; const rounds = 20000 / batch;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    store.db.prepare('BEGIN IMMEDIATE').run();
    for (let i = 0; i < batch; i++) {
      for (let k = 0; k < nest; k++) sp.run();
      store.sessions.insert(row(i));
      for (let k = 0; k < nest; k++) rel.run();
    }
    const t1 = performance.now();
    store.db.prepare('COMMIT').run();
    tInside += t1 - t0; tCommit += performance.now() - t1;
  }
  console.log(label, 'inside µs/row', (tInside * 1000 / 20000).toFixed(1), 'commit µs/row', (tCommit * 1000 / 20000).toFixed(1));
}
store.close();
