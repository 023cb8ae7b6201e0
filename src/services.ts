import type { Config } from './config/config.js';
import { createCore, type Core, type RouteLinks } from './core.js';
import { ServiceMetrics } from './observability/service-metrics.js';

/** What the HTTP app shares across requests: the core, plus its Prometheus metrics. */
export interface Services extends Core<Config> {
  metrics: ServiceMetrics;
}

export function createServices(config: Config, links: RouteLinks): Services {
  return { ...createCore(config, links), metrics: new ServiceMetrics() };
}
