import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError, problemDocument, sendProblem } from '../problem.js';

export interface LimitsOptions {
  /** Shed load (503 + Retry-After) once the event loop lags this much; 0 turns it off. */
  maxEventLoopDelayMs: number;
  /** Requests per minute per client on /v1 routes; 0 turns the limit off. */
  rateLimitPerMinute: number;
}

const RETRY_AFTER_S = 5;
const isProbe = (route: string | undefined): boolean => route === '/healthz' || route === '/readyz' || route === '/metrics';

/**
 * Load shedding, an optional rate limit, and the answers while the service
 * drains for shutdown. Probes and /metrics are never shed: an orchestrator
 * must still see the process alive while it is busy.
 *
 * Draining starts with `app.drain()` (SIGTERM, see server.ts) or app.close():
 * every request that starts from then on, on a new connection or one kept
 * alive, is answered `503 shutting_down` with `Connection: close` and
 * Retry-After, except the probes (/healthz stays 200, /readyz says
 * not_ready); requests already running finish normally, and their responses
 * close their connection too.
 */
export const limitsPlugin = fp(async (app: FastifyInstance, opts: LimitsOptions) => {
  let draining = false;
  app.decorate('drain', () => {
    draining = true;
  });
  app.decorate('draining', () => draining);
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (!draining || isProbe(request.routeOptions.url)) return done();
    reply.header('retry-after', String(RETRY_AFTER_S)).header('connection', 'close');
    sendProblem(reply, problemDocument(503, 'shutting_down', 'The service is shutting down; retry against another instance.', 'Service unavailable'));
  });

  if (opts.maxEventLoopDelayMs > 0) {
    await app.register(underPressure, {
      maxEventLoopDelay: opts.maxEventLoopDelayMs,
      retryAfter: RETRY_AFTER_S,
      pressureHandler: (request, reply, type, value) => {
        if (isProbe(request.routeOptions.url)) return; // handled normally
        request.log.warn({ type, value }, 'load_shed');
        reply.header('retry-after', String(RETRY_AFTER_S));
        sendProblem(reply, problemDocument(503, 'overloaded', 'The service is overloaded; retry shortly.', 'Service unavailable'));
      },
    });
  }

  if (opts.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: opts.rateLimitPerMinute,
      timeWindow: 60_000,
      allowList: (request) => !request.routeOptions.url?.startsWith('/v1/'),
      errorResponseBuilder: (_request, context) =>
        new HttpError('rate_limited', `More than ${context.max} requests a minute; retry in ${context.after}.`),
    });
  }
}, { name: 'limits' });

declare module 'fastify' {
  interface FastifyInstance {
    /** Starts draining for shutdown: readiness fails and new requests get 503 shutting_down. */
    drain(): void;
    draining(): boolean;
  }
}
