/** A stand-in for the payment server's merchant API: records each signed call and answers like the server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoStore } from '../../demo/store/index';
import type { ProjectRegistration } from '../../demo/store/credentials';
import { shopper, PUBLIC_URL } from './harness';

export const WEBHOOK_SECRET = `whsec_${Buffer.from('a test secret of 24 bytes').toString('base64')}`;

export type RecordedCall = { method: string; headers: Headers; raw: string; body: any };

export function storeWithFakeApi(opts: { failWith?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sg-demo-unit-'));
  const calls: RecordedCall[] = [];
  const registrations: ProjectRegistration[] = [];
  const logs: string[] = [];
  let sessions = 0;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = String(input);
    const raw = String(init?.body);
    const method = url.replace(`${PUBLIC_URL}/api/v1/`, '');
    calls.push({ method, headers: new Headers(init?.headers), raw, body: JSON.parse(raw) });
    if (opts.failWith) return Response.json({ status: 'error', error: { code: 'unauthorized', description: 'nope' } }, { status: opts.failWith });
    if (method === 'session/create') return Response.json({ status: 'ok', session: { id: `ps_test${++sessions}` } });
    if (method === 'token') return Response.json({ status: 'ok', public_token: `pt_for_${JSON.parse(raw).session_id}` });
    return Response.json({ status: 'error', error: { code: 'not_found', description: method } }, { status: 404 });
  };
  const store = demoStore({
    publicUrl: PUBLIC_URL,
    dataDir: dir,
    fetch,
    registerProject: (p) => {
      registrations.push(p);
      return { webhookSecret: WEBHOOK_SECRET };
    },
    log: (line) => logs.push(line),
  });
  return {
    dir,
    store,
    calls,
    registrations,
    logs,
    shopper: () => shopper((path, init) => store.app.request(`${PUBLIC_URL}${path}`, init)),
    async close() {
      await store.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
