import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapInSlices } from '../../src/concurrency/slices.js';
import { discover } from '../../src/discover/resolve.js';
import { renderPrepareCommand, shellQuote } from '../../src/runs/prepare-command.js';
import { RosterFileSource, ScanRosterSource } from '../../src/discover/sources.js';
import type { DiscoverResult } from '../../src/discover/types.js';
import { createServices } from '../../src/services.js';
import { ROUTE_LINKS } from '../../src/http/paths.js';
import { defaultRepoRoots } from '../../src/config/config.js';
import { tempDir, tempFleet, testApp, testConfig, VALID_MANIFEST, type TempDir } from '../helpers/fleet.js';

const EXAMPLE_FLEET = defaultRepoRoots()[0]!;
const NOW = '2026-03-04T12:00:00Z';

describe('scan source over the example fleet (the default configuration)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('discovers the 8 runs of the example fleet and skips broken-config', async () => {
    const res = await app.inject(`/v1/discover?now=${NOW}`);
    expect(res.statusCode).toBe(200);
    const body = res.json<DiscoverResult>();
    expect(body.source).toBe('scan');
    expect(body.scheduled_runs.map((r) => `${r.repo}/${r.agent}`)).toEqual([
      'billing-api/coach',
      'billing-api/optimization',
      'docs-site/coach',
      'docs-site/docs-linkcheck',
      'docs-site/documentation',
      'payments-worker/dependency-hygiene',
      'payments-worker/security-review',
      'payments-worker/sys-medic',
    ]);
    expect(body.scheduled_runs.every((r) => r.root === path.join(EXAMPLE_FLEET, r.repo))).toBe(true);
    expect(body.scheduled_runs.find((r) => r.repo === 'docs-site' && r.agent === 'coach')).toMatchObject({
      cadence: 'monthly',
      cron: '0 9 1 * *',
      cron_source: 'cadence_default',
      timezone: 'America/New_York',
      next_run: '2026-04-01T09:00:00-04:00',
    });
    expect(body.skipped).toHaveLength(1);
    expect(body.skipped[0]).toMatchObject({ repo: 'broken-config', reason: 'schedule_invalid' });
    expect(body.skipped[0]!.errors!.map((e) => e.code).sort()).toEqual(
      ['invalid_cadence', 'invalid_cron', 'invalid_enabled', 'invalid_timezone', 'missing_cadence', 'unknown_agent'].sort(),
    );
    // legacy-monolith opted in with every entry disabled; no-schedule holds no manifest, so a scan does not list it.
    expect(body.counts).toEqual({ roster_entries: 5, repos: 5, opted_in: 4, not_opted_in: 0, skipped: 1, scheduled_runs: 8 });
  });

  it('finds nothing for a domain filter: scanned repos have no domain', async () => {
    const body = (await app.inject('/v1/discover?domain=billing')).json<DiscoverResult>();
    expect(body.scheduled_runs).toEqual([]);
    expect(body.counts.repos).toBe(0);
  });

  it('rejects malformed query parameters with 400', async () => {
    for (const query of ['cadence=hourly', 'agent=../etc', 'now=yesterday', 'domain=']) {
      const res = await app.inject(`/v1/discover?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });
});

describe('scan source edge cases', () => {
  let fleet: TempDir;
  let outside: TempDir;
  beforeAll(() => {
    fleet = tempFleet({
      alpha: { '.kaizen/schedule.yml': VALID_MANIFEST },
      '.hidden': { '.kaizen/schedule.yml': VALID_MANIFEST },
      bare: { 'README.md': 'x' },
    });
    writeFileSync(path.join(fleet.dir, 'a-file'), 'not a repo');
    outside = tempFleet({ escaped: { '.kaizen/schedule.yml': VALID_MANIFEST } });
    symlinkSync(path.join(outside.dir, 'escaped'), path.join(fleet.dir, 'link-out'));
    symlinkSync(path.join(fleet.dir, 'alpha'), path.join(fleet.dir, 'link-in'));
  });
  afterAll(() => {
    fleet.cleanup();
    outside.cleanup();
  });

  it('lists sub-directories with a manifest, ignores hidden entries and files, and reports links leaving the roots', async () => {
    const services = createServices(testConfig({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: 'h' }), ROUTE_LINKS);
    const roster = await new ScanRosterSource(services.roots, 'h').load();
    expect(roster.repos.map((r) => r.slug)).toEqual(['alpha', 'link-in', 'link-out']);
    const warnings: Array<[string, Record<string, unknown>]> = [];
    const result = await discover(
      { ...services, roster: services.roster, hostName: 'h', prepareCommand: services.config.prepareCommand, prepareUrl: ROUTE_LINKS.prepareUrl },
      { now: new Date(NOW), baseUrl: 'http://svc', log: { warn: (fields, event) => warnings.push([event, fields]) } },
    );
    // A link inside the roots is followed to the real directory, alpha's: that
    // checkout's runs are listed once, under alpha, and link-in is a duplicate.
    expect(result.skipped).toEqual([
      { repo: 'link-in', reason: 'roster_entry_duplicate', detail: expect.stringContaining("under 'alpha'") },
      { repo: 'link-out', reason: 'repo_outside_roots', detail: expect.any(String) },
    ]);
    expect(warnings.map(([event, fields]) => [event, fields.repo])).toEqual([['roster_entry_duplicate', 'link-in'], ['repo_outside_roots', 'link-out']]);
    expect(new Set(result.scheduled_runs.map((r) => r.repo))).toEqual(new Set(['alpha']));
  });
});

describe('roster file source', () => {
  let fleet: TempDir;
  let files: TempDir;
  beforeAll(() => {
    fleet = tempFleet({
      billing: { '.kaizen/schedule.yml': VALID_MANIFEST },
      docs: { '.kaizen/schedule.yml': VALID_MANIFEST.replace('timezone: Europe/Berlin', 'timezone: America/New_York') },
      quiet: {},
    });
    files = tempDir('kaizen-roster-');
    writeFileSync(
      path.join(files.dir, 'roster.yml'),
      `# roster in State Hub shape
- slug: billing
  domain: billing
  host_paths:
    runner-1: ${path.join(fleet.dir, 'billing')}
- slug: docs
  domain: docs
  host_paths: { runner-1: ${path.join(fleet.dir, 'docs')} }
- slug: quiet
  domain: docs
  host_paths: { runner-1: ${path.join(fleet.dir, 'quiet')} }
- slug: broken
  host_paths: [not, a, mapping]
`,
    );
    writeFileSync(
      path.join(files.dir, 'roster.json'),
      JSON.stringify({ items: [{ slug: 'docs', domain: 'docs', host_paths: { 'runner-1': path.join(fleet.dir, 'docs') } }] }),
    );
    writeFileSync(path.join(files.dir, 'broken.yml'), 'repos: [unclosed\n');
    writeFileSync(path.join(files.dir, 'scalar.json'), '"just a string"');
  });
  afterAll(() => {
    fleet.cleanup();
    files.cleanup();
  });

  const appWith = (file: string): Promise<FastifyInstance> =>
    testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_ROSTER_FILE: path.join(files.dir, file), KAIZEN_HOST_NAME: 'runner-1' });

  it('reads a YAML roster, counts repos without a manifest and reports malformed entries', async () => {
    const app = await appWith('roster.yml');
    const body = (await app.inject('/v1/discover')).json<DiscoverResult>();
    await app.close();
    expect(body.source).toBe('roster_file');
    expect(body.scheduled_runs.map((r) => `${r.repo}/${r.agent}/${r.timezone}`)).toEqual([
      'billing/coach/Europe/Berlin',
      'billing/optimization/Europe/Berlin',
      'docs/coach/America/New_York',
      'docs/optimization/America/New_York',
    ]);
    expect(body.skipped.map((s) => [s.repo, s.reason])).toEqual([['broken', 'roster_entry_invalid']]);
    expect(body.counts).toEqual({ roster_entries: 4, repos: 3, opted_in: 2, not_opted_in: 1, skipped: 1, scheduled_runs: 4 });
  });

  it('applies the domain filter to a roster file', async () => {
    const app = await appWith('roster.yml');
    const body = (await app.inject('/v1/discover?domain=docs')).json<DiscoverResult>();
    await app.close();
    expect(body.scheduled_runs.map((r) => r.repo)).toEqual(['docs', 'docs']);
    expect(body.counts).toMatchObject({ repos: 2, not_opted_in: 1, skipped: 1 });
  });

  it('reads a JSON roster with the array under "items"', async () => {
    const source = new RosterFileSource(path.join(files.dir, 'roster.json'));
    const roster = await source.load();
    expect(roster).toMatchObject({ source: 'roster_file', entries: 1, skipped: [] });
    expect(roster.repos[0]).toEqual({ slug: 'docs', domain: 'docs', host_paths: { 'runner-1': path.join(fleet.dir, 'docs') } });
  });

  it('fails the call with 500 roster_file_invalid when the file is unparsable, not a roster, or too large', async () => {
    for (const file of ['broken.yml', 'scalar.json']) {
      const app = await appWith(file);
      const res = await app.inject('/v1/discover');
      await app.close();
      expect(res.statusCode, file).toBe(500);
      expect(res.json(), file).toMatchObject({ code: 'roster_file_invalid' });
      expect(res.json().detail).not.toContain(files.dir);
    }
    await expect(new RosterFileSource(path.join(files.dir, 'roster.yml'), 64).load()).rejects.toMatchObject({ code: 'roster_file_invalid' });
  });

  it('refuses a deeply nested or alias-heavy roster file cleanly, every time (the yaml package overflowed its stack, then aborted the process)', async () => {
    writeFileSync(path.join(files.dir, 'deep.yml'), `${'['.repeat(1000)}${']'.repeat(1000)}`);
    writeFileSync(path.join(files.dir, 'aliases.yml'), `x: &a {url: u}
repos:
${'  - *a\n'.repeat(5000)}`);
    for (const [file, why] of [['deep.yml', /nests deeper than 32 levels/], ['aliases.yml', /more than 100 aliases/]] as const) {
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        await expect(new RosterFileSource(path.join(files.dir, file)).load(), file).rejects.toMatchObject({ code: 'roster_file_invalid', message: expect.stringMatching(why) });
        expect(performance.now() - started, 'hang guard').toBeLessThan(2_000);
      }
    }
  });

  it('reads a roster file that starts with a byte-order mark, YAML or JSON', async () => {
    writeFileSync(path.join(files.dir, 'bom.yml'), `\uFEFF- {slug: a, domain: d, host_paths: {}}\n`);
    writeFileSync(path.join(files.dir, 'bom.json'), `\uFEFF[{"slug": "a", "domain": "d", "host_paths": {}}]`);
    for (const file of ['bom.yml', 'bom.json']) expect((await new RosterFileSource(path.join(files.dir, file)).load()).repos.map((r) => r.slug), file).toEqual(['a']);
  });

  it('a broken JSON roster is named by position, without quoting the file', async () => {
    writeFileSync(path.join(files.dir, 'secret.json'), '[{"slug": "a", "token": "hunter2-secret" oops}]');
    const err = await new RosterFileSource(path.join(files.dir, 'secret.json')).load().catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'roster_file_invalid', message: expect.stringMatching(/not valid JSON \(position \d+\)/) });
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('a FIFO at the roster path is refused at once, not waited on', async () => {
    const fifo = path.join(files.dir, 'fifo.yml');
    execFileSync('mkfifo', [fifo]);
    await expect(new RosterFileSource(fifo).load()).rejects.toMatchObject({ code: 'roster_file_invalid', message: expect.stringMatching(/not a regular file/) });
  });
});

describe('run fields', () => {
  let fleet: TempDir;
  beforeAll(() => {
    fleet = tempFleet({ 'has space': { '.kaizen/schedule.yml': VALID_MANIFEST } });
  });
  afterAll(() => fleet.cleanup());

  it('builds prepare_url from KAIZEN_PUBLIC_URL and prepare_command from KAIZEN_PREPARE_COMMAND, quoting roots that need it', async () => {
    const app = await testApp({
      KAIZEN_REPO_ROOTS: fleet.dir,
      KAIZEN_PUBLIC_URL: 'https://schedule.example.org/kaizen/',
      KAIZEN_PREPARE_COMMAND: 'runner --agent={agent} --repo {root} # {agent}',
    });
    const body = (await app.inject('/v1/discover?agent=coach')).json<DiscoverResult>();
    await app.close();
    const root = path.join(fleet.dir, 'has space');
    expect(body.scheduled_runs).toHaveLength(1);
    expect(body.scheduled_runs[0]!.prepare_url).toBe(`https://schedule.example.org/kaizen/v1/prepare/coach?target=${encodeURIComponent(root)}`);
    expect(body.scheduled_runs[0]!.prepare_command).toBe(`runner --agent=coach --repo '${root}' # coach`);
  });

  it('quotes for a POSIX shell only when needed', () => {
    expect(shellQuote('/srv/fleet/billing-api')).toBe('/srv/fleet/billing-api');
    expect(shellQuote('/srv/a b')).toBe("'/srv/a b'");
    expect(shellQuote("/srv/it's$(rm -rf)")).toBe(`'/srv/it'\\''s$(rm -rf)'`);
    expect(renderPrepareCommand('x {agent} {root} {other}', 'coach', '/r')).toBe('x coach /r {other}');
  });
});

describe('mapInSlices', () => {
  it('keeps the input order and lets other work run during a long map', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const busy = (n: number): number => {
      const until = performance.now() + 2;
      while (performance.now() < until); // 2 ms of synchronous work per item
      return n * 10;
    };
    const out = await mapInSlices([5, 1, 4, 2, 3, 0, 6, 7, 8, 9], busy);
    clearInterval(timer);
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60, 70, 80, 90]);
    // 20 ms of work in 5 ms slices: the interval got turns in between.
    expect(ticks).toBeGreaterThan(0);
    expect(await mapInSlices([], (n: number) => n)).toEqual([]);
  });
});

describe('end to end over a real socket', () => {
  it('serves discover to an undici client, deriving prepare_url from the address it was called on', async () => {
    const app = await testApp({ KAIZEN_API_TOKENS: 'a-long-enough-test-token' });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const denied = await request(`${address}/v1/discover`);
      expect(denied.statusCode).toBe(401);
      await denied.body.dump();

      const res = await request(`${address}/v1/discover?cadence=daily&now=${NOW}`, { headers: { authorization: 'Bearer a-long-enough-test-token' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/json');
      const body = (await res.body.json()) as DiscoverResult;
      expect(body.scheduled_runs.map((r) => `${r.repo}/${r.agent}`)).toEqual(['docs-site/documentation', 'payments-worker/sys-medic']);
      const sysMedic = body.scheduled_runs[1]!;
      expect(sysMedic.next_run).toBe('2026-03-05T06:15:00+00:00');
      expect(sysMedic.prepare_url).toBe(`${address}/v1/prepare/sys-medic?target=${encodeURIComponent(path.join(EXAMPLE_FLEET, 'payments-worker'))}`);

      // The link is usable as given: it fetches that run's bundle.
      const bundle = await request(sysMedic.prepare_url, { headers: { authorization: 'Bearer a-long-enough-test-token' } });
      expect(bundle.statusCode).toBe(200);
      expect(await bundle.body.json()).toMatchObject({ agent: 'sys-medic', project: 'payments-worker' });
    } finally {
      await app.close();
    }
  });
});
