/**
 * A second sg-checkout as a real upstream gateway for the Smart Glocal adapter's tests: a child
 * process (`node --import tsx server/main.ts`) on a free port with its own DATA_DIR and
 * `ACQUIRER=sandbox`, and a project registered there with the CLI, exactly as an operator would.
 * Its merchant API is the Smart Glocal protocol, so nothing of the protocol is mocked.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 30_000;

export type Upstream = {
  /** Its origin, `http://127.0.0.1:<port>`. */
  url: string;
  /** Our project's name there. */
  project: string;
  /** Our private key for that project (its public half is registered there). */
  privateKeyPem: string;
  publicKeyPem: string;
  dataDir: string;
  /** The upstream's public key for its X-PARTNER-SIGN webhooks, when the project was added with `webhookSigning: 'smartglocal'`. */
  webhookPublicKeyPem: string | null;
  /** What the process printed so far (for failure messages). */
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s); `keepData` leaves DATA_DIR for a restart. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
};

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

function cli(dataDir: string, publicUrl: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'server/cli/main.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, PUBLIC_URL: publicUrl, DATABASE_URL: '' } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Starts an upstream sg-checkout and registers project `project` there, its webhooks going to
 * `webhookUrl` (default: a closed port, for tests that read `session/status` instead).
 */
export async function startUpstream(
  opts: { project?: string; webhookUrl?: string; confirmation?: 'auto' | 'manual'; webhookSigning?: 'standard' | 'smartglocal'; env?: Record<string, string> } = {},
): Promise<Upstream> {
  const project = opts.project ?? 'gateway';
  const dir = mkdtempSync(join(tmpdir(), 'sg-upstream-'));
  const dataDir = join(dir, 'data');
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  writeFileSync(join(dir, 'public.pem'), keys.publicKey);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const args = ['project', 'add', '--name', project, '--public-key', join(dir, 'public.pem'), '--webhook-url', opts.webhookUrl ?? 'http://127.0.0.1:9/hooks'];
  if (opts.confirmation) args.push('--confirmation', opts.confirmation);
  if (opts.webhookSigning) args.push('--webhook-signing', opts.webhookSigning);
  const added = await cli(dataDir, url, args);
  if (added.code !== 0) throw new Error(`upstream: \`project add\` failed (${added.code}): ${added.stderr.trim() || added.stdout.trim()}`);
  const printed = JSON.parse(added.stdout) as { webhook_public_key?: string };

  const started = await launch(dataDir, port, url, opts.env ?? {});
  return {
    url,
    project,
    privateKeyPem: keys.privateKey,
    publicKeyPem: keys.publicKey,
    dataDir,
    webhookPublicKeyPem: printed.webhook_public_key ?? null,
    output: started.output,
    async stop(stopOpts = {}) {
      await started.stop();
      if (!stopOpts.keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs server/main.ts on `port` over `dataDir` until /ready answers. */
async function launch(dataDir: string, port: number, url: string, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, PUBLIC_URL: url, ACQUIRER: 'sandbox', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`upstream sg-checkout exited (${exitCode}) before it was ready:\n${output}`);
    try {
      const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`upstream sg-checkout was not ready after ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    output: () => output,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}
