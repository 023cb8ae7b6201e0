/**
 * kaizen.schedule.prepared on NATS JetStream (SPEC section 5), against a real
 * nats-server: what is stored, deduplication by run id, and the outbox through
 * outages, overflow and shutdown.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testApp, testConfig, tempFleet, VALID_MANIFEST, type TempDir } from '../helpers/fleet.js';
import { createNatsServer, freePort, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { deleteStream, storedEvents, streamConfig, waitForEvents } from '../helpers/event-stream.js';
import { startEventEmission, type EventEmission } from '../../src/events/emission.js';
import { DUPLICATE_WINDOW_MS } from '../../src/events/types.js';
import type { OutgoingEvent } from '../../src/events/types.js';
import { EventTemplate } from '../../src/prepare/event.js';
import { ServiceMetrics } from '../../src/observability/service-metrics.js';
import { ROOT } from '../helpers/paths.js';

const HOST = 'runner-07';
/** SPEC section 5, in its order; `host` is the service's KAIZEN_HOST_NAME. */
const EVENT_FIELDS = ['event', 'version', 'occurred_at', 'repo', 'root', 'agent', 'cadence', 'prepare_command', 'bundle', 'session_close', 'host'];
const BUNDLE_FIELDS = ['format', 'agent_prompt_found', 'has_memory', 'has_metrics', 'pointers', 'bytes'];

let fleet: TempDir;
const servers: NatsServer[] = [];
const apps: FastifyInstance[] = [];

beforeAll(() => {
  fleet = tempFleet({
    alpha: {
      '.kaizen/schedule.yml': VALID_MANIFEST,
      '.kaizen/agents/coach/memory.md': '# memory\n',
      'SCOPE.md': '# Scope\n',
    },
  });
});

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const server of servers.splice(0)) await server.cleanup();
});

afterAll(() => fleet?.cleanup());

async function nats(started = true): Promise<NatsServer> {
  const server = started ? await startNatsServer() : await createNatsServer();
  servers.push(server);
  return server;
}

async function eventApp(url: string, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST, KAIZEN_NATS_URL: url, ...env });
  apps.push(app);
  return app;
}

/** A prepare for `now` (distinct instants make each event's occurred_at tell the order). */
const prepare = (app: FastifyInstance, query = '') => app.inject({ method: 'GET', url: `/v1/prepare/coach?target=alpha${query}` });
const at = (i: number) => `&now=${encodeURIComponent(new Date(Date.UTC(2026, 2, 4, 10, 0, i)).toISOString())}`;
const occurred = (i: number) => new Date(Date.UTC(2026, 2, 4, 10, 0, i)).toISOString().replace('.000Z', 'Z');

async function metric(app: FastifyInstance, name: string): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} not in /metrics`);
  return Number(line.split(' ')[1]);
}

/**
 * Waits (hang guard, generous) until the service's /readyz shows the NATS
 * connection up or down. Right after a server stops, the client has not noticed
 * yet; an event published then is in flight, and in flight is neither waiting
 * (droppable) nor lost: it is retried. Tests about the outbox start once the
 * service knows.
 */
async function natsConnected(app: FastifyInstance, ok: boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const checks = (await app.inject({ method: 'GET', url: '/readyz' })).json().checks as Array<{ name: string; ok: boolean }>;
    if (checks.find((c) => c.name === 'nats')?.ok === ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`hang guard: /readyz never showed nats ok=${ok}`);
}

/**
 * Waits (hang guard) until the outbox is empty: a message can be in the stream
 * a moment before the service has read its acknowledgement and counted it.
 */
async function outboxEmpty(app: FastifyInstance): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await metric(app, 'kaizen_events_outbox_depth')) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('hang guard: the outbox never emptied');
}

describe('the stored event', () => {
  it('is the SPEC 5 payload, field by field, on kaizen.schedule.prepared in KAIZEN_SCHEDULE', async () => {
    const server = await nats();
    const app = await eventApp(server.url);
    const withEvent = await prepare(app, `&include=event${at(1)}`);
    expect(withEvent.statusCode).toBe(200);
    const plain = await prepare(app, at(2));
    const markdown = await prepare(app, `&format=markdown${at(3)}`);
    const [first, second, third] = await waitForEvents(server.url, 3);

    // include=event: the very event the bundle carries is the one stored
    const { event: embedded, ...bundle } = withEvent.json();
    expect(first!.data).toEqual(embedded);
    expect(first!.subject).toBe('kaizen.schedule.prepared');
    const root = path.join(fleet.dir, 'alpha');
    expect(Object.keys(first!.data)).toEqual(EVENT_FIELDS);
    expect(Object.keys(first!.data.bundle as object)).toEqual(BUNDLE_FIELDS);
    expect(first!.data).toEqual({
      event: 'kaizen.schedule.prepared',
      version: '1',
      occurred_at: occurred(1),
      repo: 'alpha',
      root,
      agent: 'coach',
      cadence: 'weekly',
      prepare_command: `kaizen-agentic schedule prepare coach --target ${root}`,
      bundle: { format: 'json', agent_prompt_found: true, has_memory: true, has_metrics: false, pointers: ['scope'], bytes: Buffer.byteLength(JSON.stringify(bundle)) },
      session_close: ['kaizen-agentic metrics record coach --success --time <seconds> --quality <0-1>', 'Update memory: kaizen-agentic memory show coach'],
      host: HOST,
    });
    // a plain prepare announces the body it answered, in its format
    expect(second!.data).toMatchObject({ occurred_at: occurred(2), bundle: { format: 'json', bytes: Buffer.byteLength(plain.body) } });
    expect(third!.data).toMatchObject({ occurred_at: occurred(3), bundle: { format: 'markdown', bytes: Buffer.byteLength(markdown.body) } });
    // never repository contents
    for (const stored of [first, second, third]) expect(JSON.stringify(stored!.data)).not.toMatch(/# memory|# Scope/);

    const config = await streamConfig(server.url);
    expect(config.subjects).toEqual(['kaizen.schedule.>']);
    expect(config.duplicate_window).toBe(DUPLICATE_WINDOW_MS * 1_000_000);
  });

  it('a cached bundle served again is announced again, occurring when it was served', async () => {
    const server = await nats();
    const app = await eventApp(server.url);
    const first = await prepare(app);
    const second = await prepare(app);
    expect(second.body).toBe(first.body);
    const [a, b] = await waitForEvents(server.url, 2);
    expect(b!.data).toEqual({ ...a!.data, occurred_at: b!.data.occurred_at });
    expect(Date.parse(b!.data.occurred_at as string)).toBeGreaterThanOrEqual(Date.parse(a!.data.occurred_at as string));
  });

  it('only 200 answers to GET publish: a 304, a 404, a 400 and a HEAD do not', async () => {
    const server = await nats();
    const app = await eventApp(server.url);
    const ok = await prepare(app);
    await app.inject({ method: 'GET', url: '/v1/prepare/coach?target=alpha', headers: { 'if-none-match': ok.headers.etag as string } });
    expect((await app.inject({ method: 'GET', url: '/v1/prepare/nobody?target=alpha' })).statusCode).toBe(404);
    expect((await prepare(app, '&include=bogus')).statusCode).toBe(400);
    // A HEAD (reading the ETag, say) sends no bundle, so it prepares no run.
    const head = await app.inject({ method: 'HEAD', url: `/v1/prepare/coach?target=alpha${at(5)}` });
    expect(head.statusCode).toBe(200);
    const marker = await prepare(app, at(9));
    expect(marker.statusCode).toBe(200);
    const events = await waitForEvents(server.url, 2);
    expect(events).toHaveLength(2);
    expect(events[1]!.data.occurred_at).toBe(occurred(9));
  });

  it('prepares without a run id each store one message, without a Nats-Msg-Id header', async () => {
    const server = await nats();
    const app = await eventApp(server.url);
    for (let i = 0; i < 3; i++) expect((await prepare(app, at(i))).statusCode).toBe(200);
    const events = await waitForEvents(server.url, 3);
    expect(events.map((e) => e.data.occurred_at)).toEqual([occurred(0), occurred(1), occurred(2)]);
    expect(events.map((e) => e.msgId)).toEqual([undefined, undefined, undefined]);
    await outboxEmpty(app);
    expect(await metric(app, 'kaizen_events_published_total')).toBe(3);
    expect(await metric(app, 'kaizen_events_outbox_depth')).toBe(0);
  });
});

describe('deduplication by run id', () => {
  it('two prepares of one run (its prepare_url from a discover window) store one message', async () => {
    const server = await nats();
    const app = await eventApp(server.url);
    // coach in VALID_MANIFEST fires Mondays 09:00 Europe/Berlin: two runs in this window
    const discover = await app.inject({ method: 'GET', url: '/v1/discover?from=2026-03-01T00:00:00Z&to=2026-03-15T00:00:00Z' });
    expect(discover.statusCode).toBe(200);
    const runs = (discover.json().scheduled_runs as Array<{ agent: string; run_id: string; scheduled_for: string; prepare_url: string }>).filter((r) => r.agent === 'coach');
    expect(runs).toHaveLength(2);
    const [first, second] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const call = (run: typeof first) => {
      const url = new URL(run.prepare_url);
      return app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    };
    // the runner retries the first run's prepare, then prepares the second
    for (const run of [first, first, second]) expect((await call(run)).statusCode).toBe(200);
    // and a prepare naming no run
    expect((await prepare(app)).statusCode).toBe(200);
    await waitForEvents(server.url, 3);
    await outboxEmpty(app);
    const stored = await storedEvents(server.url);
    expect(stored.map((e) => [e.msgId, e.data.run_id, e.data.scheduled_for])).toEqual([
      [first.run_id, first.run_id, first.scheduled_for],
      [second.run_id, second.run_id, second.scheduled_for],
      [undefined, undefined, undefined],
    ]);
    // the retry was acknowledged (as a duplicate), not left to retry forever
    expect(await metric(app, 'kaizen_events_published_total')).toBe(4);
  });

  let emission: EventEmission | undefined;
  afterEach(async () => {
    await emission?.close(1000);
    emission = undefined;
  });

  const event = (runId: string | undefined, i: number): OutgoingEvent =>
    new EventTemplate({
      event: 'kaizen.schedule.prepared',
      version: '1',
      occurred_at: occurred(i),
      repo: 'alpha',
      root: '/srv/alpha',
      agent: 'coach',
      cadence: 'weekly',
      prepare_command: 'kaizen-agentic schedule prepare coach --target /srv/alpha',
      bundle: { format: 'json', agent_prompt_found: true, has_memory: false, has_metrics: false, pointers: [], bytes: 10 },
      session_close: [],
      host: HOST,
      ...(runId ? { run_id: runId } : {}),
    }).serialise();

  it('two events of one run store one message, with Nats-Msg-Id = run_id', async () => {
    const server = await nats();
    const metrics = new ServiceMetrics();
    const config = testConfig({ KAIZEN_NATS_URL: server.url });
    emission = await startEventEmission(config.nats!, { clientName: 'test', log: { info() {}, warn() {} }, observer: (depth) => metrics.eventCounters(depth) });
    const runA = '2f1c1b52-6a55-5b8e-9b3e-0b7d1c0e4a11';
    const runB = '7d1e0c2a-93b4-5c61-8f0a-1a2b3c4d5e6f';
    emission.emit(event(runA, 1));
    emission.emit(event(runA, 2)); // the runner retried the prepare of run A
    emission.emit(event(runB, 3));
    emission.emit(event(undefined, 4));
    expect(await emission.close(10_000)).toEqual({ unsent: 0 });
    const stored = await storedEvents(server.url);
    expect(stored.map((e) => [e.msgId, e.data.occurred_at])).toEqual([
      [runA, occurred(1)],
      [runB, occurred(3)],
      [undefined, occurred(4)],
    ]);
    expect(stored[0]!.data.run_id).toBe(runA);
  });

  it('publishes a burst larger than one window completely and in order', async () => {
    const server = await nats();
    const metrics = new ServiceMetrics();
    const config = testConfig({ KAIZEN_NATS_URL: server.url });
    emission = await startEventEmission(config.nats!, { clientName: 'test', log: { info() {}, warn() {} }, observer: (depth) => metrics.eventCounters(depth) });
    const count = 2_500; // more than two windows of the outbox
    const runId = (i: number) => `00000000-0000-5000-8000-${String(i).padStart(12, '0')}`;
    for (let i = 0; i < count; i++) emission.emit(event(runId(i), i));
    expect(await emission.close(10_000)).toEqual({ unsent: 0 });
    const stored = await storedEvents(server.url);
    expect(stored.map((e) => e.msgId)).toEqual(Array.from({ length: count }, (_, i) => runId(i)));
    expect(stored.at(-1)!.data.occurred_at).toBe(occurred(count - 1));
  });
});

describe('the outbox', () => {
  it('holds events while NATS is down at start and publishes them in order once it is up', async () => {
    const server = await nats(false);
    const app = await eventApp(server.url);
    for (let i = 0; i < 5; i++) expect((await prepare(app, at(i))).statusCode).toBe(200);
    expect(await metric(app, 'kaizen_events_outbox_depth')).toBe(5);
    const ready = (await app.inject({ method: 'GET', url: '/readyz' })).json();
    expect(ready.status).toBe('ready');
    expect(ready.checks).toContainEqual({ name: 'nats', ok: false, required: false, detail: 'not connected; 5 event(s) in the outbox' });

    await server.start();
    const events = await waitForEvents(server.url, 5);
    expect(events.map((e) => e.data.occurred_at)).toEqual([0, 1, 2, 3, 4].map(occurred));
    await outboxEmpty(app);
    expect(await metric(app, 'kaizen_events_published_total')).toBe(5);
    const readyAfter = (await app.inject({ method: 'GET', url: '/readyz' })).json();
    expect(readyAfter.checks).toContainEqual({ name: 'nats', ok: true, required: false, detail: `connected to 127.0.0.1:${server.port}; 0 event(s) in the outbox` });
  });

  it('loses nothing within its size when NATS stops mid-way and comes back on the same store', async () => {
    const server = await nats();
    const app = await eventApp(server.url);
    for (let i = 0; i < 3; i++) await prepare(app, at(i));
    await waitForEvents(server.url, 3);
    await server.stop();
    await natsConnected(app, false);
    for (let i = 3; i < 10; i++) expect((await prepare(app, at(i))).statusCode).toBe(200);
    await server.start();
    const events = await waitForEvents(server.url, 10);
    expect(events.map((e) => e.data.occurred_at)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(occurred));
    expect(await metric(app, 'kaizen_events_dropped_total')).toBe(0);
    await outboxEmpty(app);
    expect(await metric(app, 'kaizen_events_outbox_depth')).toBe(0);
  });

  it('loses nothing when NATS stops in the middle of a stream of prepares, events in flight included', async () => {
    const server = await nats();
    const app = await eventApp(server.url);
    for (let i = 0; i < 30; i++) {
      if (i === 10) await server.stop(); // the client has not noticed yet: some publishes are in flight
      if (i === 20) await server.start();
      expect((await prepare(app, at(i))).statusCode).toBe(200);
    }
    // Hang guard: everything acknowledged.
    for (let i = 0; i < 600 && ((await metric(app, 'kaizen_events_published_total')) < 30 || (await metric(app, 'kaizen_events_outbox_depth')) > 0); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const stored = (await storedEvents(server.url)).map((e) => e.data.occurred_at);
    // At least once: an event whose acknowledgement was lost may be stored twice (it has no run id), never lost or reordered.
    expect([...new Set(stored)]).toEqual(Array.from({ length: 30 }, (_, i) => occurred(i)));
    expect(await metric(app, 'kaizen_events_dropped_total')).toBe(0);
  }, 60_000);

  it('re-creates the stream when it disappears, counting the failed attempt and losing nothing', async () => {
    const server = await nats();
    const app = await eventApp(server.url);
    await prepare(app, at(0));
    await waitForEvents(server.url, 1);
    await deleteStream(server.url);
    // no stream listens on the subject now: JetStream answers "no responders", the event stays queued
    await prepare(app, at(1));
    const events = await waitForEvents(server.url, 1);
    expect(events.map((e) => e.data.occurred_at)).toEqual([occurred(1)]);
    expect(await metric(app, 'kaizen_events_failed_total')).toBeGreaterThanOrEqual(1);
    await outboxEmpty(app);
    expect(await metric(app, 'kaizen_events_published_total')).toBe(2);
  });

  it('when another stream already takes the subject (kaizen.>, say), publishes into it instead of waiting for ever', async () => {
    const server = await nats();
    const nc = await connect({ servers: server.url, reconnect: false });
    try {
      await (await jetstreamManager(nc)).streams.add({ name: 'FLEET', subjects: ['kaizen.>'] });
    } finally {
      await nc.close();
    }
    const app = await eventApp(server.url);
    await prepare(app, at(0));
    await outboxEmpty(app);
    expect(await metric(app, 'kaizen_events_published_total')).toBe(1);
    const events = await storedEvents(server.url, 'FLEET');
    expect(events.map((e) => [e.subject, e.data.occurred_at])).toEqual([['kaizen.schedule.prepared', occurred(0)]]);
    expect(await storedEvents(server.url)).toEqual([]); // no KAIZEN_SCHEDULE was made
  });

  it('past its size drops the oldest events and counts them', async () => {
    const server = await nats();
    const app = await eventApp(server.url, { KAIZEN_NATS_OUTBOX_SIZE: '4' });
    await prepare(app, at(0));
    await waitForEvents(server.url, 1);
    await server.stop();
    await natsConnected(app, false);
    for (let i = 1; i <= 7; i++) expect((await prepare(app, at(i))).statusCode).toBe(200);
    expect(await metric(app, 'kaizen_events_dropped_total')).toBe(3);
    expect(await metric(app, 'kaizen_events_outbox_depth')).toBe(4);
    await server.start();
    const events = await waitForEvents(server.url, 5);
    // the newest four survive, in order
    expect(events.map((e) => e.data.occurred_at)).toEqual([0, 4, 5, 6, 7].map(occurred));
    expect(await metric(app, 'kaizen_events_dropped_total')).toBe(3);
  });

  it('prepare still answers while NATS accepts connections and never speaks (hang guard only)', async () => {
    // A silent peer: connects succeed, the NATS handshake never comes.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const app = await eventApp(`nats://127.0.0.1:${port}`);
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => prepare(app, at(i))));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(200));
      expect(await metric(app, 'kaizen_events_outbox_depth')).toBe(20);
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 15_000);
});

describe('examples/events-consumer.mjs', () => {
  /** Runs the example consumer until it printed `lines` lines, then stops it with SIGTERM. */
  async function consume(url: string, lines: number): Promise<string[]> {
    const child = spawn(process.execPath, [path.join(ROOT, 'examples/events-consumer.mjs'), url, 'test-durable'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      // Hang guard, generous.
      for (let i = 0; i < 200 && out.split('\n').filter(Boolean).length < lines; i++) {
        if (child.exitCode !== null) throw new Error(`consumer exited ${child.exitCode}: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code, err).toBe(0);
    }
    return out.split('\n').filter(Boolean);
  }

  it('prints each prepared run with repo, agent and run id, and resumes where it stopped (durable)', async () => {
    const server = await nats();
    const app = await eventApp(server.url);
    await prepare(app, at(1));
    await prepare(app, at(2));
    await waitForEvents(server.url, 2);
    expect(await consume(server.url, 2)).toEqual([
      `${occurred(1)} ${HOST} repo=alpha agent=coach run_id=-`,
      `${occurred(2)} ${HOST} repo=alpha agent=coach run_id=-`,
    ]);
    await prepare(app, at(3));
    await waitForEvents(server.url, 3);
    // the two acknowledged ones are not printed again
    expect(await consume(server.url, 1)).toEqual([`${occurred(3)} ${HOST} repo=alpha agent=coach run_id=-`]);
  });
});

describe('without KAIZEN_NATS_URL', () => {
  /** The module URLs a process that builds the app, answers a prepare and closes resolves. */
  async function modulesLoaded(env: Record<string, string>): Promise<string[]> {
    const work = tempDir('kaizen-imports-');
    try {
      const record = path.join(work.dir, 'imports.txt');
      writeFileSync(record, '');
      const script = `
        const { loadConfig } = await import(${JSON.stringify(path.join(ROOT, 'src/config/config.ts'))});
        const { buildApp } = await import(${JSON.stringify(path.join(ROOT, 'src/http/app.ts'))});
        const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', KAIZEN_REPO_ROOTS: ${JSON.stringify(fleet.dir)}, ...${JSON.stringify(env)} }), { logger: false });
        const res = await app.inject({ method: 'GET', url: '/v1/prepare/coach?target=alpha' });
        if (res.statusCode !== 200) throw new Error('prepare answered ' + res.statusCode);
        await app.close();`;
      const child = spawn(process.execPath, ['--import', path.join(ROOT, 'tests/helpers/record-imports.mjs'), '--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', RECORD_IMPORTS_TO: record },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const [code] = await once(child, 'exit');
      expect(code, err).toBe(0);
      return readFileSync(record, 'utf8').split('\n').filter(Boolean);
    } finally {
      work.cleanup();
    }
  }

  it('loads no NATS code at all (and with it, does)', async () => {
    const without = await modulesLoaded({});
    expect(without.some((u) => u.includes('/src/http/app.ts'))).toBe(true);
    expect(without.filter((u) => u.includes('@nats-io') || u.includes('/src/events/nats.ts'))).toEqual([]);
    // the check is real: with a URL (nothing listening there) the client is loaded
    const port = await freePort();
    const withUrl = await modulesLoaded({ KAIZEN_NATS_URL: `nats://127.0.0.1:${port}` });
    expect(withUrl.some((u) => u.includes('@nats-io/transport-node'))).toBe(true);
  }, 60_000);

  it('exposes no event metrics and no nats readiness check', async () => {
    const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
    apps.push(app);
    expect((await prepare(app)).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).not.toContain('kaizen_events_');
    const ready = (await app.inject({ method: 'GET', url: '/readyz' })).json();
    expect(ready.checks.map((c: { name: string }) => c.name)).not.toContain('nats');
  });
});
