/** The console page's client of `/console/api/*`, typed by the read model that answers it. */
import type { ConsoleReadModel } from './read-model';

export type SessionSummary = Awaited<ReturnType<ConsoleReadModel['sessions']>>[number];
export type SessionDetail = NonNullable<Awaited<ReturnType<ConsoleReadModel['session']>>>;
export type SubscriptionSummary = Awaited<ReturnType<ConsoleReadModel['subscriptions']>>[number];
export type LinkSummary = Awaited<ReturnType<ConsoleReadModel['links']>>[number];
export type ProjectSummary = Awaited<ReturnType<ConsoleReadModel['projects']>>[number];

/** GETs `path` and answers its text (compared to skip redraws) and parsed body. */
export async function getJson<T>(path: string): Promise<{ text: string; body: T }> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  const text = await res.text();
  return { text, body: JSON.parse(text) as T };
}

/** POSTs a console action; answers the server's error description when it refuses. */
export async function postAction(path: string, body: unknown): Promise<{ ok: true } | { ok: false; message: string }> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).catch(() => null);
  if (res?.ok) return { ok: true };
  const reply = (await res?.json().catch(() => null)) as { error?: { description?: string } } | null;
  return { ok: false, message: reply?.error?.description ?? 'the server did not answer' };
}
