/**
 * Wakes the long-polls waiting on a session when its version moves: the storage tells it of
 * every committed change (`Storage.onSessionChanged`), this instance's and, on PostgreSQL, every
 * other's. One small closure per waiting client: this is what the 1,000-client benchmark measures.
 */
/** See SessionNotifier.watch. */
export type Watch = {
  readonly changed: boolean;
  /** Resolves true once the session changes (at once if it already has), false after `timeoutMs` or on abort. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  close(): void;
};

export class SessionNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly listeners: ((sessionId: string | null) => void)[] = [];
  private stopped = false;

  /**
   * Watches one session from now on. Taken before its view is read, so that a change committing
   * while the read is under way (reads are async) is not missed: then `changed` is true, the
   * view read may be stale (not to be cached), and `wait` returns at once. `close` it when done.
   */
  watch(sessionId: string): Watch {
    let changed = this.stopped;
    let wake: (() => void) | null = null;
    let set = this.waiters.get(sessionId);
    if (!set) this.waiters.set(sessionId, (set = new Set()));
    const onChange = () => {
      changed = true;
      wake?.();
    };
    set.add(onChange);
    return {
      get changed() {
        return changed;
      },
      wait(timeoutMs, signal) {
        if (changed) return Promise.resolve(true);
        return new Promise((resolve) => {
          const done = (woken: boolean) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            wake = null;
            resolve(woken);
          };
          const onAbort = () => done(false);
          const timer = setTimeout(() => done(false), timeoutMs);
          signal?.addEventListener('abort', onAbort, { once: true });
          wake = () => done(true);
        });
      },
      close: () => {
        set!.delete(onChange);
        if (set!.size === 0 && this.waiters.get(sessionId) === set) this.waiters.delete(sessionId);
      },
    };
  }

  /** Calls `listener` on every change of any session (the public view cache drops its copy). */
  subscribe(listener: (sessionId: string | null) => void): void {
    this.listeners.push(listener);
  }

  /** `null`: any session may have changed (changes may have been missed), so every waiter looks again. */
  notify(sessionId: string | null): void {
    for (const listener of this.listeners) listener(sessionId);
    const sets = sessionId === null ? [...this.waiters.values()] : [this.waiters.get(sessionId)];
    for (const set of sets) if (set) for (const wake of [...set]) wake();
  }

  /** The server is stopping: every waiter answers now with what it has, and nobody waits any more. */
  stop(): void {
    this.stopped = true;
    this.notify(null);
  }

  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }
}
