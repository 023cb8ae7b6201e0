import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { link, tempDir, tempFleet, testApp, writeFiles, type TempDir } from '../../helpers/fleet.js';
import { OUTSIDE_PROMPT_MARKER, oddReposApp, type OddReposApp } from '../../helpers/odd-repos.js';
import { ROOT } from '../../helpers/paths.js';

const PACKAGED_COACH = readFileSync(path.join(ROOT, 'agents', 'agent-coach.md'), 'utf8');
const NOW = '2026-03-04T10:00:00Z';

/** Distinctive strings that live only outside the repo roots (or outside the repo) and must never be served. */
const MARKERS = {
  prompt: 'OUTSIDE-PROMPT-MARKER-7f3a91',
  promptDir: 'OUTSIDE-PROMPT-DIR-MARKER-0b77e2',
  memory: 'OUTSIDE-MEMORY-MARKER-91c2d4',
  scope: 'OUTSIDE-SCOPE-MARKER-55de10',
  kaizenMemory: 'OUTSIDE-KAIZEN-MEMORY-MARKER-c0ffee',
  kaizenMetrics: 'OUTSIDE-KAIZEN-METRICS-MARKER-beef01',
  kaizenSchedule: 'OUTSIDE-KAIZEN-SCHEDULE-MARKER-d00d42',
  outsideRepo: 'OUTSIDE-REPO-MARKER-a11ce5',
  neighbour: 'NEIGHBOUR-REPO-MARKER-5eed99',
};

let outside: TempDir;
let fleet: TempDir;
let app: FastifyInstance;

beforeAll(async () => {
  outside = tempDir('kaizen-outside-');
  writeFiles(outside.dir, {
    'secret-prompt.md': `# Not a prompt\n${MARKERS.prompt}\n`,
    'prompts/agent-coach.md': `# Coach from outside\n${MARKERS.promptDir}\n`,
    'secret-memory.md': `${MARKERS.memory}\n`,
    'secret-scope.md': `${MARKERS.scope}\n`,
    'kaizen/agents/coach/memory.md': `${MARKERS.kaizenMemory}\n`,
    'kaizen/metrics/coach/summary.json': JSON.stringify({ executions: 1, marker: MARKERS.kaizenMetrics }),
    'kaizen/metrics/coach/executions.jsonl': JSON.stringify({ timestamp: MARKERS.kaizenMetrics, success: true }) + '\n',
    'kaizen/schedule.yml': `version: "1"\n# ${MARKERS.kaizenSchedule}\nagents:\n  coach: { cadence: daily }\n`,
    'repo-outside/.kaizen/agents/coach/memory.md': `${MARKERS.outsideRepo}\n`,
    'repo-outside/SCOPE.md': `${MARKERS.outsideRepo}\n`,
  });

  fleet = tempFleet({
    plain: { '.kaizen/agents/coach/memory.md': 'plain memory\n', 'SCOPE.md': 'plain scope\n' },
    'prompt-link': {},
    'prompt-dir-link': {},
    'memory-link': {},
    'scope-link': { 'TODO.md': 'todo inside\n' },
    'kaizen-link': {},
    'schedule-link': {},
    'neighbour-link': {},
    'inside-link': { 'notes/coach-memory.md': 'memory kept elsewhere in the repo\n', 'docs/scope.md': 'scope kept in docs\n' },
    neighbour: { '.kaizen/agents/coach/memory.md': `${MARKERS.neighbour}\n` },
    'loop-links': { 'TODO.md': 'todo inside\n' },
  });
  const repo = (name: string) => path.join(fleet.dir, name);
  link(path.join(outside.dir, 'secret-prompt.md'), path.join(repo('prompt-link'), 'agents/agent-coach.md'));
  link(path.join(outside.dir, 'prompts'), path.join(repo('prompt-dir-link'), 'agents'));
  link(path.join(outside.dir, 'secret-memory.md'), path.join(repo('memory-link'), '.kaizen/agents/coach/memory.md'));
  link(path.join(outside.dir, 'secret-scope.md'), path.join(repo('scope-link'), 'SCOPE.md'));
  link(path.join(outside.dir, 'kaizen'), path.join(repo('kaizen-link'), '.kaizen'));
  link(path.join(outside.dir, 'kaizen/schedule.yml'), path.join(repo('schedule-link'), '.kaizen/schedule.yml'));
  // inside the roots, but in another repo: still outside this repo
  link(path.join(repo('neighbour'), '.kaizen/agents/coach/memory.md'), path.join(repo('neighbour-link'), '.kaizen/agents/coach/memory.md'));
  // relative links that stay inside the repo are fine
  link('../../../notes/coach-memory.md', path.join(repo('inside-link'), '.kaizen/agents/coach/memory.md'));
  link('docs/scope.md', path.join(repo('inside-link'), 'SCOPE.md'));
  // links that lead around in a circle: a file linking to itself, two linking to each other
  link('SCOPE.md', path.join(repo('loop-links'), 'SCOPE.md'));
  link('memory-b.md', path.join(repo('loop-links'), '.kaizen/agents/coach/memory.md'));
  link('memory.md', path.join(repo('loop-links'), '.kaizen/agents/coach/memory-b.md'));
  link('agent-coach.md', path.join(repo('loop-links'), 'agents/agent-coach.md'));
  link('schedule.yml', path.join(repo('loop-links'), '.kaizen/schedule.yml'));
  // repo-level links
  link(path.join(outside.dir, 'repo-outside'), repo('escape'));
  link(path.join(outside.dir, 'does-not-exist'), repo('dangling'));

  app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
});

afterAll(async () => {
  await app?.close();
  fleet?.cleanup();
  outside?.cleanup();
});

const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url });
  // whatever the request, nothing from outside the repo is ever served
  for (const marker of Object.values(MARKERS)) expect(res.body, url).not.toContain(marker);
  return res;
};
/** JSON (with everything included) and markdown of one bundle; returns the JSON. */
const both = async (target: string, agent = 'coach') => {
  const q = `target=${encodeURIComponent(target)}&now=${NOW}`;
  const md = await get(`/v1/prepare/${agent}?${q}&format=markdown&include=pointers`);
  expect(md.statusCode, md.body).toBe(200);
  const res = await get(`/v1/prepare/${agent}?${q}&include=pointers,event`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('target traversal', () => {
  it.each([
    ['..', '..'],
    ['../', '..%2F'],
    ['plain/../..', 'plain%2F..%2F..'],
    ['../<outside>/repo-outside', null],
    ['encoded ../', '%2e%2e%2f'],
    ['encoded ../repo-outside', '%2e%2e%2frepo-outside'],
    ['upper-case encoded', '%2E%2E%2F'],
    ['double-encoded ../', '%252e%252e%252f'],
    ['backslash ..\\', '..%5C'],
    ['NUL', '%00'],
    ['NUL after a repo', 'plain%00'],
    ['NUL then traversal', 'plain%00%2F..%2F..'],
    ['absolute outside path', null],
    ['absolute path of an outside repo', null],
    ['/etc', '%2Fetc'],
    ['a repo symlink leaving the roots', 'escape'],
    ['a dangling repo symlink leaving the roots', 'dangling'],
  ])('%s -> 403 path_outside_roots', async (label, raw) => {
    const encoded =
      raw ??
      encodeURIComponent(
        label === 'absolute outside path'
          ? outside.dir
          : label === 'absolute path of an outside repo'
            ? path.join(outside.dir, 'repo-outside')
            : path.relative(fleet.dir, path.join(outside.dir, 'repo-outside')),
      );
    for (const format of ['json', 'markdown']) {
      const res = await get(`/v1/prepare/coach?target=${encoded}&format=${format}&include=pointers`);
      expect(res.statusCode, `${label}: ${res.body}`).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body.code).toBe('path_outside_roots');
      // says nothing about what exists outside
      expect(res.body).not.toContain(outside.dir);
      expect(res.body).not.toContain('repo-outside');
    }
  });

  it('a target that stays inside the roots is fine, even spelled with ./', async () => {
    expect((await get(`/v1/prepare/coach?target=.%2Fplain&now=${NOW}`)).statusCode).toBe(200);
  });
});

describe('symlinked files inside a repo', () => {
  it('a repo prompt linked to a file outside the repo is not read: the packaged prompt is used', async () => {
    const body = await both('prompt-link');
    expect(body.prompt_source).toBe('packaged');
    expect(body.agent_prompt).toBe(PACKAGED_COACH);
  });

  it('a repo agents/ directory linked outside is ignored entirely', async () => {
    const body = await both('prompt-dir-link');
    expect(body.prompt_source).toBe('packaged');
    expect(body.agent_prompt).toBe(PACKAGED_COACH);
    const agents = await get(`/v1/agents?target=prompt-dir-link`);
    expect(agents.json()).not.toContainEqual(expect.objectContaining({ source: 'installed' }));
  });

  it('a memory.md linked outside gives null memory and a warning', async () => {
    const body = await both('memory-link');
    expect(body.memory).toBeNull();
    expect(body.sizes.memory).toBe(0);
    expect(body.event.bundle.has_memory).toBe(false);
    expect(body.warnings).toEqual([expect.stringMatching(/\.kaizen\/agents\/coach\/memory\.md is a link leading out of the repo/)]);
  });

  it('a memory.md linked into another repo of the fleet is outside this repo too', async () => {
    const body = await both('neighbour-link');
    expect(body.memory).toBeNull();
    expect(body.warnings).toEqual([expect.stringMatching(/memory\.md is a link leading out of the repo/)]);
  });

  it('a SCOPE.md linked outside is not a pointer and is not inlined', async () => {
    const body = await both('scope-link');
    expect(body.pointers).toEqual({ todo: path.join(fleet.dir, 'scope-link', 'TODO.md') });
    expect(body.pointer_contents).toEqual({ todo: expect.objectContaining({ text: 'todo inside\n' }) });
    expect(body.event.bundle.pointers).toEqual(['todo']);
    expect(body.warnings).toEqual([expect.stringMatching(/^SCOPE\.md is a link leading out of the repo/)]);
  });

  it('a .kaizen directory linked outside: no memory, no metrics, no schedule from it', async () => {
    const body = await both('kaizen-link');
    expect(body.memory).toBeNull();
    expect(body.metrics_summary).toBeNull();
    expect(body.metrics_source).toBeNull();
    expect(body.schedule).toBeNull();
    expect(body.warnings.length).toBeGreaterThanOrEqual(3);
    for (const w of body.warnings) expect(w).toMatch(/link leading out of the repo/);
  });

  it('a schedule.yml linked outside gives no schedule entry and a warning', async () => {
    const body = await both('schedule-link');
    expect(body.schedule).toBeNull();
    expect(body.warnings).toEqual([expect.stringMatching(/schedule\.yml is a link leading out of the repo/)]);
  });

  it('links that stay inside the repo are followed', async () => {
    const body = await both('inside-link');
    expect(body.memory).toBe('memory kept elsewhere in the repo\n');
    expect(body.pointers.scope).toBe(path.join(fleet.dir, 'inside-link', 'SCOPE.md'));
    expect(body.pointer_contents.scope.text).toBe('scope kept in docs\n');
    expect(body.warnings).toEqual([]);
  });

  it('files that are links leading round in a loop are reported, not passed over in silence', async () => {
    const body = await both('loop-links');
    expect(body.prompt_source).toBe('packaged');
    expect(body.memory).toBeNull();
    expect(body.pointers).toEqual({ todo: path.join(fleet.dir, 'loop-links', 'TODO.md') });
    expect(body.warnings).toEqual([
      'agents/agent-coach.md is a link that leads round in a loop and was ignored; the packaged prompt was used instead',
      '.kaizen/agents/coach/memory.md is a link that leads round in a loop and was ignored',
      'SCOPE.md is a link that leads round in a loop and was ignored',
      '.kaizen/schedule.yml is a link that leads round in a loop and was ignored',
    ]);
    const validation = await get('/v1/schedule/validation?target=loop-links');
    expect(validation.statusCode).toBe(404);
    expect(validation.json()).toMatchObject({
      code: 'schedule_not_found',
      detail: 'The repo has no usable .kaizen/schedule.yml.',
      errors: [{ code: 'schedule_not_found', message: expect.stringMatching(/^\.kaizen\/schedule\.yml is a link that leads round in a loop and was ignored \(in \//) }],
    });
  });

  it.skipIf(process.platform === 'win32')('a memory.md that is a FIFO is not opened (it would block) but reported', async () => {
    const dir = path.join(fleet.dir, 'plain', '.kaizen', 'agents', 'fifo-test');
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('mkfifo', [path.join(dir, 'memory.md')]);
    } catch {
      return; // no mkfifo here
    }
    writeFiles(path.join(fleet.dir, 'plain'), { 'agents/agent-fifo-test.md': '# fifo test\n' });
    const res = await get(`/v1/prepare/fifo-test?target=plain&now=${NOW}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().memory).toBeNull();
    expect(res.json().warnings).toEqual([expect.stringMatching(/memory\.md is not a regular file/)]);
  });
});

describe('an installed prompt for an agent the service does not package', () => {
  let own: TempDir;
  let ownApp: FastifyInstance;
  beforeAll(async () => {
    own = tempFleet({
      big: { 'agents/agent-house-style.md': `# House style\n${'x'.repeat(300 * 1024)}\n` },
      fine: { 'agents/agent-house-style.md': '# House style\nKeep it short.\n' },
    });
    link(path.join(outside.dir, 'secret-prompt.md'), path.join(own.dir, 'linked', 'agents/agent-house-style.md'));
    ownApp = await testApp({ KAIZEN_REPO_ROOTS: own.dir });
  });
  afterAll(async () => {
    await ownApp.close();
    own.cleanup();
  });

  it('is served when usable', async () => {
    const res = await ownApp.inject(`/v1/prepare/house-style?target=fine&now=${NOW}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ prompt_source: string }>().prompt_source).toBe('installed');
  });

  it.each([
    ['big', /agent-house-style\.md is over the 262144-byte limit/],
    ['linked', /agent-house-style\.md is a link leading out of the repo/],
  ])('is named in the 404 when unusable (%s), so "no such agent" does not hide the file', async (repo, why) => {
    const res = await ownApp.inject(`/v1/prepare/house-style?target=${repo}&now=${NOW}`);
    expect(res.statusCode).toBe(404);
    const doc = res.json<{ code: string; detail: string }>();
    expect(doc.code).toBe('unknown_agent');
    expect(doc.detail).toMatch(why);
    expect(res.body).not.toContain(MARKERS.prompt);
  });
});

describe('an installed prompt that links out of the repo', () => {
  let odd: OddReposApp;
  let oddApp: FastifyInstance;
  beforeAll(async () => {
    odd = await oddReposApp(['prompt-out']);
    oddApp = odd.app;
  });
  afterAll(() => odd.close());

  it('falls back to the packaged prompt with a warning, never reading the outside file', async () => {
    const res = await oddApp.inject('/v1/prepare/coach?target=prompt-out');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ prompt_source: string; warnings: string[] }>();
    expect(body.prompt_source).toBe('packaged');
    expect(body.warnings).toContainEqual(expect.stringMatching(/agents\/agent-coach\.md is a link leading out of the repo.*packaged prompt was used instead/));
    expect(res.body).not.toContain(OUTSIDE_PROMPT_MARKER);
  });
});
