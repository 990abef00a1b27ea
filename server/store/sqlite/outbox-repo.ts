import type { Db } from './db';
import type { NewWebhookEvent, OutboxTable, WebhookEventUpdate } from '../port';
import type { WebhookAttemptRow, WebhookEventRow } from '../rows';

/** The webhook outbox: rows written in the transaction of the state change they announce. */
export class OutboxRepo implements OutboxTable {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO webhook_events (id, project, session_id, type, url, payload_json, status, attempts, next_attempt_at, created_at)
         VALUES (@id, @project, @session_id, @type, @url, @payload_json, 'pending', 0, @created_at, @created_at)`,
      ),
      get: db.prepare<[string], WebhookEventRow>('SELECT * FROM webhook_events WHERE id = ?'),
      claim: db.prepare<{ now: number; limit: number; owner: string; leaseUntil: number }, WebhookEventRow>(
        `UPDATE webhook_events SET lease_owner = @owner, lease_until = @leaseUntil
         WHERE id IN (SELECT id FROM webhook_events WHERE status = 'pending' AND next_attempt_at <= @now
                        AND (lease_until IS NULL OR lease_until <= @now) ORDER BY next_attempt_at LIMIT @limit)
         RETURNING *`,
      ),
      record: db.prepare(
        `UPDATE webhook_events SET status = @status, attempts = @attempts, next_attempt_at = @next_attempt_at,
           first_attempt_at = coalesce(first_attempt_at, @at), last_response_status = @last_response_status,
           last_error = @last_error, delivered_at = @delivered_at, lease_owner = NULL, lease_until = NULL WHERE id = @id`,
      ),
      insertAttempt: db.prepare(
        `INSERT INTO webhook_attempts (event_id, attempt, at, response_status, error, duration_ms)
         VALUES (@event_id, @attempt, @at, @response_status, @error, @duration_ms)`,
      ),
      attempts: db.prepare<[string], WebhookAttemptRow>('SELECT * FROM webhook_attempts WHERE event_id = ? ORDER BY attempt'),
      failed: db.prepare<[string], WebhookEventRow>(
        `SELECT * FROM webhook_events WHERE project = ? AND status = 'failed' ORDER BY created_at`,
      ),
      bySession: db.prepare<[string], WebhookEventRow>('SELECT * FROM webhook_events WHERE session_id = ? ORDER BY created_at, rowid'),
      replay: db.prepare(
        `UPDATE webhook_events SET status = 'pending', next_attempt_at = ?, first_attempt_at = NULL WHERE id = ? AND status = 'failed'`,
      ),
      endpointDisabled: db.prepare<[string, string], { disabled_at: number | null }>(
        'SELECT disabled_at FROM webhook_endpoints WHERE project = ? AND url = ?',
      ),
      disableEndpoint: db.prepare(
        `INSERT INTO webhook_endpoints (project, url, disabled_at, disabled_reason) VALUES (?, ?, ?, ?)
         ON CONFLICT (project, url) DO UPDATE SET disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason`,
      ),
      enableEndpoint: db.prepare('UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL WHERE project = ? AND url = ?'),
    };
  }

  async insert(row: NewWebhookEvent): Promise<void> {
    this.s.insert.run(row);
  }
  async get(id: string): Promise<WebhookEventRow | undefined> {
    return this.s.get.get(id);
  }
  async claimDue(now: number, limit: number, owner: string, leaseUntil: number): Promise<WebhookEventRow[]> {
    // RETURNING gives no order: the oldest due go first, as the merchant expects.
    return this.s.claim.all({ now, limit, owner, leaseUntil }).sort((a, b) => a.next_attempt_at! - b.next_attempt_at!);
  }
  async recordAttempt(event: WebhookEventUpdate, attempt: WebhookAttemptRow): Promise<void> {
    this.s.record.run({ ...event, at: attempt.at });
    this.s.insertAttempt.run(attempt);
  }
  async attempts(eventId: string): Promise<WebhookAttemptRow[]> {
    return this.s.attempts.all(eventId);
  }
  async failed(project: string): Promise<WebhookEventRow[]> {
    return this.s.failed.all(project);
  }
  async forSession(sessionId: string): Promise<WebhookEventRow[]> {
    return this.s.bySession.all(sessionId);
  }
  /** Puts a failed event back in the queue, due at `now`; false when it was not failed. */
  async replay(id: string, now: number): Promise<boolean> {
    return this.s.replay.run(now, id).changes === 1;
  }
  async isEndpointDisabled(project: string, url: string): Promise<boolean> {
    return this.s.endpointDisabled.get(project, url)?.disabled_at != null;
  }
  async disableEndpoint(project: string, url: string, now: number, reason: string): Promise<void> {
    this.s.disableEndpoint.run(project, url, now, reason);
  }
  async enableEndpoint(project: string, url: string): Promise<void> {
    this.s.enableEndpoint.run(project, url);
  }
}
