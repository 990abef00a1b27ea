/**
 * The builds (dist/widget/, dist/demo/):
 *   `vite build`               the widget: sg-checkout.mjs (ES module) and the chunks it loads when needed (chunks/)
 *   `vite build --mode loader` sg-checkout.js, the classic script tag's loader of sg-checkout.mjs
 *   `vite build --mode frame`  the card iframe: card-frame.html with its script and styles
 *   `vite build --mode link`   link-page.js, the behaviour of the payment link page /l/:id
 *   `vite build --mode demo-store|demo-console`  the demo store's and the console's page scripts (dist/demo)
 * Both minified: what is measured in bench/ is what merchants ship.
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig(({ mode }) => {
  const shared = {
    esbuild: { target: 'es2022' },
    resolve: {
      // Lit's "node" builds guard their top-level DOM access, so the module imports without a DOM;
      // the full SSR shim they import is swapped for a tiny one.
      conditions: ['node', 'module', 'import', 'production', 'default'],
      alias: { '@lit-labs/ssr-dom-shim': here('./widget/ssr-dom-shim.ts') },
    },
  };
  if (mode === 'frame') {
    return {
      ...shared,
      root: here('./widget/card-frame'),
      base: './',
      build: {
        outDir: here('./dist/widget'),
        emptyOutDir: false,
        target: 'es2022',
        assetsDir: 'frame',
        minify: true,
        modulePreload: false,
        rolldownOptions: { input: here('./widget/card-frame/card-frame.html') },
      },
    };
  }
  /** One classic script (an IIFE) built from `entry` into `outDir` as `fileName`: the pages' CSP allows no inline script. */
  const classicScript = (entry: string, name: string, outDir: string, fileName: string) => ({
    ...shared,
    build: { outDir: here(outDir), emptyOutDir: false, target: 'es2022', minify: true, lib: { entry: here(entry), name, formats: ['iife' as const], fileName: () => fileName } },
  });
  if (mode === 'link') return classicScript('./widget/link-page/link-page.ts', 'SgLinkPage', './dist/widget', 'link-page.js');
  if (mode === 'demo-store' || mode === 'demo-console') {
    // The demo pages' behaviour, one classic script each.
    const page = mode === 'demo-store' ? 'store/store-page' : 'console/console-page';
    return classicScript(`./demo/${page}.ts`, 'SgDemoPage', './dist/demo', `${page.split('/')[1]}.js`);
  }
  // sg-checkout.js: the classic script that imports sg-checkout.mjs (widget/loader.ts).
  if (mode === 'loader') return classicScript('./widget/loader.ts', 'SgCheckoutLoader', './dist/widget', 'sg-checkout.js');
  return {
    ...shared,
    build: {
      outDir: here('./dist/widget'),
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      // What each chunk imports, statically or when needed: bench/widget.bench.ts sums what a page loads first.
      manifest: true,
      rolldownOptions: {
        // The entry may export internals its chunks import (Lit, the marks), so they stay in it
        // instead of a shared chunk that would cost the page another request before the first render.
        preserveEntrySignatures: 'allow-extension',
        output: {
          // Rolldown still splits what the entry and its chunks share into a chunk of its own
          // (rolldown#10731); this group keeps everything the entry loads statically in the entry.
          codeSplitting: { groups: [{ name: 'sg-checkout', tags: ['$initial'] }] },
          // Library builds leave ES output unminified unless the output itself asks for it.
          minify: true,
          // Content-hashed, so the server caches them as immutable (server/pages/widget-assets.ts).
          chunkFileNames: 'chunks/[name]-[hash].js',
        },
      },
      lib: { entry: here('./widget/sg-checkout.ts'), formats: ['es'], fileName: () => 'sg-checkout.mjs' },
    },
  };
});
