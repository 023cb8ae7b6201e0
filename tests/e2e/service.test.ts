import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { VALID_MANIFEST, testConfig } from '../helpers/fleet.js';

/** The real HTTP stack: buildApp listening on an ephemeral port, called with undici. */
describe('over a real socket', () => {
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = await buildApp(testConfig(), { logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { address, port } = app.server.address() as AddressInfo;
    expect(address).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app.close();
  });

  it('GET /healthz', async () => {
    const res = await request(`${base}/healthz`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(await res.body.json()).toEqual({ status: 'ok' });
  });

  it('POST /v1/schedule/validate with a valid manifest: 200', async () => {
    const res = await request(`${base}/v1/schedule/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', 'x-request-id': 'e2e-valid-1' },
      body: VALID_MANIFEST,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-request-id']).toBe('e2e-valid-1');
    expect(await res.body.json()).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('POST /v1/schedule/validate with a broken manifest: 422 problem+json with positions', async () => {
    const res = await request(`${base}/v1/schedule/validate`, {
      method: 'POST',
      headers: { 'content-type': 'text/yaml' },
      body: 'version: "1"\ntimezone: Europe/Berln\nagents:\n  coahc: {cadence: weekly}\n',
    });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = (await res.body.json()) as { code: string; valid: boolean; errors: Array<{ code: string; line: number; column: number; hint?: string }> };
    expect(body.code).toBe('schedule_invalid');
    expect(body.valid).toBe(false);
    expect(body.errors).toEqual([
      expect.objectContaining({ code: 'invalid_timezone', line: 2, column: 11, hint: "did you mean 'Europe/Berlin'?" }),
      expect.objectContaining({ code: 'unknown_agent', line: 4, column: 3, hint: "did you mean 'coach'?" }),
    ]);
  });

  it('POST /v1/schedule/validate with a JSON body', async () => {
    const res = await request(`${base}/v1/schedule/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ manifest: VALID_MANIFEST }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });

  it('GET /v1/schedule lists the example fleet with next runs', async () => {
    const res = await request(`${base}/v1/schedule?target=payments-worker&all=true&runs=2&now=2026-11-25T12:00:00Z`);
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as { timezone: string; entries: Array<{ agent: string; enabled: boolean; cron: string; cron_source: string; next_runs: string[] }> };
    expect(body.timezone).toBe('UTC');
    expect(body.entries.map((e) => [e.agent, e.enabled, e.cron, e.cron_source, e.next_runs])).toEqual([
      ['sys-medic', true, '15 6 * * *', 'manifest', ['2026-11-26T06:15:00+00:00', '2026-11-27T06:15:00+00:00']],
      ['security-review', true, '0 8 * * 3', 'manifest', ['2026-12-02T08:00:00+00:00', '2026-12-09T08:00:00+00:00']],
      ['dependency-hygiene', true, '0 7 1 * *', 'manifest', ['2026-12-01T07:00:00+00:00', '2027-01-01T07:00:00+00:00']],
      ['releaseManager', false, '0 9 1 * *', 'cadence_default', ['2026-12-01T09:00:00+00:00', '2027-01-01T09:00:00+00:00']],
    ]);
  });

  it('GET /v1/schedule/validation for a repo without a manifest: 404 problem+json', async () => {
    const res = await request(`${base}/v1/schedule/validation?target=no-schedule`);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await res.body.json()).toMatchObject({ code: 'schedule_not_found', status: 404 });
  });

  it('a raw traversal in the query string is refused with 403', async () => {
    const res = await request(`${base}/v1/schedule?target=..%2F..%2Fetc`);
    expect(res.statusCode).toBe(403);
    expect(await res.body.json()).toMatchObject({ code: 'path_outside_roots' });
  });

  it('an oversized body is 413 over the wire', async () => {
    const res = await request(`${base}/v1/schedule/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'x'.repeat(300 * 1024),
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    await res.body.dump();
  });

  it('serves the OpenAPI document', async () => {
    const res = await request(`${base}/openapi.json`);
    expect(res.statusCode).toBe(200);
    const doc = (await res.body.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/schedule/validate', '/v1/schedule', '/v1/schedule/validation', '/v1/schedule/init', '/v1/agents']));
  });
});
