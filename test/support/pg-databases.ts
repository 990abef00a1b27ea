/**
 * Per-test PostgreSQL databases and a server restart for fault tests, on the server that
 * with-postgres.ts (the test command) provides: SG_TEST_POSTGRES is its admin URL, SG_TEST_PG_CTL
 * how to stop and start it (only set for a throwaway cluster of ours, not for DATABASE_URL).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export const postgresAvailable = (): boolean => Boolean(process.env.SG_TEST_POSTGRES);
export const canRestartPostgres = (): boolean => Boolean(process.env.SG_TEST_PG_CTL);

function adminUrl(): string {
  const url = process.env.SG_TEST_POSTGRES;
  if (!url) {
    throw new Error('SG_TEST_POSTGRES is not set: run the tests through npm test, which starts PostgreSQL, or set DATABASE_URL');
  }
  return url;
}

async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates an empty database (sg_t_<random hex>) and returns its URL and how to drop it. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sg_t_${randomBytes(8).toString('hex')}`;
  await asAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE ends the connections still open to it (a pool a test forgot to end).
    drop: () => asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

type PgCtl = { pgCtl: string; dataDir: string; runAs: string | null; options: string; log: string };

/**
 * Kills the server (`-m immediate`: like a crash, no clean shutdown), keeps it down for downMs,
 * then starts it again on the same port and waits until it accepts connections. Every test file
 * sharing the cluster sees the outage, so fault tests should not run beside other files.
 */
export async function restartPostgres(downMs: number): Promise<void> {
  const raw = process.env.SG_TEST_PG_CTL;
  if (!raw) {
    throw new Error('SG_TEST_PG_CTL is not set: only a cluster started by test/support/with-postgres.ts can be restarted (an external DATABASE_URL cannot)');
  }
  const ctl = JSON.parse(raw) as PgCtl;
  const pgCtl = (args: string[]) => {
    const argv = ctl.runAs ? ['runuser', '-u', ctl.runAs, '--', ctl.pgCtl, ...args] : [ctl.pgCtl, ...args];
    return run(argv[0]!, argv.slice(1), { cwd: dirname(ctl.dataDir) });
  };
  await pgCtl(['-D', ctl.dataDir, '-m', 'immediate', 'stop']);
  await sleep(downMs);
  await pgCtl(['-D', ctl.dataDir, '-o', ctl.options, '-l', ctl.log, '-w', 'start']);
}
