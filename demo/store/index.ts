/**
 * The demo store: a small shop that integrates sg-checkout exactly as a merchant's backend
 * would. Mount `app` at `/` of the payment server; it serves the shop page, creates orders and
 * their sessions through the signed merchant API over HTTP, and receives verified webhooks.
 *
 *   const demo = demoStore({ publicUrl, dataDir, registerProject: registerInStore(store) });
 *   app.route('/', demo.app);
 *   demo.start();   // optional: the first request that needs the backend starts it anyway
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { Webhook } from 'standardwebhooks';
import { STORE_PAGE_CSP } from '../csp';
import { DEMO_DIST, serveFile } from '../static-files';
import { DEMO_LOGO_PATH, loadCredentials, type RegisterProject } from './credentials';
import { LOGO_SVG } from './product-art';
import { merchantClient } from './merchant-client';
import { OrdersDb } from './orders-db';
import { orderRoutes } from './order-routes';
import { webhookRoute } from './webhook-route';
import { shopPage } from './shop-page';
import { pageLanguage } from '../../server/pages/language';

export type { RegisterProject, ProjectRegistration } from './credentials';

export type DemoStoreOptions = {
  /** The payment server's origin; the store lives on it too, so it is also the store's origin. */
  publicUrl: string;
  /** DATA_DIR: the store keeps its key pair, webhook secret and orders in `<dataDir>/demo-store/`. */
  dataDir: string;
  /** What the store calls the merchant API with (tests route it to an in-process server). */
  fetch?: typeof fetch;
  registerProject: RegisterProject;
  /** Show the sandbox phone beside the widget (default true: the embedded rail is the sandbox). */
  sandbox?: boolean;
  /** Where the store's log lines go (default console.log with a "demo store:" prefix). */
  log?: (line: string) => void;
  /** Where the built page script is (default dist/demo). */
  distDir?: string;
};

type Backend = { orders: OrdersDb; client: ReturnType<typeof merchantClient>; webhook: Webhook };

export function demoStore(options: DemoStoreOptions) {
  const dir = join(options.dataDir, 'demo-store');
  const log = options.log ?? ((line: string) => console.log(`demo store: ${line}`));
  const secureCookies = options.publicUrl.startsWith('https:');
  let backend: Promise<Backend> | null = null;

  /** Keys, registration and the orders database, made once, on first need. */
  const started = (): Promise<Backend> =>
    (backend ??= loadCredentials(dir, options.publicUrl, options.registerProject).then(
      (credentials) => ({
        orders: OrdersDb.open(join(dir, 'orders.sqlite')),
        client: merchantClient({ apiUrl: options.publicUrl, project: credentials.project, privateKeyPem: credentials.privateKeyPem, fetch: options.fetch }),
        webhook: new Webhook(credentials.webhookSecret),
      }),
      (error: unknown) => {
        backend = null; // a registration that failed (the database was down) is tried again on the next request
        throw error;
      },
    ));

  const app = new Hono();
  app.get('/', (c) => {
    c.header('Content-Security-Policy', STORE_PAGE_CSP);
    c.header('Referrer-Policy', 'same-origin');
    // Accept-Language, or the header's ru/en switch (`?lang=`): the page and the widget in it follow it.
    return c.html(shopPage({ sandbox: options.sandbox ?? true, lang: pageLanguage(c) }));
  });
  app.get(DEMO_LOGO_PATH, (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(LOGO_SVG, 200, { 'Content-Type': 'image/svg+xml' });
  });
  serveFile(app, '/demo/store.css', fileURLToPath(new URL('./store.css', import.meta.url)), 'css');
  serveFile(app, '/demo/sandbox-phone.css', fileURLToPath(new URL('../sandbox-phone/sandbox-phone.css', import.meta.url)), 'css');
  serveFile(app, '/demo/store-page.js', join(options.distDir ?? DEMO_DIST, 'store-page.js'), 'js');
  app.route('/', orderRoutes(async () => ({ ...(await started()), secureCookies, log })));
  app.route('/', webhookRoute(async () => ({ ...(await started()), log })));

  return {
    app,
    /** Makes the key pair on first start, registers the project and opens the orders database. */
    async start(): Promise<void> {
      await started();
    },
    async stop(): Promise<void> {
      const running = backend;
      backend = null;
      (await running?.catch(() => null))?.orders.close();
    },
  };
}

export type DemoStore = ReturnType<typeof demoStore>;
