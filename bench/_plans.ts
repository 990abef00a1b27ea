import Database from 'better-sqlite3';
const sqls = new Set<string>();
const orig = (Database as any).prototype.prepare;
(Database as any).prototype.prepare = function (sql: string, ...rest: unknown[]) { sqls.add(sql); return orig.call(this, sql, ...rest); };
const { startHarness } = await import('../test/server/helpers');
const h = startHarness();
const db = h.server.store.db;
for (const sql of sqls) {
  if (!/^\s*(SELECT|UPDATE|DELETE)/i.test(sql)) continue;
  const named = [...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!);
  const positional = (sql.match(/\?/g) ?? []).length;
  const args: unknown[] = named.length ? [Object.fromEntries(named.map((n) => [n, null]))] : new Array(positional).fill(null);
  const plan = (orig.call(db, 'EXPLAIN QUERY PLAN ' + sql).all(...args) as any[]).map((r) => r.detail);
  console.log(plan.some((d) => /^SCAN/.test(d)) ? 'SCAN' : '    ', sql.replace(/\s+/g, ' ').slice(0, 110), '\n        ', plan.join(' | '));
}
await h.server.stop();
