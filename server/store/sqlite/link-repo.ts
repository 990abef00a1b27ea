import type { Db } from './db';
import type { LinkTable } from '../port';
import type { LinkRow } from '../rows';

export class LinkRepo implements LinkTable {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], LinkRow>('SELECT * FROM payment_links WHERE id = ?'),
      insert: db.prepare('INSERT INTO payment_links (id, project, data_json, disabled_at, created_at) VALUES (@id, @project, @data_json, @disabled_at, @created_at)'),
      list: db.prepare<[string], LinkRow>('SELECT * FROM payment_links WHERE project = ? ORDER BY created_at DESC, rowid DESC'),
      disable: db.prepare('UPDATE payment_links SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL'),
    };
  }

  async get(id: string): Promise<LinkRow | undefined> {
    return this.s.get.get(id);
  }
  async insert(row: LinkRow): Promise<void> {
    this.s.insert.run(row);
  }
  async list(project: string): Promise<LinkRow[]> {
    return this.s.list.all(project);
  }
  /** False when the link was already disabled. */
  async disable(id: string, now: number): Promise<boolean> {
    return this.s.disable.run(now, id).changes === 1;
  }
}
