/**
 * sg-checkout as a separate process, as an operator runs it: `server/main.ts` on a loopback port
 * (started, killed and started again on the same port and data), its CLI, and the free port to
 * put it on. The instance tests, the upstream pair and the Smart Glocal adapter's upstream all
 * start their servers here.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = join(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'server/main.ts');
const CLI = join(ROOT, 'server/cli/main.ts');
const START_TIMEOUT_MS = 30_000;

/** Every client of these tests is 127.0.0.1: the per-address (and per-session) limits would count them all as one customer. */
export const NO_CLIENT_LIMITS = 'card_tokens_per_address=off,card_payments_per_address=off,card_tokens_per_session=off,card_payments_per_session=off,card_payments_per_card=off';

/** A port nobody listens on right now (the kernel's pick, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export type ServerProcess = {
  name: string;
  url: string;
  /** Starts (or starts again) the process and waits until /ready answers. */
  start(): Promise<void>;
  /** Sends the signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly running: boolean;
  /** The process id while it runs (the benchmark reads its memory). */
  readonly pid: number | undefined;
  /** Everything the process printed, for a failure's message. */
  output(): string;
};

/**
 * `server/main.ts` on `port` with exactly `env` (plus PORT and PUBLIC_URL): the caller passes
 * `process.env` in when it wants it. `SG_NODE_ARGS` in `env` adds node flags (--cpu-prof, say).
 */
export function serverProcess(name: string, port: number, env: NodeJS.ProcessEnv): ServerProcess {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  const url = `http://127.0.0.1:${port}`;
  return {
    name,
    url,
    get running() {
      return child !== null;
    },
    get pid() {
      return child?.pid;
    },
    output: () => log,
    async start() {
      const nodeArgs = env.SG_NODE_ARGS ? env.SG_NODE_ARGS.split(' ') : [];
      const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', MAIN], { cwd: ROOT, env: { ...env, PORT: String(port), PUBLIC_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      void exited.then(() => {
        if (child === proc) child = null;
      });
      proc.stdout!.on('data', (d: Buffer) => (log += d));
      proc.stderr!.on('data', (d: Buffer) => (log += d));
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (Date.now() < deadline) {
        if (child !== proc) throw new Error(`${name} exited while starting:\n${log}`);
        if (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false)) return;
        await sleep(100);
      }
      proc.kill('SIGKILL');
      throw new Error(`${name} was not ready in ${START_TIMEOUT_MS / 1000} s:\n${log}`);
    },
    async kill(signal = 'SIGKILL') {
      child?.kill(signal);
      await exited;
    },
  };
}

/** Runs the CLI (`npm run cli -- …`) on the SQLite store in `dataDir` and returns the JSON it printed; throws with its error line when it fails. */
export function cli(dataDir: string, publicUrl: string, args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, PUBLIC_URL: publicUrl, DATABASE_URL: '' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`cli ${args.slice(0, 2).join(' ')} failed (${typeof error.code === 'number' ? error.code : 1}): ${stderr.trim() || stdout.trim()}`));
      else resolve(JSON.parse(stdout));
    });
  });
}
