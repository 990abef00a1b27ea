/**
 * A second sg-checkout as a real upstream gateway for the Smart Glocal adapter's tests: a child
 * process (`node --import tsx server/main.ts`) on a free port with its own DATA_DIR and
 * `ACQUIRER=sandbox`, and a project registered there with the CLI, exactly as an operator would.
 * Its merchant API is the Smart Glocal protocol, so nothing of the protocol is mocked.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, freePort, serverProcess } from './server-process';

export { freePort } from './server-process';

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
  const printed = (await cli(dataDir, url, args)) as { webhook_public_key?: string };

  const server = serverProcess('upstream sg-checkout', port, { ...process.env, HOST: '127.0.0.1', DATA_DIR: dataDir, ACQUIRER: 'sandbox', DATABASE_URL: '', ...opts.env });
  await server.start();
  return {
    url,
    project,
    privateKeyPem: keys.privateKey,
    publicKeyPem: keys.publicKey,
    dataDir,
    webhookPublicKeyPem: printed.webhook_public_key ?? null,
    output: server.output,
    async stop(stopOpts = {}) {
      // SIGTERM drains; a server still up after 5 s is killed.
      const killer = setTimeout(() => void server.kill('SIGKILL'), 5000);
      await server.kill('SIGTERM');
      clearTimeout(killer);
      if (!stopOpts.keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}
