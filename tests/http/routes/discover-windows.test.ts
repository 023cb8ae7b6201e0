import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runId } from '../../../src/runs/run-id.js';
import { tempFleet, testApp, type TempDir } from '../../helpers/fleet.js';
import { ROOT } from '../../helpers/paths.js';

// alpha: coach daily 09:00 UTC, optimization Mondays 10:00 UTC.
// beta: coach daily 09:00 Berlin (08:00 UTC in winter), sys-medic every minute but disabled.
const ALPHA = 'version: "1"\ntimezone: UTC\nagents:\n  coach: { cadence: daily, cron: "0 9 * * *" }\n  optimization: { cadence: weekly, cron: "0 10 * * 1" }\n';
const BETA = 'version: "1"\ntimezone: Europe/Berlin\nagents:\n  coach: { cadence: daily, cron: "0 9 * * *" }\n  sys-medic: { cadence: daily, cron: "* * * * *", enabled: false }\n';
const DENSE = 'version: "1"\ntimezone: UTC\nagents:\n  coach: { cadence: daily, cron: "* * * * *" }\n';

let fleet: TempDir;
let dense: TempDir;
let app: FastifyInstance;

const ENV = () => ({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_PUBLIC_URL: 'http://kaizen.test' });

beforeAll(async () => {
  fleet = tempFleet({ alpha: { '.kaizen/schedule.yml': ALPHA }, beta: { '.kaizen/schedule.yml': BETA } });
  dense = tempFleet({ minutely: { '.kaizen/schedule.yml': DENSE } });
  app = await testApp(ENV());
});

afterAll(async () => {
  await app.close();
  fleet.cleanup();
  dense.cleanup();
});

type Run = { repo: string; agent: string; scheduled_for?: string; run_id: string | null; next_run: string | null; prepare_url: string; prepare_command: string };
const discover = async (query: string, on: FastifyInstance = app) => {
  const res = await on.inject({ method: 'GET', url: `/v1/discover?${query}` });
  return { status: res.statusCode, body: res.json() };
};
const runs = async (query: string, on?: FastifyInstance): Promise<Run[]> => {
  const { status, body } = await discover(query, on);
  expect(status, JSON.stringify(body)).toBe(200);
  return body.scheduled_runs;
};
const brief = (rs: Run[]) => rs.map((r) => `${r.scheduled_for} ${r.repo} ${r.agent}`);

describe('GET /v1/discover?from=&to=: the due window', () => {
  it('is half-open: a fire exactly at from is out, exactly at to is in', async () => {
    // 2026-03-02 is a Monday
    const rs = await runs('agent=coach&from=2026-03-02T09:00:00Z&to=2026-03-03T09:00:00Z');
    expect(brief(rs)).toEqual(['2026-03-03T09:00:00+01:00 beta coach', '2026-03-03T09:00:00+00:00 alpha coach']);
  });

  it('lists every fire time, sorted by scheduled_for, then repo, then agent, with the window echoed', async () => {
    const { body } = await discover('from=2026-03-02T00:00:00Z&to=2026-03-03T12:00:00Z');
    expect(body.window).toEqual({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T12:00:00.000Z', catchup: 'all' });
    expect(brief(body.scheduled_runs)).toEqual([
      '2026-03-02T09:00:00+01:00 beta coach',
      '2026-03-02T09:00:00+00:00 alpha coach',
      '2026-03-02T10:00:00+00:00 alpha optimization',
      '2026-03-03T09:00:00+01:00 beta coach',
      '2026-03-03T09:00:00+00:00 alpha coach',
    ]);
    expect(body.counts.scheduled_runs).toBe(5);
  });

  it('keeps the filters and the entry fields', async () => {
    const rs = await runs('agent=optimization&from=2026-03-01T00:00:00Z&to=2026-03-31T00:00:00Z');
    expect(brief(rs)).toEqual(['2026-03-02', '2026-03-09', '2026-03-16', '2026-03-23', '2026-03-30'].map((d) => `${d}T10:00:00+00:00 alpha optimization`));
    expect(rs[0]).toMatchObject({ cron: '0 10 * * 1', cron_source: 'manifest', timezone: 'UTC', cadence: 'weekly', enabled: true });
    expect(await runs('cadence=monthly&from=2026-03-01T00:00:00Z&to=2026-03-31T00:00:00Z')).toEqual([]);
  });

  it('catchup=latest keeps the latest fire per (repo, agent)', async () => {
    const { body } = await discover('from=2026-03-01T00:00:00Z&to=2026-03-10T00:00:00Z&catchup=latest');
    expect(body.window.catchup).toBe('latest');
    expect(brief(body.scheduled_runs)).toEqual([
      '2026-03-09T09:00:00+01:00 beta coach',
      '2026-03-09T09:00:00+00:00 alpha coach',
      '2026-03-09T10:00:00+00:00 alpha optimization',
    ]);
  });

  it('gives each run a run_id over repo, agent and the UTC instant, carried by prepare_url and usable there', async () => {
    const [first] = await runs('agent=coach&from=2026-03-02T00:00:00Z&to=2026-03-02T12:00:00Z');
    expect(first!.run_id).toBe(runId('beta', 'coach', new Date('2026-03-02T08:00:00Z')));
    const url = new URL(first!.prepare_url);
    expect(url.origin).toBe('http://kaizen.test');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      target: `${fleet.dir}/beta`,
      repo: 'beta',
      run_id: first!.run_id,
      scheduled_for: '2026-03-02T09:00:00+01:00',
    });
    const bundle = await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(bundle.statusCode, bundle.body).toBe(200);
    expect(bundle.json().run).toEqual({ run_id: first!.run_id, scheduled_for: '2026-03-02T09:00:00+01:00' });
  });

  it('gives the same run_ids on another app instance and after a restart', async () => {
    const query = 'from=2026-03-01T00:00:00Z&to=2026-03-08T00:00:00Z';
    const before = (await runs(query)).map((r) => r.run_id);
    const other = await testApp({ ...ENV(), KAIZEN_PUBLIC_URL: 'http://replica.test' });
    try {
      expect((await runs(query, other)).map((r) => r.run_id)).toEqual(before);
    } finally {
      await other.close();
    }
    const restarted = await testApp(ENV());
    try {
      expect((await runs(query, restarted)).map((r) => r.run_id)).toEqual(before);
    } finally {
      await restarted.close();
    }
    expect(new Set(before).size).toBe(before.length);
  });

  it('fills {run_id} and {scheduled_for} in prepare_command', async () => {
    const custom = await testApp({ ...ENV(), KAIZEN_PREPARE_COMMAND: 'start {agent} {root} --run={run_id} --at={scheduled_for}' });
    try {
      const [run] = await runs('agent=coach&from=2026-03-02T08:30:00Z&to=2026-03-02T09:00:00Z', custom);
      expect(run!.prepare_command).toBe(`start coach ${fleet.dir}/alpha --run=${run!.run_id} --at=2026-03-02T09:00:00+00:00`);
      // plain discover: the run of next_run
      const [plain] = await runs('agent=coach&now=2026-03-02T08:30:00Z', custom);
      expect(plain!.prepare_command).toBe(`start coach ${fleet.dir}/alpha --run=${plain!.run_id} --at=2026-03-02T09:00:00+00:00`);
    } finally {
      await custom.close();
    }
    // the default template is unchanged
    const [run] = await runs('agent=coach&from=2026-03-02T08:30:00Z&to=2026-03-02T09:00:00Z');
    expect(run!.prepare_command).toBe(`kaizen-agentic schedule prepare coach --target ${fleet.dir}/alpha`);
  });

  it('without a window answers as before plus the run_id of next_run', async () => {
    const rs = await runs('now=2026-03-02T08:30:00Z');
    expect(rs.map((r) => `${r.repo} ${r.agent} ${r.next_run}`)).toEqual([
      'alpha coach 2026-03-02T09:00:00+00:00',
      'alpha optimization 2026-03-02T10:00:00+00:00',
      'beta coach 2026-03-03T09:00:00+01:00',
    ]);
    for (const r of rs) {
      expect(r.run_id).toBe(runId(r.repo, r.agent, new Date(r.next_run!)));
      expect(r).not.toHaveProperty('scheduled_for');
      expect(r.prepare_url).not.toContain('run_id');
    }
  });
});

describe('window bounds', () => {
  const problem = async (query: string, code: string) => {
    const { status, body } = await discover(query);
    expect(status, query).toBe(400);
    expect(body.code, query).toBe(code);
    return body.detail as string;
  };

  it('invalid_window: an unparsable instant, a local time without offset, to before from, to or catchup without from', async () => {
    expect(await problem('from=yesterday', 'invalid_window')).toContain("'from' must be an RFC 3339 instant");
    expect(await problem('from=2026-03-01T00:00:00', 'invalid_window')).toContain('with Z or an offset');
    expect(await problem('from=2026-03-01T00:00:00Z&to=2026-02-30T00:00:00Z', 'invalid_window')).toContain("'to' must be");
    expect(await problem('from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'invalid_window')).toContain('is before');
    expect(await problem('to=2026-03-01T00:00:00Z', 'invalid_window')).toContain("give 'from'");
    expect(await problem('catchup=latest', 'invalid_window')).toContain("give 'from'");
  });

  it('an empty window (from = to) is valid and empty', async () => {
    expect(await runs('from=2026-03-02T09:00:00Z&to=2026-03-02T09:00:00Z')).toEqual([]);
  });

  it('to defaults to now', async () => {
    const rs = await runs('agent=coach&now=2026-03-02T09:30:00Z&from=2026-03-02T08:30:00Z');
    expect(brief(rs)).toEqual(['2026-03-02T09:00:00+00:00 alpha coach']);
  });

  it('window_too_large: longer than 31 days', async () => {
    expect(await runs('from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&agent=optimization')).toHaveLength(5);
    const detail = await problem('from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:01Z', 'window_too_large');
    expect(detail).toContain('the limit is 31');
    expect(detail).toContain('consecutive windows');
  });

  it('window_too_large: more than 10,000 runs, refused by counting (a minutely cron over 31 days is 44,640 fires)', async () => {
    const denseApp = await testApp({ KAIZEN_REPO_ROOTS: dense.dir });
    try {
      const { status, body } = await discover('from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z', denseApp);
      expect(status).toBe(400);
      expect(body.code).toBe('window_too_large');
      expect(body.detail).toContain('more than 10000 runs (counting stopped at 10001)');
      expect(body.detail).toContain("minutely/coach ('* * * * *') alone fires 10001 times or more");
      expect(body.detail).toContain('catchup=latest');
      // a window under the cap answers, and catchup=latest answers one run
      expect((await runs('from=2026-03-01T00:00:00Z&to=2026-03-01T02:00:00Z', denseApp)).length).toBe(120);
      const latest = await runs('from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&catchup=latest', denseApp);
      expect(brief(latest)).toEqual(['2026-04-01T00:00:00+00:00 minutely coach']);
    } finally {
      await denseApp.close();
    }
  });
});

describe('examples/activity-definitions/kaizen-due-runs-tick.md', () => {
  it('asks discover for a window it answers, and uses only fields its runs carry', async () => {
    const text = readFileSync(path.join(ROOT, 'examples', 'activity-definitions', 'kaizen-due-runs-tick.md'), 'utf8');
    const [, frontMatter = '', body = ''] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text) ?? [];
    const definition = parseYaml(frontMatter) as { trigger: { cron_expression: string }; context_sources: Array<{ query: string; params: Record<string, string> }> };
    expect(definition.trigger.cron_expression).toBe('*/15 * * * *');
    const [source] = definition.context_sources;
    expect(source!.query).toBe('discover_kaizen_scheduled_repos');
    expect(Object.keys(source!.params).sort()).toEqual(['catchup', 'from', 'to']);

    const rule = parseYaml(/```rule\n([\s\S]*?)```/.exec(body)![1]!) as { action: { idempotency_key: string } };
    expect(rule.action.idempotency_key).toBe('{{r.run_id}}');
    // a tick on the example fleet: billing-api's coach fires Mondays 09:00 Berlin
    const example = await testApp();
    try {
      const res = await example.inject(`/v1/discover?from=2026-12-07T07:45:00Z&to=2026-12-07T08:00:00Z&catchup=${source!.params.catchup}`);
      expect(res.statusCode, res.body).toBe(200);
      const [run] = res.json().scheduled_runs as Array<Record<string, unknown>>;
      expect(run).toMatchObject({ repo: 'billing-api', agent: 'coach', scheduled_for: '2026-12-07T09:00:00+01:00' });
      for (const [, field] of body.matchAll(/\{\{r\.([a-z_]+)\}\}/g)) expect(run, field).toHaveProperty(field!);
    } finally {
      await example.close();
    }
  });
});
