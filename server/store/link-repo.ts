import type { Db } from './db';

export type LinkRow = { id: string; project: string; data_json: string; disabled_at: number | null; created_at: number };

export class LinkRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], LinkRow>('SELECT * FROM payment_links WHERE id = ?'),
      insert: db.prepare('INSERT INTO payment_links (id, project, data_json, disabled_at, created_at) VALUES (@id, @project, @data_json, @disabled_at, @created_at)'),
      list: db.prepare<[string], LinkRow>('SELECT * FROM payment_links WHERE project = ? ORDER BY created_at DESC, rowid DESC'),
      disable: db.prepare('UPDATE payment_links SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL'),
    };
  }

  get(id: string): LinkRow | undefined {
    return this.s.get.get(id);
  }
  insert(row: LinkRow): void {
    this.s.insert.run(row);
  }
  list(project: string): LinkRow[] {
    return this.s.list.all(project);
  }
  /** False when the link was already disabled. */
  disable(id: string, now: number): boolean {
    return this.s.disable.run(now, id).changes === 1;
  }
}
