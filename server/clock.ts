/** The server's clock: every deadline is decided by it, and tests replace it with a manual one. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when a test tells it to. */
export class ManualClock implements Clock {
  constructor(private nowMs = Date.parse('2026-01-15T10:00:00Z')) {}
  now(): number {
    return this.nowMs;
  }
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const MINUTE_MS = 60_000;
