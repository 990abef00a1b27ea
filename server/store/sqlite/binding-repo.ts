import type { Db } from './db';
import type { BindingTable } from '../port';
import type { FpsBindingRow } from '../rows';

/** FPS account bindings: the recurrent tokens a payment by FPS made (see FpsBindingRow). */
export class BindingRepo implements BindingTable {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], FpsBindingRow>('SELECT * FROM fps_bindings WHERE id = ?'),
      byPayment: db.prepare<[string], FpsBindingRow>('SELECT * FROM fps_bindings WHERE payment_id = ?'),
      byRailRef: db.prepare<[string], FpsBindingRow>('SELECT * FROM fps_bindings WHERE rail_ref = ?'),
      insert: db.prepare(
        `INSERT INTO fps_bindings (id, project, session_id, payment_id, rail_ref, bank_id, bank_name, disabled_at, disabled_by, created_at)
         VALUES (@id, @project, @session_id, @payment_id, @rail_ref, @bank_id, @bank_name, @disabled_at, @disabled_by, @created_at)`,
      ),
      disable: db.prepare('UPDATE fps_bindings SET disabled_at = ?, disabled_by = ? WHERE id = ? AND disabled_at IS NULL'),
    };
  }

  async get(id: string): Promise<FpsBindingRow | undefined> {
    return this.s.get.get(id);
  }
  async byPayment(paymentId: string): Promise<FpsBindingRow | undefined> {
    return this.s.byPayment.get(paymentId);
  }
  async byRailRef(railRef: string): Promise<FpsBindingRow | undefined> {
    return this.s.byRailRef.get(railRef);
  }
  async insert(row: FpsBindingRow): Promise<void> {
    this.s.insert.run(row);
  }
  /** The first to disable it is the one on record: a later call changes nothing. */
  async disable(id: string, now: number, by: 'merchant' | 'bank'): Promise<boolean> {
    return this.s.disable.run(now, by, id).changes === 1;
  }
}
