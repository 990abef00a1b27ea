/**
 * Importing the widget where there is no DOM (a server rendering the merchant's page) must not
 * throw, nor leave browser globals behind that would fool other code into thinking it runs in a
 * browser. Runs in plain Node against the built bundle:
 *
 *   npm run build && node --import tsx --test test/widget/ssr-import.node.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';

const dist = (file: string) => new URL(`../../dist/widget/${file}`, import.meta.url);
const BROWSER_GLOBALS = ['window', 'document', 'customElements', 'HTMLElement', 'navigator', 'location', 'sessionStorage'] as const;

test('the ES module imports without a DOM, exports the element class and defines no browser global', async () => {
  const bundle = dist('sg-checkout.mjs');
  assert.ok(existsSync(bundle), `${bundle.pathname} is missing: run \`npm run build\` first`);
  // Node 21+ has a global navigator; on Node 20 there is none. Either way the import must not add the others.
  const before = Object.fromEntries(BROWSER_GLOBALS.map((name) => [name, typeof (globalThis as Record<string, unknown>)[name]]));
  assert.equal(before.document, 'undefined');
  assert.equal(before.customElements, 'undefined');

  const widget = (await import(bundle.href)) as { SgCheckout?: unknown };

  assert.equal(typeof widget.SgCheckout, 'function');
  const after = Object.fromEntries(BROWSER_GLOBALS.map((name) => [name, typeof (globalThis as Record<string, unknown>)[name]]));
  assert.deepEqual(after, before);
  assert.equal((globalThis as { customElements?: unknown }).customElements, undefined);
});

test('the classic script (the loader of the ES module) runs without a DOM too, and leaves nothing behind', () => {
  const script = dist('sg-checkout.js');
  assert.ok(existsSync(script), `${script.pathname} is missing: run \`npm run build\` first`);
  const sandbox: Record<string, unknown> = {};
  assert.doesNotThrow(() => runInNewContext(readFileSync(script, 'utf8'), sandbox, { filename: 'sg-checkout.js' }));
  assert.deepEqual(Object.keys(sandbox), []);
});
