/**
 * The widget's browser tests: `npm run test:widget`, in the system's headless Chromium.
 *
 * - TypeScript through esbuild with the repo's tsconfig (Lit's decorators need
 *   `experimentalDecorators`, which esbuild only reads from the tsconfig it is given);
 * - qrcode's core and jsQR are CommonJS: they are pre-bundled to ES modules with esbuild and
 *   served under fixed paths (web-test-runner cannot import CommonJS by itself);
 * - `test/widget/csp/` pages are served with the strict CSP that the issue names, so a test can
 *   load the widget under it in an iframe;
 * - `*.node.test.ts` files run in plain Node (`node --import tsx --test …`), not here.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The Chromium path and flags live in one place (test/support/chromium.ts), shared with the e2e tests. */
async function chromiumSettings() {
  const source = await readFile(resolve(root, 'test/support/chromium.ts'), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'esm' });
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}
const { CHROME_PATH, CHROME_ARGS } = await chromiumSettings();

/** CommonJS packages the widget or its tests import, served as ES modules: import specifier → served path and entry. */
const COMMONJS = {
  'qrcode/lib/core/qrcode.js': { path: '/__cjs__/qrcode-core.js', entry: "export { create } from 'qrcode/lib/core/qrcode.js';" },
  jsqr: { path: '/__cjs__/jsqr.js', entry: "import jsQR from 'jsqr'; export default jsQR;" },
};

function commonJsPlugin() {
  const bundles = new Map();
  return {
    name: 'commonjs-prebundle',
    resolveImport({ source }) {
      return COMMONJS[source]?.path;
    },
    async serve(context) {
      const found = Object.values(COMMONJS).find((c) => c.path === context.path);
      if (!found) return undefined;
      if (!bundles.has(found.path)) {
        const result = await build({
          stdin: { contents: found.entry, resolveDir: root, loader: 'js' },
          bundle: true,
          format: 'esm',
          platform: 'browser',
          write: false,
          logLevel: 'silent',
        });
        bundles.set(found.path, result.outputFiles[0].text);
      }
      return { body: bundles.get(found.path), type: 'js' };
    },
  };
}

/** What a strict merchant page sends: no inline script or style, no eval, Trusted Types for Lit only. */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; require-trusted-types-for 'script'; trusted-types lit-html";

/** CRC-16/CCITT-FALSE, as the FPS link's `crc` (server/sandbox/fps.ts). */
function crc16(text) {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * The public API for the strict-CSP page, answered by the dev server itself so that the widget's
 * requests go through the page's `connect-src` like a merchant's would: one session, FPS first;
 * starting FPS or SberPay answers a QR, long-polls wait (up to 5 s) and answer the same view.
 */
function cspPageApi() {
  const prefix = '/csp-api/public/v1/sessions/pt_cspcspcspcspcspcspcs';
  const now = () => Date.now();
  let view = null;
  const fresh = () => ({
    session_id: 'ps_cspcspcspcspcspcspcs',
    version: 1,
    status: 'created',
    close_reason: null,
    amount_details: { amount: 149900, currency: 'RUB' },
    description: 'Годовая подписка',
    merchant: 'demo-shop',
    methods: ['fps', 'card', 'sberpay'],
    saved_card: null,
    return_url: 'https://shop.example.test/thanks',
    show_result: true,
    consent: null,
    expires_at: new Date(now() + 3_600_000).toISOString(),
    payment: null,
  });
  const unsigned = 'https://qr.nspk.ru/AD5C9T1QX7L0M3B8V2N6Z4R1K8J0H2G4?type=02&bank=100000000111&sum=149900&cur=RUB';
  const links = { fps: `${unsigned}&crc=${crc16(unsigned)}`, sberpay: 'http://localhost/sandbox/sberpay/0f1e2d3c4b5a69788796a5b4c3d2e1f0' };
  const send = (context, body, status = 200) => {
    context.status = status;
    context.type = 'application/json';
    context.body = JSON.stringify(status === 200 ? { ...body, server_time: new Date(now()).toISOString() } : body);
  };
  return async function cspApi(context, next) {
    if (!context.path.startsWith('/csp-api/')) return next();
    if (context.path === prefix && context.method === 'GET') {
      if (!context.query.version) view = fresh();
      else await new Promise((resolve) => setTimeout(resolve, 5_000));
      return send(context, view);
    }
    if (context.path === `${prefix}/payments` && context.method === 'POST') {
      const body = JSON.parse(await new Promise((resolve) => {
        let text = '';
        context.req.on('data', (chunk) => (text += chunk));
        context.req.on('end', () => resolve(text));
      }));
      if (body.method !== 'fps' && body.method !== 'sberpay') return send(context, { error: { code: 'invalid_request', description: 'not in this test' } }, 400);
      const payment = {
        id: `pm_csp${String(view.version).padStart(16, '0')}`,
        method: body.method,
        status: 'in_progress',
        customer_interaction: { type: 'qr', redirect: { url: links[body.method], method: 'GET' }, expires_at: new Date(now() + 300_000).toISOString() },
      };
      view = { ...view, version: view.version + 1, status: 'in_progress', payment };
      return send(context, view);
    }
    if (context.path === '/csp-api/widget/card-frame.html') {
      context.type = 'text/html';
      context.body = '<!doctype html><title>Card</title><p>card fields</p>';
      return undefined;
    }
    return send(context, { error: { code: 'not_found', description: `no route ${context.method} ${context.path}` } }, 404);
  };
}

function strictCspMiddleware(context, next) {
  return next().then(() => {
    if (context.path.startsWith('/test/widget/csp/') && context.path.endsWith('.html')) {
      context.set('Content-Security-Policy', STRICT_CSP);
    }
  });
}

export default {
  rootDir: root,
  files: ['test/widget/**/*.test.ts', '!test/widget/**/*.node.test.ts'],
  // Lit's browser production builds, without dev-mode warnings. (The bundle uses Lit's "node" builds so
  // that it imports without a DOM; that is what ssr-import.node.test.ts checks, on the built bundle.)
  // Node resolution also finds the widget's extensionless imports of its own .ts files.
  nodeResolve: { exportConditions: ['browser', 'import', 'default'] },
  concurrency: 1,
  concurrentBrowsers: 1,
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testsFinishTimeout: 180_000,
  testFramework: { config: { timeout: 10_000 } },
  middleware: [strictCspMiddleware, cspPageApi()],
  plugins: [
    commonJsPlugin(),
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: resolve(root, 'tsconfig.json') }),
  ],
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath: CHROME_PATH, headless: true, args: CHROME_ARGS },
    }),
  ],
};
