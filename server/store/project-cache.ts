import type { ProjectTable } from './port';
import type { Project } from './rows';

/**
 * Projects are read on every signed request and change only through the CLI or the demo
 * store's registration, so each is kept for a moment. One cache per storage, shared by its
 * connections; another instance's (or the CLI's) change is seen within CACHE_MS.
 */
export class ProjectCache {
  private static readonly CACHE_MS = 2_000;
  private readonly entries = new Map<string, { project: Project | null; readAt: number }>();

  async get(name: string, load: () => Promise<Project | null> | Project | null): Promise<Project | null> {
    const now = Date.now();
    const hit = this.entries.get(name);
    if (hit && now - hit.readAt < ProjectCache.CACHE_MS) return hit.project;
    const project = await load();
    this.entries.set(name, { project, readAt: now });
    return project;
  }

  /** The cached project, if cached now and still fresh (an unknown name is not given as one). */
  peek(name: string): Project | undefined {
    const hit = this.entries.get(name);
    return hit && Date.now() - hit.readAt < ProjectCache.CACHE_MS ? (hit.project ?? undefined) : undefined;
  }

  forget(name: string): void {
    this.entries.delete(name);
  }
}

/** What a projects table gives the cache: its uncached read. */
export type LoadableProjects = ProjectTable & { load(name: string): Promise<Project | null> };

/**
 * The projects table as a transaction sees it: its reads go past the cache (they may see the
 * transaction's own writes, which must not reach anyone before the commit), and a project it
 * writes is forgotten again once it has committed (a read meanwhile may have cached the old one).
 */
export function projectsInTransaction(table: LoadableProjects, cache: ProjectCache, afterCommit: (hook: () => void) => void): ProjectTable {
  const forgetOnCommit = (name: string) => afterCommit(() => cache.forget(name));
  return {
    get: (name) => table.load(name),
    peek: () => undefined, // a transaction reads past the cache
    list: () => table.list(),
    insert: async (p) => {
      await table.insert(p);
      forgetOnCommit(p.name);
    },
    update: async (p) => {
      await table.update(p);
      forgetOnCommit(p.name);
    },
  };
}
