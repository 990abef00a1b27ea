import type { Db } from '../store/db';

export type SandboxPush = { id: number; payment_id: string; phone: string; text: string; created_at: number };

/** The sandbox's stand-in for the customer's phone: SberPay pushes and SMS land here. */
export class PushInbox {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare('INSERT INTO sandbox_pushes (payment_id, phone, text, created_at) VALUES (?, ?, ?, ?)'),
      recent: db.prepare<[number], SandboxPush>('SELECT * FROM sandbox_pushes ORDER BY id DESC LIMIT ?'),
      forPhone: db.prepare<[string, number], SandboxPush>('SELECT * FROM sandbox_pushes WHERE phone = ? ORDER BY id DESC LIMIT ?'),
    };
  }

  record(paymentId: string, phone: string, text: string, now: number): SandboxPush {
    const id = Number(this.s.insert.run(paymentId, phone, text, now).lastInsertRowid);
    return { id, payment_id: paymentId, phone, text, created_at: now };
  }

  recent(limit = 50, phone?: string): SandboxPush[] {
    return phone ? this.s.forPhone.all(phone, limit) : this.s.recent.all(limit);
  }
}
