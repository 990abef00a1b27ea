import type { Db } from './db';
import type { IdempotencyTable } from '../port';
import type { StoredResponse } from '../rows';

export class IdempotencyRepo implements IdempotencyTable {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string, string], { method: string; body_sha256: string; response_status: number; response_json: string }>(
        'SELECT method, body_sha256, response_status, response_json FROM idempotency_keys WHERE project = ? AND key = ?',
      ),
      insert: db.prepare(
        `INSERT INTO idempotency_keys (project, key, method, body_sha256, response_status, response_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      purge: db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?'),
    };
  }

  async get(project: string, key: string): Promise<StoredResponse | undefined> {
    const row = this.s.get.get(project, key);
    return row && { method: row.method, bodySha256: row.body_sha256, status: row.response_status, json: row.response_json };
  }
  /** SQLite runs one transaction at a time: no other can hold the key while this one runs. */
  async hold(): Promise<boolean> {
    return true;
  }
  async insert(project: string, key: string, r: StoredResponse, now: number): Promise<void> {
    this.s.insert.run(project, key, r.method, r.bodySha256, r.status, r.json, now);
  }
  /** Forgets keys older than `before` (they are kept for a day, as Stripe does). */
  async purge(before: number): Promise<number> {
    return this.s.purge.run(before).changes;
  }
}
