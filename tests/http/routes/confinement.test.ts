import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULE, confinedFleet, type ConfinedFleet } from '../../helpers/confined-fleet.js';
import { VALID_MANIFEST, testApp, type TempDir } from '../../helpers/fleet.js';
import { expectOutside as expectOutsideOf } from '../../helpers/problem.js';

/**
 * Targets through every route that takes one (schedule, validation, validate,
 * init, agents); the prepare route's own cases are in prepare-confinement.test.ts.
 * The layout is described in tests/helpers/confined-fleet.ts.
 */
let layout: ConfinedFleet;
let fleet: TempDir;
let second: TempDir;
let outside: TempDir;
let app: FastifyInstance;

beforeAll(async () => {
  layout = confinedFleet();
  ({ fleet, second, outside } = layout);
  app = await testApp({ KAIZEN_REPO_ROOTS: `${fleet.dir}:${second.dir}`, KAIZEN_ENABLE_WRITE: 'true' });
});

afterAll(async () => {
  await app.close();
  layout.cleanup();
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

const expectOutside = (res: LightMyRequestResponse, label: string): void => expectOutsideOf(res, label, outside.dir);

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
