import type { Db } from './db';
import type { PushTable } from '../port';
import type { SandboxPush } from '../rows';

/** The sandbox's stand-in for the customer's phone: SberPay pushes and SMS land here. */
export class PushRepo implements PushTable {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare('INSERT INTO sandbox_pushes (payment_id, phone, text, created_at) VALUES (?, ?, ?, ?)'),
      recent: db.prepare<[number], SandboxPush>('SELECT * FROM sandbox_pushes ORDER BY id DESC LIMIT ?'),
      forPhone: db.prepare<[string, number], SandboxPush>('SELECT * FROM sandbox_pushes WHERE phone = ? ORDER BY id DESC LIMIT ?'),
    };
  }

  async record(paymentId: string, phone: string, text: string, now: number): Promise<SandboxPush> {
    const id = Number(this.s.insert.run(paymentId, phone, text, now).lastInsertRowid);
    return { id, payment_id: paymentId, phone, text, created_at: now };
  }

  async recent(limit = 50, phone?: string): Promise<SandboxPush[]> {
    return phone ? this.s.forPhone.all(phone, limit) : this.s.recent.all(limit);
  }
}
