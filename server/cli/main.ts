/**
 * `npm run cli -- <command>`: registers projects, inspects and replays webhooks, backs up the
 * database. It works on the same storage as the running servers: the SQLite file (WAL allows
 * both) or, with DATABASE_URL, PostgreSQL. Every error is one line on stderr and a non-zero exit.
 */
import { configFromEnv } from '../config';
import { openStorage } from '../store/open';
import { projectCommand } from './project';
import { webhooksCommand } from './webhooks';
import { backupCommand } from './backup';
import { linkCommand } from './link';
import { CliError } from './args';

const USAGE = `usage: npm run cli -- <command>
  project add --name <name> --public-key <pem file> --webhook-url <url> [--origin <url> …] [--confirmation auto|manual]
  project list
  project show <name>
  project update <name> [--public-key <pem file>] [--webhook-url <url>] [--origin <url> …] [--confirmation auto|manual]
    both also take what customers see of the shop: [--display-name <text>] [--logo-url <https url>] [--locale ru|en|auto]
    [--support-email <email>] [--support-phone <+7…>] [--support-telegram <@name>] [--support-url <url>] (an empty value clears one)
  link create --project <name> --file <link.json>
  link list --project <name>
  link show <pl_id>
  link disable <pl_id>
  webhooks failed --project <name>
  webhooks replay --project <name> [<evt_id>]
  backup <file>`;

async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  if (!group || group === 'help' || group === '--help') {
    console.log(USAGE);
    return group ? 0 : 2;
  }
  const store = await openStorage(configFromEnv(), 'on-commit');
  try {
    const out =
      group === 'project' ? await projectCommand(store, rest)
      : group === 'webhooks' ? await webhooksCommand(store, rest)
      : group === 'link' ? await linkCommand(store, rest)
      : group === 'backup' ? await backupCommand(store, rest)
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
    console.error(`error: ${error instanceof CliError ? error.message : error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof CliError ? 2 : 1);
  },
);
