import { once } from 'node:events';
import { connect } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { VALID_MANIFEST, tempFleet, testApp } from '../../helpers/fleet.js';
import { startStateHub } from '../../helpers/state-hub.js';

const fleet = () => tempFleet({ alpha: { '.kaizen/schedule.yml': VALID_MANIFEST } });

describe('rate limit (KAIZEN_RATE_LIMIT_PER_MINUTE)', () => {
  it('answers 429 problem+json with Retry-After past the limit, on /v1 routes only', async () => {
    const f = fleet();
    const app = await testApp({ KAIZEN_REPO_ROOTS: f.dir, KAIZEN_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await app.inject('/v1/agents')).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await app.inject('/v1/schedule?target=alpha');
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(limited.json()).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Probes and metrics are never limited.
      for (let i = 0; i < 5; i++) expect((await app.inject('/healthz')).statusCode).toBe(200);
      expect((await app.inject('/metrics')).statusCode).toBe(200);
    } finally {
      await app.close();
      f.cleanup();
    }
  });

  it('is off by default: no limit in the effective config, and no limiter on /v1 routes', async () => {
    expect(loadConfig({}).rateLimitPerMinute).toBe(0);
    const f = fleet();
    const app = await testApp({ KAIZEN_REPO_ROOTS: f.dir });
    const limited = await testApp({ KAIZEN_REPO_ROOTS: f.dir, KAIZEN_RATE_LIMIT_PER_MINUTE: '1000' });
    try {
      // A configured limiter announces itself on every /v1 answer, however high the limit;
      // the default app must not, so no request count could ever be limited.
      expect((await limited.inject('/v1/agents')).headers['x-ratelimit-limit']).toBe('1000');
      const res = await app.inject('/v1/agents');
      expect(res.statusCode).toBe(200);
      expect(res.headers).not.toHaveProperty('x-ratelimit-limit');
      expect(res.headers).not.toHaveProperty('x-ratelimit-remaining');
    } finally {
      await limited.close();
      await app.close();
      f.cleanup();
    }
  });
});

describe('load shedding (KAIZEN_MAX_EVENT_LOOP_DELAY_MS)', () => {
  it('answers 503 overloaded with Retry-After after the event loop stalled, but keeps probes answering', async () => {
    const f = fleet();
    const app = await testApp({ KAIZEN_REPO_ROOTS: f.dir, KAIZEN_MAX_EVENT_LOOP_DELAY_MS: '50' });
    try {
      expect((await app.inject('/v1/agents')).statusCode).toBe(200);
      // Stall the loop well past the limit, then let the sampler see it.
      const until = Date.now() + 1500;
      while (Date.now() < until);
      let shed;
      for (let i = 0; i < 150 && !shed; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const res = await app.inject('/v1/agents');
        if (res.statusCode === 503) shed = res;
      }
      expect(shed, 'a request was shed').toBeDefined();
      expect(shed!.json()).toMatchObject({ status: 503, code: 'overloaded' });
      expect(shed!.headers['retry-after']).toBe('5');
      expect((await app.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await app.close();
      f.cleanup();
    }
  });
});

describe('draining for shutdown', () => {
  it('finishes the request in flight and answers new ones 503 shutting_down while closing', async () => {
    const f = fleet();
    const hub = await startStateHub();
    let reached!: () => void;
    const hubReached = new Promise<void>((resolve) => (reached = resolve));
    hub.respond((_req, res) => {
      reached();
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('[]');
      }, 400);
    });
    const app = await testApp({ KAIZEN_REPO_ROOTS: f.dir, KAIZEN_STATE_HUB_URL: hub.url });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as { port: number };
      const inFlight = request(`http://127.0.0.1:${port}/v1/discover`);
      await hubReached;
      // A client that has started a request on an open connection when the
      // drain begins: its request completes after close() has begun.
      const late = connect(port, '127.0.0.1');
      await once(late, 'connect');
      late.write('GET /v1/agents HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      await new Promise((r) => setTimeout(r, 50));
      const closing = app.close();
      await new Promise((r) => setImmediate(r)); // close() has begun draining
      let answer = '';
      late.on('data', (d: Buffer) => (answer += d.toString()));
      late.write('\r\n');
      await once(late, 'close');
      expect(answer).toMatch(/^HTTP\/1\.1 503/);
      expect(answer).toMatch(/retry-after: 5/i);
      expect(answer).toContain('"code":"shutting_down"');

      const res = await inFlight;
      expect(res.statusCode).toBe(200);
      expect(res.headers.connection).toBe('close');
      await res.body.dump();
      await closing;
    } finally {
      await hub.close();
      f.cleanup();
    }
  });
});
