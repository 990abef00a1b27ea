import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { publicKeyFingerprint, type ServerKey } from '../server-key';
import { CliError, parse } from './args';

/**
 * `server-key [show] [--out <file>]`: the public half of the server's key, which merchants of
 * `--webhook-signing smartglocal` projects verify X-PARTNER-SIGN with. `--out` also writes the PEM
 * to a new file, ready to hand over. The fingerprint tells whether several instances hold one key.
 */
export function serverKeyCommand(args: string[], serverKey: () => ServerKey): unknown {
  const { values, positionals } = parse(args, { out: { type: 'string' } } as const);
  const [action, ...extra] = positionals;
  if ((action !== undefined && action !== 'show') || extra.length) {
    throw new CliError(`unknown server-key command "${positionals.join(' ')}": use \`server-key\` or \`server-key show\``);
  }
  const key = serverKey();
  let written: string | undefined;
  if (values.out !== undefined) {
    if (values.out === '') throw new CliError('--out needs a file name, such as --out sg-checkout-webhooks.pem');
    written = resolve(values.out);
    if (existsSync(written)) throw new CliError(`${written} exists: choose a new file name, the key is never written over a file`);
    writeFileSync(written, key.publicKeyPem, { flag: 'wx' });
  }
  return {
    webhook_public_key: key.publicKeyPem,
    fingerprint_sha256: publicKeyFingerprint(key),
    source: key.source,
    ...(written ? { written } : {}),
  };
}
