/** Migration 4 on a data folder from before it: its projects keep working, with no branding (follow the customer). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../server/store/sqlite/migrations';
import { migrate } from '../../server/store/sqlite/db';
import { SqliteStorage } from '../../server/store/sqlite/storage';

test('a project registered before the branding columns reads as unbranded after the upgrade, and can then be branded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-migrate-'));
  const file = join(dir, 'db.sqlite');
  try {
    const old = new Database(file);
    const before = MIGRATIONS.findIndex((m) => typeof m === 'string' && m.includes('display_name'));
    assert.ok(before > 0, 'the branding migration exists');
    migrate(old, before);
    old.prepare(`INSERT INTO projects (name, public_key_pem, webhook_url, webhook_secret, created_at) VALUES ('old-shop', 'pem', 'https://x.example/h', 'whsec_x', 1)`).run();
    old.close();

    const store = SqliteStorage.open(file);
    try {
      const project = (await store.projects.get('old-shop'))!;
      assert.deepEqual([project.displayName, project.logoUrl, project.locale, project.support], [null, null, null, {}]);
      await store.transaction((tx) => tx.projects.update({ ...project, displayName: 'Old Shop', locale: 'en', support: { email: 'a@b.example' } }));
      const branded = (await store.projects.get('old-shop'))!;
      assert.deepEqual([branded.displayName, branded.locale, branded.support], ['Old Shop', 'en', { email: 'a@b.example' }]);
      // The column itself refuses another language, whatever the code above it checks: raw SQL on a connection of our own.
      const raw = new Database(file);
      try {
        assert.throws(() => raw.prepare("UPDATE projects SET locale = 'de'").run(), /CHECK constraint/, 'only ru, en or null');
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
