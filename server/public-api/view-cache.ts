/**
 * The public view is read far more often than it changes (every widget polls it), so it is kept
 * rendered: per session, the JSON of its current version, valid until the session's next
 * deadline. Every committed change to a session drops its entry (the service's after-commit
 * hook, and on PostgreSQL another instance's change through LISTEN/NOTIFY), and entries expire
 * after a few seconds anyway, so even a change whose notice was lost is seen soon after.
 */
export type CachedView = {
  version: number;
  /** Whether the session can still change (created or in progress): only then is a long-poll worth waiting. */
  open: boolean;
  /** The view without `server_time`, which each reply adds. */
  json: string;
  /** The session's next deadline: the view may change by itself then. */
  deadline: number;
  /** min(deadline, render time + VIEW_TTL_MS). */
  validUntil: number;
};

export const VIEW_TTL_MS = 5_000;
/** Token → session entries never change; the cap only bounds memory. */
const MAX_TOKENS = 100_000;

export class ViewCache {
  private readonly tokens = new Map<string, { sessionId: string; project: string }>();
  private readonly views = new Map<string, CachedView>();

  /** Keyed by the token itself, in memory only (the database keeps just its hash): a hit costs no hashing. */
  token(token: string) {
    return this.tokens.get(token);
  }

  rememberToken(token: string, entry: { sessionId: string; project: string }): void {
    if (this.tokens.size >= MAX_TOKENS) this.tokens.clear();
    this.tokens.set(token, entry);
  }

  view(sessionId: string, now: number): CachedView | undefined {
    const hit = this.views.get(sessionId);
    if (hit && now < hit.validUntil) return hit;
    if (hit) this.views.delete(sessionId);
    return undefined;
  }

  rememberView(sessionId: string, view: CachedView): void {
    this.views.set(sessionId, view);
  }

  /** null: every view (changes may have been missed). */
  invalidate(sessionId: string | null): void {
    if (sessionId === null) this.views.clear();
    else this.views.delete(sessionId);
  }
}
