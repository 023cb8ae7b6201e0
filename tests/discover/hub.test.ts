/**
 * Issue #10 finding 5: what the hub answers bounds a discover's work, answer
 * and log. A roster over the entry cap is refused; skips are listed up to a
 * cap and logged once per change; identical concurrent calls share one
 * computation.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SKIPPED_LISTED } from '../../src/discover/resolve.js';
import { MAX_ROSTER_ENTRIES } from '../../src/discover/roster.js';
import { MAX_SKIP_LINES_PER_CALL } from '../../src/discover/skip-log.js';
import type { DiscoverResult } from '../../src/discover/types.js';
import { buildApp } from '../../src/http/app.js';
import { VALID_MANIFEST, tempFleet, testConfig, type TempDir } from '../helpers/fleet.js';
import { captureLog } from '../helpers/logs.js';
import { json, startStateHub, type StateHubStandIn } from '../helpers/state-hub.js';

const HOST = 'bounds-hub-host';
const NOW = '2026-03-04T12:00:00Z';

let fleet: TempDir;
let hub: StateHubStandIn;
let app: FastifyInstance;
const { stream: logStream, records: logLines } = captureLog();

beforeAll(async () => {
  fleet = tempFleet({ alpha: { '.kaizen/schedule.yml': VALID_MANIFEST } });
  hub = await startStateHub();
  app = await buildApp(testConfig({ KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST, KAIZEN_HUB_TIMEOUT_MS: '20000' }), {
    logger: { level: 'warn', stream: logStream },
  });
  await app.ready();
});

afterEach(() => {
  logLines.length = 0;
});

afterAll(async () => {
  await app.close();
  await hub.close();
  fleet.cleanup();
});

const alphaEntry = () => ({ slug: 'alpha', domain: 'd', host_paths: { [HOST]: path.join(fleet.dir, 'alpha') } });
const missing = (i: number) => ({ slug: `gone-${String(i).padStart(5, '0')}`, host_paths: { [HOST]: path.join(fleet.dir, `gone-${i}`) } });

describe('a hub answering a 5 MiB array of zeros', () => {
  it('is refused as hub_bad_response with a small answer and a line or two of log', async () => {
    const zeros = `[${Array.from({ length: 2_600_000 }, () => '0').join(',')}]`;
    expect(zeros.length).toBeLessThan(5 * 1024 * 1024);
    hub.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(zeros);
    });
    const res = await app.inject(`/v1/discover?now=${NOW}`);
    expect(res.statusCode).toBe(502);
    const problem = res.json<{ code: string; detail: string; roster_entries: number }>();
    expect(problem.code).toBe('hub_bad_response');
    expect(problem.detail).toContain(`the limit is ${MAX_ROSTER_ENTRIES}`);
    expect(problem.roster_entries).toBe(2_600_000);
    expect(res.body.length).toBeLessThan(4096);
    expect(logLines.length).toBeLessThan(5);
  }, 60_000);
});

describe('skipped repos', () => {
  const roster = () => [alphaEntry(), ...Array.from({ length: 3 * MAX_SKIP_LINES_PER_CALL + 50 }, (_, i) => missing(i))];
  const total = 3 * MAX_SKIP_LINES_PER_CALL + 50;
  const skipLines = () => logLines.filter((l) => l.msg === 'repo_unreachable');

  it('lists the first ones up to the cap, counts them all, and logs each once across calls', async () => {
    hub.respond(json(roster()));
    const first = await app.inject(`/v1/discover?now=${NOW}`);
    expect(first.statusCode).toBe(200);
    const body = first.json<DiscoverResult>();
    expect(body.scheduled_runs.map((r) => r.repo)).toEqual(['alpha', 'alpha']);
    expect(body.skipped).toHaveLength(MAX_SKIPPED_LISTED);
    expect(body.skipped[0]!.repo).toBe('gone-00000');
    expect(body.skipped_truncated).toBe(true);
    expect(body.skipped_by_reason).toEqual({ repo_unreachable: total });
    expect(body.counts.skipped).toBe(total);
    expect(skipLines()).toHaveLength(MAX_SKIP_LINES_PER_CALL);
    expect(logLines.find((l) => l.msg === 'repos_skipped_not_logged')).toMatchObject({ not_logged: { repo_unreachable: total - MAX_SKIP_LINES_PER_CALL } });

    // Later calls log the ones left over, then nothing while nothing changes.
    let logged = skipLines().length;
    for (let call = 0; call < 5; call++) {
      logLines.length = 0;
      expect((await app.inject(`/v1/discover?now=${NOW}`)).statusCode).toBe(200);
      expect(skipLines().length).toBeLessThanOrEqual(MAX_SKIP_LINES_PER_CALL);
      logged += skipLines().length;
    }
    expect(logged).toBe(total);
    expect(logLines).toEqual([]);
  });

  it('logs a repo again when its reason changes, or when it breaks again after working', async () => {
    const broken = { slug: 'flappy', host_paths: { [HOST]: path.join(fleet.dir, 'flappy') } };
    const outside = { slug: 'flappy', host_paths: { [HOST]: '/etc' } };
    const working = { ...alphaEntry(), slug: 'flappy' };
    const linesFor = async (entry: object) => {
      hub.respond(json([entry]));
      logLines.length = 0;
      expect((await app.inject(`/v1/discover?now=${NOW}`)).statusCode).toBe(200);
      return logLines.filter((l) => l.repo === 'flappy').map((l) => l.msg);
    };
    expect(await linesFor(broken)).toEqual(['repo_unreachable']);
    expect(await linesFor(broken)).toEqual([]);
    expect(await linesFor(outside)).toEqual(['repo_outside_roots']);
    expect(await linesFor(working)).toEqual([]);
    expect(await linesFor(outside)).toEqual(['repo_outside_roots']);
  });
});

describe('concurrent identical discovers', () => {
  it('share one computation: one hub request for 100 calls, the same answer for each', async () => {
    hub.respond((_req, res) => {
      setTimeout(() => json([alphaEntry()])(_req, res, 1), 200);
    });
    const answers = await Promise.all(Array.from({ length: 100 }, () => app.inject(`/v1/discover?now=${NOW}`)));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(hub.requests).toHaveLength(1);
  });

  it('share only calls that compute the same answer: another query or another second is its own computation', async () => {
    hub.respond((_req, res) => {
      setTimeout(() => json([alphaEntry()])(_req, res, 1), 200);
    });
    const urls = [
      '/v1/discover?now=2026-03-04T12:00:00.100Z',
      '/v1/discover?now=2026-03-04T12:00:00.900Z', // same second: shared
      '/v1/discover?now=2026-03-04T12:00:01.000Z',
      '/v1/discover?now=2026-03-04T12:00:00.100Z&agent=coach',
      '/v1/discover?now=2026-03-04T12:00:00.100Z&domain=d',
    ];
    const answers = await Promise.all(urls.map((u) => app.inject(u)));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(hub.requests).toHaveLength(4);
    const [a, b] = answers.map((x) => x.json<DiscoverResult>());
    expect(a!.scheduled_runs).toEqual(b!.scheduled_runs);
    // Computed apart, a later call sees a fresh roster.
    hub.respond(json([]));
    expect((await app.inject('/v1/discover?now=2026-03-04T12:00:00.100Z')).json<DiscoverResult>().scheduled_runs).toEqual([]);
  });
});
