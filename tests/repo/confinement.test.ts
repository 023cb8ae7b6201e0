import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepoFile } from '../../src/repo/files.js';
import { RepoRoots } from '../../src/repo/roots.js';
import { DomainError } from '../../src/errors.js';
import { PROBLEMS } from '../../src/http/problem.js';
import { VALID_MANIFEST, tempDir, tempFleet, testApp, type TempDir } from '../helpers/fleet.js';

const SCHEDULE = '.kaizen/schedule.yml';

/**
 * Layout:
 *   root/good            a valid repo
 *   root/empty           a repo without a manifest
 *   root/evil -> outside/existing         (a link leaving the root, target exists)
 *   root/dangling -> outside/missing      (a link leaving the root, target does not exist)
 *   root/alias -> root/good               (a link staying inside the root)
 *   root/leaky/.kaizen/schedule.yml -> outside/existing/schedule.yml
 *   root/leaky-dangling/.kaizen/schedule.yml -> outside/missing.yml
 *   root/linked-kaizen/.kaizen -> outside/existing
 *   root/inner-link/.kaizen/schedule.yml -> ../config/schedule.yml (inside the repo)
 *   root/sibling-link/.kaizen/schedule.yml -> root/good/.kaizen/schedule.yml (another repo)
 *   second/other         a repo in the second root
 */
let fleet: TempDir;
let second: TempDir;
let outside: TempDir;
let app: FastifyInstance;

beforeAll(async () => {
  fleet = tempFleet({
    good: { [SCHEDULE]: VALID_MANIFEST },
    empty: { 'README.md': '# empty\n' },
    'inner-link': { 'config/schedule.yml': VALID_MANIFEST },
    'sibling-link': { 'README.md': '\n' },
    leaky: { 'README.md': '\n' },
    'leaky-dangling': { 'README.md': '\n' },
    'linked-kaizen': { 'README.md': '\n' },
  });
  writeFileSync(path.join(fleet.dir, 'plain-file'), 'not a repo\n');
  second = tempFleet({ other: { [SCHEDULE]: VALID_MANIFEST } });
  outside = tempDir('kaizen-outside-');
  mkdirSync(path.join(outside.dir, 'existing', '.kaizen'), { recursive: true });
  writeFileSync(path.join(outside.dir, 'existing', 'schedule.yml'), VALID_MANIFEST);
  writeFileSync(path.join(outside.dir, 'existing', SCHEDULE), VALID_MANIFEST);

  const link = (target: string, at: string): void => symlinkSync(target, path.join(fleet.dir, at));
  link(path.join(outside.dir, 'existing'), 'evil');
  link(path.join(outside.dir, 'missing'), 'dangling');
  link(path.join(fleet.dir, 'good'), 'alias');
  mkdirSync(path.join(fleet.dir, 'leaky', '.kaizen'));
  link(path.join(outside.dir, 'existing', 'schedule.yml'), `leaky/${SCHEDULE}`);
  mkdirSync(path.join(fleet.dir, 'leaky-dangling', '.kaizen'));
  link(path.join(outside.dir, 'missing.yml'), `leaky-dangling/${SCHEDULE}`);
  link(path.join(outside.dir, 'existing'), 'linked-kaizen/.kaizen');
  mkdirSync(path.join(fleet.dir, 'inner-link', '.kaizen'));
  link('../config/schedule.yml', `inner-link/${SCHEDULE}`);
  mkdirSync(path.join(fleet.dir, 'sibling-link', '.kaizen'));
  link(path.join(fleet.dir, 'good', SCHEDULE), `sibling-link/${SCHEDULE}`);

  app = await testApp({ KAIZEN_REPO_ROOTS: `${fleet.dir}:${second.dir}`, KAIZEN_ENABLE_WRITE: 'true' });
});

afterAll(async () => {
  await app.close();
  fleet.cleanup();
  second.cleanup();
  outside.cleanup();
});

/** The same target through every route that takes one. */
const routes = (encodedTarget: string): Array<{ name: string; inject: () => Promise<LightMyRequestResponse> }> => [
  { name: 'validation', inject: () => app.inject(`/v1/schedule/validation?target=${encodedTarget}`) },
  { name: 'schedule', inject: () => app.inject(`/v1/schedule?target=${encodedTarget}`) },
  { name: 'agents', inject: () => app.inject(`/v1/agents?target=${encodedTarget}`) },
  { name: 'agent', inject: () => app.inject(`/v1/agents/coach?target=${encodedTarget}`) },
  {
    name: 'validate',
    inject: () => app.inject({ method: 'POST', url: `/v1/schedule/validate?target=${encodedTarget}`, headers: { 'content-type': 'application/yaml' }, payload: VALID_MANIFEST }),
  },
];

function expectOutside(res: LightMyRequestResponse, label: string): void {
  expect(res.statusCode, `${label}: ${res.body}`).toBe(403);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<{ code: string; detail: string }>();
  expect(body.code).toBe('path_outside_roots');
  expect(res.body).not.toContain(outside.dir);
}

describe('targets that leave the roots are refused through every route', () => {
  const attempts: Array<[string, string]> = [
    ['.. traversal', '..'],
    ['.. traversal to a sibling', encodeURIComponent('../../etc')],
    ['.. inside an otherwise valid path', encodeURIComponent('good/../good')],
    ['backslash traversal', encodeURIComponent('good\\..\\..')],
    ['URL-encoded %2e%2e%2f', '%2e%2e%2f'],
    ['URL-encoded %2e%2e%2fetc', '%2e%2e%2fetc'],
    ['double-encoded %252e%252e%252f', '%252e%252e%252fetc'],
    ['double-encoded %252e%252e', '%252e%252e'],
    ['triple-encoded', '%25252e%25252e%25252f'],
    ['NUL byte', 'good%00'],
    ['NUL byte mid-path', 'good%00%2f..%2f..'],
    ['absolute path outside', encodeURIComponent('/etc')],
    ['absolute path to the filesystem root', encodeURIComponent('/')],
    ['a symlinked repo that leaves the root', 'evil'],
    ['a dangling symlink that leaves the root', 'dangling'],
    ['a path through a symlink that leaves the root', encodeURIComponent('evil/.kaizen')],
  ];

  it.each(attempts)('%s', async (_label, target) => {
    for (const route of routes(target)) expectOutside(await route.inject(), `${route.name} ${target}`);
  });

  it('POST /v1/schedule/init refuses too, and writes nothing outside', async () => {
    for (const target of ['../x', '/etc', 'evil', 'dangling', `${outside.dir}/existing`]) {
      const res = await app.inject({ method: 'POST', url: '/v1/schedule/init', payload: { target } });
      expectOutside(res, `init ${target}`);
    }
    expect(readdirSync(outside.dir).sort()).toEqual(['existing']);
    expect(readdirSync(path.join(outside.dir, 'existing', '.kaizen'))).toEqual(['schedule.yml']);
  });

  it('an absolute path outside: the same answer whether or not it exists', async () => {
    const existing = await app.inject(`/v1/schedule/validation?target=${encodeURIComponent(path.join(outside.dir, 'existing'))}`);
    const missing = await app.inject(`/v1/schedule/validation?target=${encodeURIComponent(path.join(outside.dir, 'no-such-dir'))}`);
    expectOutside(existing, 'existing');
    expectOutside(missing, 'missing');
    expect(existing.body).toBe(missing.body);
  });

  it('a symlink leaving the root: the same answer whether or not its target exists', async () => {
    for (const route of ['/v1/schedule/validation', '/v1/schedule', '/v1/agents']) {
      const existing = await app.inject(`${route}?target=evil`);
      const dangling = await app.inject(`${route}?target=dangling`);
      expectOutside(existing, `${route} evil`);
      expectOutside(dangling, `${route} dangling`);
      expect(existing.body.replace('evil', 'X')).toBe(dangling.body.replace('dangling', 'X'));
    }
    const below = await app.inject(`/v1/schedule/validation?target=${encodeURIComponent('evil/no-such-sub')}`);
    const belowDangling = await app.inject(`/v1/schedule/validation?target=${encodeURIComponent('dangling/no-such-sub')}`);
    expectOutside(below, 'below evil');
    expectOutside(belowDangling, 'below dangling');
  });
});

describe('symlinked manifests', () => {
  it('a .kaizen/schedule.yml linking out of the repo is refused', async () => {
    expectOutside(await app.inject('/v1/schedule/validation?target=leaky'), 'validation');
    expectOutside(await app.inject('/v1/schedule?target=leaky'), 'schedule');
  });

  it('a .kaizen/schedule.yml linking into another repo is refused (confined to its own repo)', async () => {
    expectOutside(await app.inject('/v1/schedule/validation?target=sibling-link'), 'sibling');
  });

  it('a .kaizen directory linking out of the repo: the manifest is refused and init will not write through it', async () => {
    expectOutside(await app.inject('/v1/schedule/validation?target=linked-kaizen'), 'validation');
    const res = await app.inject({ method: 'POST', url: '/v1/schedule/init', payload: { target: 'linked-kaizen', force: true } });
    expectOutside(res, 'init');
    expect(readdirSync(path.join(outside.dir, 'existing', '.kaizen'))).toEqual(['schedule.yml']);
  });

  it('a link to a file inside the same repo is followed', async () => {
    const res = await app.inject('/v1/schedule/validation?target=inner-link');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('a dangling manifest link out of the repo answers exactly like a live one, so nothing is told about the outside', async () => {
    const dangling = await app.inject('/v1/schedule/validation?target=leaky-dangling');
    const live = await app.inject('/v1/schedule/validation?target=leaky');
    expect(dangling.statusCode).toBe(403);
    expect(dangling.json()).toMatchObject({ code: 'path_outside_roots' });
    expect({ ...dangling.json(), instance: '' }).toEqual({ ...live.json(), instance: '' });
    expect(dangling.body).not.toContain(outside.dir);
  });
});

describe('targets that stay inside the roots', () => {
  it('a symlinked repo pointing inside the root is allowed and reported by its real path', async () => {
    const res = await app.inject('/v1/schedule?target=alias&now=2026-03-27T12:00:00Z');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ root: path.join(fleet.dir, 'good'), path: path.join(fleet.dir, 'good', SCHEDULE) });
    expect((await app.inject('/v1/schedule/validation?target=alias')).statusCode).toBe(200);
  });

  it('a relative target resolves against the first root', async () => {
    const relative = await app.inject('/v1/schedule/validation?target=good');
    const absolute = await app.inject(`/v1/schedule/validation?target=${encodeURIComponent(path.join(fleet.dir, 'good'))}`);
    expect(relative.statusCode).toBe(200);
    expect(absolute.statusCode).toBe(200);
    expect((await app.inject('/v1/schedule/validation?target=./good/')).statusCode).toBe(200);
  });

  it('the second root is usable by absolute path, not by a relative one', async () => {
    const res = await app.inject(`/v1/schedule?target=${encodeURIComponent(path.join(second.dir, 'other'))}&now=2026-03-27T12:00:00Z`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ root: string }>().root).toBe(path.join(second.dir, 'other'));
    const relative = await app.inject('/v1/schedule/validation?target=other');
    expect(relative.statusCode).toBe(404);
    expect(relative.json<{ code: string }>().code).toBe('repo_not_found');
  });

  it('a missing repo inside a root is 404 repo_not_found, as is a plain file', async () => {
    for (const target of ['no-such-repo', encodeURIComponent(path.join(second.dir, 'nope')), 'plain-file', encodeURIComponent('good/.kaizen/schedule.yml')]) {
      const res = await app.inject(`/v1/schedule/validation?target=${target}`);
      expect(res.statusCode, target).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json<{ code: string }>().code).toBe('repo_not_found');
    }
  });

  it('the root itself is not a repo: 400 invalid_target (init would write into the fleet directory)', async () => {
    for (const target of [encodeURIComponent(fleet.dir), '.']) {
      const res = await app.inject(`/v1/agents?target=${target}`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_target' });
    }
  });

  it('an empty or over-long target is 400, not a lookup', async () => {
    expect((await app.inject('/v1/schedule/validation?target=')).statusCode).toBe(400);
    expect((await app.inject(`/v1/schedule/validation?target=${'a'.repeat(5000)}`)).statusCode).toBe(400);
  });
});

describe('RepoRoots (core)', () => {
  const roots = (): RepoRoots => new RepoRoots([fleet.dir, second.dir]);
  const refusal = (fn: () => unknown): DomainError => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      return err as DomainError;
    }
    throw new Error('expected a DomainError');
  };

  it('resolves relative and absolute targets to real directories inside the roots', () => {
    const r = roots();
    expect(r.resolveRepo('good')).toBe(path.join(fleet.dir, 'good'));
    expect(r.resolveRepo(path.join(second.dir, 'other'))).toBe(path.join(second.dir, 'other'));
    expect(r.resolveRepo('alias')).toBe(path.join(fleet.dir, 'good'));
    expect(r.contains(path.join(fleet.dir, 'good'))).toBe(true);
    expect(r.contains(`${fleet.dir}-sibling`)).toBe(false);
  });

  it.each(['..', '../x', 'good/../../x', '%2e%2e/x', '%252e%252e%252fx', 'good\0', '/etc', 'evil', 'dangling', 'evil/x'])('refuses %j with path_outside_roots', (target) => {
    const err = refusal(() => roots().resolveRepo(target));
    expect(err.code).toBe('path_outside_roots');
    // The core error carries no status; the HTTP table gives this code its 403.
    expect(PROBLEMS[err.code].status).toBe(403);
  });

  it('a root given through a symlink accepts paths under either spelling', () => {
    const links = tempDir('kaizen-rootlink-');
    try {
      const linkedRoot = path.join(links.dir, 'root');
      symlinkSync(fleet.dir, linkedRoot);
      const r = new RepoRoots([linkedRoot]);
      expect(r.roots).toEqual([fleet.dir]);
      expect(r.resolveRepo(path.join(linkedRoot, 'good'))).toBe(path.join(fleet.dir, 'good'));
      expect(r.resolveRepo('good')).toBe(path.join(fleet.dir, 'good'));
      expect(refusal(() => r.resolveRepo(path.join(linkedRoot, 'missing'))).code).toBe('repo_not_found');
    } finally {
      links.cleanup();
    }
  });

  it('an empty, over-long or missing target', () => {
    expect(refusal(() => roots().resolveRepo('')).code).toBe('invalid_target');
    expect(refusal(() => roots().resolveRepo('a'.repeat(4097))).code).toBe('invalid_target');
    expect(refusal(() => roots().resolveRepo('no-such')).code).toBe('repo_not_found');
    expect(refusal(() => roots().resolveRepo('plain-file')).code).toBe('repo_not_found');
  });

  it('needs at least one existing root', () => {
    expect(() => new RepoRoots([])).toThrow();
    expect(() => new RepoRoots([path.join(outside.dir, 'no-such-root')])).toThrow();
  });
});

describe('readRepoFile (core)', () => {
  const repo = (): string => path.join(fleet.dir, 'good');

  it('reads a file inside the repo', () => {
    const file = readRepoFile(repo(), SCHEDULE, 64 * 1024);
    expect(file.status).toBe('ok');
    if (file.status === 'ok') {
      expect(file.text).toBe(VALID_MANIFEST);
      expect(file.bytes).toBe(Buffer.byteLength(VALID_MANIFEST));
    }
  });

  it('caps the size: a file over the limit is too_large and not returned', () => {
    const file = readRepoFile(repo(), SCHEDULE, 10);
    expect(file).toMatchObject({ status: 'too_large', limit: 10, bytes: Buffer.byteLength(VALID_MANIFEST) });
    expect(file).not.toHaveProperty('text');
    expect(readRepoFile(repo(), SCHEDULE, Buffer.byteLength(VALID_MANIFEST)).status).toBe('ok');
  });

  it('a missing file, or a directory', () => {
    expect(readRepoFile(repo(), 'no-such.md', 1024).status).toBe('missing');
    expect(readRepoFile(repo(), '.kaizen', 1024).status).toMatch(/^(not_a_file|missing)$/);
  });

  it('a link out of the repo is outside and never read', () => {
    expect(readRepoFile(path.join(fleet.dir, 'leaky'), SCHEDULE, 64 * 1024)).toMatchObject({ status: 'outside' });
    expect(readRepoFile(path.join(fleet.dir, 'sibling-link'), SCHEDULE, 64 * 1024)).toMatchObject({ status: 'outside' });
    expect(readRepoFile(path.join(fleet.dir, 'linked-kaizen'), SCHEDULE, 64 * 1024)).toMatchObject({ status: 'outside' });
    expect(readRepoFile(repo(), '../empty/README.md', 1024)).toMatchObject({ status: 'outside' });
  });

  it('a link inside the repo is followed', () => {
    expect(readRepoFile(path.join(fleet.dir, 'inner-link'), SCHEDULE, 64 * 1024)).toMatchObject({ status: 'ok', text: VALID_MANIFEST });
    expect(existsSync(path.join(fleet.dir, 'inner-link', SCHEDULE))).toBe(true);
  });
});
