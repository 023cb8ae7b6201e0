import { INSTALLED_AGENTS_DIR, type AgentRegistry } from '../agents/registry.js';
import { withRepoView, type InputSpec, type RepoRef, type RepoView } from '../repo/files.js';
import { FingerprintCache } from '../repo/fingerprint.js';
import { MANIFEST_INPUT, loadRepoManifest, type RepoManifest } from './load.js';

/** What a loaded manifest depends on: its file and the installed agents (which decide which names are known). */
export const MANIFEST_INPUTS: readonly InputSpec[] = [MANIFEST_INPUT, { relative: INSTALLED_AGENTS_DIR, kind: 'dir' }];

/**
 * Each repo's validated manifest, re-read only when the manifest or the
 * repo's installed agents change. Every listing, bundle and discover goes
 * through here, so a fleet-wide discover costs a few opens and fstats per
 * unchanged repo instead of a read, a parse and a validation. The signature
 * is of the objects the view opened, and a miss reads those same open files,
 * so an entry always describes what was read. Results are shared: callers
 * must not mutate them.
 */
export class RepoManifests {
  private readonly cache = new FingerprintCache<RepoManifest>('manifests');

  constructor(private readonly agents: AgentRegistry) {}

  load(repo: RepoRef): RepoManifest {
    if (typeof repo === 'string') return withRepoView(repo, (view) => this.load(view));
    return this.loadFrom(repo);
  }

  private loadFrom(view: RepoView): RepoManifest {
    const signature = view.fingerprint(MANIFEST_INPUTS);
    const cached = this.cache.get(view.root, signature);
    if (cached) return cached;
    const loaded = loadRepoManifest(view, { knownAgents: this.agents.knownNames(view) });
    this.cache.set(view.root, signature, loaded);
    return loaded;
  }
}
