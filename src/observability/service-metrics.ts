import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics, one registry per service instance (tests
 * build many apps in one process). The core records domain events through the
 * small methods below and never sees prom-client types.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({
    name: 'kaizen_http_requests_total',
    help: 'HTTP requests by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'kaizen_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly bundles = new Counter({
    name: 'kaizen_bundles_prepared_total',
    help: 'Prepare bundles returned, by format (304 answers included).',
    labelNames: ['format'] as const,
    registers: [this.registry],
  });

  private readonly bundleCache = new Counter({
    name: 'kaizen_bundle_cache_total',
    help: 'Prepare bundles by cache outcome: hit (no file changed), miss (rendered), bypass (explicit now or include=event).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly discoverDuration = new Histogram({
    name: 'kaizen_discover_duration_seconds',
    help: 'Duration of discover runs, by roster source and outcome.',
    labelNames: ['source', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly skipped = new Counter({
    name: 'kaizen_discover_repos_skipped_total',
    help: 'Repos skipped by discover, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly hubCalls = new Counter({
    name: 'kaizen_hub_requests_total',
    help: 'Discover calls that needed the State Hub roster, by outcome (ok, hub_unreachable, hub_bad_response).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kaizen_' });
  }

  httpRequestDone(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  bundlePrepared(format: 'json' | 'markdown', cache: 'hit' | 'miss' | 'bypass'): void {
    this.bundles.inc({ format });
    this.bundleCache.inc({ outcome: cache });
  }

  discoverFinished(source: string, outcome: 'ok' | 'error', seconds: number): void {
    this.discoverDuration.observe({ source, outcome }, seconds);
  }

  repoSkipped(reason: string, n = 1): void {
    this.skipped.inc({ reason }, n);
  }

  hubCall(outcome: string): void {
    this.hubCalls.inc({ outcome });
  }

  /**
   * Registers the event-emission series (only when KAIZEN_NATS_URL is set, so
   * a service without NATS exposes none) and returns what the outbox counts with.
   */
  eventCounters(depth: () => number): { published(n: number): void; failed(n: number): void; dropped(n: number): void } {
    const registers = [this.registry];
    const published = new Counter({ name: 'kaizen_events_published_total', help: 'kaizen.schedule.prepared events JetStream acknowledged (a duplicate run id included).', registers });
    const failed = new Counter({ name: 'kaizen_events_failed_total', help: 'Event publish attempts that failed; the event stays in the outbox and is retried.', registers });
    const dropped = new Counter({ name: 'kaizen_events_dropped_total', help: 'Events dropped, oldest first, because the outbox was full.', registers });
    new Gauge({
      name: 'kaizen_events_outbox_depth',
      help: 'Events waiting in the outbox or in flight.',
      registers,
      collect() {
        this.set(depth());
      },
    });
    return { published: (n) => published.inc(n), failed: (n) => failed.inc(n), dropped: (n) => dropped.inc(n) };
  }
}
