import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALID_MANIFEST, testApp } from '../../helpers/fleet.js';
import { expectProblem } from '../../helpers/problem.js';

describe('API tokens (KAIZEN_API_TOKENS)', () => {
  const TOKEN = 'correct-horse-battery-staple';
  const OTHER = 'second-token-0123456789';
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp({ KAIZEN_API_TOKENS: `${TOKEN}, ${OTHER}` });
  });
  afterAll(async () => {
    await app.close();
  });

  it('every /v1 route answers 401 without a token or with a wrong one', async () => {
    const requests = [
      { method: 'GET' as const, url: '/v1/agents' },
      { method: 'GET' as const, url: '/v1/agents/coach' },
      { method: 'GET' as const, url: '/v1/schema/schedule.json' },
      { method: 'GET' as const, url: '/v1/schedule?target=billing-api' },
      { method: 'GET' as const, url: '/v1/schedule/validation?target=billing-api' },
      { method: 'POST' as const, url: '/v1/schedule/validate', headers: { 'content-type': 'application/yaml' }, payload: VALID_MANIFEST },
      { method: 'POST' as const, url: '/v1/schedule/init', payload: { target: 'billing-api' } },
    ];
    for (const req of requests) {
      for (const authorization of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${TOKEN}`, 'Bearer', `Bearer ${TOKEN}x`]) {
        const res = await app.inject({ ...req, headers: { ...req.headers, ...(authorization ? { authorization } : {}) } });
        expectProblem(res, 401, 'unauthorized');
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    }
  });

  it('the right token (any configured one, any scheme case) is let through', async () => {
    expect((await app.inject({ url: '/v1/agents', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/agents', headers: { authorization: `bearer ${OTHER}` } })).statusCode).toBe(200);
    const res = await app.inject({ method: 'POST', url: '/v1/schedule/validate', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/yaml' }, payload: VALID_MANIFEST });
    expect(res.statusCode).toBe(200);
  });

  it('health, readiness and the docs stay open', async () => {
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    expect((await app.inject('/openapi.json')).statusCode).toBe(200);
  });

  it('an unknown /v1 route without a token is still a 404 (no route, nothing to guard)', async () => {
    expect((await app.inject('/v1/nope')).statusCode).toBe(404);
  });
});
