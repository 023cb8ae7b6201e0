/**
 * Bench phase for issue #10's bounds: what one hostile file or hub answer
 * costs, and what a sustained discover load writes to the log. Each part
 * runs its own service process (the built dist/, as `npm start` runs it)
 * with its stdout in a file, so log bytes and peak RSS belong to that part.
 *
 * Knobs: BENCH_BOUNDS_LOAD_S (discover load duration, default 60),
 * BENCH_BOUNDS_CONNECTIONS (default 100), BENCH_BOUNDS_PREPARE_CALLS
 * (garbage-metrics prepares, default 3). Standalone:
 * `npm run build && npx tsx bench/bounds.ts`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { request as undiciRequest } from 'undici';
import { HOST_NAME, writeDiscoverFleet } from './fleet.js';
import { median, freePort } from './support.js';

const env = process.env;
const LOAD_S = Number(env.BENCH_BOUNDS_LOAD_S ?? 60);
const CONNECTIONS = Number(env.BENCH_BOUNDS_CONNECTIONS ?? 100);
const PREPARE_CALLS = Number(env.BENCH_BOUNDS_PREPARE_CALLS ?? 3);
/** Roster entries pointing at no checkout: each is a skip on every discover. */
const BROKEN_ENTRIES = 50;

export interface BoundsOptions {
  /** The package root (dist/ built). */
  root: string;
  /** A fleet root already holding `fleetSize` repos of writeDiscoverFleet, and their roster. */
  fleetRoot: string;
  roster: Array<{ slug: string; domain: string; host_paths: Record<string, string> }>;
}

const request = (url: string) => undiciRequest(url, { reset: true });
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

async function listen(handler: RequestListener): Promise<{ url: string; close: () => void }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}

interface Service {
  base: string;
  child: ChildProcess;
  logBytes: () => number;
  peakRssMb: () => number;
  stop: () => Promise<void>;
}

/** Starts the built service as `npm start` does, its log (stdout) going to a file. */
async function startService(root: string, work: string, name: string, extraEnv: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const logFile = path.join(work, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const [, ...args] = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', KAIZEN_HOST_NAME: HOST_NAME, KAIZEN_MAX_EVENT_LOOP_DELAY_MS: '0', ...extraEnv },
    stdio: ['ignore', fd, 'inherit'],
  });
  closeSync(fd);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await request(`${base}/healthz`);
      await res.body.dump();
      break;
    } catch {
      if (i > 150 || child.exitCode !== null) throw new Error(`bounds bench: service ${name} did not come up`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    base,
    child,
    logBytes: () => statSync(logFile).size,
    peakRssMb: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function timedGet(url: string): Promise<{ ms: number; status: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  const res = await request(url);
  const body = Buffer.from(await res.body.arrayBuffer());
  return { ms: ms(t0), status: res.statusCode, bytes: body.length };
}

/** 1. A prepare reading an 8 MiB executions.jsonl of garbage, and /healthz latency meanwhile vs idle. */
async function garbageMetrics(root: string, work: string) {
  const repos = path.join(work, 'garbage');
  const out: Record<string, unknown> = {};
  // Plain garbage (rejected by the per-line pre-check) and garbage that looks like an object (parsed, fails).
  const kinds = { plain: 'x\n', braced: '{garbage}\n' } as const;
  for (const [kind, line] of Object.entries(kinds)) {
    const dir = path.join(repos, kind);
    mkdirSync(path.join(dir, '.kaizen/metrics/coach'), { recursive: true });
    writeFileSync(path.join(dir, '.kaizen/schedule.yml'), 'version: "1"\nagents:\n  coach: { cadence: weekly }\n');
    writeFileSync(path.join(dir, '.kaizen/metrics/coach/executions.jsonl'), line.repeat(Math.floor((8 * 1024 * 1024) / line.length)));
  }
  const service = await startService(root, work, 'garbage', { KAIZEN_REPO_ROOTS: repos });
  try {
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) idle.push((await timedGet(`${service.base}/healthz`)).ms);
    for (const kind of Object.keys(kinds)) {
      const prepareMs: number[] = [];
      const healthMs: number[] = [];
      for (let i = 0; i < PREPARE_CALLS; i++) {
        // now= bypasses the bundle cache: every call reads and summarises the file.
        let done = false;
        const prepare = timedGet(`${service.base}/v1/prepare/coach?target=${kind}&now=2026-03-04T12:00:0${i % 10}Z`).finally(() => (done = true));
        while (!done) {
          healthMs.push((await timedGet(`${service.base}/healthz`)).ms);
          await new Promise((r) => setTimeout(r, 20));
        }
        const p = await prepare;
        if (p.status !== 200) throw new Error(`bounds bench: garbage prepare answered ${p.status}`);
        prepareMs.push(p.ms);
      }
      out[kind] = {
        prepare_median_ms: median(prepareMs),
        healthz_during_median_ms: median(healthMs),
        healthz_during_max_ms: Math.max(...healthMs),
        healthz_samples: healthMs.length,
      };
    }
    out.healthz_idle_median_ms = median(idle);
  } finally {
    await service.stop();
  }
  return out;
}

/** 2. One discover against a hub answering a 5 MiB array of 2.6 million zeros. */
async function hubAmplification(root: string, work: string) {
  const zeros = `[${Array.from({ length: 2_600_000 }, () => '0').join(',')}]`;
  const hub = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(zeros);
  });
  const roots = path.join(work, 'empty');
  mkdirSync(roots, { recursive: true });
  const service = await startService(root, work, 'amplification', { KAIZEN_REPO_ROOTS: roots, KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_HUB_TIMEOUT_MS: '60000' });
  try {
    const logBefore = service.logBytes();
    const rssBefore = service.peakRssMb();
    const call = await timedGet(`${service.base}/v1/discover`);
    const health = await timedGet(`${service.base}/healthz`);
    await new Promise((r) => setTimeout(r, 200)); // let the log reach the file
    return {
      roster_bytes: zeros.length,
      status: call.status,
      discover_ms: call.ms,
      body_bytes: call.bytes,
      healthz_after_ms: health.ms,
      rss_peak_mb: service.peakRssMb(),
      rss_peak_before_mb: rssBefore,
      log_bytes: service.logBytes() - logBefore,
    };
  } finally {
    await service.stop();
    hub.close();
  }
}

/** 3. Discover at CONNECTIONS connections for LOAD_S seconds on the fleet, with a few broken entries in the roster. */
async function discoverLoad(root: string, work: string, fleetRoot: string, roster: BoundsOptions['roster']) {
  const withBroken = [
    ...roster,
    ...Array.from({ length: BROKEN_ENTRIES }, (_, i) => ({ slug: `missing-${i}`, domain: 'product', host_paths: { [HOST_NAME]: path.join(fleetRoot, `missing-${i}`) } })),
  ];
  const body = JSON.stringify(withBroken);
  const hub = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  const service = await startService(root, work, 'load', { KAIZEN_REPO_ROOTS: fleetRoot, KAIZEN_STATE_HUB_URL: hub.url });
  try {
    const logBefore = service.logBytes();
    const args = [path.join(root, 'node_modules/autocannon/autocannon.js'), '-c', String(CONNECTIONS), '-d', String(LOAD_S), '-j', `${service.base}/v1/discover`];
    // Not execFileSync: the hub stand-in lives in this process and must keep answering.
    const { stdout: out } = await promisify(execFile)(process.execPath, args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    const r = JSON.parse(out) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number; '2xx': number };
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logBytes = service.logBytes() - logBefore;
    return {
      repos: roster.length,
      broken_entries: BROKEN_ENTRIES,
      duration_s: LOAD_S,
      connections: CONNECTIONS,
      requests: r['2xx'] + r.non2xx,
      rps: r.requests.average,
      p50_ms: r.latency.p50,
      p99_ms: r.latency.p99,
      errors: r.errors + r.non2xx,
      rss_peak_mb: service.peakRssMb(),
      log_bytes: logBytes,
      log_bytes_per_request: r['2xx'] + r.non2xx > 0 ? logBytes / (r['2xx'] + r.non2xx) : 0,
    };
  } finally {
    await service.stop();
    hub.close();
  }
}

export async function benchBounds(options: BoundsOptions) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'kaizen-bench-bounds-'));
  try {
    process.stdout.write('bounds: garbage executions.jsonl prepare\n');
    const garbage = await garbageMetrics(options.root, work);
    process.stdout.write('bounds: hub answering 5 MiB of zeros\n');
    const amplification = await hubAmplification(options.root, work);
    process.stdout.write(`bounds: discover load, ${CONNECTIONS} connections for ${LOAD_S} s\n`);
    const load = await discoverLoad(options.root, work, options.fleetRoot, options.roster);
    return { garbage_metrics: garbage, hub_amplification: amplification, discover_load: load };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// Standalone: `npx tsx bench/bounds.ts` (after `npm run build`), with its own fleet.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const fleetRoot = mkdtempSync(path.join(os.tmpdir(), 'kaizen-bench-fleet-'));
  const roster = writeDiscoverFleet(fleetRoot, Number(env.BENCH_FLEET_SIZE ?? 1000));
  benchBounds({ root, fleetRoot, roster })
    .then((result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`))
    .finally(() => rmSync(fleetRoot, { recursive: true, force: true }))
    .catch((err: unknown) => {
      process.stderr.write(`bounds bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
