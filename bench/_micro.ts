import { startHarness, signBody } from '../test/server/helpers';
import { verifySignature } from '../server/merchant-api/auth';
import * as s from '../server/merchant-api/schemas';
import { createBody } from '../bench/merchant';
import { systemClock } from '../server/clock';

const h = startHarness({ clock: systemClock as any });
const N = 5000;
const bodies = Array.from({ length: N }, (_, i) => createBody(i, 'r'));
const sigs = bodies.map((b) => signBody(h.keys.privateKey, b));
const t = (label: string, fn: (i: number) => unknown) => {
  for (let i = 0; i < 500; i++) fn(i);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) fn(i);
  console.log(label.padEnd(30), ((performance.now() - t0) * 1000 / N).toFixed(1), 'µs');
};
const pem = h.server.store.projects.get('shop')!.publicKeyPem;
const bufs = bodies.map((b) => new Uint8Array(Buffer.from(b)));
t('verify', (i) => verifySignature(pem, bufs[i]!, sigs[i]!));
t('JSON.parse', (i) => JSON.parse(bodies[i]!));
t('zod createSessionBody', (i) => (s.createSessionBody as any).parse(JSON.parse(bodies[i]!)));
const project = h.server.store.projects.get('shop')!;
const svc = h.server.sessions;
t('create (own tx each)', (i) => svc.create(project, { amount: 100 + i, currency: 'RUB', data: JSON.parse(bodies[i]!) }));
const rows: any[] = [];
h.server.store.transaction(() => t('create in one tx', (i) => { rows.push(svc.create(project, { amount: 100 + i, currency: 'RUB', data: JSON.parse(bodies[i]!) })); }));
h.server.store.transaction(() => t('raw insert in one tx', (i) => { h.server.store.sessions.insert({ ...rows[0], id: 'x' + i + Math.random() }); }));
t('render', (i) => svc.render(rows[i % rows.length]));
t('render+stringify', (i) => JSON.stringify({ status: 'ok', session: svc.render(rows[i % rows.length]) }));
let j = 0;
const start = performance.now();
const M = 3000;
await Promise.all(Array.from({ length: 50 }, async () => {
  while (j < M) {
    const i = j++;
    const r = await h.server.app.request('/api/v1/session/create', { method: 'POST', body: bodies[i % N], headers: { 'content-type': 'application/json', 'x-partner-project': 'shop', 'x-partner-sign': sigs[i % N]! } });
    if (r.status !== 200) throw new Error(String(r.status));
    await r.text();
  }
}));
console.log('app.request create x50 conc'.padEnd(30), ((performance.now() - start) * 1000 / M).toFixed(1), 'µs');
await h.server.stop();
