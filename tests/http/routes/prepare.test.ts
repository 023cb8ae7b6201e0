import os from 'node:os';
import { appendFileSync, existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFleet, testApp, VALID_MANIFEST, writeFiles, type TempDir } from '../../helpers/fleet.js';
import { oddReposApp, type OddReposApp } from '../../helpers/odd-repos.js';
import { ROOT } from '../../helpers/paths.js';

const PACKAGED = path.join(ROOT, 'agents');
const packagedPrompt = (agent: string): string => readFileSync(path.join(PACKAGED, `agent-${agent}.md`), 'utf8');
const packagedNames = (): string[] =>
  readdirSync(PACKAGED)
    .map((f) => /^agent-(.+)\.md$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();

const EXAMPLES = path.join(ROOT, 'examples', 'fleet');
const NOW = '2026-03-04T10:00:00Z'; // a Wednesday

/**
 * coach's executions in `alpha`, by hand:
 *   valid lines: 02-16 (ok, 12 s, 0.9), 02-09 (fail, 48 s, 0.3), 02-23 (ok, 24 s, 0.75), 03-02 (ok, 18 s, 0.85)
 *   executions 4, successes 3           -> success_rate 3/4 = 0.75
 *   avg_time_s  (12 + 48 + 24 + 18) / 4 = 102 / 4 = 25.5
 *   avg_quality (0.9 + 0.3 + 0.75 + 0.85) / 4 = 2.8 / 4 = 0.7
 *   first_run 02-09 (the second line), last_run 03-02; one garbage line -> skipped_lines 1
 */
const COACH_EXECUTIONS = [
  '{"timestamp":"2026-02-16T08:05:00Z","success":true,"time":12,"quality":0.9}',
  '{"timestamp":"2026-02-09T08:04:00Z","success":false,"time":48,"quality":0.3}',
  'this line is not json',
  '{"timestamp":"2026-02-23T08:06:00Z","success":true,"time":24,"quality":0.75}',
  '{"timestamp":"2026-03-02T08:02:00Z","success":true,"time":18,"quality":0.85}',
  '',
].join('\n');
const COACH_SUMMARY = {
  executions: 4,
  successes: 3,
  success_rate: 0.75,
  avg_time_s: 25.5,
  avg_quality: 0.7,
  first_run: '2026-02-09T08:04:00Z',
  last_run: '2026-03-02T08:02:00Z',
  skipped_lines: 1,
};

/** Two valid runs, one success: 1/2 = 0.5; time (10 + 30) / 2 = 20; quality (0.5 + 0.7) / 2 = 0.6. */
const SMALL_EXECUTIONS =
  '{"timestamp":"2026-01-01T00:00:00Z","success":true,"time":10,"quality":0.5}\n{"timestamp":"2026-01-08T00:00:00Z","success":false,"time":30,"quality":0.7}\n';
const SMALL_SUMMARY = {
  executions: 2,
  successes: 1,
  success_rate: 0.5,
  avg_time_s: 20,
  avg_quality: 0.6,
  first_run: '2026-01-01T00:00:00Z',
  last_run: '2026-01-08T00:00:00Z',
  skipped_lines: 0,
};

const OPTIMIZATION_SUMMARY_JSON = { executions: 12, successes: 9, success_rate: 0.75, avg_time_s: 34.2, custom_field: 'kept as is' };

const SEED_KEYS = ['agent', 'project', 'generated', 'agent_prompt', 'agent_prompt_found', 'memory', 'metrics_summary', 'pointers', 'session_close'];

const closeFor = (agent: string): string[] => [
  `kaizen-agentic metrics record ${agent} --success --time <seconds> --quality <0-1>`,
  `Update memory: kaizen-agentic memory show ${agent}`,
];

let fleet: TempDir;
let app: FastifyInstance;
const repo = (name: string): string => path.join(fleet.dir, name);

beforeAll(async () => {
  fleet = tempFleet({
    alpha: {
      '.kaizen/schedule.yml': VALID_MANIFEST,
      '.kaizen/agents/coach/memory.md': '# Coach memory\n\n- proposed: split the billing module\n',
      '.kaizen/metrics/coach/executions.jsonl': COACH_EXECUTIONS,
      '.kaizen/metrics/optimization/summary.json': JSON.stringify(OPTIMIZATION_SUMMARY_JSON),
      // summary.json wins over executions.jsonl when it is an object
      '.kaizen/metrics/optimization/executions.jsonl': SMALL_EXECUTIONS,
      'SCOPE.md': '# Scope of alpha\n',
      'TODO.md': '# TODO for alpha\n',
    },
    'array-summary': {
      '.kaizen/metrics/coach/summary.json': '[{"executions": 99}]',
      '.kaizen/metrics/coach/executions.jsonl': SMALL_EXECUTIONS,
    },
    'broken-summary': {
      '.kaizen/metrics/coach/summary.json': '{"executions": 99,',
      '.kaizen/metrics/coach/executions.jsonl': SMALL_EXECUTIONS,
    },
    installed: {
      'agents/agent-coach.md': '# Installed coach\n\nThis repo brings its own coach prompt.\n',
      'agents/agent-house-style.md': '# House style\n',
    },
    'other-agents': {
      '.kaizen/schedule.yml': 'version: "1"\nagents:\n  optimization: { cadence: daily }\n',
    },
    'invalid-manifest': {
      '.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: hourly }\n',
    },
    'big-scope': {
      'SCOPE.md': 'S'.repeat(70 * 1024),
      'TODO.md': 'short todo\n',
    },
    'big-memory': {
      '.kaizen/agents/coach/memory.md': 'M'.repeat(300 * 1024),
    },
    bare: {},
  });
  // the example fleet as a second root, reached by absolute path
  app = await testApp({ KAIZEN_REPO_ROOTS: `${fleet.dir}:${EXAMPLES}` });
});

afterAll(async () => {
  await app.close();
  fleet.cleanup();
});

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });
const prepare = (agent: string, target: string, query = '', headers: Record<string, string> = {}) =>
  get(`/v1/prepare/${agent}?target=${encodeURIComponent(target)}&now=${NOW}${query}`, headers);
const json = async (agent: string, target: string, query = '') => {
  const res = await prepare(agent, target, query);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('GET /v1/prepare/:agent: JSON bundle', () => {
  it('carries every seed key with the right values', async () => {
    const res = await prepare('coach', 'alpha');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json();
    for (const key of SEED_KEYS) expect(body).toHaveProperty(key);
    expect(body.agent).toBe('coach');
    expect(body.project).toBe('alpha');
    expect(body.generated).toBe('2026-03-04');
    expect(body.agent_prompt).toBe(packagedPrompt('coach'));
    expect(body.agent_prompt_found).toBe(true);
    expect(body.memory).toBe('# Coach memory\n\n- proposed: split the billing module\n');
    expect(body.metrics_summary).toEqual(COACH_SUMMARY);
    expect(body.pointers).toEqual({ scope: path.join(repo('alpha'), 'SCOPE.md'), todo: path.join(repo('alpha'), 'TODO.md') });
    expect(path.isAbsolute(body.pointers.scope)).toBe(true);
    expect(body.session_close).toEqual(closeFor('coach'));
    // what the service adds
    expect(body.root).toBe(repo('alpha'));
    expect(body.prompt_source).toBe('packaged');
    expect(body.metrics_source).toBe('executions_jsonl');
    expect(body.pointer_contents).toBeUndefined();
    expect(body.sizes).toEqual({
      agent_prompt: Buffer.byteLength(packagedPrompt('coach')),
      memory: Buffer.byteLength(body.memory),
      metrics_summary: Buffer.byteLength(JSON.stringify(COACH_SUMMARY)),
    });
    expect(body.warnings).toEqual([expect.stringMatching(/executions\.jsonl: 1 unreadable line/)]);
  });

  it('accepts an absolute target and answers the same bundle', async () => {
    const relative = await prepare('coach', 'alpha');
    const absolute = await prepare('coach', repo('alpha'));
    expect(absolute.statusCode).toBe(200);
    expect(absolute.body).toBe(relative.body);
  });

  it('sets generated to the UTC date of now, not the date in the offset given', async () => {
    // 23:30 at -02:00 on the 4th is 01:30 UTC on the 5th
    const res = await get(`/v1/prepare/coach?target=alpha&now=${encodeURIComponent('2026-03-04T23:30:00-02:00')}`);
    expect(res.json().generated).toBe('2026-03-05');
  });

  it('passes summary.json through untouched when it is a JSON object', async () => {
    const body = await json('optimization', 'alpha');
    expect(body.metrics_summary).toEqual(OPTIMIZATION_SUMMARY_JSON);
    expect(body.metrics_source).toBe('summary_json');
    expect(body.memory).toBeNull();
    expect(body.warnings).toEqual([]);
  });

  it.each([
    ['array-summary', 'an array'],
    ['broken-summary', 'invalid JSON'],
  ])('falls back to executions.jsonl with a warning when summary.json is %s (%s)', async (target) => {
    const body = await json('coach', target);
    expect(body.metrics_summary).toEqual(SMALL_SUMMARY);
    expect(body.metrics_source).toBe('executions_jsonl');
    expect(body.warnings).toEqual([expect.stringMatching(/summary\.json is not a JSON object/)]);
  });

  it('gives null memory, null metrics and no pointers for a bare repo', async () => {
    const body = await json('coach', 'bare');
    expect(body.memory).toBeNull();
    expect(body.metrics_summary).toBeNull();
    expect(body.metrics_source).toBeNull();
    expect(body.pointers).toEqual({});
    expect(body.schedule).toBeNull();
    expect(body.sizes).toMatchObject({ memory: 0, metrics_summary: 0 });
    expect(body.warnings).toEqual([]);
  });

  it('prefers a repo-installed prompt over the packaged one', async () => {
    const body = await json('coach', 'installed');
    expect(body.agent_prompt).toBe('# Installed coach\n\nThis repo brings its own coach prompt.\n');
    expect(body.prompt_source).toBe('installed');
    // an agent only the repo knows
    const own = await json('house-style', 'installed');
    expect(own.agent_prompt).toBe('# House style\n');
    expect(own.prompt_source).toBe('installed');
    // other repos still get the packaged prompt
    expect((await json('coach', 'bare')).prompt_source).toBe('packaged');
  });

  it("carries the agent's schedule entry with its next run for the given now", async () => {
    const coach = await json('coach', 'alpha');
    // weekly "0 9 * * 1" in Berlin; from Wed 2026-03-04 the next Monday is 03-09, still CET (+01:00)
    expect(coach.schedule).toEqual({
      agent: 'coach',
      cadence: 'weekly',
      cron: '0 9 * * 1',
      cron_source: 'manifest',
      timezone: 'Europe/Berlin',
      enabled: true,
      next_run: '2026-03-09T09:00:00+01:00',
    });
    // disabled monthly entry without cron: cadence default "0 9 1 * *"; 04-01 is after the DST change (+02:00)
    const tdd = await json('tdd-workflow', 'alpha');
    expect(tdd.schedule).toEqual({
      agent: 'tdd-workflow',
      cadence: 'monthly',
      cron: '0 9 1 * *',
      cron_source: 'cadence_default',
      timezone: 'Europe/Berlin',
      enabled: false,
      next_run: '2026-04-01T09:00:00+02:00',
    });
    // a later now moves the next run
    const later = await get('/v1/prepare/coach?target=alpha&now=2026-03-09T08:30:00Z');
    expect(later.json().schedule.next_run).toBe('2026-03-16T09:00:00+01:00');
  });

  it('has a null schedule when the agent is not in the manifest, and null plus a warning when the manifest is invalid', async () => {
    const missing = await json('coach', 'other-agents');
    expect(missing.schedule).toBeNull();
    expect(missing.warnings).toEqual([]);
    // the entry that is there uses the default zone and the daily default cron
    expect((await json('optimization', 'other-agents')).schedule).toMatchObject({
      cron: '0 9 * * *',
      cron_source: 'cadence_default',
      timezone: 'Europe/Berlin',
      next_run: '2026-03-05T09:00:00+01:00',
    });

    const invalid = await json('coach', 'invalid-manifest');
    expect(invalid.schedule).toBeNull();
    expect(invalid.warnings).toEqual([expect.stringMatching(/schedule\.yml is invalid/)]);
  });

  it('refuses an unparseable now', async () => {
    const res = await get('/v1/prepare/coach?target=alpha&now=yesterday');
    expect(res.statusCode).toBe(400);
  });
});

describe('include', () => {
  it('include=pointers inlines SCOPE.md and TODO.md', async () => {
    const body = await json('coach', 'alpha', '&include=pointers');
    expect(body.pointer_contents).toEqual({
      scope: { path: path.join(repo('alpha'), 'SCOPE.md'), text: '# Scope of alpha\n', bytes: 17, truncated: false },
      todo: { path: path.join(repo('alpha'), 'TODO.md'), text: '# TODO for alpha\n', bytes: 17, truncated: false },
    });
    expect(body.pointers).toEqual({ scope: path.join(repo('alpha'), 'SCOPE.md'), todo: path.join(repo('alpha'), 'TODO.md') });
  });

  it('truncates a SCOPE.md over 64 KiB and says so', async () => {
    const body = await json('coach', 'big-scope', '&include=pointers');
    expect(body.pointer_contents.scope.truncated).toBe(true);
    expect(body.pointer_contents.scope.text).toBe('S'.repeat(64 * 1024));
    // `bytes` is the size of the whole file, so a reader can tell how much was left out
    expect(body.pointer_contents.scope.bytes).toBe(70 * 1024);
    expect(body.pointer_contents.todo).toMatchObject({ text: 'short todo\n', truncated: false });
    expect(body.warnings).toEqual([expect.stringMatching(/SCOPE\.md is 71680 bytes; only the first 65536 were inlined/)]);
    // without include the big file is only pointed at
    const plain = await json('coach', 'big-scope');
    expect(plain.pointer_contents).toBeUndefined();
    expect(plain.pointers.scope).toBe(path.join(repo('big-scope'), 'SCOPE.md'));
    expect(plain.warnings).toEqual([]);
  });

  it('rejects an unknown include with 400 invalid_include', async () => {
    for (const include of ['bogus', 'pointers,bogus']) {
      const res = await prepare('coach', 'alpha', `&include=${include}`);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 400, code: 'invalid_include' });
    }
  });

  it('rejects include=event with markdown: the event rides on JSON bundles only', async () => {
    const res = await prepare('coach', 'alpha', '&include=event&format=markdown');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_include' });
  });

  it('include=event adds exactly the SPEC section 5 payload, bytes being the bundle without the event', async () => {
    const res = await prepare('coach', 'alpha', '&include=event');
    expect(res.statusCode).toBe(200);
    const { event, ...bundle } = res.json();
    expect(Object.keys(event).sort()).toEqual(
      ['event', 'version', 'occurred_at', 'repo', 'root', 'agent', 'cadence', 'prepare_command', 'bundle', 'session_close', 'host'].sort(),
    );
    expect(Object.keys(event.bundle).sort()).toEqual(['format', 'agent_prompt_found', 'has_memory', 'has_metrics', 'pointers', 'bytes'].sort());
    expect(event).toEqual({
      event: 'kaizen.schedule.prepared',
      version: '1',
      occurred_at: '2026-03-04T10:00:00Z',
      repo: 'alpha',
      root: repo('alpha'),
      agent: 'coach',
      cadence: 'weekly',
      prepare_command: `kaizen-agentic schedule prepare coach --target ${repo('alpha')}`,
      bundle: {
        format: 'json',
        agent_prompt_found: true,
        has_memory: true,
        has_metrics: true,
        pointers: ['scope', 'todo'],
        bytes: Buffer.byteLength(JSON.stringify(bundle)),
      },
      session_close: closeFor('coach'),
      // KAIZEN_HOST_NAME, defaulting to the machine's name
      host: os.hostname(),
    });
    // and that is the very body a request without include=event answers
    const plain = await prepare('coach', 'alpha');
    expect(event.bundle.bytes).toBe(Buffer.byteLength(plain.body));
    // no repo contents in the event
    const eventText = JSON.stringify(event);
    expect(eventText).not.toContain('split the billing module');
    expect(eventText).not.toContain('Scope of alpha');
  });

  it('include=event for an agent without schedule entry, memory or metrics', async () => {
    const { event } = await json('coach', 'bare', '&include=event');
    expect(event.cadence).toBeNull();
    expect(event.bundle).toMatchObject({ has_memory: false, has_metrics: false, pointers: [] });
  });
});

describe('format negotiation', () => {
  const isMarkdown = (res: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(res.body.startsWith('# Scheduled Run Orientation: coach\n')).toBe(true);
  };
  const isJson = (res: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.body).agent).toBe('coach');
  };

  it('defaults to JSON', async () => {
    isJson(await prepare('coach', 'alpha'));
    isJson(await prepare('coach', 'alpha', '', { accept: '*/*' }));
    isJson(await prepare('coach', 'alpha', '', { accept: 'text/html' }));
  });

  it('format=markdown and Accept: text/markdown give markdown', async () => {
    isMarkdown(await prepare('coach', 'alpha', '&format=markdown'));
    isMarkdown(await prepare('coach', 'alpha', '', { accept: 'text/markdown' }));
    isMarkdown(await prepare('coach', 'alpha', '&format=markdown', { accept: 'application/json' }));
  });

  it('format wins over Accept', async () => {
    isJson(await prepare('coach', 'alpha', '&format=json', { accept: 'text/markdown' }));
  });

  it('weighs Accept q-values', async () => {
    isMarkdown(await prepare('coach', 'alpha', '', { accept: 'application/json;q=0.5, text/markdown' }));
    isJson(await prepare('coach', 'alpha', '', { accept: 'text/markdown;q=0.2, application/json' }));
    isJson(await prepare('coach', 'alpha', '', { accept: 'text/markdown;q=0' }));
  });

  it('picks markdown only when named: wildcards never select it, media-type parameters do not hide it, nothing is a 406', async () => {
    isJson(await prepare('coach', 'alpha', '', { accept: 'text/*' }));
    isJson(await prepare('coach', 'alpha', '', { accept: 'application/json;q=0.5, */*' }));
    isMarkdown(await prepare('coach', 'alpha', '', { accept: 'text/markdown; charset=utf-8' }));
    isMarkdown(await prepare('coach', 'alpha', '', { accept: 'TEXT/MARKDOWN' }));
    isJson(await prepare('coach', 'alpha', '', { accept: 'image/png' }));
    isJson(await prepare('coach', 'alpha', '', { accept: ';;;,,,' }));
  });

  it('rejects an unknown format', async () => {
    expect((await prepare('coach', 'alpha', '&format=xml')).statusCode).toBe(400);
  });

  it('renders the same bundle in markdown as in JSON', async () => {
    const md = (await prepare('coach', 'alpha', '&format=markdown')).body;
    expect(md).toContain('Project: alpha\nGenerated: 2026-03-04\n');
    expect(md).toContain('- Executions: 4 (3 successful)');
    expect(md).toContain('- Success rate: 75.0%');
    expect(md).toContain('- Average time: 25.5 s');
    expect(md).toContain('- Average quality: 0.70');
    expect(md).toContain('- Last run: 2026-03-02T08:02:00Z');
    expect(md).toContain(`- scope: ${path.join(repo('alpha'), 'SCOPE.md')}`);
    expect(md).toContain('- Update memory: `kaizen-agentic memory show coach`');
  });
});

describe('ETag and freshness', () => {
  it('answers a strong ETag, and 304 with an empty body on If-None-Match', async () => {
    const first = await prepare('coach', 'alpha');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(etag.startsWith('W/')).toBe(false);
    // deterministic for the same files and now
    expect((await prepare('coach', 'alpha')).headers.etag).toBe(etag);

    const cached = await prepare('coach', 'alpha', '', { 'if-none-match': etag });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');
    expect(cached.headers.etag).toBe(etag);

    // one of several tags, and * also match
    expect((await prepare('coach', 'alpha', '', { 'if-none-match': `"nope", ${etag}` })).statusCode).toBe(304);
    expect((await prepare('coach', 'alpha', '', { 'if-none-match': '*' })).statusCode).toBe(304);
    // a stale tag gets the full body
    const stale = await prepare('coach', 'alpha', '', { 'if-none-match': '"stale"' });
    expect(stale.statusCode).toBe(200);
    expect(stale.body).toBe(first.body);
  });

  it('gives markdown and JSON different ETags', async () => {
    const asJson = await prepare('coach', 'alpha');
    const asMarkdown = await prepare('coach', 'alpha', '&format=markdown');
    expect(asMarkdown.headers.etag).toMatch(/^"[^"]+"$/);
    expect(asMarkdown.headers.etag).not.toBe(asJson.headers.etag);
    expect((await prepare('coach', 'alpha', '&format=markdown', { 'if-none-match': asJson.headers.etag as string })).statusCode).toBe(200);
  });

  describe('edits show up in the very next response', () => {
    beforeAll(() => {
      writeFiles(repo('live'), {
        'agents/agent-coach.md': 'prompt v1\n',
        '.kaizen/agents/coach/memory.md': 'memory v1\n',
        '.kaizen/metrics/coach/executions.jsonl': SMALL_EXECUTIONS,
      });
    });
    const fetch = (headers: Record<string, string> = {}) => app.inject({ url: `/v1/prepare/coach?target=live&now=${NOW}`, headers });
    const file = (relative: string) => path.join(repo('live'), relative);

    it('memory: a same-size edit right after a request', async () => {
      const before = await fetch();
      expect(before.json().memory).toBe('memory v1\n');
      writeFileSync(file('.kaizen/agents/coach/memory.md'), 'memory v2\n');
      const after = await fetch({ 'if-none-match': before.headers.etag as string });
      expect(after.statusCode).toBe(200);
      expect(after.json().memory).toBe('memory v2\n');
      expect(after.headers.etag).not.toBe(before.headers.etag);
    });

    it('prompt: a same-size edit of the installed prompt', async () => {
      const before = await fetch();
      expect(before.json().agent_prompt).toBe('prompt v1\n');
      writeFileSync(file('agents/agent-coach.md'), 'prompt v2\n');
      const after = await fetch({ 'if-none-match': before.headers.etag as string });
      expect(after.statusCode).toBe(200);
      expect(after.json().agent_prompt).toBe('prompt v2\n');
      expect(after.headers.etag).not.toBe(before.headers.etag);
    });

    it('metrics: a line appended to executions.jsonl', async () => {
      const before = await fetch();
      expect(before.json().metrics_summary).toEqual(SMALL_SUMMARY);
      appendFileSync(file('.kaizen/metrics/coach/executions.jsonl'), '{"timestamp":"2026-01-15T00:00:00Z","success":true,"time":50,"quality":0.9}\n');
      const after = await fetch({ 'if-none-match': before.headers.etag as string });
      expect(after.statusCode).toBe(200);
      // 3 runs, 2 successes -> 0.6667; time (10 + 30 + 50) / 3 = 30; quality (0.5 + 0.7 + 0.9) / 3 = 0.7
      expect(after.json().metrics_summary).toEqual({
        ...SMALL_SUMMARY,
        executions: 3,
        successes: 2,
        success_rate: 0.6667,
        avg_time_s: 30,
        avg_quality: 0.7,
        last_run: '2026-01-15T00:00:00Z',
      });
      expect(after.headers.etag).not.toBe(before.headers.etag);
    });

    it('memory: a file that appears and disappears', async () => {
      writeFileSync(file('TODO.md'), 'todo\n');
      expect((await fetch()).json().pointers.todo).toBe(file('TODO.md'));
      writeFileSync(file('.kaizen/agents/coach/memory.md'), '');
      // an empty memory file is read as the empty string
      expect((await fetch()).json().memory).toBe('');
    });
  });
});

describe('errors', () => {
  it('404 unknown_agent with the known agents and a did-you-mean hint', async () => {
    const res = await prepare('coahc', 'alpha');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status: 404, code: 'unknown_agent', hint: "did you mean 'coach'?" });
    expect(body.known_agents).toEqual(packagedNames());
    // a repo's installed agents are known there
    const installed = (await prepare('house-styel', 'installed')).json();
    expect(installed.known_agents).toEqual([...packagedNames(), 'house-style'].sort());
    expect(installed.hint).toBe("did you mean 'house-style'?");
  });

  it('400 invalid_agent_name for names that are not agent names', async () => {
    for (const name of ['a.b', '.hidden', '-x', 'a%2Fb', 'a%00b', 'a%20b', '%2e%2e%2fetc']) {
      const res = await get(`/v1/prepare/${name}?target=alpha`);
      expect(res.statusCode, name).toBe(400);
      expect(res.json().code, name).toBe('invalid_agent_name');
    }
  });

  it('404 repo_not_found for a missing repo inside the roots', async () => {
    const res = await prepare('coach', 'no-such-repo');
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('repo_not_found');
  });

  it('ignores a memory.md over the 256 KiB cap with a warning instead of failing', async () => {
    const res = await prepare('coach', 'big-memory');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.memory).toBeNull();
    expect(body.sizes.memory).toBe(0);
    expect(body.warnings).toEqual([expect.stringMatching(/memory\.md is 307200 bytes, over the 262144-byte limit/)]);
    expect(res.body).not.toContain('MMMMMMMM');
    // markdown says how to create it, as for a missing memory
    expect((await prepare('coach', 'big-memory', '&format=markdown')).body).toContain('kaizen-agentic memory init coach');
  });
});

describe('no writes', () => {
  type Snapshot = Record<string, string>;
  function snapshot(dir: string, into: Snapshot = {}): Snapshot {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = lstatSync(p);
      into[path.relative(fleet.dir, p)] = `${st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : 'f'} ${st.size} ${st.mtimeMs}`;
      if (st.isDirectory()) snapshot(p, into);
    }
    return into;
  }

  it('leaves the repo tree exactly as it was and never creates summary.json', async () => {
    // a repo with executions but no summary: the seed wrote summary.json here
    writeFiles(repo('fresh'), { '.kaizen/metrics/coach/executions.jsonl': SMALL_EXECUTIONS, 'SCOPE.md': 'scope\n' });
    const before = snapshot(fleet.dir);
    const calls = [
      ['coach', 'fresh', ''],
      ['coach', 'fresh', '&format=markdown'],
      ['coach', 'fresh', '&include=pointers,event'],
      ['coach', 'alpha', ''],
      ['coach', 'alpha', '&format=markdown&include=pointers'],
      ['optimization', 'alpha', '&include=event'],
      ['tdd-workflow', 'alpha', ''],
      ['coach', 'array-summary', ''],
      ['coach', 'broken-summary', ''],
      ['coach', 'big-scope', '&include=pointers'],
      ['coach', 'big-memory', ''],
      ['coach', 'bare', ''],
      ['coach', 'invalid-manifest', ''],
    ] as const;
    for (const [agent, target, query] of calls) expect((await prepare(agent, target, query)).statusCode).toBe(200);
    expect(snapshot(fleet.dir)).toEqual(before);
    expect(existsSync(path.join(repo('fresh'), '.kaizen/metrics/coach/summary.json'))).toBe(false);
    expect(existsSync(path.join(repo('alpha'), '.kaizen/metrics/coach/summary.json'))).toBe(false);
  });
});

describe('example fleet (examples/README.md)', () => {
  it('billing-api coach: 6 runs, 5 successes, one truncated line skipped', async () => {
    const res = await prepare('coach', path.join(EXAMPLES, 'billing-api'));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    // 5/6 = 0.8333; time (18.4 + 22.0 + 41.3 + 19.7 + 21.5 + 17.5) / 6 = 140.4 / 6 = 23.4
    // quality (0.78 + 0.81 + 0.35 + 0.84 + 0.82 + 0.90) / 6 = 4.5 / 6 = 0.75
    expect(body.metrics_summary).toEqual({
      executions: 6,
      successes: 5,
      success_rate: 0.8333,
      avg_time_s: 23.4,
      avg_quality: 0.75,
      first_run: '2026-08-31T07:02:14Z',
      last_run: '2026-10-12T07:02:58Z',
      skipped_lines: 1,
    });
    expect(Object.keys(body.pointers)).toEqual(['scope', 'todo']);
    expect(body.memory).not.toBeNull();
  });

  it('billing-api optimization: summary.json as is, flagged, no memory', async () => {
    const body = (await prepare('optimization', path.join(EXAMPLES, 'billing-api'))).json();
    expect(body.metrics_source).toBe('summary_json');
    expect(body.metrics_summary).toMatchObject({ success_rate: 0.75, avg_time_s: 34.2 });
    expect(body.memory).toBeNull();
    const md = (await prepare('optimization', path.join(EXAMPLES, 'billing-api'), '&format=markdown')).body;
    expect(md.match(/\*\*Flag:\*\*/g)).toHaveLength(2);
  });

  it('payments-worker sys-medic: 8 runs, both flags', async () => {
    // 5/8 = 0.625; time (38.2 + 61.4 + 29.8 + 72.6 + 35.0 + 58.9 + 31.7 + 40.4) / 8 = 368 / 8 = 46
    const body = (await prepare('sys-medic', path.join(EXAMPLES, 'payments-worker'))).json();
    expect(body.metrics_summary).toMatchObject({ executions: 8, successes: 5, success_rate: 0.625, avg_time_s: 46 });
    const md = (await prepare('sys-medic', path.join(EXAMPLES, 'payments-worker'), '&format=markdown')).body;
    expect(md).toContain('success rate is below 80%');
    expect(md).toContain('average time is above 30 s');
  });
});

describe('over real HTTP, with a custom prepare command', () => {
  let server: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    server = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_PREPARE_COMMAND: 'cd {root} && run-scheduled {agent}' });
    await server.listen({ port: 0, host: '127.0.0.1' });
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await server.close();
  });
  /** Sends `rawPath` as written: inject (like fetch) would resolve dot segments first. */
  const raw = (rawPath: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: rawPath }, (r) => {
          let body = '';
          r.setEncoding('utf8')
            .on('data', (c: string) => (body += c))
            .on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });

  it('400 invalid_agent_name for .. and %2e%2e as the agent name', async () => {
    for (const name of ['..', '%2e%2e', '.%2E', '%2E.', '...']) {
      const res = await raw(`/v1/prepare/${name}?target=alpha`);
      expect(res.status, name).toBe(400);
      expect(JSON.parse(res.body).code, name).toBe('invalid_agent_name');
    }
  });

  it('the event carries the configured prepare command', async () => {
    const res = await raw(`/v1/prepare/coach?target=alpha&now=${NOW}&include=event`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).event.prepare_command).toBe(`cd ${repo('alpha')} && run-scheduled coach`);
  });
});

describe('odd repo layouts answer normally, never 500', () => {
  let odd: OddReposApp;
  let app: FastifyInstance;
  beforeAll(async () => {
    odd = await oddReposApp(['agents-file', 'kaizen-file', 'scope-loop']);
    app = odd.app;
  });
  afterAll(() => odd.close());

  it('an agents path that is a file', async () => {
    const res = await app.inject('/v1/prepare/coach?target=agents-file');
    expect(res.statusCode).toBe(200);
  });

  it('a .kaizen that is a file: no manifest, no memory', async () => {
    expect((await app.inject('/v1/prepare/coach?target=kaizen-file')).statusCode).toBe(200);
  });

  it('a SCOPE.md that links to itself', async () => {
    const res = await app.inject('/v1/prepare/coach?target=scope-loop');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ pointers: Record<string, string> }>();
    expect(body.pointers.scope).toBeUndefined();
    expect(body.pointers.todo).toBe(path.join(odd.dir, 'scope-loop', 'TODO.md'));
  });
});
