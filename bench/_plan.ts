import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
import { openDb } from '../server/store/db';
const db = openDb(join(mkdtempSync(join(tmpdir(), 'p-')), 'db.sqlite'));
for (const sql of [
  `SELECT id FROM sessions WHERE status = 'created' AND expires_at <= 5 UNION SELECT session_id FROM payments WHERE action_expires_at <= 5 UNION SELECT session_id FROM payments WHERE confirm_expires_at <= 5`,
  `SELECT * FROM webhook_events WHERE status = 'pending' AND next_attempt_at <= 5 ORDER BY next_attempt_at LIMIT 5`,
  `SELECT min(next_attempt_at) AS at FROM webhook_events WHERE status = 'pending'`,
]) { console.log(sql.slice(0, 60)); for (const r of db.prepare('EXPLAIN QUERY PLAN ' + sql).all() as any[]) console.log('   ', r.detail); }
