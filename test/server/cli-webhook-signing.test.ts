/** The CLI's side of `webhook_signing: smartglocal`: the flag on project add/update, the server's public key in what it prints, `server-key`. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newKeyPair, PUBLIC_URL } from './helpers';

const ROOT = join(import.meta.dirname, '../..');

/** Runs `script` (the CLI by default) in its own process with DATA_DIR and `env` set, as an operator would. */
function run(dataDir: string, env: NodeJS.ProcessEnv, args: string[], script = 'server/cli/main.ts'): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = { ...process.env };
  delete clean.SERVER_KEY_FILE;
  delete clean.SERVER_PRIVATE_KEY;
  delete clean.DATABASE_URL; // these cases are about the key, on the SQLite file of DATA_DIR
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], { env: { ...clean, DATA_DIR: dataDir, PUBLIC_URL, PORT: '0', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

function fixture(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'sg-cli-signing-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'public.pem'), newKeyPair().publicKey);
  const data = join(dir, 'data');
  const cli = async (...args: string[]) => run(data, {}, args);
  const json = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, any>;
  };
  const add = (name: string, ...flags: string[]) => json('project', 'add', '--name', name, '--public-key', join(dir, 'public.pem'), '--webhook-url', 'https://shop.example/hooks', ...flags);
  return { dir, data, cli, json, add };
}

/** Asserts a one-line error on stderr matching `message`, and a non-zero exit. */
function oneLineError(r: { code: number; stderr: string }, message: RegExp, what: string) {
  assert.notEqual(r.code, 0, what);
  assert.match(r.stderr, message, what);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${what}: ${r.stderr}`);
}

test('project add --webhook-signing smartglocal prints the server public key, which show and server-key print alike', async (t) => {
  const f = fixture(t);
  const added = await f.add('sgshop', '--webhook-signing', 'smartglocal');
  assert.equal(added.webhook_signing, 'smartglocal');
  assert.match(added.webhook_public_key, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
  assert.match(added.webhook_secret, /^whsec_/, 'the secret is still printed once: the order checks are signed with it');

  const shown = await f.json('project', 'show', 'sgshop');
  assert.equal(shown.webhook_public_key, added.webhook_public_key);
  assert.equal(shown.webhook_secret, undefined);
  const key = await f.json('server-key');
  assert.equal(key.webhook_public_key, added.webhook_public_key);
  assert.match(key.fingerprint_sha256, /^[0-9a-f]{64}$/);
  assert.equal(key.source, join(f.data, 'server-key.pem'));
  assert.deepEqual(await f.json('server-key', 'show'), key);

  const plain = await f.add('plain');
  assert.equal(plain.webhook_signing, 'standard', 'Standard Webhooks stay the default');
  assert.equal(plain.webhook_public_key, undefined);
  const listed = await f.json('project', 'list');
  assert.deepEqual(listed.map((p: any) => [p.project, p.webhook_signing, p.webhook_public_key]), [['plain', 'standard', undefined], ['sgshop', 'smartglocal', undefined]]);
});

test('project update switches the scheme either way', async (t) => {
  const f = fixture(t);
  await f.add('shop');
  const switched = await f.json('project', 'update', 'shop', '--webhook-signing', 'smartglocal');
  assert.equal(switched.webhook_signing, 'smartglocal');
  assert.equal(switched.webhook_public_key, (await f.json('server-key')).webhook_public_key);
  assert.equal((await f.json('project', 'show', 'shop')).webhook_signing, 'smartglocal', 'saved');
  const kept = await f.json('project', 'update', 'shop', '--confirmation', 'manual');
  assert.equal(kept.webhook_signing, 'smartglocal', 'a flag left out keeps its value');
  const back = await f.json('project', 'update', 'shop', '--webhook-signing', 'standard');
  assert.equal(back.webhook_signing, 'standard');
  assert.equal(back.webhook_public_key, undefined);
});

test('the key is made once, with mode 0600, and every later run (and a run beside it) prints the same one', async (t) => {
  const f = fixture(t);
  const [a, b] = await Promise.all([f.json('server-key'), f.json('server-key')]);
  assert.equal(a.webhook_public_key, b.webhook_public_key, 'two processes starting together agree on one key');
  assert.equal(statSync(join(f.data, 'server-key.pem')).mode & 0o777, 0o600);
  const later = await f.json('server-key');
  assert.equal(later.webhook_public_key, a.webhook_public_key);
  assert.equal(later.source, join(f.data, 'server-key.pem'), 'read, not generated again');
});

test('server-key --out writes the PEM to a new file for the merchant, never over one', async (t) => {
  const f = fixture(t);
  const out = join(f.dir, 'sg-checkout-webhooks.pem');
  const printed = await f.json('server-key', '--out', out);
  assert.equal(printed.written, out);
  assert.equal(readFileSync(out, 'utf8'), printed.webhook_public_key);
  oneLineError(await f.cli('server-key', '--out', out), /exists: choose a new file name/, 'an existing --out');
});

test('SERVER_KEY_FILE is the key the CLI prints', async (t) => {
  const f = fixture(t);
  const file = join(f.dir, 'shared.pem');
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const r = await run(f.data, { SERVER_KEY_FILE: file }, ['server-key']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).webhook_public_key, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  assert.equal(JSON.parse(r.stdout).source, `SERVER_KEY_FILE ${file}`);
});

test('bad input and a bad key are one line and a non-zero exit', async (t) => {
  const f = fixture(t);
  const notAKey = join(f.dir, 'not-a-key.pem');
  writeFileSync(notAKey, 'hello');
  oneLineError(await f.cli('project', 'add', '--name', 'shop', '--public-key', join(f.dir, 'public.pem'), '--webhook-url', 'https://x.example', '--webhook-signing', 'hmac'), /--webhook-signing must be standard .* or smartglocal .*, not "hmac"/, 'an unknown scheme');
  oneLineError(await f.cli('server-key', 'rotate'), /unknown server-key command "rotate"/, 'an unknown server-key command');
  oneLineError(await run(f.data, { SERVER_KEY_FILE: notAKey }, ['server-key']), /^error: SERVER_KEY_FILE=.*not-a-key\.pem is not a PEM private key/, 'a bad SERVER_KEY_FILE');
  oneLineError(await run(f.data, { SERVER_KEY_FILE: join(f.dir, 'missing.pem') }, ['server-key']), /no such file/, 'a missing SERVER_KEY_FILE');

  const refused = await run(f.data, { SERVER_KEY_FILE: notAKey }, ['project', 'add', '--name', 'shop', '--public-key', join(f.dir, 'public.pem'), '--webhook-url', 'https://x.example', '--webhook-signing', 'smartglocal']);
  oneLineError(refused, /SERVER_KEY_FILE=.* is not a PEM private key/, 'project add with a bad key');
  assert.match((await f.cli('project', 'show', 'shop')).stderr, /does not exist/, 'no project half set up');
  const standard = await run(f.data, { SERVER_KEY_FILE: notAKey }, ['project', 'add', '--name', 'plain', '--public-key', join(f.dir, 'public.pem'), '--webhook-url', 'https://x.example']);
  assert.equal(standard.code, 0, `a standard project never needs the key: ${standard.stderr}`);
});

test('the server refuses to start with a bad SERVER_KEY_FILE, in one line', async (t) => {
  const f = fixture(t);
  const notAKey = join(f.dir, 'not-a-key.pem');
  writeFileSync(notAKey, 'hello');
  const r = await run(f.data, { SERVER_KEY_FILE: notAKey }, [], 'server/main.ts');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /SERVER_KEY_FILE=.*not-a-key\.pem is not a PEM private key/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('the help text names the option and the command', async (t) => {
  const f = fixture(t);
  const help = await f.cli('help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--webhook-signing standard\|smartglocal/);
  assert.match(help.stdout, /server-key \[show\]/);
});
