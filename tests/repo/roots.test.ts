import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepoRoots } from '../../src/repo/roots.js';
import { DomainError } from '../../src/errors.js';
import { PROBLEMS } from '../../src/http/problem.js';
import { confinedFleet, type ConfinedFleet } from '../helpers/confined-fleet.js';
import { tempDir, type TempDir } from '../helpers/fleet.js';

/** The layout is described in tests/helpers/confined-fleet.ts; what the routes answer for it is in tests/http/routes/confinement.test.ts. */
let layout: ConfinedFleet;
let fleet: TempDir;
let second: TempDir;
let outside: TempDir;

beforeAll(() => {
  layout = confinedFleet();
  ({ fleet, second, outside } = layout);
});

afterAll(() => {
  layout.cleanup();
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
