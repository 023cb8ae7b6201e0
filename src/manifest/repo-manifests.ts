import path from 'node:path';
import type { AgentRegistry } from '../agents/registry.js';
import { FingerprintCache, fingerprint } from '../repo/fingerprint.js';
import { loadRepoManifest, type RepoManifest } from './load.js';
import { SCHEDULE_RELATIVE_PATH } from './types.js';

/**
 * Each repo's validated manifest, re-read only when the manifest or the
 * repo's installed agents (which decide which names are known) change. Every
 * listing, bundle and discover goes through here, so a fleet-wide discover
 * costs two stats per unchanged repo instead of a read, a parse and a
 * validation. Results are shared: callers must not mutate them.
 */
export class RepoManifests {
  private readonly cache = new FingerprintCache<RepoManifest>();

  constructor(private readonly agents: AgentRegistry) {}

  load(repoRoot: string): RepoManifest {
    const signature = fingerprint([path.join(repoRoot, SCHEDULE_RELATIVE_PATH), path.join(repoRoot, 'agents')]);
    const cached = this.cache.get(repoRoot, signature);
    if (cached) return cached;
    const loaded = loadRepoManifest(repoRoot, { knownAgents: this.agents.knownNames(repoRoot) });
    this.cache.set(repoRoot, signature, loaded);
    return loaded;
  }
}
