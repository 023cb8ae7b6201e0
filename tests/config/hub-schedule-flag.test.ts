import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { tempFleet, testApp, type TempDir } from '../helpers/fleet.js';
import { json, startStateHub, type StateHubStandIn } from '../helpers/state-hub.js';

const HOST = 'runner-1';
const COACH = 'version: "1"\ntimezone: UTC\nagents:\n  coach: { cadence: daily, cron: "0 9 * * *" }\n';

let hub: StateHubStandIn;
let fleet: TempDir;
let flagged: FastifyInstance;
let plain: FastifyInstance;

const at = (name: string): string => path.join(fleet.dir, name);
const repo = (slug: string) => ({ slug, domain: 'platform', host_paths: { [HOST]: at(slug) } });

beforeAll(async () => {
  hub = await startStateHub();
  fleet = tempFleet({
    opted: { '.kaizen/schedule.yml': COACH },
    // flagged in the hub, but the manifest is what decides
    'flag-but-no-manifest': { 'README.md': '# no schedule here\n' },
    'flag-but-invalid': { '.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: hourly }\n' },
  });
  const env = { KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST, KAIZEN_HUB_TIMEOUT_MS: '3000' };
  flagged = await testApp({ ...env, KAIZEN_HUB_SCHEDULE_FLAG: 'true' });
  plain = await testApp(env);
});

afterAll(async () => {
  await flagged.close();
  await plain.close();
  await hub.close();
  fleet.cleanup();
});

describe('KAIZEN_HUB_SCHEDULE_FLAG: the State Hub v2 pre-filter', () => {
  it('asks the hub for kaizen_schedule_enabled=true, still lets each manifest decide, and counts what the flag let in', async () => {
    hub.respond(json([repo('opted'), repo('flag-but-no-manifest'), repo('flag-but-invalid')]));
    const res = await flagged.inject('/v1/discover?domain=platform&now=2026-03-02T08:00:00Z');
    expect(res.statusCode, res.body).toBe(200);
    expect(hub.requests.map((r) => r.url)).toEqual(['/repos/?domain=platform&kaizen_schedule_enabled=true']);
    const body = res.json();
    expect(body.scheduled_runs.map((r: { repo: string }) => r.repo)).toEqual(['opted']);
    expect(body.skipped.map((s: { repo: string; reason: string }) => `${s.repo} ${s.reason}`)).toEqual(['flag-but-invalid schedule_invalid']);
    expect(body.counts).toEqual({ roster_entries: 3, repos: 3, opted_in: 1, not_opted_in: 1, skipped: 1, scheduled_runs: 1, hub_flagged: 3 });
  });

  it('applies to windowed discover too', async () => {
    hub.respond(json([repo('opted')]));
    const res = await flagged.inject('/v1/discover?from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z');
    expect(res.statusCode, res.body).toBe(200);
    expect(hub.requests.map((r) => r.url)).toEqual(['/repos/?kaizen_schedule_enabled=true']);
    expect(res.json().scheduled_runs).toHaveLength(2);
  });

  it('is off by default: no query parameter, no hub_flagged count', async () => {
    hub.respond(json([repo('opted'), repo('flag-but-no-manifest')]));
    const res = await plain.inject('/v1/discover?now=2026-03-02T08:00:00Z');
    expect(res.statusCode, res.body).toBe(200);
    expect(hub.requests.map((r) => r.url)).toEqual(['/repos/']);
    expect(res.json().counts).not.toHaveProperty('hub_flagged');
  });

  it('takes true or false; anything else stops the start with a message naming the variable', () => {
    expect(loadConfig({ KAIZEN_HUB_SCHEDULE_FLAG: 'true' }).hubScheduleFlag).toBe(true);
    expect(loadConfig({ KAIZEN_HUB_SCHEDULE_FLAG: 'false' }).hubScheduleFlag).toBe(false);
    expect(loadConfig({}).hubScheduleFlag).toBe(false);
    expect(() => loadConfig({ KAIZEN_HUB_SCHEDULE_FLAG: 'sometimes' })).toThrow(ConfigError);
    expect(() => loadConfig({ KAIZEN_HUB_SCHEDULE_FLAG: 'sometimes' })).toThrow(/KAIZEN_HUB_SCHEDULE_FLAG: must be true or false/);
  });
});
