/**
 * The hook in .pre-commit-hooks.yaml through the real `pre-commit` tool
 * (Debian's package; .ci/run installs it): `pre-commit try-repo` this
 * repository against a temp git repo, as a repo adopting the hook would.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALID_MANIFEST, tempDir, type TempDir } from '../helpers/fleet.js';
import { ROOT } from '../helpers/paths.js';

let work: TempDir;
let env: NodeJS.ProcessEnv;

function preCommitOnPath(): void {
  const found = spawnSync('pre-commit', ['--version']);
  if (found.error || found.status !== 0) {
    throw new Error('pre-commit is not installed: apt-get install pre-commit (.ci/run does this when it is missing)');
  }
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, stdio: 'pipe' });

/** A git repo with `manifest` staged at `file`. */
function stagedRepo(name: string, file: string, manifest: string): string {
  const dir = path.join(work.dir, name);
  mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
  git(dir, 'init', '-q');
  writeFileSync(path.join(dir, file), manifest);
  writeFileSync(path.join(dir, 'README.md'), '# demo\n');
  git(dir, 'add', '.');
  return dir;
}

const tryRepo = (dir: string) =>
  spawnSync('pre-commit', ['try-repo', ROOT, 'kaizen-schedule-validate'], { cwd: dir, env, timeout: 120_000 /* hang guard */ });

beforeAll(() => {
  preCommitOnPath();
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-cli.mjs')], { cwd: ROOT, stdio: 'inherit' });
  work = tempDir('kaizen-pre-commit-');
  // The hook is `language: system`: it runs the installed command, here the build on PATH.
  const bin = path.join(work.dir, 'bin');
  mkdirSync(bin);
  symlinkSync(path.join(ROOT, 'dist/src/cli/kaizen-schedule.js'), path.join(bin, 'kaizen-schedule'));
  env = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    HOME: work.dir,
    PRE_COMMIT_HOME: path.join(work.dir, 'cache'),
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.invalid',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.invalid',
    GIT_CONFIG_NOSYSTEM: '1',
  };
}, 120_000);

afterAll(() => work?.cleanup());

describe('pre-commit hook kaizen-schedule-validate', () => {
  it('fails on a broken manifest, naming the problem', () => {
    const dir = stagedRepo('broken', '.kaizen/schedule.yml', 'version: "1"\nagents:\n  coach: { cadence: hourly }\n');
    const r = tryRepo(dir);
    const output = r.stdout.toString() + r.stderr.toString();
    expect(r.status, output).toBe(1);
    expect(output).toContain('kaizen-schedule validate');
    expect(output).toContain('Failed');
    expect(output).toContain('.kaizen/schedule.yml:3:21: error invalid_cadence');
  }, 150_000);

  it('passes a good manifest, in a sub-directory too', () => {
    const dir = stagedRepo('good', 'services/api/.kaizen/schedule.yml', VALID_MANIFEST);
    const r = tryRepo(dir);
    const output = r.stdout.toString() + r.stderr.toString();
    expect(r.status, output).toBe(0);
    expect(output).toMatch(/kaizen-schedule validate\.+Passed/);
  }, 150_000);
});
