/**
 * `/widget/sg-checkout.js`, the script tag merchants copy: a few hundred bytes that import the
 * widget's ES build (`sg-checkout.mjs`, which loads its QR and bank-list chunks when they are
 * first shown) from the server this script came from. A classic script cannot be split into
 * chunks; a module can, and the widget then finds the server in its own `import.meta.url`.
 *
 * It works however it is included: a classic `<script src>` (with or without defer/async,
 * written by another script or not) knows itself as `document.currentScript`; under
 * `<script type="module" src>` that is null, so it looks for the tag whose src ends in
 * `/widget/sg-checkout.js`. Without a DOM (a server rendering the page) it does nothing.
 */
const OWN_PATH = '/widget/sg-checkout.js';

function ownUrl(): string | undefined {
  const current = document.currentScript as HTMLScriptElement | null;
  if (current?.src) return current.src;
  for (const script of document.querySelectorAll<HTMLScriptElement>('script[src]')) {
    if (new URL(script.src).pathname.endsWith(OWN_PATH)) return script.src;
  }
  return undefined;
}

if (typeof document !== 'undefined') {
  const url = ownUrl();
  if (url) import(/* @vite-ignore */ new URL('sg-checkout.mjs', url).href).catch((error: unknown) => console.error('sg-checkout: could not load the widget', error));
  else console.error(`sg-checkout: no <script> tag whose src ends in ${OWN_PATH}: include the widget with it, or import ${OWN_PATH.replace(/js$/, 'mjs')}`);
}
