/**
 * How every change to a session is written, inside the caller's transaction: the session is
 * taken (`sessions.lock`) with its passed deadlines applied, a transition of the domain machine
 * is applied to what was read and saved with the version read, the webhook outbox rows are
 * written and the change is announced (which, once committed, wakes the long-polls on every
 * instance). The rail calls a change asks for are made once it has committed. Which changes
 * there are is the service's (service.ts).
 */
import type { RailPaymentState } from '../acquirers/port';
import type { Clock } from '../clock';
import { iso } from '../clock';
import * as machine from '../domain/session-machine';
import type { PaymentMethod, RailOp, WebhookType } from '../domain/types';
import { notFound } from '../errors';
import { newId } from '../ids';
import type { Reads, Tx } from '../store/port';
import type { PaymentRow, Project, SessionRow } from '../store/rows';
import { keepBinding } from './bindings';
import { rememberCard } from './cards';
import { railFields } from './rail-schedule';
import { renderSession } from './render';
import { paymentState, running, sessionState, withPaymentState } from './state';
import { actionLifetimeMs, confirmWindowMs } from './windows';

export type SessionWriterDeps = {
  clock: Clock;
  /** Whether the rail is the sandbox: every rendered session says so (`"sandbox": true`). */
  sandbox: boolean;
  /** Called after a commit that wrote webhook rows, so the sender need not wait for its next poll. */
  onWebhookQueued?: () => void;
  /** Called after a commit that asks the rail for something (see PaymentRails.dispatch). */
  onRailCall?: (call: RailCall) => void;
  /** Called in the transaction of every change that leaves a session closed (accepted, cancelled, error): a subscription waits on some. */
  onSessionClosed?: (tx: Tx, project: Project, row: SessionRow) => Promise<void>;
  /** How long a call to the rail may take: past it, its outcome is unknown and the reconciler asks. */
  railTimeoutMs: number;
};

/** A call for the rail, made once the transaction that asks for it has committed. */
export type RailCall = { sessionId: string; paymentId: string; op: RailOp } | { sessionId: string; refundId: string };

/** A session with its passed deadlines applied, the payment it still runs (if any) and its latest, running or not. */
export type Settled = { row: SessionRow; payment: PaymentRow | null; latest: PaymentRow | null };

export class SessionWriter {
  constructor(private readonly d: SessionWriterDeps) {}

  /** The session of this project, taken for the transaction, with any passed deadline applied (and the payment still running); 404 for another project's. */
  async take(tx: Tx, project: Project, sessionId: string): Promise<Settled> {
    const row = await tx.sessions.lock(sessionId);
    if (!row || row.project !== project.name) throw notFound('session', sessionId);
    return this.settle(tx, row, project);
  }

  /** The project of that name: one a stored session names, so it must exist. */
  async project(reads: Pick<Reads, 'projects'>, name: string): Promise<Project> {
    const project = await reads.projects.get(name);
    if (!project) throw new Error(`project ${name} vanished`);
    return project;
  }

  /** The clock and `method`'s windows in `project`, as the domain machine's transitions take them. */
  timing(project: Project, method: PaymentMethod): machine.Timing {
    return {
      now: this.d.clock.now(),
      confirmWindowMs: confirmWindowMs(method, project),
      actionLifetimeMs: actionLifetimeMs(method, project),
    };
  }

  private static readonly NO_WINDOWS = { confirmWindowMs: 0, actionLifetimeMs: 0 };

  /** Whether a deadline of the session has passed (so a read must apply it before answering). */
  isDue(row: SessionRow, payment: PaymentRow | null): boolean {
    return machine.expire(sessionState(row), payment && paymentState(payment), { now: this.d.clock.now(), ...SessionWriter.NO_WINDOWS }) !== null;
  }

  /** Applies every passed deadline: an expired QR can hand back a session that has itself expired. */
  async settle(tx: Tx, row: SessionRow, project: Project): Promise<Settled> {
    for (;;) {
      const latest = (await tx.sessions.latestPayment(row.id)) ?? null;
      const payment = running(latest);
      const step = machine.expire(sessionState(row), payment && paymentState(payment), { now: this.d.clock.now(), ...SessionWriter.NO_WINDOWS });
      if (!step) return { row, payment, latest };
      row = await this.commit(tx, project, row, payment, step);
    }
  }

  /** Takes the session and commits what `apply` makes of it and the payment it still runs. */
  async transition(
    tx: Tx,
    project: Project,
    sessionId: string,
    apply: (s: ReturnType<typeof sessionState>, p: ReturnType<typeof paymentState> | null, t: machine.Timing) => machine.Step | { session: ReturnType<typeof sessionState>; payment: null; events: [] },
  ): Promise<SessionRow> {
    const { row, payment } = await this.take(tx, project, sessionId);
    const step = apply(sessionState(row), payment && paymentState(payment), this.timing(project, payment?.method ?? 'card'));
    return this.commit(tx, project, row, payment, step);
  }

  /**
   * Saves `step` over the session (with the version read) and its payment, with what it means for
   * the rail (`answer`: what the rail said, if this is its answer); a payment that succeeded keeps
   * its card or account binding as agreed. Then `afterChange`.
   */
  async commit(
    tx: Tx,
    project: Project,
    row: SessionRow,
    payment: PaymentRow | null,
    step: { session: ReturnType<typeof sessionState>; payment: ReturnType<typeof paymentState> | null; events: WebhookType[]; call?: RailOp },
    answer?: RailPaymentState | null,
  ): Promise<SessionRow> {
    const now = this.d.clock.now();
    const update = { id: row.id, status: step.session.status, failed_attempts: step.session.failedAttempts, close_reason: step.session.closeReason, updated_at: now };
    await tx.sessions.update(update, row.version);
    if (payment && step.payment) {
      const rail = railFields(payment, { ...step, payment: step.payment }, answer, this.d.clock.now(), this.d.railTimeoutMs);
      if (rail.call) this.callRail(tx, { sessionId: row.id, paymentId: payment.id, op: rail.call });
      const saved = { ...withPaymentState(payment, step.payment, now), ...rail.fields };
      await tx.sessions.updatePayment(saved);
      if (saved.status === 'succeeded') {
        await rememberCard(tx, project, row, saved, this.d.clock);
        await keepBinding(tx, project, saved, answer, now);
      }
    }
    return this.afterChange(tx, project, { ...row, ...update, version: row.version + 1 }, step.events);
  }

  /** Asks for a rail call once this transaction has committed. */
  callRail(tx: Tx, call: RailCall): void {
    tx.afterCommit(() => this.d.onRailCall?.(call));
  }

  /** Writes the outbox rows of `events` with the session as it now is (`row`, as written), and announces the change. */
  async afterChange(tx: Tx, project: Project, row: SessionRow, events: WebhookType[]): Promise<SessionRow> {
    await this.queueWebhooks(tx, project, row, events);
    if (row.status === 'accepted' || row.status === 'cancelled' || row.status === 'error') await this.d.onSessionClosed?.(tx, project, row);
    tx.sessionChanged(row.id);
    return row;
  }

  /** Writes an outbox row for each of `events`, with the session as `row` renders, and wakes the sender once committed. */
  async queueWebhooks(tx: Tx, project: Project, row: SessionRow, events: WebhookType[]): Promise<void> {
    if (!events.length) return;
    const now = this.d.clock.now();
    const url = row.webhook_url ?? project.webhookUrl;
    const session = await renderSession(row, tx, this.d.sandbox);
    for (const type of events) {
      await tx.outbox.insert({ id: newId('evt'), project: project.name, session_id: row.id, type, url, payload_json: JSON.stringify({ type, created_at: iso(now), session }), created_at: now });
    }
    tx.afterCommit(() => this.d.onWebhookQueued?.());
  }
}
