/**
 * No statement the server prepares when it starts (every repository prepares its statements in its
 * constructor) reads a whole table that grows with use: each one searches
 * an index, or is on the short list below of reads bounded some other way. A full scan is
 * invisible in a test with ten rows and stalls the event loop with a million (the deadline
 * scheduler once walked every session ever created, once a second).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startHarness } from './helpers';

/** Full scans that are fine, and why. */
const BOUNDED = new Map([
  ['SELECT * FROM projects ORDER BY name', 'the registered projects: a handful'],
  ['SELECT * FROM sessions ORDER BY rowid DESC LIMIT ?', 'reads LIMIT rows from the end of the table'],
  ['SELECT * FROM sandbox_pushes ORDER BY id DESC LIMIT ?', 'reads LIMIT rows from the end of the table'],
  ['SELECT * FROM sandbox_pushes WHERE phone = ? ORDER BY id DESC LIMIT ?', "the sandbox phone's inbox, newest first until LIMIT"],
  ['SELECT * FROM sandbox_rail_bindings ORDER BY created_at DESC, ref DESC LIMIT ?', 'walks its newest-first index until LIMIT'],
  // The loosening migration reads each table it rewrote through its new statement, to see that it parses (db.ts, loosenChecks).
  ...['sessions', 'payments', 'sandbox_rail_payments'].map((t) => [`SELECT * FROM ${t} LIMIT 0`, 'reads no row: a migration checking that the table parses'] as const),
]);

const prepared = new Set<string>();
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (this: Database.Database, source: string) {
  prepared.add(source.replace(/\s+/g, ' ').trim());
  return prepare.call(this, source);
} as typeof prepare;
const harness = await startHarness();
Database.prototype.prepare = prepare;
// The plans are asked of a connection of our own (the storage keeps its connections to itself), read-only.
const db = new Database(join(harness.dir, 'db.sqlite'), { readonly: true });
after(async () => {
  db.close();
  await harness.close();
});

test('every query of the server searches an index, unless its reads are bounded otherwise', () => {
  // Not the schema table, which a migration reads and rewrites once as the database opens (db.ts, loosenChecks).
  const queries = [...prepared].filter((sql) => /^(SELECT|UPDATE|DELETE)\b/i.test(sql) && !/\bsqlite_schema\b/.test(sql));
  assert.ok(queries.length > 40, `only ${queries.length} queries were seen: is the spy still in place?`);
  const scans = queries.flatMap((sql) => {
    const named = [...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!);
    const args = named.length ? [Object.fromEntries(named.map((name) => [name, null]))] : Array((sql.match(/\?/g) ?? []).length).fill(null);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((row) => row.detail);
    const full = plan.filter((step) => /^SCAN (?!CONSTANT ROW)/.test(step) || /TEMP B-TREE/.test(step));
    return full.length && !BOUNDED.has(sql) ? [`${sql}\n    ${full.join(' | ')}`] : [];
  });
  assert.deepEqual(scans, [], 'queries that read a whole table: add an index, or a reason to BOUNDED');
});

test('the reconciler finds due payments and pending refunds, and the sandbox rail a QR by its ref, through their partial indexes', () => {
  const expected = new Map([
    ['SELECT * FROM payments WHERE reconcile_at <= ? ORDER BY reconcile_at, rowid LIMIT ?', 'payments_to_reconcile'],
    ["SELECT * FROM refunds WHERE status = 'pending' AND reconcile_at <= ? ORDER BY reconcile_at, rowid LIMIT ?", 'refunds_to_reconcile'],
    ['SELECT * FROM sandbox_rail_payments WHERE ref = ?', 'sandbox_rail_payments_by_ref'],
  ]);
  for (const [sql, index] of expected) {
    assert.ok(prepared.has(sql), `the server prepares: ${sql}`);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array((sql.match(/\?/g) ?? []).length).fill(null)) as { detail: string }[]).map((row) => row.detail);
    // One search of the index, already in the order asked for: no scan, no sort.
    assert.equal(plan.length, 1, `${sql}: ${plan.join(' | ')}`);
    assert.match(plan[0]!, new RegExp(`^SEARCH \\w+ USING INDEX ${index} \\(`), sql);
  }
});
