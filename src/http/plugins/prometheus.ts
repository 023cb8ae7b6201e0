import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import type { ServiceMetrics } from '../../observability/service-metrics.js';

/** Request counts and durations per route pattern, and GET /metrics in the Prometheus text format. */
export const metricsPlugin = fp(async (app: FastifyInstance, { metrics }: { metrics: ServiceMetrics }) => {
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, not the URL, keeps label cardinality bounded.
    metrics.httpRequestDone(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
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
