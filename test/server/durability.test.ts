/**
 * Durable writes off the event loop (server/store/sqlite/wal-flusher.ts): a commit reaches the
 * disk with a later sync of the log, and nobody hears of a change before that sync has finished —
 * not the merchant, not a customer reading the session, not a webhook endpoint. Transactions that
 * arrive together share one COMMIT, and so one sync (server/store/sqlite/storage.ts). The syncs
 * here are held back or failed by the test, so "before" and "after" are exact. SQLite only: a
 * PostgreSQL commit is on disk when it returns.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { SyncFailed, WalFlusher, type SyncLog } from '../../server/store/sqlite/wal-flusher';
import { SqliteStorage } from '../../server/store/sqlite/storage';
import { RUB, sessionWithToken, startHarness, type Harness } from './helpers';

/** A stand-in for fdatasync: syncs finish at once until `hold()`, then wait for `release()`. */
function syncControl() {
  const held: ((error: Error | null) => void)[] = [];
  let holding = false;
  const sync: SyncLog = (_fd, done) => (holding ? held.push(done) : setImmediate(() => done(null)));
  return {
    sync,
    held,
    hold: () => void (holding = true),
    /** Finishes the held syncs, oldest first (or only the one at `index`), with `error` if given. */
    release(error: Error | null = null, index?: number) {
      const done = index === undefined ? held.splice(0) : held.splice(index, 1);
      holding = false;
      for (const finish of done) finish(error);
    },
  };
}

/** Waits until `count` syncs are held (the request got as far as its commit), or fails after 5 s. */
async function untilHeld(control: ReturnType<typeof syncControl>, count = 1): Promise<void> {
  for (const started = Date.now(); control.held.length < count; await sleep(1)) {
    if (Date.now() - started > 5_000) assert.fail(`${control.held.length} syncs held, expected ${count}`);
  }
}

/** Settles with 'pending' if `promise` has not settled after a few turns of the event loop. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let result: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (result = 'resolved'),
    () => (result = 'rejected'),
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return result;
}

function flusher(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'sg-flusher-'));
  const log = join(dir, 'db.sqlite-wal');
  writeFileSync(log, '');
  const control = syncControl();
  const wal = new WalFlusher(log, control.sync);
  t.after(() => {
    wal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { wal, control };
}

describe('WalFlusher', () => {
  test('nothing to wait for before a commit; a commit waits for a sync that began after it', async (t) => {
    const { wal, control } = flusher(t);
    assert.equal(wal.whenDurable(), null);
    control.hold();
    wal.committed();
    const durable = wal.whenDurable()!;
    assert.equal(await state(durable), 'pending');
    assert.equal(control.held.length, 1);
    control.release();
    assert.equal(await state(durable), 'resolved');
    assert.equal(wal.whenDurable(), null);
  });

  test('a commit made while a sync runs is not covered by it, but by the next one, which may end first', async (t) => {
    const { wal, control } = flusher(t);
    control.hold();
    wal.committed();
    const first = wal.whenDurable()!;
    wal.committed();
    control.hold();
    const second = wal.whenDurable()!;
    assert.equal(control.held.length, 2, 'the second sync starts beside the first');
    control.release(null, 0);
    assert.equal(await state(first), 'resolved');
    assert.equal(await state(second), 'pending');
    control.release();
    assert.equal(await state(second), 'resolved');

    // The later sync ending first covers both: it flushed every page written before it began.
    control.hold();
    wal.committed();
    const third = wal.whenDurable()!;
    wal.committed();
    control.hold();
    const fourth = wal.whenDurable()!;
    control.release(null, 1);
    assert.equal(await state(third), 'resolved');
    assert.equal(await state(fourth), 'resolved');
    control.release();
  });

  test('a failed sync fails every wait from then on: nothing is reported as saved', async (t) => {
    const { wal, control } = flusher(t);
    const logged = t.mock.method(console, 'error', () => {});
    control.hold();
    wal.committed();
    const durable = wal.whenDurable()!;
    control.release(new Error('EIO: i/o error'));
    await assert.rejects(durable, (error: unknown) => error instanceof SyncFailed && /EIO/.test(error.message));
    await assert.rejects(wal.whenDurable()!, SyncFailed);
    assert.equal(logged.mock.callCount(), 1);
  });
});

describe('group commit: transactions that arrive together share one COMMIT', () => {
  /** A SQLite storage whose log syncs the test controls, with the project the rows below belong to. */
  async function storage(t: TestContext) {
    const dir = mkdtempSync(join(tmpdir(), 'sg-group-'));
    const control = syncControl();
    const store = SqliteStorage.open(join(dir, 'db.sqlite'), 'flusher', control.sync);
    t.after(async () => {
      control.release();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await store.transaction((tx) => tx.projects.insert({ name: 'shop', publicKeyPem: 'pem', webhookUrl: 'https://shop.example/h', webhookSecret: 'whsec_x', origins: [], confirmation: 'auto', confirmWindowMinutes: 240, fpsQrLifetimeMinutes: 15, createdAt: 1 }));
    await store.whenDurable();
    return { store, control };
  }

  /** A payment link row of `shop`; each one is a write of its own. */
  const link = (id: string) => ({ id, project: 'shop', data_json: '{}', disabled_at: null, created_at: 1 });

  test('ten transactions begun in one turn commit once: one sync of the log makes them all durable', async (t) => {
    const { store, control } = await storage(t);
    control.hold();
    // Each waits for the disk the moment its own transaction has settled, as an answer does: a
    // transaction committed on its own would start a sync of its own (see the WalFlusher tests).
    const durable = Array.from({ length: 10 }, (_, i) => store.transaction((tx) => tx.links.insert(link(`ln_together_${i}`))).then(() => store.whenDurable()));
    await untilHeld(control);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(control.held.length, 1, 'one COMMIT, one sync');
    assert.deepEqual(await Promise.all(durable.map(state)), Array(10).fill('pending'), 'none is durable before that sync');
    control.release();
    await Promise.all(durable);
    assert.equal((await store.links.list('shop')).length, 10);

    // A transaction begun after that commit is a commit of its own: the count above was not luck.
    control.hold();
    const first = store.transaction((tx) => tx.links.insert(link('ln_first'))).then(() => store.whenDurable());
    await untilHeld(control);
    const second = store.transaction((tx) => tx.links.insert(link('ln_second'))).then(() => store.whenDurable());
    await untilHeld(control, 2);
    control.release();
    await Promise.all([first, second]);
  });

  test('a transaction that fails inside a shared commit undoes only its own writes and runs no hooks', async (t) => {
    const { store, control } = await storage(t);
    control.hold();
    const hooks: string[] = [];
    // Begun in one turn, so they run in one BEGIN … COMMIT, each in a savepoint of its own.
    const write = (id: string, fail = false) =>
      store.transaction(async (tx) => {
        await tx.links.insert(link(id));
        tx.afterCommit(() => hooks.push(id));
        if (fail) throw new Error(`${id} refused`);
        return id;
      });
    const settled = await Promise.allSettled([write('ln_a'), write('ln_b', true), write('ln_c')]);
    assert.deepEqual(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), ['ln_a', 'ln_b refused', 'ln_c']);
    assert.deepEqual(hooks, ['ln_a', 'ln_c']);
    assert.deepEqual((await store.links.list('shop')).map((l) => l.id).sort(), ['ln_a', 'ln_c']);
    const durable = store.whenDurable()!;
    control.release();
    await durable;
  });
});

describe('answers and webhooks wait for the disk', () => {
  async function harness(t: TestContext) {
    const control = syncControl();
    const h = await startHarness({ syncLog: control.sync });
    t.after(() => h.close());
    return { h, control };
  }

  /** Cancels the session in a transaction of its own, as a merchant's cancel would; resolves once committed (not synced). */
  async function cancel(h: Harness, id: string) {
    const project = (await h.server.store.projects.get('shop'))!;
    await h.server.store.transaction((tx) => h.server.sessions.cancel(tx, project, id));
  }

  test('a signed session/create is answered only once its write is synced', async (t) => {
    const { h, control } = await harness(t);
    control.hold();
    const answer = h.call('session/create', { amount_details: RUB(1000), metadata: { order_id: 'durable-1' } });
    await untilHeld(control);
    assert.equal(await state(answer), 'pending');
    // Another connection (read-only, our own) sees the row: committed, though its sync is held.
    const db = new Database(join(h.dir, 'db.sqlite'), { readonly: true });
    const rows = db.prepare("SELECT count(*) AS n FROM sessions WHERE data_json LIKE '%durable-1%'").get() as { n: number };
    db.close();
    assert.equal(rows.n, 1, 'committed, and yet not answered');
    control.release();
    assert.equal((await answer).status, 200);
  });

  test('a read that sees a change not yet on disk is held back too', async (t) => {
    const { h, control } = await harness(t);
    const { id, token } = await sessionWithToken(h);
    control.hold();
    await cancel(h, id);
    const view = h.publicCall(`sessions/${token}`);
    assert.equal(await state(view), 'pending');
    control.release();
    assert.equal((await view).body.status, 'cancelled');
  });

  // The timeout turns a read held for the sync (which never comes while held) into a failure, not a hang.
  test('a read that sees nothing unsynced is answered at once: a transaction that wrote nothing needs no sync', { timeout: 5_000 }, async (t) => {
    const { h, control } = await harness(t);
    const { id } = await sessionWithToken(h);
    control.hold();
    const status = await h.call('session/status', { session_id: id });
    assert.equal(status.status, 200);
    assert.equal(control.held.length, 0);
  });

  test('a failed sync answers 500 storage_failure with the CORS headers the page needs to read it', async (t) => {
    const { h, control } = await harness(t);
    t.mock.method(console, 'error', () => {});
    const { id, token } = await sessionWithToken(h);
    control.hold();
    await cancel(h, id);
    const view = h.publicCall(`sessions/${token}`, { headers: { origin: 'https://merchant.example' } });
    await untilHeld(control);
    control.release(new Error('EIO: i/o error'));
    const failed = await view;
    assert.equal(failed.status, 500);
    assert.equal(failed.body.error.code, 'storage_failure');
    assert.equal(failed.headers.get('access-control-allow-origin'), 'https://merchant.example');
  });

  test('a failed sync answers 500 storage_failure, this request and every later one', async (t) => {
    const { h, control } = await harness(t);
    t.mock.method(console, 'error', () => {});
    control.hold();
    const answer = h.call('session/create', { amount_details: RUB(1000) });
    await untilHeld(control);
    control.release(new Error('EIO: i/o error'));
    const failed = await answer;
    assert.equal(failed.status, 500);
    assert.equal(failed.body.error.code, 'storage_failure');
    assert.match(failed.body.error.description, /read the session status before retrying/);
    assert.equal((await h.call('session/create', { amount_details: RUB(1000) })).status, 500);
  });

  test('the webhook sender delivers nothing before the change it reports is on disk', async (t) => {
    const { h, control } = await harness(t);
    const { id } = await sessionWithToken(h);
    const started = await h.call('session/start/payment', { session_id: id, payment_details: { type: 'faster_payment_system' } });
    assert.equal(started.status, 200);
    await h.server.sender.deliverDue();
    const before = h.delivered.length;
    control.hold();
    await h.server.sandbox!.customerAnswer(started.body.session.acquiring_payments[0].id, true);
    const delivery = h.server.sender.deliverDue();
    assert.equal(await state(delivery), 'pending');
    assert.equal(h.delivered.length, before, 'nothing sent while the sync is held');
    control.release();
    await delivery;
    assert.ok(h.delivered.slice(before).some((d) => JSON.parse(d.body).type === 'payment_finished'));
  });
});

test('a database reached through a symlink is synced where SQLite keeps its log', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-symlink-'));
  mkdirSync(join(dir, 'real'));
  writeFileSync(join(dir, 'real', 'db.sqlite'), '');
  symlinkSync(join(dir, 'real', 'db.sqlite'), join(dir, 'db.sqlite'));
  const h = await startHarness({ dir });
  t.after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal((await h.call('session/create', { amount_details: RUB(1000) })).status, 200);
  assert.ok(existsSync(join(dir, 'real', 'db.sqlite-wal')));
});

test('the checkpointer copies the log into the database file while the server runs', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  const file = join(h.dir, 'db.sqlite');
  const before = statSync(file).size;
  for (let i = 0; i < 300; i++) await h.call('session/create', { amount_details: RUB(1000 + i), description: `order ${i} `.padEnd(200, '.') });
  for (let waited = 0; statSync(file).size < before + 100_000 && waited < 5_000; waited += 50) await sleep(50);
  assert.ok(statSync(file).size >= before + 100_000, `the database file stayed at ${statSync(file).size} bytes`);
});
