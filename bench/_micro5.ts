import Database from 'better-sqlite3';
const counts = new Map<string, number>();
for (const m of ['run', 'get', 'all', 'iterate'] as const) {
  const orig = (Database as any).prototype.prepare;
  void orig;
}
const origPrepare = (Database as any).prototype.prepare;
(Database as any).prototype.prepare = function (sql: string, ...rest: unknown[]) {
  const st = origPrepare.call(this, sql, ...rest);
  for (const m of ['run', 'get', 'all']) {
    const f = st[m].bind(st);
    st[m] = (...a: unknown[]) => { counts.set(`${m} ${sql.slice(0, 90)}`, (counts.get(`${m} ${sql.slice(0, 90)}`) ?? 0) + 1); return f(...a); };
  }
  return st;
};
const { startHarness } = await import('../test/server/helpers');
const { createBody } = await import('./merchant');
const { systemClock } = await import('../server/clock');
const h = startHarness({ clock: systemClock as any });
for (let i = 0; i < 5; i++) await h.call('session/create', JSON.parse(createBody(i, 'x')));
counts.clear();
for (let i = 0; i < 100; i++) await h.call('session/create', JSON.parse(createBody(i, 'y')));
for (const [k, v] of counts) console.log(String(v).padStart(5), k.replace(/\s+/g, ' '));
await h.server.stop();
