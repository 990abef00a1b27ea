/**
 * Wakes the long-polls waiting on a session when its version moves: the storage tells it of
 * every committed change (`Storage.onSessionChanged`), this instance's and, on PostgreSQL, every
 * other's. One small closure per waiting client: this is what the 1,000-client benchmark measures.
 */
export class SessionNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly listeners: ((sessionId: string | null) => void)[] = [];
  private stopped = false;

  /** Resolves true when `notify(sessionId)` is called, false after `timeoutMs` or on abort. */
  wait(sessionId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      let set = this.waiters.get(sessionId);
      if (!set) this.waiters.set(sessionId, (set = new Set()));
      const done = (woken: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set!.delete(wake);
        if (set!.size === 0) this.waiters.delete(sessionId);
        resolve(woken);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      set.add(wake);
    });
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
