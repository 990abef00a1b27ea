import type { Db } from './db';

/** A tokenised card: everything the sandbox keeps of it. Never the PAN or the CVC. */
export type CardTokenRow = {
  id: string;
  project: string;
  session_id: string | null;
  brand: string;
  last4: string;
  expiry_month: number;
  expiry_year: number;
  holder: string | null;
  /** What the sandbox issuer does with this card; a real issuer decides this on its side. */
  scenario: string;
  recurrent: number;
  used_at: number | null;
  disabled_at: number | null;
  created_at: number;
};

export class CardRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], CardTokenRow>('SELECT * FROM card_tokens WHERE id = ?'),
      insert: db.prepare(
        `INSERT INTO card_tokens (id, project, session_id, brand, last4, expiry_month, expiry_year, holder, scenario,
           recurrent, used_at, disabled_at, created_at)
         VALUES (@id, @project, @session_id, @brand, @last4, @expiry_month, @expiry_year, @holder, @scenario,
           @recurrent, @used_at, @disabled_at, @created_at)`,
      ),
      markUsed: db.prepare('UPDATE card_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL'),
      setRecurrent: db.prepare('UPDATE card_tokens SET recurrent = 1 WHERE id = ?'),
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

  get(id: string): CardTokenRow | undefined {
    return this.s.get.get(id);
  }
  insert(row: CardTokenRow): void {
    this.s.insert.run(row);
  }
  /** Marks a single-use token spent; false when it already was (so it is never charged twice). */
  markUsed(id: string, now: number): boolean {
    return this.s.markUsed.run(now, id).changes === 1;
  }
  setRecurrent(id: string): void {
    this.s.setRecurrent.run(id);
  }
  disable(id: string, now: number): boolean {
    return this.s.disable.run(now, id).changes === 1;
  }
  /** The customer's last successfully charged card, for the one-tap "last used card". */
  lastCard(project: string, customerReference: string): CardTokenRow | undefined {
    return this.s.lastCard.get(project, customerReference);
  }
  /** The customer removed their saved card: it is offered no more (a recurrent token made from it stays, as its own consent). */
  forgetLastCard(project: string, customerReference: string, now: number): void {
    this.s.forget.run(now, project, customerReference);
  }
  rememberLastCard(project: string, customerReference: string, tokenId: string, now: number): void {
    this.s.remember.run(project, customerReference, tokenId, now);
  }
}
