/**
 * What the checkout shows, derived from the server's view and the customer's choice: one union,
 * rendered with early returns, never a set of booleans that could contradict each other.
 */
import type { MethodId, SessionView } from '../api/public-api';

export type CheckoutState =
  | { kind: 'loading' }
  | { kind: 'unavailable'; code: string }
  | { kind: 'succeeded'; view: SessionView }
  | { kind: 'failed'; view: SessionView; final: boolean }
  | { kind: 'expired'; view: SessionView }
  /** The rail's answer was lost or is slow: the server is learning the outcome. No methods now, so nobody pays twice. */
  | { kind: 'checking'; view: SessionView }
  /** A card authorised and held, waiting for the shop's confirmation: money is held, no switching now. */
  | { kind: 'confirming'; view: SessionView }
  | { kind: 'choosing'; view: SessionView; method: MethodId };

/** Payment failures that are no failure to the customer: they walked away before any money moved. */
export const WALKED_AWAY = new Set(['superseded', 'abandoned']);

const CARD_METHODS = new Set(['card', 'saved_card', 'recurrent']);

export function deriveState(view: SessionView | null, chosen: MethodId | null, loadError: string | null, dismissedFailure: string | null): CheckoutState {
  if (!view) return loadError ? { kind: 'unavailable', code: loadError } : { kind: 'loading' };
  if (view.status === 'accepted') return { kind: 'succeeded', view };
  if (view.status === 'cancelled') return view.close_reason === 'expired' ? { kind: 'expired', view } : { kind: 'failed', view, final: true };
  if (view.status === 'error') return { kind: 'failed', view, final: true };
  const p = view.payment;
  // Before anything that offers the methods again: a QR payment being checked has no QR left to show.
  if (p?.checking && (p.status === 'in_progress' || p.status === 'pending')) return { kind: 'checking', view };
  if (p?.status === 'failed' && !WALKED_AWAY.has(p.failure?.code ?? '') && p.id !== dismissedFailure) return { kind: 'failed', view, final: false };
  if (p?.status === 'pending' && CARD_METHODS.has(p.method)) return { kind: 'confirming', view };
  // A payment under way (a QR shown before a reload, say) keeps its method in front.
  const running = p && (p.status === 'in_progress' || p.status === 'pending') && view.methods.includes(p.method as MethodId) ? (p.method as MethodId) : null;
  const method = chosen && view.methods.includes(chosen) ? chosen : (running ?? view.methods[0]!);
  return { kind: 'choosing', view, method };
}
