/** `npm start`: the API, the public API, the sandbox and the docs on PORT, data under DATA_DIR (or in PostgreSQL, DATABASE_URL). */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { configFromEnv, dbFile } from './config';
import { createServer } from './app';
import { mountDemo } from '../demo/mount';
import { SmartGlocalAcquirer } from './acquirers/smartglocal/adapter';
import { smartGlocalConfigFromEnv } from './acquirers/smartglocal/config';
import { openStorage } from './store/open';
import { loadServerKey } from './server-key';

const config = configFromEnv();
const serverKey = (() => {
  try {
    return loadServerKey({ dataDir: config.dataDir });
  } catch (error) {
    console.error(`sg-checkout cannot load its key: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
})();
// A real rail's settings are checked before anything opens: a typo is one line, not a failed payment.
const upstream = (() => {
  if (config.acquirer !== 'smartglocal') return null;
  try {
    return smartGlocalConfigFromEnv();
  } catch (error) {
    console.error(`sg-checkout cannot use ACQUIRER=smartglocal: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
})();
const storage = await openStorage(config, 'flusher').catch((error: unknown) => {
  // Before any request: nothing to drain. A supervisor (systemd, Kubernetes) starts it again.
  console.error(`sg-checkout cannot open its storage: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
const server = createServer({
  dbFile: dbFile(config),
  storage,
  publicUrl: config.publicUrl,
  sessionLifetimeMinutes: config.sessionLifetimeMinutes,
  rateLimits: config.rateLimits,
  trustProxy: config.trustProxy,
  fetchBankLogos: config.fetchBankLogos,
  serverKey,
  railTimeoutMs: config.acquirerTimeoutMs,
  ...(upstream ? { acquirer: () => new SmartGlocalAcquirer({ ...upstream, timeoutMs: config.acquirerTimeoutMs }) } : {}),
});
// The demo store and console: beside the product, on by default only with the sandbox (DEMO=on|off).
const demo = config.demo ? mountDemo(server, { publicUrl: config.publicUrl, dataDir: config.dataDir }) : null;
server.start();
// Several instances starting at once may race to register the demo store: the loser tries again on its first request.
await demo?.start().catch((error: unknown) => console.error(`demo store: not registered yet (${error instanceof Error ? error.message : String(error)}); trying again on its first request`));

if (storage.kind === 'postgres' && serverKey.inDataDir) {
  console.log(`note: the server key is this instance's own (${serverKey.source}): give every instance on this database the same one with SERVER_KEY_FILE, or X-PARTNER-SIGN webhooks verify only with the key of the instance that sent them`);
}
if (config.host !== '127.0.0.1' && !config.trustProxy) {
  console.log('note: TRUST_PROXY is off, so every client is the TCP peer: behind a reverse proxy all customers would share one address and its rate limits (set TRUST_PROXY=on there)');
}

const http = serve({ fetch: server.app.fetch, port: config.port, hostname: config.host }, (info) => {
  const data = storage.kind === 'postgres' ? `data in PostgreSQL (${new URL(config.databaseUrl!).host})` : `data in ${config.dataDir}`;
  const rail = config.acquirer === 'sandbox' ? 'the sandbox acquirer (test mode: no money moves)' : `acquirer ${config.acquirer}`;
  console.log(`sg-checkout listening on ${config.publicUrl} (${info.address} port ${info.port}), ${data}, ${rail}`);
  if (demo) {
    console.log(`  demo store:        ${config.publicUrl}/`);
    console.log(`  developer console: ${config.publicUrl}/console`);
  }
  console.log(`  API reference:     ${config.publicUrl}/docs`);
  console.log('  your own project:  npm run cli -- project add --name shop --public-key public.pem --webhook-url http://localhost:4000/webhooks');
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    // Drain: /ready turns 503 (the load balancer stops sending), waiting long-polls answer now,
    // requests under way finish (their answers wait for their writes to reach the disk) and idle
    // keep-alive connections close; a connection still open after 10 s is cut. Then the webhook
    // batch under way is recorded and the storage closes.
    server.drain();
    const cut = setTimeout(() => (http as Server).closeAllConnections(), 10_000).unref();
    http.close(() => {
      clearTimeout(cut);
      void server.stop().then(() => process.exit(0));
    });
    (http as Server).closeIdleConnections();
  });
}
