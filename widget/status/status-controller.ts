/**
 * Keeps the element's copy of the session current by long-polling the public API.
 *
 * - starts in `hostConnected`, stops in `hostDisconnected`;
 * - pauses while the tab is hidden, and checks at once when the customer comes back (from the
 *   bank app, typically, which is exactly when the answer is likely to have changed);
 * - backs off with jitter on errors, so a struggling server is not hammered by every open tab;
 * - stops at a final state;
 * - drops the answer of any request that a newer one superseded (an AbortController per run,
 *   as Lit's Task does), so an old answer can never overwrite a newer state.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SessionView } from '../api/public-api';

export type StatusSource = (signal: AbortSignal, since?: number) => Promise<SessionView>;

export type StatusControllerOptions = {
  /** Fetches the view; with `since`, waits for a newer version. */
  source: StatusSource;
  onView: (view: SessionView) => void;
  onError?: (error: unknown) => void;
  /** Errors after which polling stops instead of retrying (an unknown token, say). */
  isFatal?: (error: unknown) => boolean;
  /** Injected for tests: timers and randomness. */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: unknown) => void;
  random?: () => number;
  document?: Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'>;
};

export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 30_000;

const isFinal = (v: SessionView) => v.status === 'accepted' || v.status === 'cancelled' || v.status === 'error';

export class StatusController implements ReactiveController {
  view: SessionView | null = null;
  private run: AbortController | null = null;
  private retryTimer: unknown = null;
  private failures = 0;
  private connected = false;
  private readonly o: Required<Omit<StatusControllerOptions, 'onError' | 'document'>> & Pick<StatusControllerOptions, 'onError' | 'document'>;
  private stopped = false;

  constructor(host: ReactiveControllerHost, options: StatusControllerOptions) {
    this.o = {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (id) => globalThis.clearTimeout(id as number),
      random: Math.random,
      isFatal: () => false,
      document: globalThis.document,
      ...options,
    };
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    this.o.document?.addEventListener('visibilitychange', this.onVisibility);
    this.poll();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.o.document?.removeEventListener('visibilitychange', this.onVisibility);
    this.cancel();
  }

  /** Takes a view the element got from another call (start, renew) and restarts the wait from it. */
  accept(view: SessionView): void {
    if (this.view && view.version < this.view.version) return;
    this.apply(view);
    this.poll();
  }

  /** Checks now, dropping any request in flight (after a tab comes back, or "try again"). */
  refresh(): void {
    this.failures = 0;
    this.stopped = false;
    this.poll();
  }

  private onVisibility = () => {
    if (this.o.document?.visibilityState === 'visible') this.refresh();
    else this.cancel();
  };

  private cancel(): void {
    this.run?.abort();
    this.run = null;
    if (this.retryTimer !== null) this.o.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private poll(): void {
    this.cancel();
    if (!this.connected || this.stopped || this.o.document?.visibilityState === 'hidden') return;
    if (this.view && isFinal(this.view)) return;
    const run = new AbortController();
    this.run = run;
    this.o.source(run.signal, this.view?.version).then(
      (view) => {
        if (this.run !== run) return; // superseded
        this.failures = 0;
        this.apply(view);
        this.poll();
      },
      (error: unknown) => {
        if (this.run !== run || run.signal.aborted) return;
        this.failures++;
        this.o.onError?.(error);
        if (this.o.isFatal(error)) {
          this.stopped = true;
          return;
        }
        this.retryTimer = this.o.setTimeout(() => this.poll(), this.backoffMs());
      },
    );
  }

  /** Full jitter over an exponential ceiling: 1 s, 2 s, 4 s … up to 30 s. */
  backoffMs(): number {
    const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (this.failures - 1));
    return Math.round(ceiling / 2 + (this.o.random() * ceiling) / 2);
  }

  private apply(view: SessionView): void {
    if (this.view && view.version < this.view.version) return;
    this.view = view;
    this.o.onView(view);
  }
}
