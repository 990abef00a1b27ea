/**
 * What the checkout shows, derived from the server's view and the customer's choice: one union,
 * rendered with early returns, never a set of booleans that could contradict each other.
 */
import type { MethodId, SessionView } from '../api/public-api';

export type CheckoutState =
  | { kind: 'loading' }
  | { kind: 'unavailable'; message: string }
  | { kind: 'succeeded'; view: SessionView }
  | { kind: 'failed'; view: SessionView; final: boolean }
  | { kind: 'expired'; view: SessionView }
  | { kind: 'choosing'; view: SessionView; method: MethodId };

export function deriveState(view: SessionView | null, chosen: MethodId | null, loadError: string | null, dismissedFailure: string | null): CheckoutState {
  if (!view) return loadError ? { kind: 'unavailable', message: loadError } : { kind: 'loading' };
  if (view.status === 'accepted') return { kind: 'succeeded', view };
  if (view.status === 'cancelled') return view.close_reason === 'expired' ? { kind: 'expired', view } : { kind: 'failed', view, final: true };
  if (view.status === 'error') return { kind: 'failed', view, final: true };
  const p = view.payment;
  if (p?.status === 'failed' && p.failure?.code !== 'superseded' && p.id !== dismissedFailure) return { kind: 'failed', view, final: false };
  const method = chosen && view.methods.includes(chosen) ? chosen : view.methods[0]!;
  return { kind: 'choosing', view, method };
}
