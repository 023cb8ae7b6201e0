/**
 * Bench phase: prepare req/s with event emission on (a real nats-server with
 * JetStream on loopback) against off, two copies of the built service in the
 * same run, interleaved rounds. Knobs: BENCH_EVENTS_ROUNDS,
 * BENCH_EVENTS_DURATION_S (default: the run's rounds and duration).
 */
import type { ChildProcess } from 'node:child_process';
import { request } from 'undici';
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
  /** What the emitting service's /metrics said after the phase. */
  events: { published: number; failed: number; dropped: number; outbox_depth: number };
}


async function metric(base: string, name: string): Promise<number> {
  const res = await request(`${base}/metrics`, { reset: true });
  const line = (await res.body.text()).split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

export async function benchEvents(deps: EventsBenchDeps): Promise<EventsBenchResult> {
  const env = process.env;
  const rounds = Number(env.BENCH_EVENTS_ROUNDS ?? deps.rounds);
  const durationS = Number(env.BENCH_EVENTS_DURATION_S ?? deps.durationS);
  const nats = await startNatsServer();
  try {
    const bases: Record<'on' | 'off', string> = { on: '', off: '' };
    const services: ChildProcess[] = [];
    for (const mode of ['off', 'on'] as const) {
      const port = await deps.freePort();
      services.push(deps.start(process.execPath, deps.startArgs, { ...deps.env, PORT: String(port), ...(mode === 'on' ? { KAIZEN_NATS_URL: nats.url } : {}) }));
      bases[mode] = `http://127.0.0.1:${port}`;
      await deps.waitFor(`${bases[mode]}/healthz`);
    }
    const url = (mode: 'on' | 'off') => `${bases[mode]}/v1/prepare/coach?target=${encodeURIComponent(deps.repo)}&format=json`;
    process.stdout.write('events: warming up\n');
    for (const mode of ['off', 'on'] as const) deps.autocannon(url(mode), {}, Math.min(2, durationS));
    const loads: Record<'on' | 'off', Load[]> = { on: [], off: [] };
    for (let round = 1; round <= rounds; round++) {
      process.stdout.write(`events round ${round}/${rounds}: prepare json, emission off / on\n`);
      for (const mode of ['off', 'on'] as const) loads[mode].push(deps.autocannon(url(mode), {}, durationS));
    }
    // Let the outbox catch up before reading its counters (hang guard 30 s).
    for (let i = 0; i < 300 && (await metric(bases.on, 'kaizen_events_outbox_depth')) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    const events = {
      published: await metric(bases.on, 'kaizen_events_published_total'),
      failed: await metric(bases.on, 'kaizen_events_failed_total'),
      dropped: await metric(bases.on, 'kaizen_events_dropped_total'),
      outbox_depth: await metric(bases.on, 'kaizen_events_outbox_depth'),
    };
    for (const service of services) service.kill('SIGTERM');
    await Promise.all(services.map((s) => (s.exitCode === null ? new Promise((r) => s.once('exit', r)) : undefined)));
    const rps = (mode: 'on' | 'off') => median(loads[mode].map((l) => l.rps));
    const p99 = (mode: 'on' | 'off') => median(loads[mode].map((l) => l.p99));
    return {
      rounds,
      duration_s: durationS,
      off_rps: rps('off'),
      on_rps: rps('on'),
      ratio: rps('on') / rps('off'),
      on_p99_ms: p99('on'),
      off_p99_ms: p99('off'),
      errors: [...loads.on, ...loads.off].reduce((n, l) => n + l.errors + l.non2xx, 0),
      events,
    };
  } finally {
    await nats.cleanup();
  }
}
