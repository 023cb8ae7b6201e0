import { appendFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepoView, readRepoFile } from '../../src/repo/files.js';
import { DomainError } from '../../src/errors.js';
import { SCHEDULE, confinedFleet, type ConfinedFleet } from '../helpers/confined-fleet.js';
import { VALID_MANIFEST, tempDir, tempFleet, testApp, writeFiles, type TempDir } from '../helpers/fleet.js';

/**
 * The confined file-access layer (src/repo/files.ts): how it resolves links,
 * what it refuses (hard links, links out), that it never leaks descriptors,
 * and the scaffold write's answers for a .kaizen that is not a directory.
 */

const NOW = '2026-03-04T10:00:00Z';
const OUTSIDE = 'OUTSIDE-HARDLINK-MARKER-77aa';

let outside: TempDir;
let fleet: TempDir;
let app: FastifyInstance;

beforeAll(async () => {
  outside = tempDir('kaizen-view-outside-');
  writeFiles(outside.dir, { 'secret.md': `${OUTSIDE}\n`, 'schedule.yml': `${VALID_MANIFEST}# ${OUTSIDE}\n`, 'prompt.md': `# ${OUTSIDE}\n` });
  fleet = tempFleet({
    links: { 'docs/scope.md': 'scope in docs\n', 'notes/memory.md': 'memory in notes\n', 'agents/README.md': '\n' },
    hard: { 'README.md': '\n' },
    'kaizen-file': { '.kaizen': 'not a directory\n' },
    'kaizen-dangling-in': { 'README.md': '\n' },
    'kaizen-dangling-out': { 'README.md': '\n' },
    'kaizen-out': { 'README.md': '\n' },
    fresh: { 'README.md': '\n' },
  });
  const repo = (name: string) => path.join(fleet.dir, name);
  // absolute link by the repo's real path, relative link, .. escaping, loop
  symlinkSync(path.join(repo('links'), 'docs', 'scope.md'), path.join(repo('links'), 'SCOPE.md'));
  mkdirSync(path.join(repo('links'), '.kaizen', 'agents', 'coach'), { recursive: true });
  symlinkSync('../../../notes/memory.md', path.join(repo('links'), '.kaizen', 'agents', 'coach', 'memory.md'));
  symlinkSync('../../outside-by-dots', path.join(repo('links'), 'TODO.md'));
  symlinkSync('loop-b', path.join(repo('links'), 'loop-a'));
  symlinkSync('loop-a', path.join(repo('links'), 'loop-b'));
  // hard links to files outside the roots (root may link anything; elsewhere fs.protected_hardlinks may refuse)
  mkdirSync(path.join(repo('hard'), '.kaizen', 'agents', 'coach'), { recursive: true });
  mkdirSync(path.join(repo('hard'), 'agents'));
  linkSync(path.join(outside.dir, 'secret.md'), path.join(repo('hard'), '.kaizen', 'agents', 'coach', 'memory.md'));
  linkSync(path.join(outside.dir, 'secret.md'), path.join(repo('hard'), 'SCOPE.md'));
  linkSync(path.join(outside.dir, 'schedule.yml'), path.join(repo('hard'), '.kaizen', 'schedule.yml'));
  linkSync(path.join(outside.dir, 'prompt.md'), path.join(repo('hard'), 'agents', 'agent-coach.md'));
  symlinkSync('config/kaizen', path.join(repo('kaizen-dangling-in'), '.kaizen'));
  symlinkSync(path.join(outside.dir, 'missing'), path.join(repo('kaizen-dangling-out'), '.kaizen'));
  symlinkSync(outside.dir, path.join(repo('kaizen-out'), '.kaizen'));
  app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_ENABLE_WRITE: 'true' });
});

afterAll(async () => {
  await app?.close();
  fleet?.cleanup();
  outside?.cleanup();
});

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('RepoView (core)', () => {
  const view = (name: string) => RepoView.open(path.join(fleet.dir, name));

  it('follows links that stay in the repo, by absolute real path or relative, and refuses ones that climb out or loop', () => {
    const v = view('links');
    try {
      expect(v.read('SCOPE.md', 1024)).toMatchObject({ status: 'ok', text: 'scope in docs\n', path: path.join(fleet.dir, 'links', 'SCOPE.md') });
      expect(v.read('.kaizen/agents/coach/memory.md', 1024)).toMatchObject({ status: 'ok', text: 'memory in notes\n' });
      expect(v.read('TODO.md', 1024)).toMatchObject({ status: 'outside' });
      expect(v.read('../hard/README.md', 1024)).toMatchObject({ status: 'outside' });
      expect(v.read('loop-a', 1024)).toMatchObject({ status: 'link_loop' });
      expect(v.read('docs', 1024)).toMatchObject({ status: 'not_a_file' });
      expect(v.list('agents')).toEqual(['README.md']);
    } finally {
      v.close();
    }
  });

  it('a file replaced between the look and the read is read anew, and that view is never cached', () => {
    const scope = (name: string) => path.join(fleet.dir, 'links', 'docs', name);
    const replace = (text: string) => {
      writeFileSync(scope('scope.new'), text);
      renameSync(scope('scope.new'), scope('scope.md'));
    };
    const inputs = [{ relative: 'SCOPE.md', kind: 'file' as const }];
    const v = view('links');
    try {
      const first = v.open('SCOPE.md', 'file');
      expect(v.open('SCOPE.md', 'file')).toBe(first);
      replace('replaced\n');
      // What is read was opened now, O_NOFOLLOW inside the view: the new file, not the one looked at.
      expect(v.read('SCOPE.md', 1024)).toMatchObject({ text: 'replaced\n' });
      expect(v.fingerprint(inputs)).toBeUndefined();
      // Once open, the view keeps reading that same file.
      replace('again\n');
      expect(v.read('SCOPE.md', 1024)).toMatchObject({ text: 'replaced\n' });
    } finally {
      v.close();
    }
    const w = view('links');
    try {
      expect(w.read('SCOPE.md', 1024)).toMatchObject({ text: 'again\n' });
      // fresh, so not trusted for caching yet
      expect(w.fingerprint(inputs)).toBeUndefined();
    } finally {
      w.close();
    }
  });

  it('a file replaced between the look and the read by a longer one is read whole, or refused over the cap, never cut at the old size', () => {
    const scope = (name: string) => path.join(fleet.dir, 'links', 'docs', name);
    const replace = (text: string) => {
      writeFileSync(scope('scope.new'), text);
      renameSync(scope('scope.new'), scope('scope.md'));
    };
    replace('short\n');
    const longer = `${'a longer scope line\n'.repeat(20)}`;
    const v = view('links');
    try {
      v.open('SCOPE.md', 'file');
      replace(longer);
      expect(v.read('SCOPE.md', 1024)).toMatchObject({ status: 'ok', text: longer, truncated: false });
    } finally {
      v.close();
    }
    const w = view('links');
    try {
      replace('short\n');
      w.open('SCOPE.md', 'file');
      replace(longer);
      expect(w.read('SCOPE.md', 100)).toMatchObject({ status: 'too_large' });
    } finally {
      w.close();
    }
  });

  it('a file appended to after it was opened reads as it was then (no stray byte of the next line), and the view is not cached', () => {
    const log = path.join(fleet.dir, 'links', 'docs', 'appended.jsonl');
    writeFileSync(log, '{"n":1}\n');
    const inputs = [{ relative: 'docs/appended.jsonl', kind: 'file' as const }];
    const v = view('links');
    try {
      expect(v.read('docs/appended.jsonl', 1024)).toMatchObject({ text: '{"n":1}\n' });
      appendFileSync(log, '{"n":2}\n');
      // The batch's second call reads the same opened file: the same text, not '{"n":1}\n{'.
      expect(v.read('docs/appended.jsonl', 1024)).toMatchObject({ status: 'ok', text: '{"n":1}\n' });
      expect(v.fingerprint(inputs)).toBeUndefined();
    } finally {
      v.close();
    }
  });

  it('refuses a view whose root is not where it was resolved to (swapped for a link)', () => {
    const real = path.join(fleet.dir, 'fresh');
    const moved = `${real}-moved`;
    renameSync(real, moved);
    symlinkSync(outside.dir, real);
    try {
      // The root is opened O_NOFOLLOW by its real path: the link is refused without opening what it points to.
      expect(() => RepoView.open(real, (p) => p.startsWith(fleet.dir))).toThrow(expect.objectContaining({ code: 'repo_not_found' }));
      expect(() => RepoView.open(real)).toThrow(DomainError);
    } finally {
      renameSync(real, `${real}-link`);
      renameSync(moved, real);
    }
  });

  it('closes every descriptor it opened', async () => {
    const before = openFds();
    const v = view('links');
    v.read('SCOPE.md', 1024);
    v.read('.kaizen/agents/coach/memory.md', 1024);
    expect(openFds()).toBeGreaterThan(before);
    v.close();
    expect(openFds()).toBe(before);
    // A closed view's descriptor numbers may name other files by now: it refuses to be used.
    expect(() => v.read('SCOPE.md', 1024)).toThrow(/after close/);
    // and through the routes, including the ones that fail
    for (const url of ['/v1/prepare/coach?target=links&include=pointers', `/v1/prepare/coach?target=hard&now=${NOW}`, '/v1/prepare/nobody?target=links', '/v1/agents?target=hard', '/v1/schedule/validation?target=links']) {
      await app.inject(url);
    }
    await app.inject({ method: 'POST', url: '/v1/schedule/init', payload: { target: 'kaizen-file' } });
    expect(openFds()).toBe(before);
  });
});

describe('RepoView reads and absent directories', () => {
  it('reads a file whole, and to its end when it is shorter than the cap', () => {
    const dir = tempDir('kaizen-view-read-');
    try {
      writeFiles(dir.dir, { 'a.md': 'x'.repeat(5000), 'b.md': '' });
      const v = RepoView.open(dir.dir);
      try {
        expect(v.read('a.md', 64 * 1024)).toMatchObject({ status: 'ok', bytes: 5000, size: 5000, truncated: false });
        expect(v.read('b.md', 1024)).toMatchObject({ status: 'ok', text: '', bytes: 0 });
        expect(v.read('a.md', 4999)).toMatchObject({ status: 'too_large', bytes: 5000, limit: 4999 });
      } finally {
        v.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('a directory found absent stays absent for the view, until forget() after it was created', () => {
    const dir = tempDir('kaizen-view-absent-');
    try {
      const v = RepoView.open(dir.dir);
      try {
        expect(v.open('.kaizen/schedule.yml', 'file')).toMatchObject({ status: 'missing' });
        writeFiles(dir.dir, { '.kaizen/schedule.yml': VALID_MANIFEST, '.kaizen/agents/coach/memory.md': 'm\n' });
        // One consistent look per view: what it found absent, it keeps finding absent.
        expect(v.open('.kaizen', 'dir')).toMatchObject({ status: 'missing' });
        expect(v.read('.kaizen/agents/coach/memory.md', 1024)).toMatchObject({ status: 'missing' });
        v.forget('.kaizen', 'dir');
        v.forget('.kaizen/schedule.yml', 'file');
        v.forget('.kaizen/agents/coach/memory.md', 'file');
        expect(v.read('.kaizen/schedule.yml', 64 * 1024)).toMatchObject({ status: 'ok', text: VALID_MANIFEST });
        expect(v.read('.kaizen/agents/coach/memory.md', 1024)).toMatchObject({ status: 'ok', text: 'm\n' });
      } finally {
        v.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});

describe('hard links', () => {
  it('a regular file with more than one link is refused wherever it is read, and said so', async () => {
    expect(lstatSync(path.join(fleet.dir, 'hard', 'SCOPE.md')).nlink).toBeGreaterThan(1);
    const res = await app.inject(`/v1/prepare/coach?target=hard&include=pointers&now=${NOW}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toContain(OUTSIDE);
    const body = res.json();
    expect(body).toMatchObject({ memory: null, prompt_source: 'packaged', pointers: {}, schedule: null });
    expect(body.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^agents\/agent-coach\.md has more than one hard link .*; the packaged prompt was used instead$/),
        expect.stringMatching(/^\.kaizen\/agents\/coach\/memory\.md has more than one hard link/),
        expect.stringMatching(/^SCOPE\.md has more than one hard link/),
      ]),
    );
    const agent = await app.inject('/v1/agents/coach?target=hard');
    expect(agent.json()).toMatchObject({ source: 'packaged' });
    expect(agent.body).not.toContain(OUTSIDE);
    const validation = await app.inject('/v1/schedule/validation?target=hard');
    expect(validation.statusCode).toBe(403);
    expect(validation.json()).toMatchObject({ code: 'path_outside_roots' });
  });
});

describe('the scaffold write and a .kaizen that is not a directory', () => {
  const init = (target: string) => app.inject({ method: 'POST', url: '/v1/schedule/init', payload: { target } });

  it('a plain file, or a link inside the repo to nothing: 409 kaizen_dir_conflict', async () => {
    for (const target of ['kaizen-file', 'kaizen-dangling-in']) {
      const res = await init(target);
      expect(res.statusCode, `${target}: ${res.body}`).toBe(409);
      expect(res.json()).toMatchObject({ code: 'kaizen_dir_conflict' });
    }
    expect(lstatSync(path.join(fleet.dir, 'kaizen-dangling-in', '.kaizen')).isSymbolicLink()).toBe(true);
  });

  it('a link out of the repo, dangling or live: the same 403, and nothing written outside', async () => {
    const dangling = await init('kaizen-dangling-out');
    const live = await init('kaizen-out');
    expect(dangling.statusCode, dangling.body).toBe(403);
    expect(dangling.json()).toMatchObject({ code: 'path_outside_roots' });
    expect({ ...dangling.json(), instance: '' }).toEqual({ ...live.json(), instance: '' });
    expect(readdirSync(outside.dir).sort()).toEqual(['prompt.md', 'schedule.yml', 'secret.md']);
  });

  it('creates .kaizen when absent, and answers 409 schedule_exists the second time', async () => {
    const first = await init('fresh');
    expect(first.statusCode, first.body).toBe(201);
    expect(readdirSync(path.join(fleet.dir, 'fresh', '.kaizen'))).toEqual(['schedule.yml']);
    const second = await init('fresh');
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'schedule_exists' });
  });
});

describe('readRepoFile (core) over the confined layout', () => {
  let confined: ConfinedFleet;
  beforeAll(() => {
    confined = confinedFleet();
  });
  afterAll(() => {
    confined.cleanup();
  });

  const repo = (): string => path.join(confined.fleet.dir, 'good');

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
    expect(readRepoFile(path.join(confined.fleet.dir, 'leaky'), SCHEDULE, 64 * 1024)).toMatchObject({ status: 'outside' });
    expect(readRepoFile(path.join(confined.fleet.dir, 'sibling-link'), SCHEDULE, 64 * 1024)).toMatchObject({ status: 'outside' });
    expect(readRepoFile(path.join(confined.fleet.dir, 'linked-kaizen'), SCHEDULE, 64 * 1024)).toMatchObject({ status: 'outside' });
    expect(readRepoFile(repo(), '../empty/README.md', 1024)).toMatchObject({ status: 'outside' });
  });

  it('a link inside the repo is followed', () => {
    expect(readRepoFile(path.join(confined.fleet.dir, 'inner-link'), SCHEDULE, 64 * 1024)).toMatchObject({ status: 'ok', text: VALID_MANIFEST });
    expect(existsSync(path.join(confined.fleet.dir, 'inner-link', SCHEDULE))).toBe(true);
  });
});
