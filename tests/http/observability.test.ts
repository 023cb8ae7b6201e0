import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { VALID_MANIFEST, tempFleet, testApp, testConfig, type TempDir } from '../helpers/fleet.js';
import { captureLog } from '../helpers/logs.js';
import { json, startStateHub, type StateHubStandIn } from '../helpers/state-hub.js';

let fleet: TempDir;
let hub: StateHubStandIn;
let app: FastifyInstance;
const { stream: logStream, records: logs } = captureLog();

beforeAll(async () => {
  fleet = tempFleet({
    alpha: { '.kaizen/schedule.yml': VALID_MANIFEST },
    broken: { '.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: hourly }\n' },
  });
  hub = await startStateHub();
  app = await buildApp(testConfig({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_HOST_NAME: 'obs-host', LOG_LEVEL: 'info' }), {
    logger: { level: 'info', stream: logStream },
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await hub.close();
  fleet.cleanup();
});

/** The value of one sample line of the exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelPart = line.slice(name.length + 1, line.indexOf('}'));
    const have = labelPart.split(',');
    if (wanted.every((w) => have.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('exposes request counts and durations by route pattern and status, in the Prometheus text format', async () => {
    await app.inject('/v1/schedule?target=alpha');
    await app.inject('/v1/schedule?target=alpha');
    await app.inject('/v1/schedule?target=../etc');
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toContain('# TYPE kaizen_http_requests_total counter');
    expect(sample(text, 'kaizen_http_requests_total', { method: 'GET', route: '/v1/schedule', status: '200' })).toBe(2);
    expect(sample(text, 'kaizen_http_requests_total', { method: 'GET', route: '/v1/schedule', status: '403' })).toBe(1);
    expect(sample(text, 'kaizen_http_request_duration_seconds_count', { route: '/v1/schedule', status: '200' })).toBe(2);
    // Route patterns, not raw URLs: no query strings or targets in labels.
    expect(text).not.toContain('target=');
    expect(text).toContain('kaizen_process_resident_memory_bytes');
  });

  it('counts bundles prepared by format', async () => {
    await app.inject('/v1/prepare/coach?target=alpha');
    await app.inject('/v1/prepare/coach?target=alpha&format=markdown');
    await app.inject({ url: '/v1/prepare/coach?target=alpha', headers: { accept: 'text/markdown' } });
    const text = (await app.inject('/metrics')).body;
    expect(sample(text, 'kaizen_bundles_prepared_total', { format: 'json' })).toBe(1);
    expect(sample(text, 'kaizen_bundles_prepared_total', { format: 'markdown' })).toBe(2);
  });

  it('records discover durations, repos skipped by reason, and State Hub outcomes', async () => {
    hub.respond(
      json([
        { slug: 'alpha', domain: 'd', host_paths: { 'obs-host': `${fleet.dir}/alpha` } },
        { slug: 'broken', domain: 'd', host_paths: { 'obs-host': `${fleet.dir}/broken` } },
        { slug: 'elsewhere', domain: 'd', host_paths: { other: '/srv/x' } },
      ]),
    );
    expect((await app.inject('/v1/discover')).statusCode).toBe(200);
    hub.respond(json({ error: 'nope' }, 404));
    expect((await app.inject('/v1/discover')).statusCode).toBe(502);
    const text = (await app.inject('/metrics')).body;
    expect(sample(text, 'kaizen_discover_repos_skipped_total', { reason: 'schedule_invalid' })).toBe(1);
    expect(sample(text, 'kaizen_discover_repos_skipped_total', { reason: 'repo_unreachable' })).toBe(1);
    expect(sample(text, 'kaizen_hub_requests_total', { outcome: 'ok' })).toBe(1);
    expect(sample(text, 'kaizen_hub_requests_total', { outcome: 'hub_bad_response' })).toBe(1);
    expect(sample(text, 'kaizen_discover_duration_seconds_count', { source: 'state_hub', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'kaizen_discover_duration_seconds_count', { source: 'state_hub', outcome: 'error' })).toBe(1);
  });

  it('stays open when API tokens are configured', async () => {
    const locked = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_API_TOKENS: 'a-token-of-sixteen-chars' });
    expect((await locked.inject('/metrics')).statusCode).toBe(200);
    expect((await locked.inject('/v1/agents')).statusCode).toBe(401);
    await locked.close();
  });
});

describe('request ids', () => {
  it('answers every response with x-request-id, keeping a well-formed incoming one and replacing junk', async () => {
    const kept = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'orchestrator-42.a' } });
    expect(kept.headers['x-request-id']).toBe('orchestrator-42.a');
    const junk = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id\nwith newline'.replace('\n', ' ') } });
    expect(junk.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const none = await app.inject('/v1/agents/unknown-agent');
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never takes an API token as the request id: it would reach every log line and the response', async () => {
    const TOKEN = 'tok-SECRET-aaaaaaaaaaaaaaaa1';
    const captured = captureLog();
    const locked = await buildApp(testConfig({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_API_TOKENS: TOKEN }), { logger: { level: 'info', stream: captured.stream } });
    try {
      for (const id of [TOKEN, `run-${TOKEN}-7`]) {
        for (const headers of [{ 'x-request-id': id }, { 'x-request-id': id, authorization: `Bearer ${TOKEN}` }]) {
          const res = await locked.inject({ url: '/v1/agents', headers });
          expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
        }
      }
      expect(captured.lines.length).toBeGreaterThan(0);
      expect(captured.lines.join('\n')).not.toContain(TOKEN);
    } finally {
      await locked.close();
    }
  });

  it('puts the request id on every log line of the request, including the access line', async () => {
    logs.length = 0;
    await app.inject({ url: '/v1/schedule?target=alpha', headers: { 'x-request-id': 'trace-me-1' } });
    const mine = logs.filter((l) => l.request_id === 'trace-me-1');
    expect(mine.map((l) => l.msg)).toContain('request completed');
    expect(mine.find((l) => l.msg === 'request completed')).toMatchObject({ method: 'GET', statusCode: 200 });
  });
});
