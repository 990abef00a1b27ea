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

  forget(name: string): void {
    this.entries.delete(name);
  }
}
