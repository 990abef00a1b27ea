import type { Db } from './db';
import type { CardTable } from '../port';
import type { CardTokenRow } from '../rows';

export class CardRepo implements CardTable {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], CardTokenRow>('SELECT * FROM card_tokens WHERE id = ?'),
      insert: db.prepare(
        `INSERT INTO card_tokens (id, project, session_id, brand, last4, expiry_month, expiry_year, holder, scenario,
           recurrent, recurrent_at, used_at, disabled_at, created_at)
         VALUES (@id, @project, @session_id, @brand, @last4, @expiry_month, @expiry_year, @holder, @scenario,
           @recurrent, @recurrent_at, @used_at, @disabled_at, @created_at)`,
      ),
      markUsed: db.prepare('UPDATE card_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL'),
      setRecurrent: db.prepare('UPDATE card_tokens SET recurrent = 1, recurrent_at = coalesce(recurrent_at, ?) WHERE id = ?'),
      disable: db.prepare('UPDATE card_tokens SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL'),
      lastCard: db.prepare<[string, string], CardTokenRow>(
        `SELECT t.* FROM customers c JOIN card_tokens t ON t.id = c.last_card_token
         WHERE c.project = ? AND c.reference = ? AND t.disabled_at IS NULL`,
      ),
      forget: db.prepare('UPDATE customers SET last_card_token = NULL, updated_at = ? WHERE project = ? AND reference = ?'),
      remember: db.prepare(
        `INSERT INTO customers (project, reference, last_card_token, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (project, reference) DO UPDATE SET last_card_token = excluded.last_card_token, updated_at = excluded.updated_at`,
      ),
    };
  }

  async get(id: string): Promise<CardTokenRow | undefined> {
    return this.s.get.get(id);
  }
  async insert(row: CardTokenRow): Promise<void> {
    this.s.insert.run(row);
  }
  /** Marks a single-use token spent; false when it already was (so it is never charged twice). */
  async markUsed(id: string, now: number): Promise<boolean> {
    return this.s.markUsed.run(now, id).changes === 1;
  }
  async setRecurrent(id: string, now: number): Promise<void> {
    this.s.setRecurrent.run(now, id);
  }
  async disable(id: string, now: number): Promise<boolean> {
    return this.s.disable.run(now, id).changes === 1;
  }
  /** The customer's last successfully charged card, for the one-tap "last used card". */
  async lastCard(project: string, customerReference: string): Promise<CardTokenRow | undefined> {
    return this.s.lastCard.get(project, customerReference);
  }
  /** The customer removed their saved card: it is offered no more (a recurrent token made from it stays, as its own consent). */
  async forgetLastCard(project: string, customerReference: string, now: number): Promise<void> {
    this.s.forget.run(now, project, customerReference);
  }
  async rememberLastCard(project: string, customerReference: string, tokenId: string, now: number): Promise<void> {
    this.s.remember.run(project, customerReference, tokenId, now);
  }
}
