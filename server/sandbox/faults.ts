/**
 * Faults a test injects into the sandbox rail, so the gateway's two-phase calls, timeouts and
 * reconciliation run against a rail that really fails: each fault applies to the next call of
 * its operation, in the order injected.
 *
 * - `error`: the call fails before the rail does anything (a 500 from a bank that did nothing);
 * - `lost`: the rail does it, but its answer never arrives (the connection broke on the way back);
 * - `late`: the rail does it, and answers only after the caller has given up (its signal fired);
 * - `silent` (for `report`): the rail does it, but its callback to the gateway is lost.
 * `latencyMs` delays every call.
 */
export type SandboxOp = 'start' | 'capture' | 'void' | 'renew' | 'refund' | 'status' | 'refundStatus' | 'report';
export type SandboxFault = 'error' | 'lost' | 'late' | 'silent';

/** What an injected fault looks like to the caller: a network failure, never an answer. */
export class SandboxRailFailure extends Error {
  constructor(op: SandboxOp, fault: SandboxFault) {
    super(fault === 'error' ? `sandbox rail: ${op} failed before doing anything (injected)` : `sandbox rail: the answer to ${op} was lost (injected)`);
    this.name = 'SandboxRailFailure';
  }
}

export class SandboxFaults {
  latencyMs = 0;
  private readonly queued = new Map<SandboxOp, SandboxFault[]>();

  /** The next `times` calls of `op` meet `fault`. */
  inject(op: SandboxOp, fault: SandboxFault, times = 1): void {
    const list = this.queued.get(op) ?? [];
    for (let i = 0; i < times; i++) list.push(fault);
    this.queued.set(op, list);
  }

  clear(): void {
    this.queued.clear();
    this.latencyMs = 0;
  }

  /** The fault the next call of `op` meets, if any (taken off the queue). */
  take(op: SandboxOp): SandboxFault | undefined {
    return this.queued.get(op)?.shift();
  }
}
