/**
 * The Smart Glocal adapter's settings (`ACQUIRER=smartglocal`), read once at start-up. Every
 * problem is one line that says how to fix it, thrown before anything listens.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

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
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privatePem.text);
  } catch {
    throw new Error(`${privatePem.source} is not a PEM private key: give the RSA private key (-----BEGIN PRIVATE KEY-----) whose public half the upstream has`);
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error(`${privatePem.source} is a ${privateKey.asymmetricKeyType} key: X-PARTNER-SIGN needs an RSA key`);
  const publicPem = pem(env, 'SMARTGLOCAL_PUBLIC_KEY', "the upstream's RSA public key (PEM) that signs its webhooks");
  if (/PRIVATE KEY/.test(publicPem.text)) {
    throw new Error(`${publicPem.source} holds a private key: give the upstream's public key (-----BEGIN PUBLIC KEY-----), as it publishes it`);
  }
  let upstreamPublicKey: KeyObject;
  try {
    upstreamPublicKey = createPublicKey(publicPem.text);
  } catch {
    throw new Error(`${publicPem.source} is not a PEM public key: give the upstream's public key (-----BEGIN PUBLIC KEY-----)`);
  }
  if (upstreamPublicKey.asymmetricKeyType !== 'rsa') throw new Error(`${publicPem.source} is a ${upstreamPublicKey.asymmetricKeyType} key: X-PARTNER-SIGN is checked with an RSA key`);
  return { url, project, privateKey, upstreamPublicKey };
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is not set: ACQUIRER=smartglocal needs ${what}`);
  return value;
}

/** A PEM from `<name>_FILE` (a path) or `<name>` (the PEM itself, `\n` allowed for newlines); exactly one. */
function pem(env: NodeJS.ProcessEnv, name: string, what: string): { text: string; source: string } {
  const file = env[`${name}_FILE`]?.trim();
  const inline = env[name]?.trim();
  if (file && inline) throw new Error(`both ${name}_FILE and ${name} are set: keep one of them`);
  if (file) {
    try {
      return { text: readFileSync(file, 'utf8'), source: `${name}_FILE=${file}` };
    } catch (error) {
      throw new Error(`${name}_FILE=${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): give the path of ${what}`);
    }
  }
  if (inline) return { text: inline.replace(/\\n/g, '\n'), source: name };
  throw new Error(`${name}_FILE (or ${name}) is not set: ACQUIRER=smartglocal needs ${what}`);
}
