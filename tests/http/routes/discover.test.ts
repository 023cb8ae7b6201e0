import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import type { DiscoverResult } from '../../../src/discover/types.js';
import { runId } from '../../../src/runs/run-id.js';
import { tempDir, tempFleet, testApp, testConfig, writeFiles, type TempDir } from '../../helpers/fleet.js';
import { captureLog } from '../../helpers/logs.js';
import { closedPortUrl, json, raw, startStateHub, type StateHubStandIn } from '../../helpers/state-hub.js';

const HOST = 'runner-1';
const NOW = '2026-03-04T12:00:00Z'; // a Wednesday

const COACH_WEEKLY = `version: "1"
timezone: Europe/Berlin
agents:
  coach: { cadence: weekly, cron: "0 9 * * 1", enabled: true }
`;
const COACH_DISABLED = `version: "1"
agents:
  coach: { cadence: weekly, cron: "0 9 * * 1", enabled: false }
`;
const INVALID = `version: "1"
agents:
  coach: { cadence: hourly }
`;
const MIXED = `version: "1"
timezone: UTC
agents:
  coach: { cadence: weekly }
  optimization: { cadence: weekly, cron: "30 6 * * 5" }
  sys-medic: { cadence: daily, cron: "15 6 * * *" }
  dependency-hygiene: { cadence: monthly, enabled: false }
`;

interface Problem {
  status: number;
  code: string;
  detail: string;
  attempts?: number;
  upstream_status?: number;
}

let hub: StateHubStandIn;
let fleet: TempDir;
let outside: TempDir;
let app: FastifyInstance;
const { stream: logStream, records: logLines } = captureLog();

const repo = (slug: string, dir: string | undefined, domain = 'platform'): Record<string, unknown> => ({
  slug,
  domain,
  host_paths: dir === undefined ? { 'other-host': '/srv/x' } : { [HOST]: dir, 'other-host': '/srv/x' },
});
const at = (name: string): string => path.join(fleet.dir, name);

async function get(url: string, target = app): Promise<{ status: number; body: DiscoverResult & Problem }> {
  const res = await target.inject(url);
  return { status: res.statusCode, body: res.json() };
}

beforeAll(async () => {
  hub = await startStateHub();
  fleet = tempFleet({
    valid: { '.kaizen/schedule.yml': COACH_WEEKLY },
    disabled: { '.kaizen/schedule.yml': COACH_DISABLED },
    'no-manifest': { 'README.md': '# not opted in\n' },
    invalid: { '.kaizen/schedule.yml': INVALID },
    mixed: { '.kaizen/schedule.yml': MIXED },
    'manifest-link': {},
  });
  outside = tempDir('kaizen-outside-');
  writeFiles(path.join(outside.dir, 'escaped'), { '.kaizen/schedule.yml': COACH_WEEKLY });
  writeFiles(outside.dir, { 'schedule.yml': COACH_WEEKLY });
  symlinkSync(path.join(outside.dir, 'escaped'), at('escape-link'));
  mkdirSync(at('manifest-link/.kaizen'));
  symlinkSync(path.join(outside.dir, 'schedule.yml'), at('manifest-link/.kaizen/schedule.yml'));

  const config = testConfig({
    KAIZEN_STATE_HUB_URL: hub.url,
    KAIZEN_REPO_ROOTS: fleet.dir,
    KAIZEN_HOST_NAME: HOST,
    // Generous, so a loaded CI machine does not turn ordinary answers into timeouts;
    // the deadline itself is tested with a 300 ms app below.
    KAIZEN_HUB_TIMEOUT_MS: '3000',
    KAIZEN_CRON_WEEKLY: '0 7 * * 2',
  });
  app = await buildApp(config, { logger: { level: 'warn', stream: logStream } });
  await app.ready();
});

afterEach(() => {
  logLines.length = 0;
});

afterAll(async () => {
  await app.close();
  await hub.close();
  fleet.cleanup();
  outside.cleanup();
});

describe('GET /v1/discover over a State Hub', () => {
  it('handles the four resolver fixtures: valid, disabled, no manifest, invalid', async () => {
    hub.respond(json([repo('valid', at('valid')), repo('disabled', at('disabled')), repo('no-manifest', at('no-manifest')), repo('invalid', at('invalid'))]));
    const { status, body } = await get(`/v1/discover?now=${NOW}`);
    expect(status).toBe(200);
    expect(body.source).toBe('state_hub');
    expect(body.host_name).toBe(HOST);
    expect(body.scheduled_runs).toEqual([
      {
        repo: 'valid',
        root: at('valid'),
        agent: 'coach',
        cadence: 'weekly',
        cron: '0 9 * * 1',
        cron_source: 'manifest',
        timezone: 'Europe/Berlin',
        enabled: true,
        prepare_command: `kaizen-agentic schedule prepare coach --target ${at('valid')}`,
        prepare_url: `http://127.0.0.1:3000/v1/prepare/coach?target=${encodeURIComponent(at('valid'))}`,
        next_run: '2026-03-09T09:00:00+01:00',
        run_id: runId('valid', 'coach', new Date('2026-03-09T08:00:00Z')),
      },
    ]);
    expect(body.skipped).toHaveLength(1);
    const [skip] = body.skipped;
    expect(skip).toMatchObject({ repo: 'invalid', reason: 'schedule_invalid' });
    expect(skip!.errors?.map((e) => e.code)).toEqual(['invalid_cadence']);
    expect(skip!.errors?.[0]).toMatchObject({ path: '/agents/coach/cadence', line: 3 });
    expect(body.counts).toEqual({ roster_entries: 4, repos: 4, opted_in: 2, not_opted_in: 1, skipped: 1, scheduled_runs: 1 });
    // One structured warning per skip, named after the reason; no line for the repo that did not opt in.
    const skipLogs = logLines.filter((l) => l.msg === 'schedule_invalid');
    expect(skipLogs).toHaveLength(1);
    expect(skipLogs[0]).toMatchObject({ level: 40, repo: 'invalid', source: 'state_hub' });
    expect(JSON.stringify(skipLogs[0]!.errors)).toContain('invalid_cadence');
    expect(logLines.some((l) => JSON.stringify(l).includes('no-manifest'))).toBe(false);
  });

  it('skips a repo with no path for this host, a missing directory and a non-absolute path as repo_unreachable', async () => {
    hub.respond(json([repo('elsewhere', undefined), repo('gone', at('gone')), repo('relative', 'valid'), { slug: 'nowhere', domain: 'x', host_paths: null }]));
    const { body } = await get('/v1/discover');
    expect(body.scheduled_runs).toEqual([]);
    expect(body.skipped.map((s) => [s.repo, s.reason])).toEqual([
      ['elsewhere', 'repo_unreachable'],
      ['gone', 'repo_unreachable'],
      ['nowhere', 'repo_unreachable'],
      ['relative', 'repo_unreachable'],
    ]);
    expect(body.skipped[0]!.detail).toContain(`'${HOST}'`);
    expect(logLines.filter((l) => l.msg === 'repo_unreachable').map((l) => l.repo).sort()).toEqual(['elsewhere', 'gone', 'nowhere', 'relative']);
  });

  it('refuses paths outside the roots, escaping symlinks and traversal as repo_outside_roots without naming the outside path', async () => {
    hub.respond(
      json([
        repo('outside', path.join(outside.dir, 'escaped')),
        repo('via-link', at('escape-link')),
        repo('traversal', `${fleet.dir}/../${path.basename(outside.dir)}/escaped`),
        repo('manifest-link', at('manifest-link')),
        repo('valid', at('valid')),
      ]),
    );
    const { body } = await get('/v1/discover');
    expect(body.scheduled_runs.map((r) => r.repo)).toEqual(['valid']);
    expect(body.skipped.map((s) => [s.repo, s.reason])).toEqual([
      ['manifest-link', 'repo_outside_roots'],
      ['outside', 'repo_outside_roots'],
      ['traversal', 'repo_outside_roots'],
      ['via-link', 'repo_outside_roots'],
    ]);
    expect(JSON.stringify(body.skipped)).not.toContain(outside.dir);
    expect(logLines.filter((l) => l.msg === 'repo_outside_roots')).toHaveLength(4);
  });

  it('passes the domain filter to the hub and applies it again to what comes back', async () => {
    // This stand-in ignores the query, as an older hub would.
    hub.respond(json([repo('valid', at('valid'), 'billing'), repo('mixed', at('mixed'), 'platform'), repo('invalid', at('invalid'), 'platform')]));
    const { body } = await get('/v1/discover?domain=billing');
    expect(hub.requests.map((r) => r.url)).toEqual(['/repos/?domain=billing']);
    expect(body.scheduled_runs.map((r) => r.repo)).toEqual(['valid']);
    expect(body.skipped).toEqual([]);
    expect(body.counts).toMatchObject({ roster_entries: 3, repos: 1 });
  });

  it('filters by cadence and by agent, and never emits disabled entries', async () => {
    hub.respond(json([repo('mixed', at('mixed')), repo('valid', at('valid'))]));
    const all = await get('/v1/discover');
    expect(all.body.scheduled_runs.map((r) => `${r.repo}/${r.agent}`)).toEqual(['mixed/coach', 'mixed/optimization', 'mixed/sys-medic', 'valid/coach']);
    const daily = await get('/v1/discover?cadence=daily');
    expect(daily.body.scheduled_runs.map((r) => `${r.repo}/${r.agent}`)).toEqual(['mixed/sys-medic']);
    const coach = await get('/v1/discover?agent=coach&cadence=weekly');
    expect(coach.body.scheduled_runs.map((r) => `${r.repo}/${r.agent}`)).toEqual(['mixed/coach', 'valid/coach']);
    const monthly = await get('/v1/discover?cadence=monthly');
    expect(monthly.body.scheduled_runs).toEqual([]);
    expect(monthly.body.counts).toMatchObject({ opted_in: 2, scheduled_runs: 0 });
  });

  it("uses a per-repo cron over the cadence default, and the configured default otherwise", async () => {
    hub.respond(json([repo('mixed', at('mixed'))]));
    const { body } = await get(`/v1/discover?cadence=weekly&now=${NOW}`);
    const [coach, optimization] = body.scheduled_runs;
    // KAIZEN_CRON_WEEKLY is '0 7 * * 2' in this app: Tuesdays 07:00, UTC per the manifest.
    expect(coach).toMatchObject({ agent: 'coach', cron: '0 7 * * 2', cron_source: 'cadence_default', timezone: 'UTC', next_run: '2026-03-10T07:00:00+00:00' });
    expect(optimization).toMatchObject({ agent: 'optimization', cron: '30 6 * * 5', cron_source: 'manifest', next_run: '2026-03-06T06:30:00+00:00' });
  });

  it('computes next_run from now, in the zone of the manifest, across DST', async () => {
    hub.respond(json([repo('valid', at('valid'))]));
    // Berlin switches to summer time on 2026-03-29: the Monday after is +02:00.
    const { body } = await get('/v1/discover?now=2026-03-28T00:00:00Z');
    expect(body.scheduled_runs[0]!.next_run).toBe('2026-03-30T09:00:00+02:00');
  });

  it('accepts the roster under "repos" or "items", and reports malformed entries without failing', async () => {
    hub.respond(json({ repos: [repo('valid', at('valid'))], total: 1 }));
    expect((await get('/v1/discover')).body.scheduled_runs.map((r) => r.repo)).toEqual(['valid']);

    hub.respond(
      json({
        items: [
          repo('valid', at('valid')),
          { domain: 'x', host_paths: {} },
          'not-an-object',
          { slug: 'bad-paths', host_paths: { [HOST]: 42 } },
          { slug: 'bad-domain', domain: 7, host_paths: {} },
          repo('valid', at('mixed')),
        ],
      }),
    );
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(200);
    expect(body.scheduled_runs.map((r) => `${r.repo}@${r.root}`)).toEqual([`valid@${at('valid')}`]);
    expect(body.skipped.map((s) => [s.repo, s.reason])).toEqual([
      ['bad-domain', 'roster_entry_invalid'],
      ['bad-paths', 'roster_entry_invalid'],
      ['roster[1]', 'roster_entry_invalid'],
      ['roster[2]', 'roster_entry_invalid'],
      ['valid', 'roster_entry_duplicate'],
    ]);
    expect(body.skipped.find((s) => s.repo === 'bad-paths')!.detail).toContain(`/host_paths/${HOST}`);
    expect(body.counts).toMatchObject({ roster_entries: 6, repos: 1, skipped: 5, scheduled_runs: 1 });
    expect(logLines.filter((l) => l.msg === 'roster_entry_invalid')).toHaveLength(4);
  });

  it('gives a stable order (repo, then agent) whatever the roster order, and the same runs on every call', async () => {
    hub.respond(json([repo('valid', at('valid')), repo('mixed', at('mixed')), repo('invalid', at('invalid')), repo('gone', at('gone'))]));
    const first = (await get(`/v1/discover?now=${NOW}`)).body;
    hub.respond(json([repo('gone', at('gone')), repo('invalid', at('invalid')), repo('mixed', at('mixed')), repo('valid', at('valid'))]));
    const second = (await get(`/v1/discover?now=${NOW}`)).body;
    expect(first.scheduled_runs.map((r) => `${r.repo}/${r.agent}`)).toEqual(['mixed/coach', 'mixed/optimization', 'mixed/sys-medic', 'valid/coach']);
    expect(first.skipped.map((s) => s.repo)).toEqual(['gone', 'invalid']);
    const { generated_at: _a, ...a } = first;
    const { generated_at: _b, ...b } = second;
    expect(b).toEqual(a);
  });

  it('asks the hub for JSON over GET /repos/ and identifies itself', async () => {
    hub.respond(json([]));
    await get('/v1/discover');
    expect(hub.requests).toHaveLength(1);
    expect(hub.requests[0]).toMatchObject({ method: 'GET', url: '/repos/' });
    expect(hub.requests[0]!.headers.accept).toBe('application/json');
    expect(hub.requests[0]!.headers['user-agent']).toContain('kaizen-schedule');
  });
});

describe('GET /v1/discover when the State Hub misbehaves', () => {
  it('retries once after a 500 and succeeds on the 200', async () => {
    hub.respond(raw(500, '{"detail":"boom"}'), json([repo('valid', at('valid'))]));
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(200);
    expect(body.scheduled_runs).toHaveLength(1);
    expect(hub.requests).toHaveLength(2);
  });

  it('retries a 503 exactly once, then fails with hub_bad_response', async () => {
    hub.respond(raw(503, 'unavailable'));
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(502);
    expect(body).toMatchObject({ code: 'hub_bad_response', attempts: 2, upstream_status: 503 });
    expect(hub.requests).toHaveLength(2);
  });

  it('retries once after the connection is reset before an answer, and succeeds', async () => {
    hub.respond((req) => req.socket.destroy(), json([repo('valid', at('valid'))]));
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(200);
    expect(body.scheduled_runs).toHaveLength(1);
    expect(hub.requests).toHaveLength(2);
  });

  it('retries the whole GET after the connection is reset mid-body, not a Range resume, and succeeds', async () => {
    const roster = JSON.stringify([repo('valid', at('valid'))]);
    hub.respond(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(roster.slice(0, 10));
        setTimeout(() => res.socket?.destroy(), 50);
      },
      json([repo('valid', at('valid'))]),
    );
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(200);
    expect(body.scheduled_runs).toHaveLength(1);
    expect(hub.requests).toHaveLength(2);
    expect(hub.requests[1]!.headers.range).toBeUndefined();
  });

  it('never splices two rosters: a hub honouring Range after a mid-body reset is not asked for the rest', async () => {
    const first = JSON.stringify([repo('valid', at('valid')), repo('mixed', at('mixed'))]);
    const second = JSON.stringify([repo('valid', at('valid')), repo('disabled', at('disabled'))]);
    const cut = first.indexOf('"mixed"');
    hub.respond(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(first.slice(0, cut));
        setTimeout(() => res.socket?.destroy(), 50);
      },
      (req, res) => {
        const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
        if (!range) return json(JSON.parse(second))(req, res, 2);
        // The roster changed in between: the "rest" is the rest of another document.
        const start = Number(range[1]);
        const rest = second.slice(start);
        res.writeHead(206, { 'content-type': 'application/json', 'content-range': `bytes ${start}-${second.length - 1}/${second.length}`, 'content-length': Buffer.byteLength(rest) });
        res.end(rest);
      },
    );
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(200);
    expect(hub.requests[1]!.headers.range).toBeUndefined();
    expect(body.scheduled_runs.map((run) => run.repo)).not.toContain('mixed');
  });

  it('retries once after a 500 whose body is larger than a roster may be, and succeeds', async () => {
    hub.respond(
      (_req, res) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.on('error', () => undefined);
        res.end(Buffer.alloc(6 * 1024 * 1024, 0x20));
      },
      json([repo('valid', at('valid'))]),
    );
    const { status, body } = await get('/v1/discover');
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.scheduled_runs).toHaveLength(1);
    expect(hub.requests).toHaveLength(2);
  });

  it('fails with hub_bad_response (not "unreachable") when both answers are 503s over the limit', async () => {
    hub.respond((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.on('error', () => undefined);
      res.end(Buffer.alloc(6 * 1024 * 1024, 0x20));
    });
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(502);
    expect(body).toMatchObject({ code: 'hub_bad_response', attempts: 2 });
    expect(hub.requests).toHaveLength(2);
  });

  it('does not retry a 429', async () => {
    hub.respond(raw(429, 'slow down'));
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(502);
    expect(body).toMatchObject({ code: 'hub_bad_response', upstream_status: 429, attempts: 1 });
    expect(hub.requests).toHaveLength(1);
  });

  it('does not retry a 404', async () => {
    hub.respond(raw(404, '{"detail":"Not Found"}'));
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(502);
    expect(body).toMatchObject({ code: 'hub_bad_response', upstream_status: 404, attempts: 1 });
    expect(body.detail).toContain('HTTP 404');
    expect(hub.requests).toHaveLength(1);
  });

  it('fails with hub_bad_response on invalid JSON', async () => {
    hub.respond(raw(200, '[{"slug": "valid",'));
    const res = await app.inject('/v1/discover');
    expect(res.statusCode).toBe(502);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'hub_bad_response', status: 502 });
    expect(res.json<Problem>().detail).toContain('not valid JSON');
  });

  it('fails with hub_bad_response on JSON that is not a roster', async () => {
    hub.respond(json({ data: [repo('valid', at('valid'))] }));
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(502);
    expect(body.code).toBe('hub_bad_response');
    expect(body.detail).toContain('not a roster');
  });

  it('does not follow a redirect', async () => {
    hub.respond((req, res) => {
      if (req.url?.startsWith('/elsewhere')) return json([repo('valid', at('valid'))])(req, res, 0);
      res.writeHead(302, { location: '/elsewhere/' });
      res.end();
    });
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(502);
    expect(body).toMatchObject({ code: 'hub_bad_response', upstream_status: 302 });
    expect(body.detail).toContain('redirect');
    expect(hub.requests.map((r) => r.url)).toEqual(['/repos/']);
  });

  it('refuses a body declared larger than 5 MiB', async () => {
    hub.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(6 * 1024 * 1024) });
      res.write('[');
      // Never finishes: the client must give up on the declared length alone.
    });
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(502);
    expect(body.code).toBe('hub_bad_response');
    expect(body.detail).toContain('limit');
    expect(body.detail).toContain('answer is 6291456 bytes');
    expect(hub.requests).toHaveLength(1);
  });

  it('stops reading a chunked body once it passes 5 MiB', async () => {
    let written = 0;
    hub.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      const pump = (): void => {
        while (written < 64 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    const { status, body } = await get('/v1/discover');
    expect(status).toBe(502);
    expect(body.code).toBe('hub_bad_response');
    expect(body.detail).toContain('exceeds the limit');
    // It stopped well short of the 64 MiB the hub was willing to send.
    expect(written).toBeLessThan(32 * 1024 * 1024);
  });

  it('fails with hub_unreachable when the hub answers too slowly (deadline 300 ms)', async () => {
    const strict = await testApp({ KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST, KAIZEN_HUB_TIMEOUT_MS: '300' });
    hub.respond((_req, res) => {
      setTimeout(() => json([])(_req, res, 0), 5000).unref();
    });
    try {
      const started = Date.now();
      const { status, body } = await get('/v1/discover', strict);
      const elapsed = Date.now() - started;
      expect(status).toBe(502);
      expect(body.code).toBe('hub_unreachable');
      expect(body.detail).toContain('300 ms');
      // It gave up at its own deadline, not when the hub finally answered (5 s), and did not retry a timeout.
      // Both bounds are far from the 300 ms deadline: the lower one cannot be beaten
      // by a working timer, the upper one is a hang guard against waiting for the hub.
      expect(elapsed, 'not before its deadline').toBeGreaterThanOrEqual(250);
      expect(elapsed, 'hang guard').toBeLessThan(3000);
      expect(hub.requests).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });

  it('fails with hub_unreachable when nothing listens, after one retry', async () => {
    const down = await testApp({ KAIZEN_STATE_HUB_URL: await closedPortUrl(), KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST });
    try {
      const { status, body } = await get('/v1/discover', down);
      expect(status).toBe(502);
      expect(body).toMatchObject({ code: 'hub_unreachable', attempts: 2 });
      expect(body.detail).toContain('ECONNREFUSED');
      const ready = await down.inject('/readyz');
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks).toContainEqual(expect.objectContaining({ name: 'state_hub', ok: false }));
    } finally {
      await down.close();
    }
  });
});

describe('/readyz with a State Hub configured', () => {
  it('is ready while the hub answers 2xx and not ready when it answers an error', async () => {
    hub.respond(json([]));
    const up = await app.inject('/readyz');
    expect(up.statusCode).toBe(200);
    expect(up.json().checks).toContainEqual({ name: 'state_hub', ok: true });

    hub.respond(raw(500, 'no'));
    // A fresh service: the first one still holds its recent probe (next test).
    const other = await testApp({ KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST });
    const down = await other.inject('/readyz');
    expect(down.statusCode).toBe(503);
    expect(down.json().checks).toContainEqual(expect.objectContaining({ name: 'state_hub', ok: false, detail: expect.stringContaining('answered HTTP 500') }));
    await other.close();
  });

  it('asks the hub at most once per few seconds, however often /readyz is called', async () => {
    const fresh = await testApp({ KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST });
    hub.respond(json([]));
    const answers = await Promise.all(Array.from({ length: 20 }, () => fresh.inject('/readyz')));
    for (let i = 0; i < 5; i++) answers.push(await fresh.inject('/readyz'));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(hub.requests).toHaveLength(1);
    await fresh.close();
  });

  it('has no hub check when no hub is configured', async () => {
    const local = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
    const res = await local.inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json().checks.map((c: { name: string }) => c.name)).not.toContain('state_hub');
    await local.close();
  });
});

describe('many distinct discovers at once', () => {
  it('run two passes at a time, queue 16, and answer the rest 503 overloaded with Retry-After', async () => {
    let inFlight = 0;
    let most = 0;
    // A slow hub: each pass holds its slot ~300 ms.
    hub.respond((_req, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        json([repo('valid', at('valid'))])(_req, res, 0);
      }, 300);
    });
    // Distinct seconds, so single flight merges none of them.
    const calls = Array.from({ length: 30 }, (_, i) => app.inject(`/v1/discover?now=${encodeURIComponent(new Date(Date.UTC(2026, 2, 4, 10, 0, i)).toISOString())}`));
    const answers = await Promise.all(calls);
    const ok = answers.filter((r) => r.statusCode === 200);
    const busy = answers.filter((r) => r.statusCode === 503);
    expect(ok).toHaveLength(18);
    expect(busy).toHaveLength(12);
    for (const r of busy) {
      expect(r.json()).toMatchObject({ code: 'overloaded', status: 503 });
      expect(r.headers['retry-after']).toBe('1');
    }
    expect(most).toBe(2);
    // The console's pages take the same slots, and a 503 page says when to come back too.
    hub.respond((_req, res) => setTimeout(() => json([repo('valid', at('valid'))])(_req, res, 0), 300));
    const pages = await Promise.all(Array.from({ length: 20 }, (_, i) => app.inject({ url: `/?now=${encodeURIComponent(new Date(Date.UTC(2026, 2, 5, 10, 0, i)).toISOString())}`, headers: { accept: 'text/html' } })));
    const busyPages = pages.filter((r) => r.statusCode === 503);
    expect(busyPages).toHaveLength(2);
    for (const r of busyPages) {
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(r.headers['retry-after']).toBe('1');
    }
    // Once the burst is over, a call runs again at once.
    hub.respond(json([repo('valid', at('valid'))]));
    expect((await app.inject(`/v1/discover?now=${NOW}`)).statusCode).toBe(200);
  }, 30_000);
});

describe('a manifest that is there but cannot be used', () => {
  it('skips the repo as repo_unreachable saying why, instead of counting it as not opted in', async () => {
    mkdirSync(at('manifest-is-dir/.kaizen/schedule.yml'), { recursive: true });
    mkdirSync(at('manifest-loops/.kaizen'), { recursive: true });
    symlinkSync('schedule.yml', at('manifest-loops/.kaizen/schedule.yml'));
    hub.respond(json([repo('manifest-is-dir', at('manifest-is-dir')), repo('manifest-loops', at('manifest-loops')), repo('no-manifest', at('no-manifest'))]));
    const { status, body } = await get(`/v1/discover?now=${NOW}`);
    expect(status).toBe(200);
    expect(body.counts.not_opted_in).toBe(1);
    expect(body.skipped).toEqual([
      expect.objectContaining({ repo: 'manifest-is-dir', reason: 'repo_unreachable', detail: '.kaizen/schedule.yml is not a regular file and was ignored' }),
      expect.objectContaining({ repo: 'manifest-loops', reason: 'repo_unreachable', detail: '.kaizen/schedule.yml is a link that leads round in a loop and was ignored' }),
    ]);
  });
});

describe('two roster entries that name one checkout', () => {
  it('list its runs once, under the entry whose path is the checkout itself; the other is skipped as a duplicate', async () => {
    symlinkSync(at('valid'), at('valid-alias'));
    try {
      // the alias first in the roster: still the direct path wins
      hub.respond(json([repo('alias-of-valid', at('valid-alias')), repo('valid', at('valid'))]));
      const { status, body } = await get(`/v1/discover?now=${NOW}`);
      expect(status).toBe(200);
      expect(new Set(body.scheduled_runs.map((r) => r.repo))).toEqual(new Set(['valid']));
      expect(body.skipped).toEqual([expect.objectContaining({ repo: 'alias-of-valid', reason: 'roster_entry_duplicate', detail: expect.stringContaining("under 'valid'") })]);
      expect(body.counts).toMatchObject({ opted_in: 1, skipped: 1 });
      // Per domain the owner is the same: a poller asking domain by domain gets one run id per run.
      hub.respond(json([repo('alias-of-valid', at('valid-alias'), 'x'), repo('valid', at('valid'), 'y')]));
      const x = (await get(`/v1/discover?now=${NOW}&domain=x`)).body;
      expect(x.scheduled_runs).toEqual([]);
      expect(x.skipped).toEqual([expect.objectContaining({ repo: 'alias-of-valid', reason: 'roster_entry_duplicate' })]);
      const y = (await get(`/v1/discover?now=${NOW}&domain=y`)).body;
      expect(new Set(y.scheduled_runs.map((r) => r.repo))).toEqual(new Set(['valid']));
    } finally {
      rmSync(at('valid-alias'));
    }
  });
});
