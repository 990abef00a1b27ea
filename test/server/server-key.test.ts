/** The server's own key (server-key.ts): where it is read from, made once in DATA_DIR, and refused in one line when unusable. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServerKey, publicKeyFingerprint, ServerKeyError, serverKeyPath } from '../../server/server-key';

function folder(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'sg-server-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const rsaPem = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

test('the key is made in DATA_DIR on first use, readable by its owner only, and the same one is read on every later start', async (t) => {
  const dataDir = join(folder(t), 'data'); // not there yet: made with the key
  const first = loadServerKey({ dataDir, env: {} });
  assert.match(first.source, /server-key\.pem \(generated\)$/);
  assert.equal(first.inDataDir, true);
  assert.equal(statSync(serverKeyPath(dataDir)).mode & 0o777, 0o600);
  assert.equal(first.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.match(first.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);

  const again = loadServerKey({ dataDir, env: {} });
  assert.equal(again.publicKeyPem, first.publicKeyPem, 'a restart keeps the key the merchants were given');
  assert.equal(again.source, serverKeyPath(dataDir));
  assert.equal(publicKeyFingerprint(again), publicKeyFingerprint(first));
  assert.deepEqual(readdirSync(dataDir), ['server-key.pem'], 'no temporary file is left behind');

  const signature = sign('sha256', Buffer.from('{"a":1}'), again.privateKey);
  assert.ok(verify('sha256', Buffer.from('{"a":1}'), first.publicKeyPem, signature), 'the printed public key verifies what the reloaded key signs');
});

test('SERVER_KEY_FILE wins over the data folder, which is then left alone', async (t) => {
  const dir = folder(t);
  const file = join(dir, 'shared-key.pem');
  writeFileSync(file, rsaPem());
  const key = loadServerKey({ dataDir: join(dir, 'data'), env: { SERVER_KEY_FILE: file } });
  assert.equal(key.source, `SERVER_KEY_FILE ${file}`);
  assert.equal(key.inDataDir, false);
  assert.throws(() => statSync(join(dir, 'data')), /ENOENT/, 'nothing generated');
  const twin = loadServerKey({ dataDir: join(dir, 'other-instance'), env: { SERVER_KEY_FILE: file } });
  assert.equal(twin.publicKeyPem, key.publicKeyPem, 'two instances given one file sign with one key');
});

test('SERVER_PRIVATE_KEY takes the PEM itself, also squeezed onto one line with \\n', async (t) => {
  const dir = folder(t);
  const pem = rsaPem();
  const key = loadServerKey({ dataDir: dir, env: { SERVER_PRIVATE_KEY: pem } });
  assert.equal(key.source, 'SERVER_PRIVATE_KEY');
  const oneLine = loadServerKey({ dataDir: dir, env: { SERVER_PRIVATE_KEY: pem.trim().replace(/\n/g, '\\n') } });
  assert.equal(oneLine.publicKeyPem, key.publicKeyPem);
  assert.deepEqual(readdirSync(dir), []);
});

test('an unusable key is refused with one line that says how to fix it', async (t) => {
  const dir = folder(t);
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cases: [NodeJS.ProcessEnv, RegExp][] = [
    [{ SERVER_KEY_FILE: join(dir, 'missing.pem') }, /^SERVER_KEY_FILE=.*missing\.pem: no such file .*openssl genrsa/],
    [{ SERVER_KEY_FILE: write('public.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()) }, /holds a public key: the server signs, so give it the private key/],
    [{ SERVER_KEY_FILE: write('garbage.pem', 'hello') }, /is not a PEM private key/],
    [{ SERVER_KEY_FILE: write('broken.pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n') }, /is not a readable PEM private key/],
    [{ SERVER_KEY_FILE: write('ec.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()) }, /is an ec key: X-PARTNER-SIGN is RSA/],
    [{ SERVER_KEY_FILE: write('short.pem', rsaPem(1024)) }, /is a 1024-bit RSA key: use 2048 bits or more/],
    [{ SERVER_KEY_FILE: write('encrypted.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString()) }, /is encrypted with a passphrase/],
    [{ SERVER_KEY_FILE: write('encrypted-rsa.pem', rsa.privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString()) }, /is encrypted with a passphrase/],
    [{ SERVER_PRIVATE_KEY: 'not a key' }, /^SERVER_PRIVATE_KEY is not a PEM private key/],
    [{ SERVER_KEY_FILE: join(dir, 'a.pem'), SERVER_PRIVATE_KEY: rsaPem() }, /both set: keep one/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadServerKey({ dataDir: join(dir, 'data'), env }),
      (error: unknown) => {
        assert.ok(error instanceof ServerKeyError, String(error));
        assert.match(error.message, message);
        assert.equal(error.message.split('\n').length, 1, error.message);
        return true;
      },
      JSON.stringify(Object.keys(env)),
    );
  }
});

test('a broken server-key.pem in DATA_DIR is refused, never replaced by a new key', async (t) => {
  const dir = folder(t);
  writeFileSync(serverKeyPath(dir), 'truncated');
  assert.throws(() => loadServerKey({ dataDir: dir, env: {} }), /the server key .*server-key\.pem is not a PEM private key/);
  assert.equal(readFileSync(serverKeyPath(dir), 'utf8'), 'truncated');
});
