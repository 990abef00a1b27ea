/**
 * Runs a command against a real, throwaway PostgreSQL:
 *   tsx test/support/with-postgres.ts -- node --import tsx --test …
 * The PostgreSQL store's tests need a server. With DATABASE_URL set, that one is used and nothing
 * is started. Otherwise this starts a private cluster in a temp folder on a free loopback port
 * (never 5432, so a developer's own server is left alone), installing Debian's package first when
 * it is missing and we may (root with apt-get), runs the command, then stops and removes it.
 * The child gets SG_TEST_POSTGRES (an admin URL) and, for a cluster of ours, SG_TEST_PG_CTL (how
 * to restart it, for fault tests; see pg-databases.ts). Exits with the command's code.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const sep = process.argv.indexOf('--');
const command = sep >= 0 ? process.argv.slice(sep + 1) : process.argv.slice(2);
if (command.length === 0) {
  console.error('usage: tsx test/support/with-postgres.ts -- <command> [args…]');
  process.exit(2);
}

/** Runs the command with the given extra environment; resolves to the exit code to pass on. */
function runChild(env: Record<string, string>): Promise<number> {
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward).on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('error', (err) => { console.error(`with-postgres: cannot run ${command[0]}: ${err.message}`); resolve(127); });
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

if (process.env.DATABASE_URL) {
  const env = { SG_TEST_POSTGRES: process.env.DATABASE_URL };
  delete process.env.SG_TEST_PG_CTL; // an external server is not ours to restart
  process.exit(await runChild(env));
}

/** The folder with initdb and pg_ctl: Debian's newest /usr/lib/postgresql/<v>/bin, else pg_config's. */
function findBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch { /* no pg_config */ }
  return undefined;
}

const isRoot = process.getuid?.() === 0;
const hasCommand = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
let binDir = findBinDir();
if (!binDir && isRoot && hasCommand('apt-get')) {
  console.error("with-postgres: installing Debian's postgresql for the tests…");
  spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null'], { stdio: 'inherit' });
  binDir = findBinDir();
}
if (!binDir) {
  console.error('with-postgres: no PostgreSQL found: install it (apt-get install postgresql) or set DATABASE_URL to a server to test against');
  process.exit(1);
}

// initdb and pg_ctl refuse to run as root: then they run as the postgres user (Debian's package
// creates it; failing that, a system user of our own), on a folder it owns.
const userExists = (name: string) => spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
let runAs: string | null = null;
if (isRoot) {
  runAs = userExists('postgres') ? 'postgres' : 'sgtestpg';
  if (!userExists(runAs)) execFileSync('useradd', ['--system', '--no-create-home', runAs], { stdio: 'inherit' });
}
const dir = mkdtempSync(join(tmpdir(), 'sg-pg-'));
if (runAs) {
  const id = (flag: string) => Number(execFileSync('id', [flag, runAs!], { encoding: 'utf8' }).trim());
  chownSync(dir, id('-u'), id('-g'));
}
const dataDir = join(dir, 'db');
const log = join(dir, 'log');
const pgCtl = join(binDir, 'pg_ctl');

/** Runs a PostgreSQL tool (as runAs when root), from the temp folder so its user can read the cwd. */
function tool(bin: string, args: string[]): boolean {
  const argv = runAs ? ['runuser', '-u', runAs, '--', bin, ...args] : [bin, ...args];
  return spawnSync(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] }).status === 0;
}

let started = false;
function cleanup(): void {
  if (started) tool(pgCtl, ['-D', dataDir, '-m', 'fast', 'stop']);
  started = false;
  rmSync(dir, { recursive: true, force: true });
}
function fail(message: string): never {
  console.error(`with-postgres: ${message}`);
  if (existsSync(log)) console.error(readFileSync(log, 'utf8'));
  cleanup();
  process.exit(1);
}
const abort = () => { cleanup(); process.exit(130); };
process.once('SIGINT', abort).once('SIGTERM', abort);

const freePort = () => new Promise<number>((resolve, reject) => {
  const server = createServer().once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});

if (!tool(join(binDir, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'])) {
  fail('initdb failed');
}
// fsync=off: this cluster is thrown away after the run, so durability is not worth the time.
let port = 0;
let options = '';
for (let attempt = 0; attempt < 3 && !started; attempt++) {
  port = await freePort(); // a moment passes between choosing the port and binding it: retry if it was taken
  options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`;
  started = tool(pgCtl, ['-D', dataDir, '-o', options, '-l', log, '-w', 'start']);
}
if (!started) fail('the PostgreSQL cluster did not start; its log:');

const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
try {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('SELECT 1');
  await client.end();
} catch (err) {
  fail(`the cluster started but does not answer (${(err as Error).message}); its log:`);
}

process.off('SIGINT', abort).off('SIGTERM', abort);
const code = await runChild({
  SG_TEST_POSTGRES: url,
  SG_TEST_PG_CTL: JSON.stringify({ pgCtl, dataDir, runAs, options, log }),
});
cleanup();
process.exit(code);
