import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_CADENCE_CRONS, nextRuns } from '../../src/manifest/cron.js';
import { listEntries, resolveEntry, upcomingRuns, type ListedEntry, type ResolvedEntry, type ScheduleDefaults } from '../../src/manifest/entries.js';
import { DEFAULT_TIMEZONE, formatInZone } from '../../src/manifest/timezone.js';
import type { Manifest } from '../../src/manifest/types.js';
import { tempFleet, testApp, type TempDir } from '../helpers/fleet.js';

/** The defaults of a service configured with nothing. */
const DEFAULTS: ScheduleDefaults = { timezone: DEFAULT_TIMEZONE, cadenceCrons: DEFAULT_CADENCE_CRONS };

const entry = (cron: string, timezone = 'Europe/Berlin'): ResolvedEntry => ({
  agent: 'coach',
  cadence: 'daily',
  cron,
  cron_source: 'manifest',
  timezone,
  enabled: true,
});
const runs = (cron: string, timezone: string, now: string, count: number): string[] => upcomingRuns(entry(cron, timezone), new Date(now), count);
const instants = (list: string[]): number[] => list.map((s) => Date.parse(s));

describe('next runs across DST in Europe/Berlin', () => {
  it('spring forward 2026-03-29: 02:30 does not exist, so that day runs right after the gap at 03:00+02:00', () => {
    const list = runs('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 4);
    expect(list).toEqual(['2026-03-28T02:30:00+01:00', '2026-03-29T03:00:00+02:00', '2026-03-30T02:30:00+02:00', '2026-03-31T02:30:00+02:00']);
    // 03:00+02:00 is the first instant after the gap (01:00Z).
    expect(new Date(list[1]!).toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('spring forward: a 09:00 job keeps 09:00 local, +01:00 before and +02:00 after', () => {
    const list = runs('0 9 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 3);
    expect(list).toEqual(['2026-03-28T09:00:00+01:00', '2026-03-29T09:00:00+02:00', '2026-03-30T09:00:00+02:00']);
    expect(list.map((s) => new Date(s).toISOString().slice(11, 16))).toEqual(['08:00', '07:00', '07:00']);
  });

  it('fall back 2026-10-25: 02:30 happens twice on the wall clock but the job runs once', () => {
    const list = runs('30 2 * * *', 'Europe/Berlin', '2026-10-23T12:00:00Z', 4);
    expect(list).toEqual(['2026-10-24T02:30:00+02:00', '2026-10-25T02:30:00+02:00', '2026-10-26T02:30:00+01:00', '2026-10-27T02:30:00+01:00']);
    expect(list.filter((s) => s.startsWith('2026-10-25'))).toHaveLength(1);
  });

  it('fall back: a 09:00 job shows +02:00 before and +01:00 after', () => {
    expect(runs('0 9 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 2)).toEqual(['2026-10-25T09:00:00+01:00', '2026-10-26T09:00:00+01:00']);
    expect(runs('0 9 * * *', 'Europe/Berlin', '2026-10-24T06:00:00Z', 1)).toEqual(['2026-10-24T09:00:00+02:00']);
  });

  it('weekly jobs crossing either change keep 09:00 local', () => {
    expect(runs('0 9 * * 1', 'Europe/Berlin', '2026-03-20T12:00:00Z', 3)).toEqual(['2026-03-23T09:00:00+01:00', '2026-03-30T09:00:00+02:00', '2026-04-06T09:00:00+02:00']);
    expect(runs('0 9 * * 1', 'Europe/Berlin', '2026-10-13T12:00:00Z', 3)).toEqual(['2026-10-19T09:00:00+02:00', '2026-10-26T09:00:00+01:00', '2026-11-02T09:00:00+01:00']);
  });

  it('a wildcard-minute job skips the missing hour and runs in both copies of the repeated one (Vixie cron)', () => {
    expect(runs('*/30 2 * * *', 'Europe/Berlin', '2026-03-28T23:00:00Z', 2)).toEqual(['2026-03-30T02:00:00+02:00', '2026-03-30T02:30:00+02:00']);
    expect(runs('*/30 2 * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z', 4)).toEqual([
      '2026-10-25T02:00:00+02:00',
      '2026-10-25T02:30:00+02:00',
      '2026-10-25T02:00:00+01:00',
      '2026-10-25T02:30:00+01:00',
    ]);
  });

  it('runs are strictly after now and strictly increasing', () => {
    // now is exactly a fire time (09:00 Berlin): the next run is the following day.
    expect(runs('0 9 * * *', 'Europe/Berlin', '2026-03-30T07:00:00Z', 1)).toEqual(['2026-03-31T09:00:00+02:00']);
    const year = instants(runs('30 2 * * *', 'Europe/Berlin', '2026-01-01T00:00:00Z', 10));
    for (let i = 1; i < year.length; i++) expect(year[i]!).toBeGreaterThan(year[i - 1]!);
    const across = instants(runs('*/30 2 * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z', 10));
    for (let i = 1; i < across.length; i++) expect(across[i]!).toBeGreaterThan(across[i - 1]!);
  });
});

describe('next runs across DST in America/New_York', () => {
  it('spring forward 2026-03-08', () => {
    expect(runs('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 3)).toEqual(['2026-03-08T03:00:00-04:00', '2026-03-09T02:30:00-04:00', '2026-03-10T02:30:00-04:00']);
    expect(runs('0 9 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 3)).toEqual(['2026-03-07T09:00:00-05:00', '2026-03-08T09:00:00-04:00', '2026-03-09T09:00:00-04:00']);
  });

  it('fall back 2026-11-01: 01:30 runs once', () => {
    const list = runs('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 3);
    expect(list).toEqual(['2026-11-01T01:30:00-04:00', '2026-11-02T01:30:00-05:00', '2026-11-03T01:30:00-05:00']);
  });

  it('weekday mornings (docs-site documentation) across the change', () => {
    expect(runs('30 7 * * 1-5', 'America/New_York', '2026-10-30T00:00:00Z', 3)).toEqual(['2026-10-30T07:30:00-04:00', '2026-11-02T07:30:00-05:00', '2026-11-03T07:30:00-05:00']);
  });
});

describe('offsets are formatted with the zone offset at each instant', () => {
  it('half-hour and negative offsets, and UTC as +00:00', () => {
    expect(runs('0 9 * * *', 'Asia/Kolkata', '2026-06-01T00:00:00Z', 1)).toEqual(['2026-06-01T09:00:00+05:30']);
    expect(runs('0 9 * * *', 'America/St_Johns', '2026-01-10T00:00:00Z', 1)).toEqual(['2026-01-10T09:00:00-03:30']);
    expect(runs('0 9 * * *', 'America/St_Johns', '2026-07-10T00:00:00Z', 1)).toEqual(['2026-07-10T09:00:00-02:30']);
    expect(runs('15 6 * * *', 'UTC', '2026-07-10T00:00:00Z', 1)).toEqual(['2026-07-10T06:15:00+00:00']);
  });

  it('formatInZone renders the same instant in different zones', () => {
    const instant = new Date('2026-03-29T01:00:00Z');
    expect(formatInZone(instant, 'Europe/Berlin')).toBe('2026-03-29T03:00:00+02:00');
    expect(formatInZone(instant, 'America/New_York')).toBe('2026-03-28T21:00:00-04:00');
    expect(formatInZone(instant, 'UTC')).toBe('2026-03-29T01:00:00+00:00');
    expect(nextRuns('0 9 * * *', 'UTC', instant, 2).map((d) => d.toISOString())).toEqual(['2026-03-29T09:00:00.000Z', '2026-03-30T09:00:00.000Z']);
  });
});

describe('listEntries and resolveEntry', () => {
  const manifest: Manifest = {
    version: '1',
    entries: [
      { agent: 'coach', cadence: 'weekly', cron: '0 9 * * 1', enabled: true },
      { agent: 'optimization', cadence: 'weekly', enabled: true },
      { agent: 'tdd-workflow', cadence: 'monthly', enabled: false },
      { agent: 'sys-medic', cadence: 'daily', enabled: true },
    ],
  };
  const now = new Date('2026-03-27T12:00:00Z');

  it('cron_source says whether the cron is the manifest’s or the cadence default', () => {
    const listed = listEntries(manifest, DEFAULTS, { now, runs: 1, includeDisabled: true });
    expect(listed.map((e) => [e.agent, e.cron, e.cron_source])).toEqual([
      ['coach', '0 9 * * 1', 'manifest'],
      ['optimization', DEFAULT_CADENCE_CRONS.weekly, 'cadence_default'],
      ['tdd-workflow', DEFAULT_CADENCE_CRONS.monthly, 'cadence_default'],
      ['sys-medic', DEFAULT_CADENCE_CRONS.daily, 'cadence_default'],
    ]);
    expect(DEFAULT_CADENCE_CRONS).toEqual({ daily: '0 9 * * *', weekly: '0 9 * * 1', monthly: '0 9 1 * *' });
  });

  it('uses the manifest zone, else the default zone', () => {
    const defaults = { ...DEFAULTS, timezone: 'America/New_York' };
    expect(resolveEntry(manifest, manifest.entries[0]!, defaults).timezone).toBe('America/New_York');
    expect(resolveEntry({ ...manifest, timezone: 'UTC' }, manifest.entries[0]!, defaults).timezone).toBe('UTC');
  });

  it('filters disabled entries unless asked, and computes the requested number of runs', () => {
    const enabled = listEntries(manifest, DEFAULTS, { now, runs: 3, includeDisabled: false });
    expect(enabled.map((e) => e.agent)).toEqual(['coach', 'optimization', 'sys-medic']);
    for (const e of enabled) expect(e.next_runs).toHaveLength(3);
    expect(enabled[0]!.next_runs).toEqual(['2026-03-30T09:00:00+02:00', '2026-04-06T09:00:00+02:00', '2026-04-13T09:00:00+02:00']);
    expect(enabled[2]!.next_runs).toEqual(['2026-03-28T09:00:00+01:00', '2026-03-29T09:00:00+02:00', '2026-03-30T09:00:00+02:00']);
  });

  it('uses configured cadence defaults', () => {
    const defaults = { timezone: 'UTC', cadenceCrons: { ...DEFAULT_CADENCE_CRONS, weekly: '0 7 * * 2' } };
    const [, optimization] = listEntries(manifest, defaults, { now, runs: 1, includeDisabled: false });
    expect(optimization).toMatchObject({ cron: '0 7 * * 2', cron_source: 'cadence_default', timezone: 'UTC', next_runs: ['2026-03-31T07:00:00+00:00'] });
  });
});

describe('GET /v1/schedule next runs', () => {
  let fleet: TempDir;
  let app: FastifyInstance;
  const manifests = {
    berlin: 'version: "1"\ntimezone: Europe/Berlin\nagents:\n  coach: {cadence: daily, cron: "30 2 * * *"}\n  optimization: {cadence: weekly}\n',
    york: 'version: "1"\ntimezone: America/New_York\nagents:\n  coach: {cadence: daily, cron: "0 9 * * *"}\n',
    nozone: 'version: "1"\nagents:\n  coach: {cadence: weekly}\n  optimization: {cadence: weekly, cron: "0 10 * * 1"}\n',
  };

  beforeAll(async () => {
    fleet = tempFleet(Object.fromEntries(Object.entries(manifests).map(([name, text]) => [name, { '.kaizen/schedule.yml': text }])));
    app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
  });
  afterAll(async () => {
    await app.close();
    fleet.cleanup();
  });

  const list = async (query: string): Promise<{ timezone: string; entries: ListedEntry[] }> => {
    const res = await app.inject(`/v1/schedule?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('spring forward in Berlin through the route', async () => {
    const body = await list('target=berlin&runs=3&now=2026-03-27T12:00:00Z');
    expect(body.timezone).toBe('Europe/Berlin');
    expect(body.entries[0]).toEqual({
      agent: 'coach',
      cadence: 'daily',
      cron: '30 2 * * *',
      cron_source: 'manifest',
      timezone: 'Europe/Berlin',
      enabled: true,
      next_runs: ['2026-03-28T02:30:00+01:00', '2026-03-29T03:00:00+02:00', '2026-03-30T02:30:00+02:00'],
    });
    expect(body.entries[1]).toMatchObject({ agent: 'optimization', cron: '0 9 * * 1', cron_source: 'cadence_default', next_runs: ['2026-03-30T09:00:00+02:00', '2026-04-06T09:00:00+02:00', '2026-04-13T09:00:00+02:00'] });
  });

  it('fall back in Berlin through the route, with now given with an offset', async () => {
    const body = await list(`target=berlin&runs=3&now=${encodeURIComponent('2026-10-24T14:00:00+02:00')}`);
    expect(body.entries[0]!.next_runs).toEqual(['2026-10-25T02:30:00+02:00', '2026-10-26T02:30:00+01:00', '2026-10-27T02:30:00+01:00']);
  });

  it('New York through the route', async () => {
    const body = await list('target=york&runs=2&now=2026-03-07T12:00:00Z');
    expect(body.entries[0]).toMatchObject({ timezone: 'America/New_York', next_runs: ['2026-03-07T09:00:00-05:00', '2026-03-08T09:00:00-04:00'] });
  });

  it('a manifest without a zone uses the service default', async () => {
    const body = await list('target=nozone&now=2026-03-27T12:00:00Z');
    expect(body.timezone).toBe('Europe/Berlin');
    expect(body.entries.map((e) => [e.agent, e.cron_source, e.timezone, e.next_runs[0]])).toEqual([
      ['coach', 'cadence_default', 'Europe/Berlin', '2026-03-30T09:00:00+02:00'],
      ['optimization', 'manifest', 'Europe/Berlin', '2026-03-30T10:00:00+02:00'],
    ]);
  });

  it('configured defaults (KAIZEN_CRON_WEEKLY, KAIZEN_DEFAULT_TIMEZONE) are used', async () => {
    const configured = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_CRON_WEEKLY: '30 6 * * 5', KAIZEN_DEFAULT_TIMEZONE: 'America/New_York' });
    try {
      const res = await configured.inject('/v1/schedule?target=nozone&now=2026-03-27T12:00:00Z&runs=2');
      expect(res.statusCode).toBe(200);
      const body = res.json<{ timezone: string; entries: ListedEntry[] }>();
      expect(body.timezone).toBe('America/New_York');
      expect(body.entries[0]).toMatchObject({
        agent: 'coach',
        cron: '30 6 * * 5',
        cron_source: 'cadence_default',
        timezone: 'America/New_York',
        next_runs: ['2026-04-03T06:30:00-04:00', '2026-04-10T06:30:00-04:00'],
      });
      // An entry with its own cron ignores the configured default.
      expect(body.entries[1]).toMatchObject({ cron: '0 10 * * 1', cron_source: 'manifest' });
    } finally {
      await configured.close();
    }
  });

  it('example fleet docs-site: monthly coach on the cadence default in New York', async () => {
    const example = await testApp();
    try {
      const res = await example.inject('/v1/schedule?target=docs-site&now=2026-10-15T00:00:00Z&runs=2');
      expect(res.statusCode).toBe(200);
      const coach = res.json<{ entries: ListedEntry[] }>().entries.find((e) => e.agent === 'coach');
      expect(coach).toEqual({
        agent: 'coach',
        cadence: 'monthly',
        cron: '0 9 1 * *',
        cron_source: 'cadence_default',
        timezone: 'America/New_York',
        enabled: true,
        next_runs: ['2026-11-01T09:00:00-05:00', '2026-12-01T09:00:00-05:00'],
      });
    } finally {
      await example.close();
    }
  });
});
