/**
 * The demo store and the developer console, mounted beside the product (by server/main.ts, and
 * by the tests that use them): they are what a developer tries first with `npm start`, not part
 * of the gateway that `createServer` builds.
 */
import type { Server } from '../server/app';
import { demoStore } from './store/index';
import { registerInStore } from './store/register-in-store';
import { developerConsole } from './console/index';

export type DemoOptions = {
  publicUrl: string;
  /** The data folder: the store keeps its key pair and its orders database under it. */
  dataDir: string;
  /** What the store calls the merchant API with (tests route it in-process). */
  fetch?: typeof fetch;
  /** Where the store's log lines go (default console.log); tests keep them for their failure messages. */
  log?: (line: string) => void;
};

export function mountDemo(server: Server, options: DemoOptions) {
  const demo = demoStore({ publicUrl: options.publicUrl, dataDir: options.dataDir, fetch: options.fetch, registerProject: registerInStore(server.store), log: options.log });
  server.app.route('/', demo.app);
  server.app.route('/', developerConsole({ store: server.store, sessions: server.sessions, rails: server.rails, sender: server.sender, publicUrl: options.publicUrl }));
  server.onStop(() => demo.stop());
  return demo;
}
