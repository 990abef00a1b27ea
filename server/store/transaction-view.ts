import type { Tx } from './port';
import { projectsInTransaction, type LoadableProjects, type ProjectCache } from './project-cache';

/** The tables of one transaction's connection, as both stores build them. */
type TransactionTables = Omit<Tx, 'projects' | 'afterCommit' | 'sessionChanged'> & { readonly projects: LoadableProjects };

/**
 * The `Tx` a transaction body gets, whatever the store: its connection's tables, with the
 * projects read past the cache (see projectsInTransaction), and `hooks` collecting what runs once
 * it has committed. `sessionChanged` is the store's own: PostgreSQL also tells other instances.
 */
export function transactionView(tables: TransactionTables, cache: ProjectCache, hooks: (() => void)[], sessionChanged: (sessionId: string) => void): Tx {
  const afterCommit = (hook: () => void) => hooks.push(hook);
  return {
    projects: projectsInTransaction(tables.projects, cache, afterCommit),
    sessions: tables.sessions,
    cards: tables.cards,
    bindings: tables.bindings,
    outbox: tables.outbox,
    idempotency: tables.idempotency,
    links: tables.links,
    subscriptions: tables.subscriptions,
    pushes: tables.pushes,
    sandboxRail: tables.sandboxRail,
    afterCommit,
    sessionChanged,
  };
}
