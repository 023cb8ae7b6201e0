import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALID_MANIFEST, tempFleet, testApp } from '../../helpers/fleet.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

describe('/healthz and /readyz', () => {
  it('/healthz and /readyz answer 200', async () => {
    const health = await app.inject('/healthz');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready' });
  });

  it('/readyz is 503 when a root disappears after start, and says which', async () => {
    const fleet = tempFleet({ repo: { [path.join('.kaizen', 'schedule.yml')]: VALID_MANIFEST } });
    const extra = tempFleet({});
    const local = await testApp({ KAIZEN_REPO_ROOTS: `${extra.dir}:${fleet.dir}` });
    try {
      expect((await local.inject('/readyz')).statusCode).toBe(200);
      fleet.cleanup();
      const res = await local.inject('/readyz');
      expect(res.statusCode).toBe(503);
      const body = res.json<{ status: string; checks: Array<{ name: string; ok: boolean }> }>();
      expect(body.status).toBe('not_ready');
      expect(body.checks).toContainEqual(expect.objectContaining({ name: 'repo_root[1]', ok: false }));
      expect(body.checks).toContainEqual(expect.objectContaining({ name: 'repo_root[0]', ok: true }));
      expect(res.body).not.toContain(fleet.dir);
      expect((await local.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await local.close();
      extra.cleanup();
    }
  });
});
