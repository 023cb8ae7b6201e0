/**
 * Prepare shaped like a fleet (issue #17): one coach bundle for each fleet
 * repo (distinct bundles), first cold (a fresh service process, nothing
 * cached) and then warm (the same spread again), JSON and markdown, against a
 * baseline in the same process shape: a fresh node:http process that only
 * reads the same files with fs per request (bench/read-server.mjs). Each round
 * starts both processes anew, so every round has a cold pass. Load comes from
 * this process over a keep-alive pool of `connections` sockets, the same for
 * both sides.
 * Knobs: BENCH_FLEET_PREPARE_REPOS (repos in the spread, default all of the
 * fleet), BENCH_FLEET_WARM_PASSES (warm passes over the spread, default 3).
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { median } from './support.js';

export interface StartedServer {
  base: string;
  stop: () => Promise<void>;
  /** The process's CPU time so far (user + system), ms. */
  cpuMs: () => number;
}

/** User + system CPU time of a process so far, ms (from /proc, in clock ticks of 10 ms). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is parenthesised and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface FleetPrepareOptions {
  /** Absolute paths of the fleet repos. */
  repos: readonly string[];
  rounds: number;
  connections: number;
  /** A fresh service process, up and answering. */
  startService: () => Promise<StartedServer>;
  /** A fresh read-baseline process, up and answering. */
  startBaseline: () => Promise<StartedServer>;
  log: (line: string) => void;
}

interface Pass {
  ms: number;
  rps: number;
  p99: number;
}

interface FormatResult {
  /** Wall time of the pass, and the CPU time each server process spent on it (steadier on a shared machine). */
  cold: { service_ms: number; baseline_ms: number; ratio: number; service_cpu_ms: number; baseline_cpu_ms: number; cpu_ratio: number };
  warm: { service_rps: number; baseline_rps: number; ratio: number; service_p99_ms: number; baseline_p99_ms: number; service_cpu_ms: number; baseline_cpu_ms: number };
}

export interface FleetPrepareResult {
  repos: number;
  warm_passes: number;
  json: FormatResult;
  markdown: FormatResult;
}

/** Warm spread at least this fraction of the read baseline's req/s; cold spread at most this multiple of its time. */
export const FLEET_PREPARE_TARGETS = { warmRatio: 0.5, coldRatio: 1.5 };


/** Every path once per pass, `connections` requests in flight. */
async function spread(base: string, paths: readonly string[], connections: number, passes: number): Promise<Pass> {
  const pool = new Pool(base, { connections });
  const latencies: number[] = [];
  const total = paths.length * passes;
  let next = 0;
  const t0 = process.hrtime.bigint();
  try {
    const worker = async (): Promise<void> => {
      while (next < total) {
        const p = paths[next++ % paths.length]!;
        const started = process.hrtime.bigint();
        const res = await pool.request({ method: 'GET', path: p });
        const body = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`${p} answered ${res.statusCode}: ${body.slice(0, 300)}`);
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    await pool.close();
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  latencies.sort((a, b) => a - b);
  return { ms, rps: total / (ms / 1000), p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]! };
}

export async function benchFleetPrepare(options: FleetPrepareOptions): Promise<FleetPrepareResult> {
  const count = Math.min(options.repos.length, Number(process.env.BENCH_FLEET_PREPARE_REPOS ?? options.repos.length));
  const passes = Number(process.env.BENCH_FLEET_WARM_PASSES ?? 3);
  const repos = options.repos.slice(0, count);
  const result = { repos: count, warm_passes: passes } as FleetPrepareResult;
  for (const format of ['json', 'markdown'] as const) {
    const paths = repos.map((r) => `/v1/prepare/coach?target=${encodeURIComponent(r)}&format=${format}`);
    const cold = { service: [] as Pass[], baseline: [] as Pass[] };
    const coldCpu = { service: [] as number[], baseline: [] as number[] };
    const warmCpu = { service: [] as number[], baseline: [] as number[] };
    const warm = { service: [] as Pass[], baseline: [] as Pass[] };
    for (let round = 1; round <= options.rounds; round++) {
      options.log(`round ${round}/${options.rounds}: prepare ${format} over ${count} repos, cold then warm x${passes}`);
      for (const side of ['service', 'baseline'] as const) {
        const server = await (side === 'service' ? options.startService() : options.startBaseline());
        try {
          const cpuBefore = server.cpuMs();
          cold[side].push(await spread(server.base, paths, options.connections, 1));
          coldCpu[side].push(server.cpuMs() - cpuBefore);
          const warmBefore = server.cpuMs();
          warm[side].push(await spread(server.base, paths, options.connections, passes));
          warmCpu[side].push(server.cpuMs() - warmBefore);
        } finally {
          await server.stop();
        }
      }
    }
    const coldMs = { service: median(cold.service.map((p) => p.ms)), baseline: median(cold.baseline.map((p) => p.ms)) };
    const cpuMs = { service: median(coldCpu.service), baseline: median(coldCpu.baseline) };
    const warmRps = { service: median(warm.service.map((p) => p.rps)), baseline: median(warm.baseline.map((p) => p.rps)) };
    result[format] = {
      cold: {
        service_ms: coldMs.service,
        baseline_ms: coldMs.baseline,
        ratio: coldMs.service / coldMs.baseline,
        service_cpu_ms: cpuMs.service,
        baseline_cpu_ms: cpuMs.baseline,
        cpu_ratio: cpuMs.service / cpuMs.baseline,
      },
      warm: {
        service_rps: warmRps.service,
        baseline_rps: warmRps.baseline,
        ratio: warmRps.service / warmRps.baseline,
        service_p99_ms: median(warm.service.map((p) => p.p99)),
        baseline_p99_ms: median(warm.baseline.map((p) => p.p99)),
        service_cpu_ms: median(warmCpu.service),
        baseline_cpu_ms: median(warmCpu.baseline),
      },
    };
  }
  return result;
}
