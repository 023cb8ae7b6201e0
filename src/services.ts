import { AgentRegistry } from './agents/registry.js';
import type { Config } from './config/config.js';
import type { ScheduleDefaults } from './manifest/entries.js';
import { RepoRoots } from './repo/roots.js';

/** The core objects one running service shares across requests. */
export interface Services {
  config: Config;
  roots: RepoRoots;
  agents: AgentRegistry;
  defaults: ScheduleDefaults;
}

export function createServices(config: Config): Services {
  return {
    config,
    roots: new RepoRoots(config.repoRoots),
    agents: new AgentRegistry(config.packagedAgentsDir),
    defaults: { timezone: config.defaultTimezone, cadenceCrons: config.cadenceCrons },
  };
}
