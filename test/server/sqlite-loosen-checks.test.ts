/**
 * The SQLite migration step that loosens CHECK constraints in place (server/store/sqlite/db.ts,
 * `loosenChecks`): a rewrite takes effect for a connection already open, and a rewrite that does
 * not match, or that SQLite cannot parse, changes nothing and leaves a file that opens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loosenChecks } from '../../server/store/sqlite/db';

function fileWith(sql: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sg-loosen-')), 'db.sqlite');
  const db = new Database(file);
  db.exec(sql);
  db.close();
  return file;
}

const T = 'CREATE TABLE t (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL CHECK (amount > 0));';
const schemaOf = (db: Database.Database) => db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_schema WHERE name = 't'").get()!.sql;
const insertZero = (db: Database.Database) => db.prepare('INSERT INTO t (amount) VALUES (0)').run();
const loosen = (db: Database.Database, from: string, to: string) => db.transaction(() => loosenChecks(db, { loosen: [{ table: 't', from, to }] })).immediate();

test('a loosened CHECK holds for a connection already open, and the stricter rows stay', () => {
  const file = fileWith(`${T} INSERT INTO t (amount) VALUES (5);`);
  const [writer, other] = [new Database(file), new Database(file)];
  try {
    assert.throws(() => insertZero(other), /CHECK constraint failed/);
    loosen(writer, 'CHECK (amount > 0)', 'CHECK (amount >= 0)');
    insertZero(other);
    assert.throws(() => other.prepare('INSERT INTO t (amount) VALUES (-1)').run(), /CHECK constraint failed/);
    assert.deepEqual(other.prepare('SELECT amount FROM t ORDER BY id').all(), [{ amount: 5 }, { amount: 0 }]);
  } finally {
    writer.close();
    other.close();
  }
});

test('a rewrite that matches nothing, or that SQLite cannot parse, changes nothing; the file still opens', () => {
  const file = fileWith(T);
  const db = new Database(file);
  try {
    assert.throws(() => loosen(db, 'CHECK (amount > 1)', 'CHECK (amount >= 0)'), /does not read "CHECK \(amount > 1\)" exactly once/);
    assert.throws(() => loosen(db, 'CHECK (amount > 0)', 'CHECK (amout >= 0)'), /no such column: amout/);
    assert.equal(schemaOf(db), T.slice(0, -1));
    assert.throws(() => insertZero(db), /CHECK constraint failed/, 'the old CHECK stands');
  } finally {
    db.close();
  }
  const reopened = new Database(file);
  try {
    assert.equal(schemaOf(reopened), T.slice(0, -1));
  } finally {
    reopened.close();
  }
});
