/**
 * The package as a user installs and starts it: engines every installed
 * dependency agrees with, entry points that exist, and a build that `npm start`
 * can skip when nothing changed.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import semver from 'semver';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '../helpers/fleet.js';
import { ROOT } from '../helpers/paths.js';

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  main: string;
  bin?: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  scripts: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The lowest Node version of each `||` branch of our engines range: the versions we promise. */
const promised = pkg.engines.node.split('||').map((range) => semver.minVersion(range.trim())!.version);

describe('engines', () => {
  it('promises the Node lines the README names', () => {
    expect(promised).toEqual(['20.19.0', '22.13.0', '24.0.0']);
    expect(readme).toContain('Node.js 20.19+, 22.13+ or 24+');
  });

  it.each(promised)('every locked package accepts Node %s, so `npm ci` prints no EBADENGINE', (version) => {
    const refusing = Object.entries(lock.packages)
      .filter(([name]) => name !== '')
      .flatMap(([name, entry]) => {
        const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
        return range && !semver.satisfies(version, range) ? [`${name} (node ${range})`] : [];
      });
    expect(refusing).toEqual([]);
  });

  // The overrides pin Node-20-compatible majors; these are the calls the parents make.
  it('the overridden cookie and content-disposition still do what light-my-request, @fastify/cookie and @fastify/static call them for', () => {
    const fromLmr = createRequire(createRequire(import.meta.url).resolve('light-my-request'));
    const { stringifySetCookie } = fromLmr('cookie') as { stringifySetCookie: (c: { name: string; value: string; path: string }) => string };
    expect(stringifySetCookie({ name: 'a', value: 'b c', path: '/' })).toBe('a=b%20c; Path=/');
    // @fastify/cookie (the console's cookies) calls these two.
    const fromCookiePlugin = createRequire(createRequire(import.meta.url).resolve('@fastify/cookie'));
    const cookieLib = fromCookiePlugin('cookie') as { stringifySetCookie: (c: { name: string; value: string; path: string }) => string; parseCookie: (h: string) => Record<string, string> };
    expect(cookieLib.stringifySetCookie({ name: 'a', value: 'b c', path: '/' })).toBe('a=b%20c; Path=/');
    expect(cookieLib.parseCookie('a=b%20c; d=e')).toEqual({ a: 'b c', d: 'e' });
    const fromStatic = createRequire(createRequire(import.meta.url).resolve('@fastify/static'));
    const { create } = fromStatic('content-disposition') as { create: (name: string) => string };
    expect(create('report.txt')).toBe('attachment; filename=report.txt');
  });
});

describe('build and entry points', () => {
  let work: TempDir | undefined;
  afterAll(() => work?.cleanup());

  const tsc = (cwd: string) => execFileSync('npm', ['run', '--silent', 'build'], { cwd, stdio: 'pipe' });

  // One fresh copy of the sources: the same `npm run build` that `prestart` runs.
  it('`npm run build` is skipped when nothing changed and redone after an edit; main and exports name built files', async () => {
    work = tempDir('kaizen-build-');
    for (const entry of ['src', 'examples', 'agents', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) {
      cpSync(path.join(ROOT, entry), path.join(work.dir, entry), { recursive: true });
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(work.dir, 'node_modules'));
    expect(pkg.scripts.prestart).toBe('npm run build');

    tsc(work.dir);
    const out = (file: string) => path.join(work!.dir, 'dist', file);
    const mtimes = (files: string[]) => files.map((f) => statSync(out(f)).mtimeMs);
    const files = ['src/server.js', 'src/services.js', 'src/index.js', 'src/cli/kaizen-schedule.js'];
    const first = mtimes(files);

    tsc(work.dir);
    expect(mtimes(files), 'an unchanged tree is not rebuilt').toEqual(first);

    const source = path.join(work.dir, 'src', 'services.ts');
    writeFileSync(source, `${readFileSync(source, 'utf8')}\nexport const EDITED_MARKER = 1;\n`);
    tsc(work.dir);
    expect(readFileSync(out('src/services.js'), 'utf8')).toContain('EDITED_MARKER');
    expect(statSync(out('src/cli/kaizen-schedule.js')).mtimeMs, 'the command is rebundled after an edit').toBeGreaterThan(first[3]!);

    // main and every export resolve to files the build wrote, and import.
    const targets = [pkg.main, ...Object.values(pkg.bin ?? {}), ...Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : [e.types, e.default]))];
    for (const target of targets) expect(existsSync(path.join(work.dir, target)), target).toBe(true);
    const core = (await import(path.join(work.dir, (pkg.exports['.'] as { default: string }).default))) as Record<string, unknown>;
    expect(typeof core.validateManifest).toBe('function');
    expect(typeof core.discover).toBe('function');
    const app = (await import(path.join(work.dir, (pkg.exports['./app'] as { default: string }).default))) as Record<string, unknown>;
    expect(typeof app.buildApp).toBe('function');
  }, 180_000);
});
