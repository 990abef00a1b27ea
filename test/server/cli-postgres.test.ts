/** The CLI against PostgreSQL (DATABASE_URL): what an operator of several instances runs. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStorage } from '../../server/store/postgres/storage';
import { freshDatabase, postgresAvailable } from '../support/pg-databases';
import { newKeyPair, PUBLIC_URL } from './helpers';

const CLI = join(import.meta.dirname, '../../server/cli/main.ts');
const skip = postgresAvailable() ? false : 'no PostgreSQL: run through npm test, which starts one, or set DATABASE_URL';

function cli(databaseUrl: string, dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: dataDir, PUBLIC_URL } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('the CLI on PostgreSQL', { skip }, () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let dir: string;
  before(async () => {
    db = await freshDatabase();
    dir = mkdtempSync(join(tmpdir(), 'sg-cli-pg-'));
    writeFileSync(join(dir, 'public.pem'), newKeyPair().publicKey);
  });
  after(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('registers a project in the database, lists it, and sends backups to pg_dump', async () => {
    const added = await cli(db.url, dir, 'project', 'add', '--name', 'shop', '--public-key', join(dir, 'public.pem'), '--webhook-url', 'https://shop.example/hooks');
    assert.equal(added.code, 0, added.stderr);
    assert.match(JSON.parse(added.stdout).webhook_secret, /^whsec_/);
    // What every instance reads: the project is in PostgreSQL, not in a SQLite file of DATA_DIR.
    const storage = await PostgresStorage.open(db.url);
    try {
      assert.equal((await storage.projects.get('shop'))?.webhookUrl, 'https://shop.example/hooks');
    } finally {
      await storage.close();
    }
    const listed = await cli(db.url, dir, 'project', 'list');
    assert.deepEqual(JSON.parse(listed.stdout).map((p: { project: string }) => p.project), ['shop']);
    const backup = await cli(db.url, dir, 'backup', join(dir, 'copy.sqlite'));
    assert.equal(backup.code, 2);
    assert.match(backup.stderr, /pg_dump "\$DATABASE_URL"/);
  });
});
