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
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

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

const MIN_BITS = 2048;
const HOW_TO_MAKE = 'make one with openssl genrsa -out server-key.pem 2048';

/** A key that cannot be used: the message is one line that says how to fix it. */
export class ServerKeyError extends Error {
  override name = 'ServerKeyError';
}

/**
 * Loads the server key from SERVER_KEY_FILE, SERVER_PRIVATE_KEY or `<dataDir>/server-key.pem`,
 * generating the last (2048-bit RSA, mode 0600) when it does not exist yet. Throws a ServerKeyError.
 */
export function loadServerKey(options: { dataDir: string; env?: NodeJS.ProcessEnv }): ServerKey {
  const env = options.env ?? process.env;
  const file = env.SERVER_KEY_FILE?.trim();
  const inline = env.SERVER_PRIVATE_KEY?.trim();
  if (file && inline) throw new ServerKeyError('SERVER_KEY_FILE and SERVER_PRIVATE_KEY are both set: keep one, so there is no doubt which key signs');
  if (file) {
    const path = resolve(file);
    return { ...keyFromPem(readKeyFile(path, `SERVER_KEY_FILE=${file}`), `SERVER_KEY_FILE=${file}`), source: `SERVER_KEY_FILE ${path}`, inDataDir: false };
  }
  // A PEM squeezed onto one line (`\n` for its line breaks), as some deployment tools pass it.
  if (inline) return { ...keyFromPem(inline.replace(/\\n/g, '\n'), 'SERVER_PRIVATE_KEY'), source: 'SERVER_PRIVATE_KEY', inDataDir: false };
  return keyInDataDir(resolve(options.dataDir));
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
  const existing = readKeyFileIfAny(path, what);
  if (existing !== null) return { ...keyFromPem(existing, what), source: path, inDataDir: true };
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: MIN_BITS });
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
    return { ...keyFromPem(readKeyFile(path, what), what), source: path, inDataDir: true };
  } finally {
    rmSync(temporary, { force: true });
  }
  return { ...keyFromPem(pem, what), source: `${path} (generated)`, inDataDir: true };
}

function readKeyFileIfAny(path: string, what: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ServerKeyError(`${what} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): let the server's user read it (chmod 600, owned by that user)`);
  }
}

function readKeyFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') throw new ServerKeyError(`${what}: no such file (${path}): give the path of a PEM private key, or ${HOW_TO_MAKE}`);
    throw new ServerKeyError(`${what} cannot be read (${code}): let the server's user read it (chmod 600, owned by that user)`);
  }
}

/** The key pair in `pem`, checked: an unencrypted RSA private key of 2048 bits or more. `what` names it in errors. */
function keyFromPem(pem: string, what: string): Omit<ServerKey, 'source' | 'inDataDir'> {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    if (/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(pem)) throw new ServerKeyError(`${what} holds a public key: the server signs, so give it the private key (${HOW_TO_MAKE})`);
    throw new ServerKeyError(`${what} is not a PEM private key (no -----BEGIN PRIVATE KEY----- line): ${HOW_TO_MAKE}`);
  }
  // PKCS#8 (`ENCRYPTED PRIVATE KEY`) and traditional (`Proc-Type: 4,ENCRYPTED`) PEM both say so in clear.
  if (/ENCRYPTED PRIVATE KEY|Proc-Type: *4, *ENCRYPTED/.test(pem)) {
    throw new ServerKeyError(`${what} is encrypted with a passphrase: give it unencrypted (openssl rsa -in key.pem -out server-key.pem) and protect the file with chmod 600 instead`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new ServerKeyError(`${what} is not a readable PEM private key (${(error as Error).message.split('\n')[0]}): ${HOW_TO_MAKE}`);
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new ServerKeyError(`${what} is an ${privateKey.asymmetricKeyType ?? 'unknown'} key: X-PARTNER-SIGN is RSA (PKCS#1 v1.5, SHA-256), so ${HOW_TO_MAKE}`);
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_BITS) throw new ServerKeyError(`${what} is a ${bits}-bit RSA key: use 2048 bits or more (${HOW_TO_MAKE})`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyPem: publicKeyPem(publicKey) };
}
