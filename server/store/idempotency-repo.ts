import type { Db } from './db';

export type StoredResponse = { method: string; bodySha256: string; status: number; json: string };

export class IdempotencyRepo {
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

  get(project: string, key: string): StoredResponse | undefined {
    const row = this.s.get.get(project, key);
    return row && { method: row.method, bodySha256: row.body_sha256, status: row.response_status, json: row.response_json };
  }
  insert(project: string, key: string, r: StoredResponse, now: number): void {
    this.s.insert.run(project, key, r.method, r.bodySha256, r.status, r.json, now);
  }
  /** Forgets keys older than `before` (they are kept for a day, as Stripe does). */
  purge(before: number): number {
    return this.s.purge.run(before).changes;
  }
}
