/**
 * `npm run bench`: builds the service, starts it on 127.0.0.1 against a
 * generated fleet, and measures it against baselines started in the same run,
 * as ratios, so the targets hold on a noisy 2-core machine. Load comes from
 * autocannon in a separate process. Every figure is the median of several
 * interleaved rounds. Prepare over the whole fleet, cold and warm, is in
 * bench/fleet-prepare.ts. Writes bench/results/latest.json.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request as undiciRequest } from 'undici';
import { benchBounds } from './bounds.js';
import { CACHE_TARGET_EXTRA_NS, benchCache } from './cache.js';
import { CONSOLE_TARGET_RATIO, benchConsole } from './console.js';
import { EVENTS_TARGET_RATIO, benchEvents } from './events.js';
import { CLI_TARGET_RATIO, benchCli } from './cli.js';
import { FLEET_PREPARE_TARGETS, benchFleetPrepare, processCpuMs, type StartedServer } from './fleet-prepare.js';
import { FLEET_COACH_FILES, HOST_NAME, writeDiscoverFleet, writePrepareRepo } from './fleet.js';
import { WINDOW_TARGETS, benchWindows } from './windows.js';
import { median, freePort } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = 50;
const FLEET_SIZE = Number(env.BENCH_FLEET_SIZE ?? 1000);
const DISCOVER_CALLS = Number(env.BENCH_DISCOVER_CALLS ?? 15);
const SPAWN_CALLS = Number(env.BENCH_SPAWN_CALLS ?? 20);
const CLI_CALLS = Number(env.BENCH_CLI_CALLS ?? 30);

const TARGETS = {
  prepareThroughputRatio: 0.7,
  prepareP99Ms: 10,
  discoverRatio: 2,
  peakRssMb: 150,
  spawnSpeedup: 100,
  eventsRatio: EVENTS_TARGET_RATIO,
};

// A connection per call: this process blocks for minutes in autocannon runs,
// so a kept-alive socket could be closed by the server unseen and fail on reuse.
const request = (url: string) => undiciRequest(url, { reset: true });

/** Children still running when the bench ends, failed or not. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGTERM');
});


async function waitFor(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await request(url);
      await res.body.dump();
      if (res.statusCode < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function start(command: string, args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  child.on('error', (err) => {
    throw err;
  });
  return child;
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** One autocannon run in its own process. */
function autocannon(url: string, headers: Record<string, string> = {}, durationS = DURATION_S): LoadResult {
  const args = [path.join(ROOT, 'node_modules/autocannon/autocannon.js'), '-c', String(CONNECTIONS), '-d', String(durationS), '-j'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const out = execFileSync(process.execPath, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const r = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number };
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function main(): Promise<void> {
  process.stdout.write('building...\n');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });

  const work = mkdtempSync(path.join(os.tmpdir(), 'kaizen-bench-'));
  const prepareRoot = path.join(work, 'prepare');
  const fleetRoot = path.join(work, 'fleet');
  mkdirSync(prepareRoot);
  mkdirSync(fleetRoot);
  const repo = writePrepareRepo(prepareRoot);
  const roster = writeDiscoverFleet(fleetRoot, FLEET_SIZE);

  // The State Hub stand-in lives in this process, on loopback.
  const rosterBody = JSON.stringify(roster);
  const hub: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(rosterBody);
  });
  await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
  const hubUrl = `http://127.0.0.1:${(hub.address() as { port: number }).port}`;

  // Exactly what `npm start` runs (after its build step), flags included.
  const [, ...startArgs] = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
  const serviceEnv = {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    KAIZEN_REPO_ROOTS: `${prepareRoot}:${fleetRoot}`,
    KAIZEN_HOST_NAME: HOST_NAME,
    // Measure the service, not the load shedder.
    KAIZEN_MAX_EVENT_LOOP_DELAY_MS: '0',
  };
  const startService = async (): Promise<{ child: ChildProcess; base: string }> => {
    const port = await freePort();
    const child = start(process.execPath, startArgs, { ...serviceEnv, PORT: String(port), KAIZEN_STATE_HUB_URL: hubUrl });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/healthz`);
    return { child, base };
  };
  const { child: service, base } = await startService();

  const prepareUrl = (format: string) => `${base}/v1/prepare/coach?target=${encodeURIComponent(repo)}&format=${format}`;
  const rawPorts: Record<string, number> = {};
  const raws: ChildProcess[] = [];
  const bundleBytes: Record<string, number> = {};
  for (const format of ['json', 'markdown']) {
    const res = await request(prepareUrl(format));
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new Error(`prepare ${format} answered ${res.statusCode}: ${body.toString()}`);
    bundleBytes[format] = body.length;
    const file = path.join(work, `bundle.${format}`);
    writeFileSync(file, body);
    rawPorts[format] = await freePort();
    raws.push(start(process.execPath, ['bench/raw-server.mjs', String(rawPorts[format]), file, String(res.headers['content-type'])]));
    await waitFor(`http://127.0.0.1:${rawPorts[format]}/`);
  }

  // Warm both up first (JIT, caches, connections): the figures are steady state.
  process.stdout.write('warming up\n');
  for (const format of ['json', 'markdown']) {
    autocannon(prepareUrl(format), {}, 2);
    autocannon(`http://127.0.0.1:${rawPorts[format]}/`, {}, 2);
  }

  // 1. prepare vs raw node:http, interleaved rounds.
  const prepare: Record<string, { service: LoadResult[]; raw: LoadResult[] }> = { json: { service: [], raw: [] }, markdown: { service: [], raw: [] } };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const format of ['json', 'markdown'] as const) {
      process.stdout.write(`round ${round}/${ROUNDS}: prepare ${format}\n`);
      prepare[format]!.service.push(autocannon(prepareUrl(format)));
      prepare[format]!.raw.push(autocannon(`http://127.0.0.1:${rawPorts[format]}/`));
    }
  }

  const rssAfterPrepareMb = peakRssMb(service.pid!);

  // 2. discover over the fleet vs read+parse of the same manifests, interleaved.
  const discoverMs: number[] = [];
  const baselineMs: number[] = [];
  let runs = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    process.stdout.write(`round ${round}/${ROUNDS}: discover ${FLEET_SIZE} repos\n`);
    for (let i = 0; i < DISCOVER_CALLS; i++) {
      const t0 = process.hrtime.bigint();
      const res = await request(`${base}/v1/discover`);
      const body = (await res.body.json()) as { scheduled_runs: unknown[] };
      discoverMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (res.statusCode !== 200) throw new Error(`discover answered ${res.statusCode}`);
      runs = body.scheduled_runs.length;
    }
    const out = execFileSync(process.execPath, ['bench/parse-baseline.mjs', fleetRoot, String(DISCOVER_CALLS)], { cwd: ROOT }).toString();
    baselineMs.push(...(JSON.parse(out) as number[]));
  }

  // 2b. due windows against a plain discover of the same fleet.
  const windows = await benchWindows({ base, rounds: ROUNDS, request, log: (l) => process.stdout.write(`${l}\n`) });

  // 2c. the console's fleet page vs the discover call it is built from.
  process.stdout.write(`console: fleet page vs discover, ${FLEET_SIZE} repos\n`);
  const consolePage = await benchConsole(base);

  // 2d. prepare over the whole fleet, cold then warm, against bare fs reads; fresh processes each round.
  let fleetServiceRssMb = 0;
  const stopped = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const fleetPrepare = await benchFleetPrepare({
    repos: roster.map((r) => r.host_paths[HOST_NAME]!),
    rounds: ROUNDS,
    connections: CONNECTIONS,
    startService: async (): Promise<StartedServer> => {
      const { child, base: fleetBase } = await startService();
      return {
        base: fleetBase,
        cpuMs: () => processCpuMs(child.pid!),
        stop: async () => {
          fleetServiceRssMb = Math.max(fleetServiceRssMb, peakRssMb(child.pid!));
          await stopped(child);
        },
      };
    },
    startBaseline: async (): Promise<StartedServer> => {
      const port = await freePort();
      // The same node flags as the service, the same kind of readiness probe.
      const nodeFlags = startArgs.filter((a) => a.startsWith('--'));
      const child = start(process.execPath, [...nodeFlags, 'bench/read-server.mjs', String(port), path.join(ROOT, 'agents/agent-coach.md'), ...FLEET_COACH_FILES]);
      await waitFor(`http://127.0.0.1:${port}/healthz`);
      return { base: `http://127.0.0.1:${port}`, cpuMs: () => processCpuMs(child.pid!), stop: () => stopped(child) };
    },
    log: (l) => process.stdout.write(`${l}\n`),
  });

  // 4. one process per prepare call (two at a time, one per core).
  process.stdout.write(`spawning ${SPAWN_CALLS} one-shot prepare processes\n`);
  const spawnStart = process.hrtime.bigint();
  const agentsDir = path.join(ROOT, 'agents');
  const spawnOne = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['bench/cli-prepare.mjs', repo, 'coach', agentsDir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cli-prepare exited ${code}`))));
    });
  for (let i = 0; i < SPAWN_CALLS; i += 2) await Promise.all([spawnOne(), spawnOne()]);
  const spawnCallsPerS = SPAWN_CALLS / (Number(process.hrtime.bigint() - spawnStart) / 1e9);

  // 3. peak RSS of the service over everything above.
  const rssMb = peakRssMb(service.pid!);

  // 6. prepare with event emission to a real nats-server vs without (bench/events.ts).
  const events = await benchEvents({ start, autocannon, freePort, waitFor, startArgs, env: serviceEnv, repo, rounds: ROUNDS, durationS: DURATION_S });
  // 5. the command line, wall time per call against a bare node start.
  process.stdout.write(`kaizen-schedule validate / prepare, ${CLI_CALLS} calls each\n`);
  const cli = await benchCli(ROOT, repo, CLI_CALLS);

  service.kill('SIGTERM');
  for (const raw of raws) raw.kill('SIGTERM');
  hub.close();

  // 5. bounds (issue #10): hostile metrics file, hub amplification, discover load; its own services.
  const bounds = await benchBounds({ root: ROOT, fleetRoot, roster });
  rmSync(work, { recursive: true, force: true });
  // 7. the bounded caches (bench/cache.ts): lru-cache against the Map it replaced, in this process.
  const cache = await benchCache(ROUNDS, (l) => process.stdout.write(`${l}\n`));

  const summary = (xs: LoadResult[]) => ({ rps: median(xs.map((x) => x.rps)), p50: median(xs.map((x) => x.p50)), p99: median(xs.map((x) => x.p99)), errors: xs.reduce((n, x) => n + x.errors + x.non2xx, 0) });
  const result = {
    generated_at: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    settings: { cli_calls: CLI_CALLS, rounds: ROUNDS, duration_s: DURATION_S, connections: CONNECTIONS, fleet_size: FLEET_SIZE, discover_calls_per_round: DISCOVER_CALLS, spawn_calls: SPAWN_CALLS, log_level: 'info' },
    prepare: Object.fromEntries(
      (['json', 'markdown'] as const).map((format) => {
        const s = summary(prepare[format]!.service);
        const r = summary(prepare[format]!.raw);
        return [format, { bundle_bytes: bundleBytes[format], service: s, raw: r, throughput_ratio: s.rps / r.rps }];
      }),
    ),
    discover: { repos: FLEET_SIZE, scheduled_runs: runs, service_median_ms: median(discoverMs), baseline_median_ms: median(baselineMs), ratio: median(discoverMs) / median(baselineMs) },
    windows,
    console: consolePage,
    fleet_prepare: fleetPrepare,
    peak_rss_mb: rssMb,
    peak_rss_fleet_prepare_mb: fleetServiceRssMb,
    peak_rss_after_prepare_mb: rssAfterPrepareMb,
    bounds,
    cache,
    events,
    cli,
    spawn_per_call: { calls_per_s: spawnCallsPerS, service_rps: summary(prepare.markdown!.service).rps, speedup: summary(prepare.markdown!.service).rps / spawnCallsPerS },
  };
  const checks = {
    prepare_json_throughput: result.prepare.json!.throughput_ratio >= TARGETS.prepareThroughputRatio,
    prepare_json_p99: result.prepare.json!.service.p99 <= TARGETS.prepareP99Ms,
    prepare_markdown_throughput: result.prepare.markdown!.throughput_ratio >= TARGETS.prepareThroughputRatio,
    prepare_markdown_p99: result.prepare.markdown!.service.p99 <= TARGETS.prepareP99Ms,
    discover_ratio: result.discover.ratio <= TARGETS.discoverRatio,
    window_week_ratio: windows.week.ratio <= WINDOW_TARGETS.weekRatio,
    window_quarter_hour_ratio: windows.quarter_hour.ratio <= WINDOW_TARGETS.quarterHourRatio,
    console_ratio: consolePage.ratio <= CONSOLE_TARGET_RATIO,
    fleet_prepare_json_warm: fleetPrepare.json.warm.ratio >= FLEET_PREPARE_TARGETS.warmRatio,
    fleet_prepare_json_cold: fleetPrepare.json.cold.ratio <= FLEET_PREPARE_TARGETS.coldRatio,
    fleet_prepare_markdown_warm: fleetPrepare.markdown.warm.ratio >= FLEET_PREPARE_TARGETS.warmRatio,
    fleet_prepare_markdown_cold: fleetPrepare.markdown.cold.ratio <= FLEET_PREPARE_TARGETS.coldRatio,
    peak_rss: rssMb <= TARGETS.peakRssMb,
    peak_rss_fleet_prepare: fleetServiceRssMb <= TARGETS.peakRssMb,
    spawn_speedup: result.spawn_per_call.speedup >= TARGETS.spawnSpeedup,
    bounds_load_peak_rss: bounds.discover_load.rss_peak_mb <= TARGETS.peakRssMb,
    events_ratio: events.ratio >= TARGETS.eventsRatio,
    events_stream_complete: events.stream.complete,
    cli_validate: cli.validate_ratio <= CLI_TARGET_RATIO,
    cli_prepare: cli.prepare_ratio <= CLI_TARGET_RATIO,
    cache_get_extra: cache.get_ns.lru - cache.get_ns.map <= CACHE_TARGET_EXTRA_NS,
    cache_set_extra: cache.set_ns.lru - cache.set_ns.map <= CACHE_TARGET_EXTRA_NS,
  };
  const output = { ...result, targets: { ...TARGETS, windows: WINDOW_TARGETS, consoleRatio: CONSOLE_TARGET_RATIO, cliRatio: CLI_TARGET_RATIO, cacheExtraNs: CACHE_TARGET_EXTRA_NS, fleet_prepare: FLEET_PREPARE_TARGETS }, checks };
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(output, null, 2)}\n`);

  const f = (n: number, d = 1) => n.toFixed(d);
  const ok = (b: boolean) => (b ? 'ok' : 'MISS');
  const rows = [
    ['measure', 'kaizen-schedule', 'baseline', 'ratio', 'target', ''],
    ...(['json', 'markdown'] as const).map((format) => {
      const p = result.prepare[format]!;
      return [`prepare ${format} req/s (${p.bundle_bytes} B)`, f(p.service.rps, 0), f(p.raw.rps, 0), f(p.throughput_ratio, 2), `>= ${TARGETS.prepareThroughputRatio}`, ok(checks[`prepare_${format}_throughput`])];
    }),
    ...(['json', 'markdown'] as const).map((format) => {
      const p = result.prepare[format]!;
      return [`prepare ${format} p50 / p99 ms`, `${f(p.service.p50)} / ${f(p.service.p99)}`, `${f(p.raw.p50)} / ${f(p.raw.p99)}`, '', `p99 <= ${TARGETS.prepareP99Ms}`, ok(checks[`prepare_${format}_p99`])];
    }),
    [`discover ${FLEET_SIZE} repos, median ms`, f(result.discover.service_median_ms), f(result.discover.baseline_median_ms), f(result.discover.ratio, 2), `<= ${TARGETS.discoverRatio}`, ok(checks.discover_ratio)],
    [`discover 7-day window (${windows.week.runs} runs) vs plain, ms`, f(windows.week.median_ms), f(windows.plain_median_ms), f(windows.week.ratio, 2), `<= ${WINDOW_TARGETS.weekRatio}`, ok(checks.window_week_ratio)],
    [`discover 15-minute window vs plain, ms`, f(windows.quarter_hour.median_ms), f(windows.plain_median_ms), f(windows.quarter_hour.ratio, 2), `<= ${WINDOW_TARGETS.quarterHourRatio}`, ok(checks.window_quarter_hour_ratio)],
    [`console fleet page (${Math.round(consolePage.page_bytes / 1024)} KiB) vs discover, median ms`, f(consolePage.page_median_ms), f(consolePage.discover_median_ms), f(consolePage.ratio, 2), `<= ${CONSOLE_TARGET_RATIO}`, ok(checks.console_ratio)],
    ...(['json', 'markdown'] as const).flatMap((format) => {
      const fp = fleetPrepare[format];
      return [
        [`prepare ${format}, ${fleetPrepare.repos} repos cold, ms (vs fs reads)`, f(fp.cold.service_ms), f(fp.cold.baseline_ms), f(fp.cold.ratio, 2), `<= ${FLEET_PREPARE_TARGETS.coldRatio}`, ok(checks[`fleet_prepare_${format}_cold`])],
        [`  the same cold pass, server CPU ms (informational)`, f(fp.cold.service_cpu_ms), f(fp.cold.baseline_cpu_ms), f(fp.cold.cpu_ratio, 2), '', ''],
        [`prepare ${format}, ${fleetPrepare.repos} repos warm, req/s (vs fs reads)`, f(fp.warm.service_rps, 0), f(fp.warm.baseline_rps, 0), f(fp.warm.ratio, 2), `>= ${FLEET_PREPARE_TARGETS.warmRatio}`, ok(checks[`fleet_prepare_${format}_warm`])],
      ];
    }),
    ['peak RSS MB', f(rssMb), '', '', `<= ${TARGETS.peakRssMb}`, ok(checks.peak_rss)],
    ['peak RSS MB, fleet prepare service', f(fleetServiceRssMb), '', '', `<= ${TARGETS.peakRssMb}`, ok(checks.peak_rss_fleet_prepare)],
    ['prepare json req/s, events on vs off', f(events.on_rps, 0), f(events.off_rps, 0), f(events.ratio, 2), `>= ${TARGETS.eventsRatio}`, ok(checks.events_ratio)],
    ['events published / failed / dropped; stream holds', `${events.events.published} / ${events.events.failed} / ${events.events.dropped}; ${events.stream.messages}`, `${events.stream.prepares_answered} prepares`, '', 'one each', events.stream.complete ? 'ok' : 'MISS'],
    ['CPU µs per event: service (on - off) / isolated client / nats-server', `${f(events.service_cpu_us_per_event)} / ${f(events.isolated.client_us_per_event)} / ${f(events.cpu_us_per_request.nats_server)}`, '', '', '', ''],
    ['kaizen-schedule validate, median ms vs node -e', f(cli.validate_median_ms), f(cli.floor_median_ms), f(cli.validate_ratio, 2), `<= ${CLI_TARGET_RATIO}`, ok(checks.cli_validate)],
    ['kaizen-schedule prepare, median ms vs node -e', f(cli.prepare_median_ms), f(cli.floor_median_ms), f(cli.prepare_ratio, 2), `<= ${CLI_TARGET_RATIO}`, ok(checks.cli_prepare)],
    ['prepare calls/s vs process per call', f(result.spawn_per_call.service_rps, 0), f(spawnCallsPerS, 1), f(result.spawn_per_call.speedup, 0), `>= ${TARGETS.spawnSpeedup}`, ok(checks.spawn_speedup)],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`\n${line(rows[0]!)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.slice(1).map(line).join('\n')}\n`);
  process.stdout.write(`\n${JSON.stringify({ checks, errors: { json: result.prepare.json!.service.errors, markdown: result.prepare.markdown!.service.errors } })}\n`);
  process.stdout.write(`\nbounds: ${JSON.stringify(bounds)}\n`);
  process.stdout.write('wrote bench/results/latest.json\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
