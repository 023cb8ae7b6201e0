import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/manifest/types.js';
import { VALID_MANIFEST, tempFleet, testApp, type TempDir } from '../../helpers/fleet.js';
import { oddReposApp, type OddReposApp } from '../../helpers/odd-repos.js';
import { ROOT } from '../../helpers/paths.js';
import { expectProblem } from '../../helpers/problem.js';

const yamlPost = (app: FastifyInstance, body: string, contentType = 'application/yaml', query = ''): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'POST', url: `/v1/schedule/validate${query}`, headers: { 'content-type': contentType }, payload: body });

/** One app on the default configuration (the example fleet), shared by the blocks that need nothing else. */
let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

const BROKEN = 'version: "1"\nagents:\n  coach:\n    cadence: hourly\n';

describe('POST /v1/schedule/validate', () => {
  it.each(['application/yaml', 'text/yaml', 'text/plain', 'application/x-yaml', 'text/yaml; charset=utf-8', 'text/plain; charset=utf-8'])(
    'accepts %s: 200 with an empty report when valid',
    async (type) => {
      const res = await yamlPost(app, VALID_MANIFEST, type);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual({ valid: true, errors: [], warnings: [] });
    },
  );

  it('accepts JSON {manifest}', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/schedule/validate', payload: { manifest: VALID_MANIFEST } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it.each(['application/yaml', 'text/yaml', 'text/plain', 'json'])('answers 422 problem+json with the diagnostics (%s)', async (type) => {
    const res =
      type === 'json'
        ? await app.inject({ method: 'POST', url: '/v1/schedule/validate', payload: { manifest: BROKEN } })
        : await yamlPost(app, BROKEN, type);
    const body = expectProblem(res, 422, 'schedule_invalid');
    expect(body.valid).toBe(false);
    expect(body.warnings).toEqual([]);
    expect(body.errors).toEqual([
      expect.objectContaining({ severity: 'error', code: 'invalid_cadence', path: '/agents/coach/cadence', line: 4, column: 14, hint: expect.stringContaining('daily, weekly or monthly') }),
    ]);
    expect(body.detail).toContain('hourly');
    expect(body.instance).toBe('/v1/schedule/validate');
  });

  it('a valid manifest with warnings is still 200, warnings included', async () => {
    const res = await yamlPost(app, 'version: "1"\nagents:\n  coach: {cadence: weekly, cron: "*/5 * * * *", cadance: x}\n');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ valid: boolean; warnings: Diagnostic[] }>();
    expect(body.valid).toBe(true);
    expect(body.warnings.map((w) => w.code).sort()).toEqual(['cron_cadence_mismatch', 'unknown_key']);
  });

  it('reports errors and warnings together on 422', async () => {
    const res = await yamlPost(app, 'version: 2\nextra: 1\nagents:\n  coahc: {cadence: weekli}\n');
    const body = expectProblem(res, 422, 'schedule_invalid') as { errors: Diagnostic[]; warnings: Diagnostic[] };
    expect(body.errors.map((d) => d.code)).toEqual(['unsupported_version', 'unknown_agent', 'invalid_cadence']);
    expect(body.warnings.map((d) => d.code)).toEqual(['unknown_key']);
  });

  it('415 problem+json for an unsupported content type', async () => {
    for (const type of ['application/xml', 'image/png', 'multipart/form-data; boundary=x']) {
      expectProblem(await yamlPost(app, '<manifest/>', type), 415, 'unsupported_media_type');
    }
  });

  it('413 problem+json for a body over 256 KiB, in every content type', async () => {
    const big = `${VALID_MANIFEST}# ${'x'.repeat(300 * 1024)}\n`;
    for (const type of ['application/yaml', 'text/plain', 'text/yaml']) expectProblem(await yamlPost(app, big, type), 413, 'payload_too_large');
    expectProblem(await app.inject({ method: 'POST', url: '/v1/schedule/validate', payload: { manifest: big } }), 413, 'payload_too_large');
  });

  it('between 64 and 256 KiB: accepted by HTTP, refused by the validator as file_too_large', async () => {
    const body = expectProblem(await yamlPost(app, `${VALID_MANIFEST}# ${'x'.repeat(100 * 1024)}\n`), 422, 'schedule_invalid');
    expect(body.errors).toEqual([expect.objectContaining({ code: 'file_too_large', path: '' })]);
  });

  it('an alias bomb of more than 100 aliases is refused fast as yaml_syntax, never a 500', async () => {
    const lines = ['a: &a [x,x,x,x,x,x,x,x,x,x]'];
    for (let i = 1; i < 12; i++) lines.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(',')}]`);
    const body = expectProblem(await yamlPost(app, `${lines.join('\n')}\nversion: "1"\nagents:\n  coach: {cadence: weekly}\n`), 422, 'schedule_invalid');
    expect((body.errors as Diagnostic[]).map((d) => d.code)).toEqual(['yaml_syntax']);
  });

  it('malformed JSON bodies are 400 problem+json', async () => {
    expectProblem(await app.inject({ method: 'POST', url: '/v1/schedule/validate', headers: { 'content-type': 'application/json' }, payload: '{"manifest": ' }), 400, 'invalid_json');
    expectProblem(await app.inject({ method: 'POST', url: '/v1/schedule/validate', payload: { manifest: VALID_MANIFEST, extra: true } }), 400, 'invalid_request');
    expectProblem(await app.inject({ method: 'POST', url: '/v1/schedule/validate', payload: {} }), 400, 'invalid_request');
  });

  it('a JSON body is taken as sent: a manifest that is not text is a 400, never converted to text', async () => {
    for (const manifest of [[VALID_MANIFEST], 5, true, null]) {
      const body = expectProblem(await app.inject({ method: 'POST', url: '/v1/schedule/validate', payload: { manifest } }), 400, 'invalid_request');
      expect(body.detail).toContain('body.manifest must be text');
    }
  });

  it('an empty body is an empty manifest', async () => {
    const body = expectProblem(await yamlPost(app, ''), 422, 'schedule_invalid');
    expect((body.errors as Diagnostic[])[0]!.code).toBe('not_a_mapping');
  });

  it('target adds the repo’s installed agents (docs-site’s docs-linkcheck)', async () => {
    const manifest = 'version: "1"\nagents:\n  docs-linkcheck: {cadence: weekly, cron: "0 6 * * 1"}\n';
    const without = expectProblem(await yamlPost(app, manifest), 422, 'schedule_invalid');
    expect(without.errors).toEqual([expect.objectContaining({ code: 'unknown_agent', path: '/agents/docs-linkcheck', line: 3, column: 3 })]);
    const withTarget = await yamlPost(app, manifest, 'application/yaml', '?target=docs-site');
    expect(withTarget.statusCode, withTarget.body).toBe(200);
    // Installed agents of one repo are not known for another.
    expectProblem(await yamlPost(app, manifest, 'application/yaml', '?target=billing-api'), 422, 'schedule_invalid');
    expectProblem(await yamlPost(app, manifest, 'application/yaml', '?target=no-such-repo'), 404, 'repo_not_found');
  });
});

describe('GET /v1/schedule/validation and GET /v1/schedule over the example fleet', () => {
  it.each(['billing-api', 'docs-site', 'legacy-monolith', 'payments-worker'])('%s validates clean', async (repo) => {
    const res = await app.inject(`/v1/schedule/validation?target=${repo}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('broken-config: 422 with every documented problem', async () => {
    const body = expectProblem(await app.inject('/v1/schedule/validation?target=broken-config'), 422, 'schedule_invalid') as { errors: Diagnostic[]; warnings: Diagnostic[] };
    expect(body.errors.map((d) => d.code).sort()).toEqual(['invalid_cadence', 'invalid_cron', 'invalid_enabled', 'invalid_timezone', 'missing_cadence', 'unknown_agent'].sort());
    expect(body.errors.find((d) => d.code === 'unknown_agent')).toMatchObject({ path: '/agents/coahc', hint: "did you mean 'coach'?" });
    expect(body.errors.find((d) => d.code === 'invalid_timezone')).toMatchObject({ path: '/timezone', line: 4, hint: "did you mean 'Europe/Berlin'?" });
    expect(body.warnings).toEqual([expect.objectContaining({ code: 'unknown_key', path: '/agents/test-coverage/cadance', hint: "did you mean 'cadence'?" })]);
    for (const d of body.errors) expect(d.line).toBeGreaterThan(0);
  });

  it('no-schedule: 404 schedule_not_found', async () => {
    const body = expectProblem(await app.inject('/v1/schedule/validation?target=no-schedule'), 404, 'schedule_not_found');
    expect(body.errors).toEqual([expect.objectContaining({ code: 'schedule_not_found' })]);
    expectProblem(await app.inject('/v1/schedule?target=no-schedule'), 404, 'schedule_not_found');
  });

  it('target is required', async () => {
    expectProblem(await app.inject('/v1/schedule/validation'), 400, 'invalid_request');
    expectProblem(await app.inject('/v1/schedule'), 400, 'invalid_request');
  });

  it('billing-api: enabled entries only by default, all with all=true', async () => {
    const enabled = await app.inject('/v1/schedule?target=billing-api&now=2026-11-25T12:00:00Z');
    expect(enabled.statusCode).toBe(200);
    const body = enabled.json<{ root: string; timezone: string; entries: Array<Record<string, unknown>>; warnings: unknown[] }>();
    expect(body.timezone).toBe('Europe/Berlin');
    expect(body.root).toBe(path.join(ROOT, 'examples', 'fleet', 'billing-api'));
    expect(body.warnings).toEqual([]);
    expect(body.entries).toEqual([
      { agent: 'coach', cadence: 'weekly', cron: '0 9 * * 1', cron_source: 'manifest', timezone: 'Europe/Berlin', enabled: true, next_runs: ['2026-11-30T09:00:00+01:00'] },
      { agent: 'optimization', cadence: 'weekly', cron: '0 10 * * 1', cron_source: 'manifest', timezone: 'Europe/Berlin', enabled: true, next_runs: ['2026-11-30T10:00:00+01:00'] },
    ]);
    const all = (await app.inject('/v1/schedule?target=billing-api&all=true&now=2026-11-25T12:00:00Z')).json<{ entries: Array<{ agent: string; enabled: boolean; cron_source: string }> }>();
    expect(all.entries.map((e) => [e.agent, e.enabled, e.cron_source])).toEqual([
      ['coach', true, 'manifest'],
      ['optimization', true, 'manifest'],
      ['tdd-workflow', false, 'cadence_default'],
    ]);
  });

  it('legacy-monolith (integer version, enabled: no, no timezone): empty unless all=true', async () => {
    const enabled = (await app.inject('/v1/schedule?target=legacy-monolith')).json<{ entries: unknown[]; timezone: string }>();
    expect(enabled.entries).toEqual([]);
    expect(enabled.timezone).toBe('Europe/Berlin');
    const all = (await app.inject('/v1/schedule?target=legacy-monolith&all=true&now=2026-11-25T12:00:00Z')).json<{ entries: Array<Record<string, unknown>> }>();
    expect(all.entries).toHaveLength(3);
    for (const e of all.entries) expect(e).toMatchObject({ enabled: false, timezone: 'Europe/Berlin' });
    expect(all.entries[0]).toMatchObject({ agent: 'coach', next_runs: ['2026-11-30T09:00:00+01:00'] });
  });

  it('runs: default 1, 1..10 accepted, 0 and 11 are 400 problems', async () => {
    const get = (runs: string) => app.inject(`/v1/schedule?target=payments-worker&now=2026-11-25T12:00:00Z${runs}`);
    const one = (await get('')).json<{ entries: Array<{ next_runs: string[] }> }>();
    // payments-worker has three enabled entries: the loops below must see each of them.
    expect(one.entries).toHaveLength(3);
    for (const e of one.entries) expect(e.next_runs).toHaveLength(1);
    const ten = (await get('&runs=10')).json<{ entries: Array<{ agent: string; next_runs: string[] }> }>();
    expect(ten.entries).toHaveLength(3);
    for (const e of ten.entries) expect(e.next_runs).toHaveLength(10);
    expect(ten.entries.find((e) => e.agent === 'sys-medic')!.next_runs.slice(0, 2)).toEqual(['2026-11-26T06:15:00+00:00', '2026-11-27T06:15:00+00:00']);
    for (const bad of ['&runs=11', '&runs=0', '&runs=-1', '&runs=two', '&runs=1.5']) expectProblem(await get(bad), 400, 'invalid_request');
    // Number spellings Ajv's coercion would take are not whole numbers as a query writes them.
    for (const bad of ['0x3', '1e1', '+3', '3.0', '%203', '']) {
      const body = expectProblem(await get(`&runs=${bad}`), 400, 'invalid_request');
      expect(body.detail, bad).toBe('Invalid request: runs must be a whole number.');
    }
  });

  it('now: ISO-8601 with Z or an offset; anything else is a 400 problem', async () => {
    const at = (now: string) => app.inject(`/v1/schedule?target=billing-api&now=${encodeURIComponent(now)}`);
    const z = (await at('2026-11-30T07:59:59Z')).json<{ entries: Array<{ next_runs: string[] }> }>();
    expect(z.entries[0]!.next_runs).toEqual(['2026-11-30T09:00:00+01:00']);
    const offset = (await at('2026-11-30T09:00:00+01:00')).json<{ entries: Array<{ next_runs: string[] }> }>();
    expect(offset.entries[0]!.next_runs).toEqual(['2026-12-07T09:00:00+01:00']);
    // The schema's date-time format catches most bad values, the route's own
    // parse the rest (a leap second passes the format but is no instant): one code either way.
    for (const bad of ['yesterday', '2026-13-45', '2026-11-30', '2026-11-30T09:00:00', '', '2026-06-30T23:59:60Z']) {
      const body = expectProblem(await at(bad), 400, 'invalid_now');
      expect(body.detail).toMatch(/ISO-8601/);
    }
  });

  it('without now, runs are in the future', async () => {
    const body = (await app.inject('/v1/schedule?target=payments-worker')).json<{ entries: Array<{ next_runs: string[] }> }>();
    expect(body.entries).toHaveLength(3);
    for (const e of body.entries) expect(Date.parse(e.next_runs[0]!)).toBeGreaterThan(Date.now() - 1000);
  });

  it('an invalid manifest cannot be listed: 422 with its diagnostics', async () => {
    const body = expectProblem(await app.inject('/v1/schedule?target=broken-config'), 422, 'schedule_invalid');
    expect((body.errors as Diagnostic[]).length).toBe(6);
  });
});

describe('POST /v1/schedule/init', () => {
  let fleet: TempDir;
  beforeAll(() => {
    fleet = tempFleet({ fresh: { 'README.md': '# fresh\n' }, second: { 'README.md': '\n' }, zoned: { 'README.md': '\n' }, 'zoned-case': { 'README.md': '\n' }, 'kaizen-file': { '.kaizen': 'not a directory\n' }, 'manifest-dir': { '.kaizen/schedule.yml/README': 'a directory where the manifest goes\n' } });
  });
  afterAll(() => {
    fleet.cleanup();
  });

  it('is 403 writes_disabled by default and writes nothing', async () => {
    const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
    try {
      expectProblem(await app.inject({ method: 'POST', url: '/v1/schedule/init', payload: { target: 'fresh' } }), 403, 'writes_disabled');
      expect(readdirSync(path.join(fleet.dir, 'fresh'))).toEqual(['README.md']);
    } finally {
      await app.close();
    }
  });

  describe('with KAIZEN_ENABLE_WRITE=true', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_ENABLE_WRITE: 'true' });
    });
    afterAll(async () => {
      await app.close();
    });
    const init = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/schedule/init', payload });

    it('force must be a JSON boolean: "true" or 1 is a 400, and nothing is written', async () => {
      for (const force of ['true', 1, [true]]) {
        const body = expectProblem(await init({ target: 'second', force }), 400, 'invalid_request');
        expect(body.detail).toContain('body.force must be true or false');
      }
      expect(existsSync(path.join(fleet.dir, 'second', '.kaizen'))).toBe(false);
    });

    it('201, then the file validates clean through the validation route (round trip) and lists', async () => {
      const res = await init({ target: 'fresh' });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json<{ path: string; overwritten: boolean; manifest: string }>();
      expect(body.path).toBe(path.join(fleet.dir, 'fresh', '.kaizen', 'schedule.yml'));
      expect(body.overwritten).toBe(false);
      expect(readFileSync(body.path, 'utf8')).toBe(body.manifest);
      expect(body.manifest).toContain('timezone: "Europe/Berlin"');

      const validation = await app.inject('/v1/schedule/validation?target=fresh');
      expect(validation.statusCode).toBe(200);
      expect(validation.json()).toEqual({ valid: true, errors: [], warnings: [] });

      const listed = (await app.inject('/v1/schedule?target=fresh&all=true&now=2026-11-25T12:00:00Z')).json<{ entries: Array<{ agent: string; enabled: boolean; cron: string }> }>();
      expect(listed.entries.map((e) => [e.agent, e.enabled, e.cron])).toEqual([
        ['coach', true, '0 9 * * 1'],
        ['optimization', true, '0 10 * * 1'],
        ['tdd-workflow', false, '0 9 1 * *'],
      ]);
      // And the same text passes the body validator.
      expect((await yamlPost(app, body.manifest)).statusCode).toBe(200);
    });

    it('409 schedule_exists without force, leaving the file alone; force overwrites', async () => {
      const file = path.join(fleet.dir, 'second', '.kaizen', 'schedule.yml');
      expect((await init({ target: 'second' })).statusCode).toBe(201);
      writeFileSync(file, '# hand-edited\n' + VALID_MANIFEST);
      expectProblem(await init({ target: 'second' }), 409, 'schedule_exists');
      expectProblem(await init({ target: 'second', force: false }), 409, 'schedule_exists');
      expect(readFileSync(file, 'utf8')).toBe('# hand-edited\n' + VALID_MANIFEST);

      const forced = await init({ target: 'second', force: true, timezone: 'UTC' });
      expect(forced.statusCode).toBe(201);
      expect(forced.json()).toMatchObject({ overwritten: true });
      expect(readFileSync(file, 'utf8')).toContain('timezone: "UTC"');
      expect(readFileSync(file, 'utf8')).not.toContain('hand-edited');
    });

    it('a timezone override is written and validates', async () => {
      const res = await init({ target: 'zoned', timezone: 'America/New_York' });
      expect(res.statusCode).toBe(201);
      const listed = (await app.inject('/v1/schedule?target=zoned&now=2026-11-25T12:00:00Z')).json<{ timezone: string; entries: Array<{ next_runs: string[] }> }>();
      expect(listed.timezone).toBe('America/New_York');
      expect(listed.entries[0]!.next_runs).toEqual(['2026-11-30T09:00:00-05:00']);
    });

    it('a timezone in another case is written as the IANA database spells it', async () => {
      const res = await init({ target: 'zoned-case', timezone: 'america/new_york' });
      expect(res.statusCode, res.body).toBe(201);
      const written = readFileSync(path.join(fleet.dir, 'zoned-case', '.kaizen', 'schedule.yml'), 'utf8');
      expect(written).toContain('timezone: "America/New_York"');
      expect(res.json<{ manifest: string }>().manifest).toBe(written);
    });

    it('an invalid timezone is 400 invalid_timezone with a hint, and nothing is written', async () => {
      rmSync(path.join(fleet.dir, 'fresh', '.kaizen'), { recursive: true, force: true });
      const body = expectProblem(await init({ target: 'fresh', timezone: 'Europe/Berln' }), 400, 'invalid_timezone');
      expect(body.hint).toBe("did you mean 'Europe/Berlin'?");
      expectProblem(await init({ target: 'fresh', timezone: 'Mars/Base' }), 400, 'invalid_timezone');
      expect(readdirSync(path.join(fleet.dir, 'fresh'))).toEqual(['README.md']);
    });

    it('malformed bodies and unknown repos', async () => {
      expectProblem(await init({}), 400, 'invalid_request');
      expectProblem(await init({ target: 'fresh', extra: 1 }), 400, 'invalid_request');
      expectProblem(await init({ target: 'fresh', force: 'please' }), 400, 'invalid_request');
      expectProblem(await init({ target: 'no-such-repo' }), 404, 'repo_not_found');
      expectProblem(await init({ target: '../escape' }), 403, 'path_outside_roots');
    });

    it('a body that is not JSON is 415 with `accepted`, YAML and plain text included (init takes only JSON)', async () => {
      for (const type of ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/plain', 'application/xml']) {
        const res = await app.inject({ method: 'POST', url: '/v1/schedule/init', headers: { 'content-type': type }, payload: '{"target":"fresh"}' });
        const body = expectProblem(res, 415, 'unsupported_media_type');
        expect(body.accepted, type).toEqual(['application/json']);
      }
      // the validate route next to it still takes YAML and text
      expect((await yamlPost(app, VALID_MANIFEST, 'text/plain')).statusCode).toBe(200);
    });

    it('leaves no temporary files behind', async () => {
      for (const repo of ['fresh', 'second', 'zoned']) {
        const dir = path.join(fleet.dir, repo, '.kaizen');
        const entries = existsSync(dir) ? readdirSync(dir) : [];
        expect(entries.filter((n) => n !== 'schedule.yml'), repo).toEqual([]);
      }
      for (const repo of ['second', 'zoned']) {
        expect(readdirSync(path.join(fleet.dir, repo, '.kaizen'))).toEqual(['schedule.yml']);
      }
    });

    it('409 kaizen_dir_conflict when .kaizen is a file', async () => {
      const res = await init({ target: 'kaizen-file', force: true });
      expectProblem(res, 409, 'kaizen_dir_conflict');
      expect(res.body).not.toContain(fleet.dir);
    });

    it('409 kaizen_dir_conflict when the manifest path is a directory, and nothing is left behind', async () => {
      const res = await init({ target: 'manifest-dir', force: true });
      const body = expectProblem(res, 409, 'kaizen_dir_conflict');
      expect(body.detail).toBe('.kaizen/schedule.yml is a directory; remove or rename it first.');
      expect(res.body).not.toContain(fleet.dir);
      expect(readdirSync(path.join(fleet.dir, 'manifest-dir', '.kaizen')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    });
  });
});

describe('POST /v1/schedule/init without a timezone', () => {
  it('writes the configured default zone (KAIZEN_DEFAULT_TIMEZONE)', async () => {
    const fleet = tempFleet({ repo: { 'README.md': '\n' } });
    const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_ENABLE_WRITE: 'true', KAIZEN_DEFAULT_TIMEZONE: 'America/Chicago' });
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/schedule/init', payload: { target: 'repo' } });
      expect(res.statusCode).toBe(201);
      expect(readFileSync(path.join(fleet.dir, 'repo', '.kaizen', 'schedule.yml'), 'utf8')).toContain('timezone: "America/Chicago"');
    } finally {
      await app.close();
      fleet.cleanup();
    }
  });
});

describe('GET /v1/schema/schedule.json', () => {
  it('GET /v1/schema/schedule.json is a JSON Schema for the manifest', async () => {
    const res = await app.inject('/v1/schema/schedule.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/schema\+json/);
    const schema = res.json<{ $schema: string; required: string[]; properties: Record<string, unknown> }>();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['version', 'agents']);
    expect(Object.keys(schema.properties).sort()).toEqual(['agents', 'timezone', 'version']);
  });
});

describe('manifests and layouts found in review', () => {
  let odd: OddReposApp;
  let oddApp: FastifyInstance;
  beforeAll(async () => {
    odd = await oddReposApp(['agents-file', 'kaizen-file', 'zone-case', 'feb-31']);
    oddApp = odd.app;
  });
  afterAll(() => odd.close());

  it('an agents path that is a file: the schedule still lists', async () => {
    expect((await oddApp.inject('/v1/schedule?target=agents-file')).statusCode).toBe(200);
  });

  it('a .kaizen that is a file: no manifest', async () => {
    const validation = await oddApp.inject('/v1/schedule/validation?target=kaizen-file');
    expect(validation.statusCode).toBe(404);
    expect(validation.json()).toMatchObject({ code: 'schedule_not_found' });
  });

  it('echoes a time zone in its IANA spelling, whatever the case it was written in', async () => {
    const res = await oddApp.inject('/v1/schedule?target=zone-case');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ timezone: 'Europe/Berlin', entries: [{ timezone: 'Europe/Berlin' }] });
  });

  it('refuses a cron that never fires', async () => {
    const res = await oddApp.inject('/v1/schedule/validation?target=feb-31');
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0]).toMatchObject({ code: 'invalid_cron', path: '/agents/coach/cron' });
    expect(res.json().errors[0].message).toMatch(/never fires/);
  });

  it('lists at most 100 errors of a hostile manifest and says it cut the list', async () => {
    let text = 'version: "1"\nagents:\n';
    for (let i = 0; i < 3000; i++) text += `  a${i}: 1\n`;
    const res = await oddApp.inject({ method: 'POST', url: '/v1/schedule/validate', headers: { 'content-type': 'application/yaml' }, payload: text });
    expect(res.statusCode).toBe(422);
    const body = res.json<{ errors: unknown[]; truncated: boolean }>();
    expect(body.errors).toHaveLength(100);
    expect(body.truncated).toBe(true);
  });
});
