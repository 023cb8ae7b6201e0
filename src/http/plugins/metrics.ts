import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import type { ServiceMetrics } from '../../observability/metrics.js';

/** Request counts and durations per route pattern, and GET /metrics in the Prometheus text format. */
export const metricsPlugin = fp(async (app: FastifyInstance, { metrics }: { metrics: ServiceMetrics }) => {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, keeps label cardinality bounded.
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  app.get('/metrics', {
    schema: {
      tags: ['health'],
      summary: 'Prometheus metrics',
      description: 'Request counts and durations by route and status, bundles prepared by format, discover durations, repos skipped by reason, State Hub call outcomes, and process metrics.',
      response: { 200: Type.String({ description: 'Prometheus text exposition format' }) },
    },
  }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}, { name: 'metrics' });
