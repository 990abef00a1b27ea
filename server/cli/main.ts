/**
 * `npm run cli -- <command>`: registers projects, inspects and replays webhooks, backs up the
 * database, prints the server's public key. It works on the same storage as the running servers:
 * the SQLite file (WAL allows both) or, with DATABASE_URL, PostgreSQL; and on the same server key
 * (server-key.ts). Every error is one line on stderr and a non-zero exit.
 */
import { configFromEnv } from '../config';
import { openStorage } from '../store/open';
import { projectCommand } from './project';
import { webhooksCommand } from './webhooks';
import { backupCommand } from './backup';
import { linkCommand } from './link';
import { serverKeyCommand } from './server-key';
import { clockCommand } from './clock';
import { CliError } from './args';
import { loadServerKey, ServerKeyError, type ServerKey } from '../server-key';

const USAGE = `usage: npm run cli -- <command>
  project add --name <name> --public-key <pem file> --webhook-url <url> [--origin <url> …] [--confirmation auto|manual]
    [--webhook-signing standard|smartglocal]
  project list
  project show <name>
  project update <name> [--public-key <pem file>] [--webhook-url <url>] [--origin <url> …] [--confirmation auto|manual]
    [--webhook-signing standard|smartglocal]
    --webhook-signing: standard (default) signs webhooks by Standard Webhooks with the project's whsec_ secret;
    smartglocal sends Smart Glocal's X-PARTNER-SIGN (RSA SHA-256 of the body with the server's key), and
    add/show/update print the server's public key as webhook_public_key
    both also take what customers see of the shop: [--display-name <text>] [--logo-url <https url>] [--locale ru|en|auto]
    [--support-email <email>] [--support-phone <+7…>] [--support-telegram <@name>] [--support-url <url>] (an empty value clears one)
  link create --project <name> --file <link.json>
  link list --project <name>
  link show <pl_id>
  link disable <pl_id>
  webhooks failed --project <name>
  webhooks replay --project <name> [<evt_id>]
  backup <file>
  clock [show] | clock advance <30d|12h|90m|45s>
    the sandbox's test clock: move it forward to watch a month of subscription renewals in seconds
  server-key [show] [--out <pem file>]
    the public key that verifies X-PARTNER-SIGN webhooks; the server's key is read from SERVER_KEY_FILE,
    SERVER_PRIVATE_KEY or DATA_DIR/server-key.pem (made there on first use; instances on PostgreSQL
    must share one through SERVER_KEY_FILE)`;

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  if (!group || group === 'help' || group === '--help') {
    console.log(USAGE);
    return group ? 0 : 2;
  }
  const config = configFromEnv();
  let key: ServerKey | undefined;
  const serverKey = () => (key ??= loadServerKey({ dataDir: config.dataDir }));
  // The key lives beside the storage, not in it: no database needed to print it.
  if (group === 'server-key') {
    console.log(JSON.stringify(serverKeyCommand(rest, serverKey), null, 2));
    return 0;
  }
  const store = await openStorage(config, 'on-commit');
  try {
    const out =
      group === 'project' ? await projectCommand(store, rest, serverKey)
      : group === 'webhooks' ? await webhooksCommand(store, rest)
      : group === 'link' ? await linkCommand(store, rest)
      : group === 'backup' ? await backupCommand(store, rest)
      : group === 'clock' ? await clockCommand(store, rest)
      : (() => {
          throw new CliError(`unknown command "${group}": run \`npm run cli -- help\` for the list`);
        })();
    console.log(JSON.stringify(out, null, 2));
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof CliError || error instanceof ServerKeyError ? 2 : 1);
  },
);
