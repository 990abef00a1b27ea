/**
 * The Smart Glocal adapter's settings (`ACQUIRER=smartglocal`), read once at start-up. Every
 * problem is one line that says how to fix it, thrown before anything listens.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { KeySettingError, readPemSetting, rsaSigningKeyFromPem, type PemSetting } from '../../pem-setting';

export type SmartGlocalConfig = {
  /** SMARTGLOCAL_URL: the upstream's origin, such as https://proxy.smart-glocal.com (no path). */
  url: string;
  /** SMARTGLOCAL_PROJECT: our project's name at the upstream (its X-PARTNER-PROJECT). */
  project: string;
  /** SMARTGLOCAL_PRIVATE_KEY(_FILE): our key that signs every call; its public half is registered at the upstream. */
  privateKey: KeyObject;
  /** SMARTGLOCAL_PUBLIC_KEY(_FILE): the upstream's key that its webhooks' X-PARTNER-SIGN is checked with. */
  upstreamPublicKey: KeyObject;
};

/** The settings from `env`, or an Error whose message says which variable to set and how. */
export function smartGlocalConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SmartGlocalConfig {
  const url = required(env, 'SMARTGLOCAL_URL', 'the upstream gateway\'s origin, such as https://proxy.smart-glocal.com').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/?#]+$/.test(url) || !URL.canParse(url)) {
    throw new Error(`SMARTGLOCAL_URL=${env.SMARTGLOCAL_URL} must be an origin such as https://proxy.smart-glocal.com (http or https, no path)`);
  }
  const project = required(env, 'SMARTGLOCAL_PROJECT', 'our project name at the upstream, as its X-PARTNER-PROJECT');
  if (!/^[\x21-\x7e]{1,255}$/.test(project)) {
    throw new Error(`SMARTGLOCAL_PROJECT="${project}" must be the project name as registered at the upstream (printable ASCII, no spaces)`);
  }
  const privatePem = pem(env, 'SMARTGLOCAL_PRIVATE_KEY', 'our RSA private key (PEM) whose public half is registered for SMARTGLOCAL_PROJECT at the upstream');
  const privateKey = rsaSigningKeyFromPem(privatePem.text, privatePem.source, 'make one with openssl genrsa -out smartglocal-key.pem 2048 and register its public half at the upstream');
  const publicPem = pem(env, 'SMARTGLOCAL_PUBLIC_KEY', "the upstream's RSA public key (PEM) that signs its webhooks");
  const upstreamPublicKey = upstreamKeyFromPem(publicPem);
  return { url, project, privateKey, upstreamPublicKey };
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is not set: ACQUIRER=smartglocal needs ${what}`);
  return value;
}

/** A PEM from `<name>_FILE` (a path) or `<name>` (the PEM itself, `\n` allowed for newlines); exactly one. */
function pem(env: NodeJS.ProcessEnv, name: string, what: string): PemSetting {
  const given = readPemSetting(env, { file: `${name}_FILE`, inline: name, wanted: what });
  if (!given) throw new KeySettingError(`${name}_FILE (or ${name}) is not set: ACQUIRER=smartglocal needs ${what}`);
  return given;
}

/** The upstream's RSA public key that its webhooks' X-PARTNER-SIGN is checked with. */
function upstreamKeyFromPem({ text, source }: PemSetting): KeyObject {
  // createPublicKey would take a private key too and keep its public half: that is our key given by mistake, or a leak of theirs.
  if (/PRIVATE KEY/.test(text)) {
    throw new KeySettingError(`${source} holds a private key: give the upstream's public key (-----BEGIN PUBLIC KEY-----), as it publishes it`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch {
    throw new KeySettingError(`${source} is not a PEM public key: give the upstream's public key (-----BEGIN PUBLIC KEY-----)`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new KeySettingError(`${source} is a ${key.asymmetricKeyType} key: X-PARTNER-SIGN is checked with an RSA key`);
  return key;
}
