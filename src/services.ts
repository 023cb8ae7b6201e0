import { AgentRegistry } from './agents/registry.js';
import type { Config } from './config/config.js';
import { createRosterSource } from './discover/sources.js';
import type { RosterSource } from './discover/types.js';
import type { ScheduleDefaults } from './manifest/entries.js';
import { RepoManifests } from './manifest/repo-manifests.js';
import { ServiceMetrics } from './observability/metrics.js';
import { RepoRoots } from './repo/roots.js';

/** The core objects one running service shares across requests. */
export interface Services {
  config: Config;
  roots: RepoRoots;
  agents: AgentRegistry;
  /** Validated manifests per repo, re-read when their files change. */
  manifests: RepoManifests;
  defaults: ScheduleDefaults;
  /** Where discover gets the fleet roster: State Hub, roster file or a scan. */
  roster: RosterSource;
  metrics: ServiceMetrics;
}

export function createServices(config: Config): Services {
  const roots = new RepoRoots(config.repoRoots);
  const agents = new AgentRegistry(config.packagedAgentsDir);
  return {
    config,
    roots,
    agents,
    manifests: new RepoManifests(agents),
    defaults: { timezone: config.defaultTimezone, cadenceCrons: config.cadenceCrons },
    roster: createRosterSource(config, roots),
    metrics: new ServiceMetrics(),
  };
}
