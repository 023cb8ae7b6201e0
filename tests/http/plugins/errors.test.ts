import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { tempFleet, testApp, testConfig, type TempDir } from '../../helpers/fleet.js';
import { expectProblem } from '../../helpers/problem.js';

let app: FastifyInstance;
let fleet: TempDir;
beforeAll(async () => {
  app = await testApp();
  fleet = tempFleet({ repo: { 'README.md': '\n' } });
});
afterAll(async () => {
  await app.close();
  fleet.cleanup();
});

describe('the problem+json mapper', () => {
  it('unknown routes and methods are 404 problem+json', async () => {
    for (const [method, url] of [['GET', '/nope'], ['GET', '/v1/nope'], ['DELETE', '/v1/schedule'], ['GET', '/v2/schedule']] as const) {
      expectProblem(await app.inject({ method, url }), 404, 'not_found');
    }
  });

  it('an unexpected failure is a generic 500 without internals', async () => {
    const app = await buildApp(testConfig({ KAIZEN_REPO_ROOTS: fleet.dir }), { logger: false });
    app.get('/v1/test-failure', () => {
      throw new Error(`ENOTDIR: not a directory, mkdir '${fleet.dir}/x'`);
    });
    await app.ready();
    try {
      const res = await app.inject('/v1/test-failure');
      const body = expectProblem(res, 500, 'internal_error');
      expect(res.body).not.toContain(fleet.dir);
      expect(res.body).not.toMatch(/ENOTDIR|EEXIST|mkdir/);
      expect(body.detail).toMatch(/request id/);
    } finally {
      await app.close();
    }
  });
});
