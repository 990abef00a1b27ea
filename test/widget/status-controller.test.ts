import { expect } from '@open-wc/testing';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { SessionView } from '../../widget/api/public-api';
import { FIRST_RETRY_MS, MAX_RETRY_MS, StatusController } from '../../widget/status/status-controller';
import { sessionView } from './support/fake-server';

/** Timers that run only when the test says so. */
class FakeTimers {
  now = 0;
  private next = 1;
  timers = new Map<number, { at: number; fn: () => void; ms: number }>();
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, fn, ms });
    return id;
  };
  clearTimeout = (id: unknown): void => {
    this.timers.delete(id as number);
  };
  /** The delays of the timers now pending, in ms. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.ms);
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.timers]) {
      if (t.at <= this.now) {
        this.timers.delete(id);
        t.fn();
      }
    }
  }
}

/** A visibility state the test flips, with the events a real document sends. */
class FakeDocument {
  visibilityState: DocumentVisibilityState = 'visible';
  private listeners = new Set<() => void>();
  addEventListener = (type: string, fn: EventListenerOrEventListenerObject) => {
    if (type === 'visibilitychange') this.listeners.add(fn as () => void);
  };
  removeEventListener = (type: string, fn: EventListenerOrEventListenerObject) => {
    if (type === 'visibilitychange') this.listeners.delete(fn as () => void);
  };
  get listening(): number {
    return this.listeners.size;
  }
  set(state: DocumentVisibilityState): void {
    this.visibilityState = state;
    for (const fn of this.listeners) fn();
  }
}

type Request = { since: number | undefined; signal: AbortSignal; resolve: (v: SessionView) => void; reject: (e: unknown) => void };

/** The status source: each call is a request the test answers when it likes. */
class FakeSource {
  requests: Request[] = [];
  source = (signal: AbortSignal, since?: number) =>
    new Promise<SessionView>((resolve, reject) => this.requests.push({ since, signal, resolve, reject }));
  get last(): Request {
    return this.requests.at(-1)!;
  }
}

class FakeHost implements ReactiveControllerHost {
  controllers: ReactiveController[] = [];
  addController(c: ReactiveController) {
    this.controllers.push(c);
  }
  removeController() {}
  requestUpdate() {}
  readonly updateComplete = Promise.resolve(true);
}

/** Lets the promise callbacks of the controller run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(random: () => number = () => 0.5) {
  const timers = new FakeTimers();
  const doc = new FakeDocument();
  const source = new FakeSource();
  const views: SessionView[] = [];
  const errors: unknown[] = [];
  const host = new FakeHost();
  const controller = new StatusController(host, {
    source: source.source,
    onView: (v) => views.push(v),
    onError: (e) => errors.push(e),
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    random,
    document: doc,
  });
  return { timers, doc, source, views, errors, host, controller };
}

describe('StatusController', () => {
  it('registers with its host and starts polling when the host connects', () => {
    const { host, controller, source } = setup();
    expect(host.controllers).to.deep.equal([controller]);
    expect(source.requests).to.have.length(0);
    controller.hostConnected();
    expect(source.requests).to.have.length(1);
    expect(source.last.since).to.equal(undefined);
  });

  it('long-polls with the version of the last view it received', async () => {
    const { controller, source, views } = setup();
    controller.hostConnected();
    const base = sessionView({ version: 1 });
    source.last.resolve(base);
    await settle();
    expect(views.map((v) => v.version)).to.deep.equal([1]);
    expect(source.requests.map((r) => r.since)).to.deep.equal([undefined, 1]);
    source.last.resolve({ ...base, version: 4 });
    await settle();
    expect(source.requests.map((r) => r.since)).to.deep.equal([undefined, 1, 4]);
    // A long-poll that timed out answers the same version: the next one waits on it again.
    source.last.resolve({ ...base, version: 4 });
    await settle();
    expect(source.requests.map((r) => r.since)).to.deep.equal([undefined, 1, 4, 4]);
    expect(controller.view?.version).to.equal(4);
  });

  it('pauses while the document is hidden and checks at once when it becomes visible', async () => {
    const { controller, source, doc, timers, views } = setup();
    controller.hostConnected();
    expect(doc.listening).to.equal(1);
    source.last.resolve(sessionView({ version: 2 }));
    await settle();
    const waiting = source.last;
    expect(waiting.since).to.equal(2);

    doc.set('hidden');
    expect(waiting.signal.aborted, 'the long-poll in flight is dropped').to.equal(true);
    timers.advance(10 * MAX_RETRY_MS);
    await settle();
    expect(source.requests).to.have.length(2);
    expect(timers.pending()).to.deep.equal([]);

    doc.set('visible');
    expect(source.requests, 'checks without waiting for a timer').to.have.length(3);
    expect(source.last.since).to.equal(2);
    source.last.resolve(sessionView({ version: 3, status: 'in_progress' }));
    await settle();
    expect(views.map((v) => v.version)).to.deep.equal([2, 3]);
  });

  it('does not poll when it connects while the document is hidden', async () => {
    const { controller, source, doc } = setup();
    doc.visibilityState = 'hidden';
    controller.hostConnected();
    expect(source.requests).to.have.length(0);
    doc.set('visible');
    expect(source.requests).to.have.length(1);
  });

  it('backs off with jitter within [ceiling/2, ceiling] on errors, doubling up to 30 s', async () => {
    for (const [random, pick] of [
      [0, (c: number) => c / 2],
      [0.999999, (c: number) => c],
      [0.5, (c: number) => (3 * c) / 4],
    ] as const) {
      const { controller, source, timers, errors } = setup(() => random);
      controller.hostConnected();
      const delays: number[] = [];
      for (let attempt = 1; attempt <= 8; attempt++) {
        source.last.reject(new TypeError('Failed to fetch'));
        await settle();
        const [delay] = timers.pending();
        delays.push(delay!);
        const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempt - 1));
        expect(delay, `attempt ${attempt}, random ${random}`).to.be.within(ceiling / 2, ceiling);
        expect(delay).to.equal(Math.round(pick(ceiling)));
        timers.advance(delay! - 1);
        expect(source.requests, 'no retry before the delay').to.have.length(attempt);
        timers.advance(1);
        expect(source.requests).to.have.length(attempt + 1);
      }
      expect(errors).to.have.length(8);
      expect(errors[0]).to.be.instanceOf(TypeError);
      expect(Math.max(...delays)).to.be.at.most(MAX_RETRY_MS);
    }
  });

  it('resets the backoff after a success', async () => {
    const { controller, source, timers } = setup(() => 0.999999);
    controller.hostConnected();
    for (let i = 0; i < 3; i++) {
      source.last.reject(new Error('HTTP 502'));
      await settle();
      timers.advance(timers.pending()[0]!);
    }
    source.last.resolve(sessionView({ version: 1 }));
    await settle();
    source.last.reject(new Error('HTTP 502'));
    await settle();
    expect(timers.pending()).to.deep.equal([FIRST_RETRY_MS]);
  });

  it('stops at a final state', async () => {
    for (const final of [
      { status: 'accepted' },
      { status: 'cancelled', close_reason: 'expired' },
      { status: 'error', close_reason: 'declined_by_customer' },
    ] as const) {
      const { controller, source, timers, views, doc } = setup();
      controller.hostConnected();
      source.last.resolve(sessionView({ version: 1, status: 'in_progress' }));
      await settle();
      source.last.resolve(sessionView({ version: 2, ...final }));
      await settle();
      expect(views.map((v) => v.status)).to.deep.equal(['in_progress', final.status]);
      expect(source.requests, `no poll after ${final.status}`).to.have.length(2);
      doc.set('hidden');
      doc.set('visible');
      controller.refresh();
      timers.advance(MAX_RETRY_MS);
      expect(source.requests).to.have.length(2);
    }
  });

  it('drops the answer of a superseded request when it resolves after the newer one', async () => {
    const { controller, source, views } = setup();
    controller.hostConnected();
    const older = source.last;
    controller.refresh();
    const newer = source.last;
    expect(older.signal.aborted).to.equal(true);
    expect(newer.signal.aborted).to.equal(false);
    newer.resolve(sessionView({ version: 5, status: 'in_progress' }));
    await settle();
    older.resolve(sessionView({ version: 7, status: 'created' }));
    older.reject(new Error('late failure'));
    await settle();
    expect(views.map((v) => [v.version, v.status])).to.deep.equal([[5, 'in_progress']]);
    expect(controller.view?.version).to.equal(5);
    expect(source.last.since, 'the next poll follows the newer answer').to.equal(5);
  });

  it('ignores a view older than the one it has, from a poll or from accept()', async () => {
    const { controller, source, views } = setup();
    controller.hostConnected();
    source.last.resolve(sessionView({ version: 6 }));
    await settle();
    controller.accept(sessionView({ version: 5 }));
    source.last.resolve(sessionView({ version: 4 }));
    await settle();
    expect(views.map((v) => v.version)).to.deep.equal([6]);
    controller.accept(sessionView({ version: 8, status: 'in_progress' }));
    expect(views.map((v) => v.version)).to.deep.equal([6, 8]);
    expect(source.last.since, 'accept restarts the wait from the new view').to.equal(8);
  });

  it('stops everything when the host disconnects', async () => {
    const { controller, source, doc, timers } = setup();
    controller.hostConnected();
    source.last.reject(new Error('offline'));
    await settle();
    expect(timers.pending()).to.have.length(1);
    controller.hostDisconnected();
    expect(timers.pending()).to.deep.equal([]);
    expect(doc.listening).to.equal(0);
    timers.advance(MAX_RETRY_MS);
    expect(source.requests).to.have.length(1);

    controller.hostConnected();
    const inFlight = source.last;
    controller.hostDisconnected();
    expect(inFlight.signal.aborted).to.equal(true);
  });
});
