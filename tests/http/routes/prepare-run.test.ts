import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_ID_NAMESPACE, parseInstant, runId, runName, uuidV5 } from '../../../src/runs/run-id.js';
import { tempFleet, testApp, VALID_MANIFEST, type TempDir } from '../../helpers/fleet.js';

// coach in VALID_MANIFEST: "0 9 * * 1" in Europe/Berlin. 2026-03-09 is a Monday (CET, +01:00).
const FIRE = '2026-03-09T09:00:00+01:00';
const FIRE_UTC = new Date('2026-03-09T08:00:00Z');
const NOW = '2026-03-09T10:00:00Z';

let fleet: TempDir;
let app: FastifyInstance;

beforeAll(async () => {
  fleet = tempFleet({ alpha: { '.kaizen/schedule.yml': VALID_MANIFEST }, bare: {} });
  app = await testApp({
    KAIZEN_REPO_ROOTS: fleet.dir,
    KAIZEN_PREPARE_COMMAND: 'runner prepare {agent} --target {root} --run {run_id} --at {scheduled_for}',
  });
});

afterAll(async () => {
  await app.close();
  fleet.cleanup();
});

const prepare = (agent: string, query: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url: `/v1/prepare/${agent}?target=alpha&now=${NOW}&${query}`, headers });
const runQuery = (id: string, at: string, extra = '') => `run_id=${id}&scheduled_for=${encodeURIComponent(at)}${extra}`;

describe('run ids', () => {
  it('are RFC 9562 UUID v5 (the RFC test vector under the DNS namespace)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('derive from repo, agent and the UTC second under the documented namespace', () => {
    expect(RUN_ID_NAMESPACE).toBe('65934522-efa5-45be-b866-00dcf7e16a61');
    expect(runName('alpha', 'coach', FIRE_UTC)).toBe('alpha\ncoach\n2026-03-09T08:00:00Z');
    expect(runId('alpha', 'coach', FIRE_UTC)).toBe(uuidV5(RUN_ID_NAMESPACE, 'alpha\ncoach\n2026-03-09T08:00:00Z'));
    // the offset an instant is written with does not matter, only the instant
    expect(runId('alpha', 'coach', parseInstant(FIRE)!)).toBe(runId('alpha', 'coach', FIRE_UTC));
    expect(runId('alpha', 'coach', FIRE_UTC)).not.toBe(runId('alpha', 'optimization', FIRE_UTC));
    expect(runId('alpha', 'coach', FIRE_UTC)).not.toBe(runId('beta', 'coach', FIRE_UTC));
  });

  it('parse only RFC 3339 instants with an offset that name a real day', () => {
    expect(parseInstant('2026-03-09T09:00:00+01:00')?.toISOString()).toBe('2026-03-09T08:00:00.000Z');
    expect(parseInstant('2026-03-09t08:00:00.5z')?.toISOString()).toBe('2026-03-09T08:00:00.500Z');
    // RFC 3339 years run from 0000; Date.UTC would read 0050 as 1950
    expect(parseInstant('0050-06-01T12:00:00Z')?.toISOString()).toBe('0050-06-01T12:00:00.000Z');
    expect(parseInstant('0000-02-29T00:00:00+01:00')?.toISOString()).toBe('0000-02-28T23:00:00.000Z');
    for (const bad of ['2026-03-09T09:00:00', '2026-02-30T00:00:00Z', '2026-03-09 09:00:00Z', '2026-03-09T24:00:00Z', 'yesterday', '']) {
      expect(parseInstant(bad), bad).toBeUndefined();
    }
  });
});

describe('GET /v1/prepare with run_id and scheduled_for', () => {
  const id = runId('alpha', 'coach', FIRE_UTC);

  it('echoes the checked run as `run` in JSON, with the zone offset', async () => {
    // written in UTC; echoed in the entry's zone, as discover emits it
    const res = await prepare('coach', runQuery(id, '2026-03-09T08:00:00Z'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().run).toEqual({ run_id: id, scheduled_for: FIRE });
  });

  it('adds a Run: line under the markdown header', async () => {
    const res = await prepare('coach', runQuery(id, FIRE, '&format=markdown'));
    expect(res.statusCode, res.body).toBe(200);
    const lines = res.body.split('\n');
    expect(lines.slice(0, 4)).toEqual(['# Scheduled Run Orientation: coach', 'Project: alpha', 'Generated: 2026-03-09', `Run: ${id} (scheduled for ${FIRE})`]);
    const plain = await prepare('coach', 'format=markdown');
    expect(plain.body).not.toContain('Run:');
  });

  it('carries run_id and scheduled_for in the event, and fills the command placeholders', async () => {
    const res = await prepare('coach', runQuery(id, FIRE, '&include=event'));
    expect(res.statusCode, res.body).toBe(200);
    const { event } = res.json();
    expect(event.run_id).toBe(id);
    expect(event.scheduled_for).toBe(FIRE);
    expect(event.prepare_command).toBe(`runner prepare coach --target ${fleet.dir}/alpha --run ${id} --at ${FIRE}`);
    const plain = (await prepare('coach', 'include=event')).json().event;
    expect(plain).not.toHaveProperty('run_id');
    expect(plain).not.toHaveProperty('scheduled_for');
    expect(plain.prepare_command).toBe(`runner prepare coach --target ${fleet.dir}/alpha --run '' --at ''`);
  });

  it('derives the id from the repo slug when one is given, and the event carries that slug', async () => {
    const slugged = runId('acme/alpha', 'coach', FIRE_UTC);
    const res = await prepare('coach', runQuery(slugged, FIRE, '&repo=acme%2Falpha&include=event'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().event.repo).toBe('acme/alpha');
    // the directory name's id is not this repo's id
    const wrong = await prepare('coach', runQuery(id, FIRE, '&repo=acme%2Falpha'));
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('run_mismatch');
  });

  it('answers 400 run_mismatch for an id that is not the recomputed one', async () => {
    const other = runId('alpha', 'optimization', FIRE_UTC);
    const res = await prepare('coach', runQuery(other, FIRE));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'run_mismatch', status: 400 });
    expect(res.json().detail).toContain('is not the id of coach');
  });

  it('answers 400 run_mismatch when scheduled_for is not a fire time of the entry, even with its own id', async () => {
    for (const at of ['2026-03-09T08:01:00Z', '2026-03-10T08:00:00Z', '2026-03-09T08:00:00.500Z']) {
      const t = parseInstant(at)!;
      const res = await prepare('coach', runQuery(runId('alpha', 'coach', t), at));
      expect(res.statusCode, at).toBe(400);
      expect(res.json().code).toBe('run_mismatch');
      expect(res.json().detail).toContain("is not a fire time of coach's cron '0 9 * * 1' in Europe/Berlin");
    }
  });

  it('answers 400 run_mismatch for an agent the manifest does not schedule', async () => {
    // a packaged agent with a prompt but no entry in bare's (absent) manifest
    const res = await app.inject({ method: 'GET', url: `/v1/prepare/coach?target=bare&${runQuery(runId('bare', 'coach', FIRE_UTC), FIRE)}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('run_mismatch');
  });

  it('answers 400 run_mismatch for an agent the manifest disables, at one of its cron\'s fire times', async () => {
    // tdd-workflow: monthly, enabled: false; 0 9 1 * * in Berlin fires 2026-03-01 at 09:00 (+01:00)
    const at = '2026-03-01T09:00:00+01:00';
    const res = await prepare('tdd-workflow', runQuery(runId('alpha', 'tdd-workflow', parseInstant(at)!), at));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'run_mismatch', detail: expect.stringMatching(/tdd-workflow is disabled/) });
    // without a run it is still prepared (an operator may run a disabled agent by hand)
    expect((await prepare('tdd-workflow', '')).statusCode).toBe(200);
  });

  it('answers 400 invalid_run for half a pair or a malformed member', async () => {
    for (const query of [`run_id=${id}`, `scheduled_for=${encodeURIComponent(FIRE)}`, runQuery('not-a-uuid', FIRE), runQuery(id, '2026-03-09T09:00:00'), runQuery(id, 'monday')]) {
      const res = await prepare('coach', query);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().code, query).toBe('invalid_run');
    }
  });
});

describe('a windowed prepare_url from discover', () => {
  // Before 1893 Berlin kept local mean time, UTC+00:53:28: an offset with
  // seconds, which RFC 3339 cannot write. Monday 1850-01-07 09:00 LMT is
  // 08:06:32Z; scheduled_for must still name that instant, or the prepare
  // call discover hands out fails its own run check.
  it('is answered 200 with the run it names, in an era of offsets with seconds too', async () => {
    for (const [from, to, fire] of [
      ['2026-03-08T00:00:00Z', '2026-03-10T00:00:00Z', '2026-03-09T08:00:00.000Z'],
      ['1850-01-06T00:00:00Z', '1850-01-08T00:00:00Z', '1850-01-07T08:06:32.000Z'],
    ] as const) {
      const res = await app.inject({ method: 'GET', url: `/v1/discover?agent=coach&from=${from}&to=${to}` });
      expect(res.statusCode).toBe(200);
      const [run, ...others] = res.json().scheduled_runs as { scheduled_for: string; run_id: string; prepare_url: string }[];
      expect(others).toEqual([]);
      expect(parseInstant(run!.scheduled_for)?.toISOString(), run!.scheduled_for).toBe(fire);
      const url = new URL(run!.prepare_url);
      const prepared = await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
      expect(prepared.statusCode, prepared.body).toBe(200);
      expect(prepared.json().run).toEqual({ run_id: run!.run_id, scheduled_for: run!.scheduled_for });
    }
  });
});
