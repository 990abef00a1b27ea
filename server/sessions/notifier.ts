/**
 * Wakes the long-polls waiting on a session when its version moves. One small closure per
 * waiting client: this is what the 1,000-client benchmark measures.
 */
export class SessionNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly listeners: ((sessionId: string) => void)[] = [];

  /** Resolves true when `notify(sessionId)` is called, false after `timeoutMs` or on abort. */
  wait(sessionId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
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
  subscribe(listener: (sessionId: string) => void): void {
    this.listeners.push(listener);
  }

  notify(sessionId: string): void {
    for (const listener of this.listeners) listener(sessionId);
    const set = this.waiters.get(sessionId);
    if (set) for (const wake of [...set]) wake();
  }

  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }
}
