import type { Db } from './db';

export type WebhookEventRow = {
  id: string;
  project: string;
  session_id: string | null;
  type: string;
  url: string;
  payload_json: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number | null;
  first_attempt_at: number | null;
  last_response_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
};

export type WebhookAttemptRow = {
  event_id: string;
  attempt: number;
  at: number;
  response_status: number | null;
  error: string | null;
  duration_ms: number;
};

/** The webhook outbox: rows written in the transaction of the state change they announce. */
export class OutboxRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO webhook_events (id, project, session_id, type, url, payload_json, status, attempts, next_attempt_at, created_at)
         VALUES (@id, @project, @session_id, @type, @url, @payload_json, 'pending', 0, @created_at, @created_at)`,
      ),
      get: db.prepare<[string], WebhookEventRow>('SELECT * FROM webhook_events WHERE id = ?'),
      due: db.prepare<[number, number], WebhookEventRow>(
        `SELECT * FROM webhook_events WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
      ),
      nextDueAt: db.prepare<[], { at: number | null }>(
        `SELECT min(next_attempt_at) AS at FROM webhook_events WHERE status = 'pending'`,
      ),
      record: db.prepare(
        `UPDATE webhook_events SET status = @status, attempts = @attempts, next_attempt_at = @next_attempt_at,
           first_attempt_at = coalesce(first_attempt_at, @at), last_response_status = @last_response_status,
           last_error = @last_error, delivered_at = @delivered_at WHERE id = @id`,
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

  insert(row: Pick<WebhookEventRow, 'id' | 'project' | 'session_id' | 'type' | 'url' | 'payload_json' | 'created_at'>): void {
    this.s.insert.run(row);
  }
  get(id: string): WebhookEventRow | undefined {
    return this.s.get.get(id);
  }
  due(now: number, limit: number): WebhookEventRow[] {
    return this.s.due.all(now, limit);
  }
  nextDueAt(): number | null {
    return this.s.nextDueAt.get()?.at ?? null;
  }
  /** Records one delivery attempt and the event's new state. */
  recordAttempt(
    event: Pick<WebhookEventRow, 'id' | 'status' | 'attempts' | 'next_attempt_at' | 'last_response_status' | 'last_error' | 'delivered_at'>,
    attempt: WebhookAttemptRow,
  ): void {
    this.s.record.run({ ...event, at: attempt.at });
    this.s.insertAttempt.run(attempt);
  }
  attempts(eventId: string): WebhookAttemptRow[] {
    return this.s.attempts.all(eventId);
  }
  failed(project: string): WebhookEventRow[] {
    return this.s.failed.all(project);
  }
  forSession(sessionId: string): WebhookEventRow[] {
    return this.s.bySession.all(sessionId);
  }
  /** Puts a failed event back in the queue, due at `now`; false when it was not failed. */
  replay(id: string, now: number): boolean {
    return this.s.replay.run(now, id).changes === 1;
  }
  isEndpointDisabled(project: string, url: string): boolean {
    return this.s.endpointDisabled.get(project, url)?.disabled_at != null;
  }
  disableEndpoint(project: string, url: string, now: number, reason: string): void {
    this.s.disableEndpoint.run(project, url, now, reason);
  }
  enableEndpoint(project: string, url: string): void {
    this.s.enableEndpoint.run(project, url);
  }
}
