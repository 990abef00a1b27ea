/**
 * The server's own RSA key: it signs the Smart Glocal-style webhooks (`X-PARTNER-SIGN`, a
 * project with `webhook_signing: smartglocal`), and its public half is what the CLI prints for
 * the merchant to verify them with, as the merchant API verifies the merchant's requests.
 *
 * Where it comes from, first match wins:
 * 1. `SERVER_KEY_FILE`: the path of a PEM private key;
 * 2. `SERVER_PRIVATE_KEY`: the PEM itself, in the environment;
 * 3. `<DATA_DIR>/server-key.pem`, generated there on first use.
 *
 * The generated file suits one server with its CLI beside it, which share DATA_DIR. Instances on
 * PostgreSQL each have their own DATA_DIR, so each would make a key of its own and sign with a
 * key the merchant was never shown: give them all the same key through SERVER_KEY_FILE (or
 * SERVER_PRIVATE_KEY), and the CLI too.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KeySettingError, MIN_RSA_BITS, readPemFile, readPemSetting, rsaSigningKeyFromPem } from './pem-setting';

/** A key that cannot be used: the message is one line that says how to fix it. The same class as every key setting's. */
export { KeySettingError as ServerKeyError };

/** The key pair, its public half in PEM (SPKI) as the merchant receives it, and where it was read from. */
export type ServerKey = {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  /** `SERVER_KEY_FILE /path`, `SERVER_PRIVATE_KEY`, or the data folder's file (`(generated)` the first time). */
  source: string;
  /** Read from (or made in) DATA_DIR: this instance's own, unless every instance shares that folder. */
  inDataDir: boolean;
};

/** The file in DATA_DIR that holds the key when neither SERVER_KEY_FILE nor SERVER_PRIVATE_KEY is set. */
export const serverKeyPath = (dataDir: string) => join(dataDir, 'server-key.pem');

const HOW_TO_MAKE = 'make one with openssl genrsa -out server-key.pem 2048';

/**
 * Loads the server key from SERVER_KEY_FILE, SERVER_PRIVATE_KEY or `<dataDir>/server-key.pem`,
 * generating the last (2048-bit RSA, mode 0600) when it does not exist yet. Throws a ServerKeyError.
 */
export function loadServerKey(options: { dataDir: string; env?: NodeJS.ProcessEnv }): ServerKey {
  const given = readPemSetting(options.env ?? process.env, { file: 'SERVER_KEY_FILE', inline: 'SERVER_PRIVATE_KEY', wanted: `a PEM private key, or ${HOW_TO_MAKE}` });
  if (!given) return keyInDataDir(resolve(options.dataDir));
  const source = given.path === null ? given.source : `SERVER_KEY_FILE ${given.path}`;
  return { ...keyFromPem(given.text, given.source), source, inDataDir: false };
}

/** The public half of `key` as PEM (SPKI), what a merchant verifies X-PARTNER-SIGN with. */
export function publicKeyPem(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** SHA-256 of the public key's DER, in hex: a short way to check that two instances hold the same key. */
export function publicKeyFingerprint(key: ServerKey): string {
  return createHash('sha256').update(key.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

function keyInDataDir(dataDir: string): ServerKey {
  const path = serverKeyPath(dataDir);
  const what = `the server key ${path}`;
  const existing = readPemFile(path, what);
  if (existing !== null) return { ...keyFromPem(existing, what), source: path, inDataDir: true };
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: MIN_RSA_BITS });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // 0600: the key signs webhooks in the server's name, so only its owner may read it. Written
  // aside and linked into place, which fails if the file appeared meanwhile: a server and its
  // CLI starting together end up with one key, never half a file or two keys.
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, pem, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // The other process's key won: use it, as every later start will.
    const theirs = readPemFile(path, what);
    if (theirs === null) throw new KeySettingError(`${what} was removed as soon as it was made: start again`);
    return { ...keyFromPem(theirs, what), source: path, inDataDir: true };
  } finally {
    rmSync(temporary, { force: true });
  }
  return { ...keyFromPem(pem, what), source: `${path} (generated)`, inDataDir: true };
}

/** The key pair in `pem`, checked as every signing key is (pem-setting.ts). `what` names it in errors. */
function keyFromPem(pem: string, what: string): Omit<ServerKey, 'source' | 'inDataDir'> {
  const privateKey = rsaSigningKeyFromPem(pem, what, HOW_TO_MAKE);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyPem: publicKeyPem(publicKey) };
}
