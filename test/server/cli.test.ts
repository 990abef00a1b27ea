import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newKeyPair, runCli as cli } from './helpers';

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'sg-cli-'));
  const keys = newKeyPair();
  writeFileSync(join(dir, 'public.pem'), keys.publicKey);
  writeFileSync(join(dir, 'private.pem'), keys.privateKey);
  return { dir, data: join(dir, 'data') };
}

test('project add registers a project and prints its webhook secret once', async () => {
  const f = fixture();
  const added = await cli(f.data, 'project', 'add', '--name', 'shop', '--public-key', join(f.dir, 'public.pem'), '--webhook-url', 'https://shop.example/hooks', '--origin', 'https://shop.example');
  assert.equal(added.code, 0, added.stderr);
  const project = JSON.parse(added.stdout);
  assert.equal(project.project, 'shop');
  assert.match(project.webhook_secret, /^whsec_[A-Za-z0-9+/=]{32}$/);
  assert.deepEqual(project.origins, ['https://shop.example']);

  const shown = JSON.parse((await cli(f.data, 'project', 'show', 'shop')).stdout);
  assert.equal(shown.webhook_url, 'https://shop.example/hooks');
  assert.equal(shown.webhook_secret, undefined, 'show never prints the secret');
  const listed = JSON.parse((await cli(f.data, 'project', 'list')).stdout);
  assert.deepEqual(listed.map((p: { project: string }) => p.project), ['shop']);

  const updated = JSON.parse((await cli(f.data, 'project', 'update', 'shop', '--confirmation', 'manual')).stdout);
  assert.equal(updated.confirmation, 'manual');
});

test('bad input gets one line that says what to fix and a non-zero exit', async () => {
  const f = fixture();
  const cases: [string[], RegExp][] = [
    [['project', 'add', '--name', 'shop', '--public-key', join(f.dir, 'private.pem'), '--webhook-url', 'https://x.example'], /holds a private key/],
    [['project', 'add', '--name', 'shop', '--public-key', join(f.dir, 'missing.pem'), '--webhook-url', 'https://x.example'], /cannot be read/],
    [['project', 'add', '--name', 'shop', '--public-key', join(f.dir, 'public.pem'), '--webhook-url', 'ftp://x'], /--webhook-url .* must be an http\(s\) URL/],
    [['project', 'add', '--name', 'shop', '--public-key', join(f.dir, 'public.pem'), '--webhook-url', 'https://x.example', '--origin', 'https://x.example/path'], /--origin .* must be an origin/],
    [['project', 'add', '--public-key', join(f.dir, 'public.pem')], /--name is required/],
    [['project', 'add', '--name', 'shop', '--bogus'], /Unknown option '--bogus'/],
    [['project', 'show', 'nobody'], /project "nobody" does not exist/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(f.data, ...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
  }
});

test('backup writes a consistent copy that opens with the same projects', async () => {
  const f = fixture();
  await cli(f.data, 'project', 'add', '--name', 'shop', '--public-key', join(f.dir, 'public.pem'), '--webhook-url', 'https://shop.example/hooks');
  const target = join(f.dir, 'backup.sqlite');
  const r = await cli(f.data, 'backup', target);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(target));
  const copy = new Database(target, { readonly: true });
  assert.deepEqual(copy.prepare('SELECT name FROM projects').all(), [{ name: 'shop' }]);
  assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
  copy.close();
  const again = await cli(f.data, 'backup', target);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /exists/);
});

test('webhooks failed lists the events that gave up and replay puts them back in the queue', async () => {
  const f = fixture();
  await cli(f.data, 'project', 'add', '--name', 'shop', '--public-key', join(f.dir, 'public.pem'), '--webhook-url', 'https://shop.example/hooks');
  const db = new Database(join(f.data, 'sg-checkout.sqlite'));
  db.prepare(
    `INSERT INTO webhook_events (id, project, type, url, payload_json, status, attempts, created_at, last_response_status)
     VALUES ('evt_failedfailedfailed01', 'shop', 'payment_finished', 'https://shop.example/hooks', '{}', 'failed', 16, 1, 503)`,
  ).run();
  db.close();

  const failed = JSON.parse((await cli(f.data, 'webhooks', 'failed', '--project', 'shop')).stdout);
  assert.deepEqual(failed.map((e: { id: string; attempts: number; last_response_status: number }) => [e.id, e.attempts, e.last_response_status]), [['evt_failedfailedfailed01', 16, 503]]);

  const replayed = await cli(f.data, 'webhooks', 'replay', '--project', 'shop', 'evt_failedfailedfailed01');
  assert.equal(replayed.code, 0, replayed.stderr);
  assert.deepEqual(JSON.parse(replayed.stdout), { replayed: 1 });
  assert.deepEqual(JSON.parse((await cli(f.data, 'webhooks', 'failed', '--project', 'shop')).stdout), []);
  const check = new Database(join(f.data, 'sg-checkout.sqlite'), { readonly: true });
  assert.equal((check.prepare("SELECT status FROM webhook_events WHERE id = 'evt_failedfailedfailed01'").get() as { status: string }).status, 'pending');
  check.close();

  const unknown = await cli(f.data, 'webhooks', 'replay', '--project', 'shop', 'evt_nope');
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /is not a failed event of shop/);
});
