/**
 * A PEM key given in the environment, by path (`SERVER_KEY_FILE`) or inline (`SERVER_PRIVATE_KEY`),
 * and the checks a key that signs X-PARTNER-SIGN must pass: the server's own key and ours at
 * Smart Glocal are read and refused the same way. Every refusal is a KeySettingError.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** A key setting that cannot be used: the message is one line that names it and says how to fix it. */
export class KeySettingError extends Error {
  override name = 'KeySettingError';
}

/** A PEM as given: its text, the setting it came from (`SERVER_KEY_FILE=key.pem`, `SERVER_PRIVATE_KEY`), and the file's full path if any. */
export type PemSetting = { text: string; source: string; path: string | null };

/**
 * The PEM whose path is in `env[file]` or which is `env[inline]` itself, at most one of them;
 * null when neither is set. `wanted` says what belongs there: "give the path of <wanted>".
 */
export function readPemSetting(env: NodeJS.ProcessEnv, names: { file: string; inline: string; wanted: string }): PemSetting | null {
  const file = env[names.file]?.trim();
  const inline = env[names.inline]?.trim();
  if (file && inline) throw new KeySettingError(`${names.file} and ${names.inline} are both set: keep one, so there is no doubt which key is used`);
  if (file) {
    const path = resolve(file);
    const source = `${names.file}=${file}`;
    const text = readPemFile(path, source);
    if (text === null) throw new KeySettingError(`${source}: no such file (${path}): give the path of ${names.wanted}`);
    return { text, source, path };
  }
  // A PEM squeezed onto one line (`\n` for its line breaks), as some deployment tools pass it.
  if (inline) return { text: inline.replace(/\\n/g, '\n'), source: names.inline, path: null };
  return null;
}

/** The text of the file at `path`, or null when there is none; `what` names it when it cannot be read. */
export function readPemFile(path: string, what: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') return null;
    throw new KeySettingError(`${what} cannot be read (${code}): let the server's user read it (chmod 600, owned by that user)`);
  }
}

/** The smallest RSA key accepted, and the size the server generates its own with. */
export const MIN_RSA_BITS = 2048;

/**
 * The key in `pem`, checked: an unencrypted RSA private key of 2048 bits or more, as X-PARTNER-SIGN
 * signs with. `what` names the setting in errors; `howToMake` ends them ("make one with openssl …").
 */
export function rsaSigningKeyFromPem(pem: string, what: string, howToMake: string): KeyObject {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    if (/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(pem)) throw new KeySettingError(`${what} holds a public key: the server signs, so give it the private key (${howToMake})`);
    throw new KeySettingError(`${what} is not a PEM private key (no -----BEGIN PRIVATE KEY----- line): ${howToMake}`);
  }
  // PKCS#8 (`ENCRYPTED PRIVATE KEY`) and traditional (`Proc-Type: 4,ENCRYPTED`) PEM both say so in clear.
  if (/ENCRYPTED PRIVATE KEY|Proc-Type: *4, *ENCRYPTED/.test(pem)) {
    throw new KeySettingError(`${what} is encrypted with a passphrase: give it unencrypted (openssl rsa -in encrypted.pem -out key.pem) and protect the file with chmod 600 instead`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new KeySettingError(`${what} is not a readable PEM private key (${(error as Error).message.split('\n')[0]}): ${howToMake}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeySettingError(`${what} is an ${key.asymmetricKeyType ?? 'unknown'} key: X-PARTNER-SIGN is RSA (PKCS#1 v1.5, SHA-256), so ${howToMake}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw new KeySettingError(`${what} is a ${bits}-bit RSA key: use ${MIN_RSA_BITS} bits or more (${howToMake})`);
  return key;
}
