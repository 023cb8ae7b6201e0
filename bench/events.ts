/**
 * Bench phase: prepare req/s with event emission on (a real nats-server with
 * JetStream on loopback) against off, two copies of the built service in the
 * same run, the same cached prepare URL, interleaved rounds. Besides req/s it
 * reports CPU time per request of each service and of nats-server (from
 * /proc/<pid>/stat, which a shared machine disturbs far less than req/s), and
 * checks that the stream holds exactly one message per event the service
 * answered with 200. Last, the emission path alone in this process (no
 * HTTP, so no batching or scheduling differences between two services blur
 * it): BENCH_EVENTS_ISOLATED events (20,000) at 10,000/s, CPU µs per event of
 * the client and of nats-server. Knobs: BENCH_EVENTS_ROUNDS,
 * BENCH_EVENTS_DURATION_S (default: the run's rounds and duration).
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { request } from 'undici';
import { startEventEmission } from '../src/events/emission.js';
import { STREAM_NAME } from '../src/events/types.js';
import { EventTemplate, type PreparedEvent } from '../src/prepare/event.js';
import { startNatsServer } from '../tests/helpers/nats-server.js';
import { median } from './support.js';

export const EVENTS_TARGET_RATIO = 0.8;

interface Load {
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface EventsBenchDeps {
  /** Starts `node <args>` with the environment added; the caller stops what is left at exit. */
  start(command: string, args: string[], env: Record<string, string>): ChildProcess;
  autocannon(url: string, headers: Record<string, string>, durationS: number): Load;
  freePort(): Promise<number>;
  waitFor(url: string): Promise<void>;
  /** The service's `npm start` arguments and base environment. */
  startArgs: string[];
  env: Record<string, string>;
  /** Path (in the service's roots) of the repo to prepare. */
  repo: string;
  rounds: number;
  durationS: number;
}

export interface EventsBenchResult {
  rounds: number;
  duration_s: number;
  off_rps: number;
  on_rps: number;
  ratio: number;
  on_p99_ms: number;
  off_p99_ms: number;
  errors: number;
  /** CPU time (user + system) per prepare answered, medians over the rounds, µs. */
  cpu_us_per_request: { off: number; on: number; nats_server: number };
  /** `on - off`: what one event costs the service's process. */
  service_cpu_us_per_event: number;
  /** The emission path alone (src/events with a real nats-server, no HTTP), CPU µs per event. */
  isolated: { events: number; client_us_per_event: number; nats_server_us_per_event: number };
  /** What the emitting service's /metrics said after the phase. */
  events: { published: number; failed: number; dropped: number; outbox_depth: number };
  /** The stream after the phase: one message per 200 prepare of the emitting service (no run ids, so no dedupe). */
  stream: { messages: number; bytes_per_message: number; prepares_answered: number; complete: boolean };
}

const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU time of a process so far, µs (fields 14 and 15 of /proc/<pid>/stat). */
function cpuUs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_S) * 1e6;
}

async function metricsText(base: string): Promise<string> {
  const res = await request(`${base}/metrics`, { reset: true });
  return res.body.text();
}

/** Sum of a series over its labels (a counter without labels is its one line). */
async function metric(base: string, name: string): Promise<number> {
  const lines = (await metricsText(base)).split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return lines.length === 0 ? NaN : lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const PREPARED = 'kaizen_bundles_prepared_total';

/** A payload the size of the bench bundle's event (about 650 bytes). */
const SAMPLE_EVENT: PreparedEvent = {
  event: 'kaizen.schedule.prepared',
  version: '1',
  occurred_at: '2026-01-05T08:00:00Z',
  repo: 'prepare-target',
  root: '/tmp/kaizen-bench-XXXXXX/prepare/prepare-target',
  agent: 'coach',
  cadence: 'weekly',
  prepare_command: 'kaizen-agentic schedule prepare coach --target /tmp/kaizen-bench-XXXXXX/prepare/prepare-target',
  bundle: { format: 'json', agent_prompt_found: true, has_memory: true, has_metrics: true, pointers: ['scope', 'todo'], bytes: 8_500 },
  session_close: ['kaizen-agentic metrics record coach --target /tmp/kaizen-bench-XXXXXX/prepare/prepare-target', 'git add .kaizen && git commit'],
  host: 'bench-host',
};

/** Emits `count` events at `perSecond` (one tick a millisecond) and waits until all are acknowledged; CPU of the emitting loop minus the same loop emitting nothing. */
async function isolatedEmission(natsUrl: string, natsPid: () => number | undefined, count: number, perSecond = 10_000) {
  let published = 0;
  const emission = await startEventEmission(
    { servers: [natsUrl], outboxSize: count },
    { clientName: 'bench', log: { info() {}, warn() {} }, observer: () => ({ published: (n) => (published += n), failed() {}, dropped() {} }) },
  );
  const template = new EventTemplate(SAMPLE_EVENT);
  const paced = async (emit: boolean) => {
    const before = published;
    const [cpu0, nats0] = [process.cpuUsage(), cpuUs(natsPid())];
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        for (let i = 0; i < perSecond / 1000 && sent < count; i++, sent++) {
          const event = template.serialise(Date.now());
          if (emit) emission.emit(event);
        }
        if (sent >= count) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    // Hang guard 30 s.
    for (let i = 0; emit && i < 3_000 && published - before < count; i++) await new Promise((r) => setTimeout(r, 10));
    const cpu = process.cpuUsage(cpu0);
    return { us: (cpu.user + cpu.system) / count, natsUs: (cpuUs(natsPid()) - nats0) / count };
  };
  await paced(true); // warm-up
  const idle = await paced(false);
  const busy = await paced(true);
  await emission.close(5_000);
  return { events: count, client_us_per_event: busy.us - idle.us, nats_server_us_per_event: busy.natsUs };
}

export async function benchEvents(deps: EventsBenchDeps): Promise<EventsBenchResult> {
  const env = process.env;
  const rounds = Number(env.BENCH_EVENTS_ROUNDS ?? deps.rounds);
  const durationS = Number(env.BENCH_EVENTS_DURATION_S ?? deps.durationS);
  const nats = await startNatsServer();
  try {
    const bases: Record<'on' | 'off', string> = { on: '', off: '' };
    const services: Record<'on' | 'off', ChildProcess | undefined> = { on: undefined, off: undefined };
    for (const mode of ['off', 'on'] as const) {
      const port = await deps.freePort();
      services[mode] = deps.start(process.execPath, deps.startArgs, { ...deps.env, PORT: String(port), ...(mode === 'on' ? { KAIZEN_NATS_URL: nats.url } : {}) });
      bases[mode] = `http://127.0.0.1:${port}`;
      await deps.waitFor(`${bases[mode]}/healthz`);
    }
    const url = (mode: 'on' | 'off') => `${bases[mode]}/v1/prepare/coach?target=${encodeURIComponent(deps.repo)}&format=json`;
    // Let the outbox catch up (hang guard 30 s), so the CPU it spends is counted in the round that caused it.
    const drained = async () => {
      for (let i = 0; i < 300 && (await metric(bases.on, 'kaizen_events_outbox_depth')) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    };
    process.stdout.write('events: warming up\n');
    for (const mode of ['off', 'on'] as const) deps.autocannon(url(mode), {}, Math.min(2, durationS));
    await drained();
    const loads: Record<'on' | 'off', Load[]> = { on: [], off: [] };
    const cpu: Record<'on' | 'off' | 'nats', number[]> = { on: [], off: [], nats: [] };
    for (let round = 1; round <= rounds; round++) {
      process.stdout.write(`events round ${round}/${rounds}: prepare json, emission off / on\n`);
      for (const mode of ['off', 'on'] as const) {
        const pid = services[mode]!.pid;
        const [cpu0, nats0, n0] = [cpuUs(pid), cpuUs(nats.pid()), await metric(bases[mode], PREPARED)];
        loads[mode].push(deps.autocannon(url(mode), {}, durationS));
        if (mode === 'on') await drained();
        const [cpu1, nats1, n1] = [cpuUs(pid), cpuUs(nats.pid()), await metric(bases[mode], PREPARED)];
        cpu[mode].push((cpu1 - cpu0) / (n1 - n0));
        if (mode === 'on') cpu.nats.push((nats1 - nats0) / (n1 - n0));
      }
    }
    await drained();
    const events = {
      published: await metric(bases.on, 'kaizen_events_published_total'),
      failed: await metric(bases.on, 'kaizen_events_failed_total'),
      dropped: await metric(bases.on, 'kaizen_events_dropped_total'),
      outbox_depth: await metric(bases.on, 'kaizen_events_outbox_depth'),
    };
    const preparesAnswered = await metric(bases.on, PREPARED);
    const nc = await connect({ servers: nats.url });
    const { messages, bytes } = (await (await jetstreamManager(nc)).streams.info(STREAM_NAME)).state;
    await nc.close();
    process.stdout.write('events: the emission path alone\n');
    const isolated = await isolatedEmission(nats.url, () => nats.pid(), Number(env.BENCH_EVENTS_ISOLATED ?? 20_000));
    const running = Object.values(services).filter((s): s is ChildProcess => s !== undefined);
    for (const service of running) service.kill('SIGTERM');
    await Promise.all(running.map((s) => (s.exitCode === null ? new Promise((r) => s.once('exit', r)) : undefined)));
    const rps = (mode: 'on' | 'off') => median(loads[mode].map((l) => l.rps));
    const p99 = (mode: 'on' | 'off') => median(loads[mode].map((l) => l.p99));
    const cpuPerRequest = { off: median(cpu.off), on: median(cpu.on), nats_server: median(cpu.nats) };
    return {
      rounds,
      duration_s: durationS,
      off_rps: rps('off'),
      on_rps: rps('on'),
      ratio: rps('on') / rps('off'),
      on_p99_ms: p99('on'),
      off_p99_ms: p99('off'),
      errors: [...loads.on, ...loads.off].reduce((n, l) => n + l.errors + l.non2xx, 0),
      cpu_us_per_request: cpuPerRequest,
      service_cpu_us_per_event: cpuPerRequest.on - cpuPerRequest.off,
      isolated,
      events,
      stream: { messages, bytes_per_message: Math.round(bytes / messages), prepares_answered: preparesAnswered, complete: messages === preparesAnswered && events.published === messages },
    };
  } finally {
    await nats.cleanup();
  }
}
