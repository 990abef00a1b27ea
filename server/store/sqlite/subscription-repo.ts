import type { Db } from './db';
import type { SubscriptionTable } from '../port';
import type { SubscriptionChargeRow, SubscriptionRow } from '../rows';
import { SessionMoved } from '../errors';

export class SubscriptionRepo implements SubscriptionTable {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], SubscriptionRow>('SELECT * FROM subscriptions WHERE id = ?'),
      // Newest first, ties in insertion order reversed: the (project, created_at) index ends with rowid.
      list: db.prepare<[string, number], SubscriptionRow>(
        'SELECT * FROM subscriptions WHERE project = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
      ),
      byPageToken: db.prepare<[string], SubscriptionRow>('SELECT * FROM subscriptions WHERE page_token_hash = ?'),
      insert: db.prepare(
        `INSERT INTO subscriptions (id, project, status, customer_json, amount, currency, period_unit, period_count,
           description, return_url, card_token, binding_id, trial_days, trial_amount, first_session_id, started_at, current_period_end, next_charge_at, charge_session_id,
           periods_paid, failed_attempts, cancel_at_period_end, cancelled_at, cancel_reason, page_token_hash, version,
           created_at, updated_at)
         VALUES (@id, @project, @status, @customer_json, @amount, @currency, @period_unit, @period_count,
           @description, @return_url, @card_token, @binding_id, @trial_days, @trial_amount, @first_session_id, @started_at, @current_period_end, @next_charge_at, @charge_session_id,
           @periods_paid, @failed_attempts, @cancel_at_period_end, @cancelled_at, @cancel_reason, @page_token_hash, @version,
           @created_at, @updated_at)`,
      ),
      update: db.prepare(
        `UPDATE subscriptions SET status = @status, customer_json = @customer_json, amount = @amount, currency = @currency,
           period_unit = @period_unit, period_count = @period_count, description = @description, return_url = @return_url,
           card_token = @card_token, binding_id = @binding_id, started_at = @started_at, current_period_end = @current_period_end, next_charge_at = @next_charge_at,
           charge_session_id = @charge_session_id, periods_paid = @periods_paid, failed_attempts = @failed_attempts,
           cancel_at_period_end = @cancel_at_period_end, cancelled_at = @cancelled_at, cancel_reason = @cancel_reason,
           version = version + 1, updated_at = @updated_at
         WHERE id = @id AND version = @expected_version`,
      ),
      // The partial index (next_charge_at, id) gives this order without a sort.
      claimDue: db.prepare<[number, number], SubscriptionRow>(
        'SELECT * FROM subscriptions WHERE next_charge_at IS NOT NULL AND next_charge_at <= ? ORDER BY next_charge_at, id LIMIT ?',
      ),
      insertCharge: db.prepare(
        `INSERT INTO subscription_charges (session_id, subscription_id, period, attempt, created_at)
         VALUES (@session_id, @subscription_id, @period, @attempt, @created_at)`,
      ),
      chargeOf: db.prepare<[string], SubscriptionChargeRow>('SELECT * FROM subscription_charges WHERE session_id = ?'),
      charges: db.prepare<[string], SubscriptionChargeRow>(
        'SELECT * FROM subscription_charges WHERE subscription_id = ? ORDER BY period, attempt',
      ),
    };
  }

  async get(id: string): Promise<SubscriptionRow | undefined> {
    return this.s.get.get(id);
  }
  async list(project: string, limit: number): Promise<SubscriptionRow[]> {
    return this.s.list.all(project, limit);
  }
  async byPageToken(tokenHash: string): Promise<SubscriptionRow | undefined> {
    return this.s.byPageToken.get(tokenHash);
  }
  async chargeOf(sessionId: string): Promise<SubscriptionChargeRow | undefined> {
    return this.s.chargeOf.get(sessionId);
  }
  async charges(subscriptionId: string): Promise<SubscriptionChargeRow[]> {
    return this.s.charges.all(subscriptionId);
  }
  async insert(row: SubscriptionRow): Promise<void> {
    this.s.insert.run(row);
  }
  /** SQLite runs one transaction at a time (BEGIN IMMEDIATE): reading the row is taking it. */
  async lock(id: string): Promise<SubscriptionRow | undefined> {
    return this.s.get.get(id);
  }
  async update(row: SubscriptionRow, version: number): Promise<void> {
    // The statement binds only the columns it saves: row.version is not one (the stored one is bumped).
    if (this.s.update.run({ ...row, expected_version: version }).changes !== 1) throw new SessionMoved(row.id);
  }
  /** One writer: the due rows are this transaction's until it ends. */
  async claimDue(now: number, limit: number): Promise<SubscriptionRow[]> {
    return this.s.claimDue.all(now, limit);
  }
  async insertCharge(row: SubscriptionChargeRow): Promise<void> {
    this.s.insertCharge.run(row);
  }
}
