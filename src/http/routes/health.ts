import { accessSync, constants } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../services.js';
import { StringEnum } from '../schemas/common.js';

const Check = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  detail: Type.Optional(Type.String()),
  required: Type.Optional(Type.Boolean({ description: 'false: shown for information, never makes the service not ready (the NATS connection)' })),
});
const Readiness = Type.Object({ status: StringEnum(['ready', 'not_ready']), checks: Type.Array(Check) });

export interface ReadinessCheck {
  name: string;
  /** false: reported, but a failing check leaves the service ready. */
  required?: boolean;
  run(): Promise<{ ok: boolean; detail?: string }>;
}

export const healthRoutes: FastifyPluginAsyncTypebox<{ services: Services; extraChecks?: ReadinessCheck[]; draining?: () => boolean }> = async (
  app,
  { services, extraChecks = [], draining = () => false },
) => {
  app.get('/healthz', {
    schema: {
      tags: ['health'],
      summary: 'Liveness',
      description: 'Answers 200 while the process is serving requests.',
      response: { 200: Type.Object({ status: Type.Literal('ok') }) },
    },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    schema: {
      tags: ['health'],
      summary: 'Readiness',
      description: 'Ready when the configuration is loaded, every repo root is readable, the State Hub answers a roster (when one is configured) and the service is not shutting down. 503 lists what is not ready. With KAIZEN_NATS_URL set, a `nats` check shows the connection and the outbox depth; it never fails readiness (prepare works without events).',
      response: { 200: Readiness, 503: Readiness },
    },
  }, async (_request, reply) => {
    const checks: Array<{ name: string; ok: boolean; detail?: string; required?: boolean }> = [{ name: 'config', ok: true }];
    // Fails at once on SIGTERM, so a load balancer stops sending before the listener closes.
    if (draining()) checks.push({ name: 'shutdown', ok: false, detail: 'shutting down' });
    services.roots.configured.forEach((root, i) => {
      try {
        accessSync(root, constants.R_OK | constants.X_OK);
        checks.push({ name: `repo_root[${i}]`, ok: true });
      } catch {
        checks.push({ name: `repo_root[${i}]`, ok: false, detail: 'not readable' });
      }
    });
    for (const check of extraChecks) checks.push({ name: check.name, ...(await check.run()), ...(check.required === false ? { required: false } : {}) });
    const ready = checks.every((c) => c.ok || c.required === false);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
};
