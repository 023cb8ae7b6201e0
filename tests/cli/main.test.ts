/**
 * The `kaizen-schedule` command as users run it: the built bundle (the
 * package's `bin`) spawned as a process on temp repos. Covers the seed's own
 * CLI cases, the deviations, the output formats, the exit codes, and that
 * prepare, validate and discover answer exactly what the HTTP routes answer.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colourAllowed } from '../../src/config/terminal.js';
import { escapeData, escapeProperty } from '../../src/cli/output.js';
import { json, startStateHub } from '../helpers/state-hub.js';
import { VALID_MANIFEST, tempDir, testApp, writeFiles, type TempDir } from '../helpers/fleet.js';
import { ROOT } from '../helpers/paths.js';

const BIN = path.join(ROOT, (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['kaizen-schedule']!);
const NOW = '2026-11-30T08:00:00Z';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  bytes: Buffer;
}

/** Runs the built command (through its shebang) in `cwd`, with a clean environment plus `env`. */
function run(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Run {
  const result = spawnSync(BIN, args, {
    cwd: options.cwd ?? work.dir,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    ...(options.input !== undefined ? { input: options.input } : {}),
    timeout: 30_000, // hang guard
  });
  return { status: result.status, stdout: result.stdout.toString(), stderr: result.stderr.toString(), bytes: result.stdout };
}

let work: TempDir;
let counter = 0;

/** A fresh repo directory (inside a fleet directory, so the service can serve it too). */
function repo(files: Record<string, string> = {}, name = `demo-project-${++counter}`): string {
  const dir = path.join(work.dir, 'fleet', name);
  mkdirSync(dir, { recursive: true });
  writeFiles(dir, files);
  return dir;
}

beforeAll(() => {
  // Only the bundle: tsc output is not needed by the verbs tested here.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-cli.mjs')], { cwd: ROOT, stdio: 'inherit' });
  work = tempDir('kaizen-cli-');
  mkdirSync(path.join(work.dir, 'fleet'));
}, 120_000);

afterAll(() => work?.cleanup());

describe('the seed CLI cases', () => {
  it('init creates a manifest with coach', () => {
    const target = repo();
    const r = run(['schedule', 'init', '--target', target]);
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(target, '.kaizen/schedule.yml'), 'utf8')).toContain('coach');
  });

  it('init does not overwrite without --force, says so and exits 0; --force overwrites', () => {
    const target = repo({ '.kaizen/schedule.yml': '# mine\n' });
    const r = run(['init', '--target', target]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('already exists');
    expect(readFileSync(path.join(target, '.kaizen/schedule.yml'), 'utf8')).toBe('# mine\n');

    const forced = run(['init', '--target', target, '--force', '--timezone', 'UTC']);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toContain('Overwrote');
    expect(readFileSync(path.join(target, '.kaizen/schedule.yml'), 'utf8')).toContain('timezone: "UTC"');
  });

  it('validate passes on the scaffold', () => {
    const target = repo();
    run(['init', '--target', target]);
    const r = run(['schedule', 'validate', '--target', target]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('valid');
    expect(r.stdout).toMatch(/0 errors, 0 warnings/);
  });

  it('validate of a repo without a manifest exits 1 and says how to create one', () => {
    const target = repo();
    const r = run(['schedule', 'validate', '--target', target]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('schedule_not_found');
    expect(r.stdout).toContain('kaizen-schedule init');
  });

  it('validate rejects an unknown agent name, naming it, with exit 1', () => {
    const target = repo({ '.kaizen/schedule.yml': "version: '1'\nagents:\n  not-an-agent:\n    cadence: weekly\n" });
    const r = run(['schedule', 'validate', '--target', target]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('not-an-agent');
    expect(r.stdout).toContain('unknown_agent');
  });

  it('list shows enabled entries and hides disabled ones; --all shows them', () => {
    const target = repo();
    run(['init', '--target', target]);
    const r = run(['schedule', 'list', '--target', target, '--now', NOW]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('coach');
    expect(r.stdout).toMatch(/optimization\s+weekly\s+0 10 \* \* 1\s+manifest\s+Europe\/Berlin\s+2026-11-30T10:00:00\+01:00/);
    expect(r.stdout).not.toContain('tdd-workflow');

    const all = run(['schedule', 'list', '--all', '--target', target]);
    expect(all.status).toBe(0);
    expect(all.stdout).toContain('tdd-workflow');
    expect(all.stdout).toContain('cadence default');
  });

  it('prepare prints the markdown bundle: orientation heading, agent prompt, coach prompt, session close', () => {
    const target = repo();
    const r = run(['schedule', 'prepare', 'coach', '--target', target]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('# Scheduled Run Orientation: coach');
    expect(r.stdout).toContain('## Agent Prompt');
    expect(r.stdout).toContain('Coach Agent');
    expect(r.stdout).toContain('## Session Close');
  });

  it('prepare --format json parses, with agent_prompt_found true', () => {
    const target = repo();
    const r = run(['schedule', 'prepare', 'coach', '--target', target, '--format', 'json']);
    expect(r.status).toBe(0);
    const bundle = JSON.parse(r.stdout) as { agent: string; agent_prompt_found: boolean; session_close: string[] };
    expect(bundle.agent).toBe('coach');
    expect(bundle.agent_prompt_found).toBe(true);
    expect(bundle.session_close.length).toBeGreaterThan(0);
  });

  it('prepare includes the memory when present', () => {
    const target = repo({ '.kaizen/agents/coach/memory.md': '# Project Context\n\nWe ship on Fridays.\n' });
    const r = run(['schedule', 'prepare', 'coach', '--target', target]);
    expect(r.stdout).toContain('## Project Memory');
    expect(r.stdout).toContain('Project Context');
  });
});

describe('deviations and exit codes', () => {
  it('prepare of an unknown agent exits 1 with the known agents and a hint (the seed exited 0)', () => {
    const target = repo();
    const r = run(['prepare', 'coahc', '--target', target]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("No agent named 'coahc'");
    expect(r.stderr).toMatch(/known agents: .*coach/);
    expect(r.stderr).toContain("did you mean 'coach'?");
  });

  it.each([
    ['an unknown option', ['validate', '--bogus']],
    ['an unknown command', ['frobnicate']],
    ['a bad --format', ['validate', '--format', 'xml']],
    ['--runs out of range', ['list', '--runs', '11']],
    ['a --now that is not an instant', ['list', '--now', 'tomorrow']],
    // Date would read it as 2 March; the service refuses it as invalid_now.
    ['a --now on a day the month does not have', ['list', '--now', '2026-02-30T08:00:00Z']],
    // The service's `now` refuses these too: seconds are required, 24:00 is no hour.
    ['a --now without seconds', ['list', '--now', '2026-01-01T09:00Z']],
    ['a --now at 24:00', ['list', '--now', '2026-01-01T24:00:00Z']],
    ['prepare without an agent', ['prepare']],
    ['a malformed agent name', ['prepare', '../etc']],
    ['an invalid --timezone', ['init', '--timezone', 'Mars/Olympus']],
    ['a --target that is no directory', ['validate', '--target', '/nonexistent/repo']],
    ['no command at all', []],
    ['an --include that is not pointers', ['prepare', 'coach', '--include', 'bogus']],
    ['an empty file name', ['validate', '']],
  ])('%s exits 2 with a message on stderr', (_what, args) => {
    const r = run(args, { cwd: repo() });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).not.toBe('');
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a reader that closes the pipe early does not turn a failure into success', async () => {
    const target = repo({ '.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: hourly }\n' });
    // As `validate | true` under pipefail: the reader is gone before the first byte.
    const closedPipe = async (args: string[]) => {
      const child = spawn(BIN, args, { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      return { code, stderr };
    };
    expect(await closedPipe(['validate', '--target', target])).toEqual({ code: 1, stderr: '' });
    expect(await closedPipe(['--help'])).toEqual({ code: 0, stderr: '' });
  });

  it('output it cannot write (a full disk) is one line on stderr and exit 1, no stack trace', () => {
    const target = repo({ '.kaizen/schedule.yml': VALID_MANIFEST });
    const full = openSync('/dev/full', 'w');
    const r = spawnSync(BIN, ['validate', '--target', target], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', full, 'pipe'], timeout: 30_000 });
    closeSync(full);
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toMatch(/^kaizen-schedule: cannot write the output \(ENOSPC\)\n$/);
  });

  it('--help and --version exit 0 on stdout', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const verb of ['validate', 'list', 'init', 'prepare', 'discover', 'agents', 'serve']) expect(help.stdout).toContain(verb);
    const version = run(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('--target defaults to the current directory', () => {
    const target = repo({ '.kaizen/schedule.yml': VALID_MANIFEST });
    const r = run(['validate'], { cwd: target });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('.kaizen/schedule.yml: valid (0 errors, 0 warnings)\n');
  });

  it('does not validate PORT or HOST, which only serve reads', () => {
    const target = repo({ '.kaizen/schedule.yml': VALID_MANIFEST });
    expect(run(['validate', '--target', target], { env: { PORT: 'not-a-port' } }).status).toBe(0);
  });

  it('prints no colour codes when stdout is not a terminal; NO_COLOR, FORCE_COLOR=0 and TERM=dumb turn colour off on one', () => {
    const target = repo({ '.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: hourly }\n' });
    const r = run(['validate', '--target', target]);
    expect(r.stdout).not.toContain('\u001b[');
    expect(colourAllowed({ isTTY: true }, {})).toBe(true);
    expect(colourAllowed({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourAllowed({ isTTY: false }, {})).toBe(false);
    expect(colourAllowed({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colourAllowed({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourAllowed({ isTTY: true }, { TERM: 'xterm-256color' })).toBe(true);
  });
});

describe('validate output formats', () => {
  const BROKEN = 'version: "1"\nagents:\n  coach:\n    cadence: hourly\n    enabeld: true\n';

  it('text: path:line:column: severity code: message (hint), then a summary', () => {
    const target = repo({ '.kaizen/schedule.yml': BROKEN });
    const r = run(['validate'], { cwd: target });
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\.kaizen\/schedule\.yml:4:14: error invalid_cadence: agent 'coach': invalid cadence 'hourly' .*\(use daily, weekly or monthly.*\)$/);
    expect(lines[1]).toMatch(/^\.kaizen\/schedule\.yml:5:5: warning unknown_key: .*enabeld.* \(did you mean 'enabled'\?\)$/);
    expect(lines[2]).toBe('.kaizen/schedule.yml: invalid: 1 error, 1 warning');
  });

  it('github: workflow commands that annotate the file, line and column', () => {
    const target = repo({ '.kaizen/schedule.yml': BROKEN });
    const r = run(['validate', '--format', 'github'], { cwd: target });
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^::error file=\.kaizen\/schedule\.yml,line=4,col=14,title=invalid_cadence::agent 'coach': invalid cadence 'hourly'/);
    expect(lines[1]).toMatch(/^::warning file=\.kaizen\/schedule\.yml,line=5,col=5,title=unknown_key::/);
  });

  it('github: escapes %, CR and LF in messages, and also : and , in properties', () => {
    expect(escapeData('50% done\r\nnext: a, b')).toBe('50%25 done%0D%0Anext: a, b');
    expect(escapeProperty('dir,x/a:b%.yml')).toBe('dir%2Cx/a%3Ab%25.yml');
    const target = repo({ 'odd,name:.yml': BROKEN });
    const r = run(['validate', '--format', 'github', 'odd,name:.yml'], { cwd: target });
    expect(r.stdout).toContain('::error file=odd%2Cname%3A.yml,line=4,col=14,');
  });

  it('github: a file name cannot forge a workflow command, in the summary line either', () => {
    const target = repo({ '.kaizen/schedule.yml': VALID_MANIFEST });
    mkdirSync(path.join(target, '::error title=forged::x'), { recursive: true });
    writeFileSync(path.join(target, '::error title=forged::x', 'm.yml'), VALID_MANIFEST);
    for (const name of ['::error title=forged::x', ' ::error::pwned', '\u00a0::warning::x', 'a##[error]pwned']) {
      mkdirSync(path.join(target, name), { recursive: true });
      writeFileSync(path.join(target, name, 'm.yml'), VALID_MANIFEST);
      const r = run(['validate', '--format', 'github', `${name}/m.yml`], { cwd: target });
      expect(r.status).toBe(0);
      for (const line of r.stdout.trimEnd().split('\n')) {
        expect(line.trimStart().startsWith('::'), line).toBe(false);
        expect(line, line).not.toContain('##[');
      }
    }
  });

  it('text: controls in a manifest value (an escape sequence in an agent name) reach the terminal as \\u escapes', () => {
    const target = repo({ '.kaizen/schedule.yml': 'version: "1"\nagents:\n  "\\e]0;TITLE\\a\\e[31mx": { cadence: weekly }\n' });
    const r = run(['validate'], { cwd: target });
    expect(r.status).toBe(1);
    expect([...r.stdout].filter((ch) => ch !== '\n' && (ch < ' ' || (ch >= '\u007f' && ch <= '\u009f')))).toEqual([]);
    expect(r.stdout).toContain('\\u001b]0;TITLE\\u0007');
  });

  it('text: a file name with a line break stays on its line', () => {
    const target = repo({ 'a\nb.yml': VALID_MANIFEST });
    const r = run(['validate', 'a\nb.yml'], { cwd: target });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('"a\\nb.yml": valid (0 errors, 0 warnings)\n');
  });

  it('json: exactly the service answer, for a valid and an invalid manifest', async () => {
    const good = repo({ '.kaizen/schedule.yml': VALID_MANIFEST });
    const bad = repo({ '.kaizen/schedule.yml': BROKEN });
    const app = await testApp({ KAIZEN_REPO_ROOTS: path.join(work.dir, 'fleet') });
    try {
      const ok = await app.inject({ url: `/v1/schedule/validation?target=${encodeURIComponent(good)}` });
      expect(ok.statusCode).toBe(200);
      const cliOk = run(['validate', '--format', 'json', '--target', good]);
      expect(cliOk.status).toBe(0);
      expect(cliOk.stdout).toBe(ok.body + '\n');

      const invalid = await app.inject({ url: `/v1/schedule/validation?target=${encodeURIComponent(bad)}` });
      expect(invalid.statusCode).toBe(422);
      const { valid, errors, warnings } = invalid.json() as Record<string, unknown>;
      const cliBad = run(['validate', '--format', 'json', '--target', bad]);
      expect(cliBad.status).toBe(1);
      expect(JSON.parse(cliBad.stdout)).toStrictEqual({ valid, errors, warnings });
    } finally {
      await app.close();
    }
  });

  it('checks files named as arguments (as pre-commit passes them) and standard input', () => {
    const mono = repo({ '.kaizen/schedule.yml': VALID_MANIFEST, 'svc/.kaizen/schedule.yml': BROKEN, 'svc/agents/agent-extra.md': '# Extra\n' });
    const r = run(['validate', '.kaizen/schedule.yml', 'svc/.kaizen/schedule.yml'], { cwd: mono });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('.kaizen/schedule.yml: valid');
    expect(r.stdout).toContain('svc/.kaizen/schedule.yml:4:14: error invalid_cadence');

    // An agent installed in the manifest's own repo is known there.
    writeFileSync(path.join(mono, 'svc/.kaizen/schedule.yml'), 'version: "1"\nagents:\n  extra: { cadence: daily }\n');
    expect(run(['validate', 'svc/.kaizen/schedule.yml'], { cwd: mono }).status).toBe(0);

    const stdin = run(['validate', '--file', '-'], { cwd: mono, input: BROKEN });
    expect(stdin.status).toBe(1);
    expect(stdin.stdout).toContain('<stdin>:4:14: error invalid_cadence');
    expect(run(['validate', '-'], { cwd: mono, input: VALID_MANIFEST }).status).toBe(0);

    // Past the cap the reading stops: the message does not claim a size it never saw, and carries the service's hint.
    const big = run(['validate', '--format', 'json', '-'], { cwd: mono, input: 'x'.repeat(200_000) });
    expect(big.status).toBe(1);
    expect(JSON.parse(big.stdout).errors).toEqual([
      expect.objectContaining({ code: 'file_too_large', message: '<stdin> is more than 65536 bytes; the limit is 65536 bytes', hint: expect.stringContaining('a few hundred bytes') }),
    ]);
  });
});

describe('files the command may not read', () => {
  // Root reads everything, so as root the command runs as nobody (uid 65534) here.
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const runAs = (args: string[], cwd: string) => {
    const r = spawnSync(BIN, args, { cwd, env: { PATH: process.env.PATH ?? '' }, timeout: 30_000, ...asUser });
    return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  let open: TempDir;
  beforeAll(() => {
    open = tempDir('kaizen-cli-perm-');
    chmodSync(open.dir, 0o755);
  });
  afterAll(() => open?.cleanup());
  /** A repo whose manifest nobody but its owner (root) may read. */
  const lockedManifest = (name: string): string => {
    const target = path.join(open.dir, name);
    writeFiles(target, { '.kaizen/schedule.yml': VALID_MANIFEST });
    chmodSync(path.join(target, '.kaizen/schedule.yml'), 0o000);
    return target;
  };

  it('an unreadable manifest is reported as unreadable, not as missing (with a hint to create one)', () => {
    const target = lockedManifest('locked-manifest');
    const r = runAs(['validate'], target);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain('.kaizen/schedule.yml cannot be read (permission denied)');
    expect(r.stdout + r.stderr).not.toMatch(/kaizen-schedule init/);
  });

  it('list on an unreadable manifest says why, with no hint to create one', () => {
    const target = lockedManifest('locked-list');
    const r = runAs(['list'], target);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cannot be read (permission denied)');
    expect(r.stderr).not.toContain('kaizen-schedule init');
  });

  it('a scan reports repos it may not read as repo_unreachable, saying so, instead of dropping them', () => {
    const roots = path.join(open.dir, 'scan-root');
    writeFiles(path.join(roots, 'locked-kaizen'), { '.kaizen/schedule.yml': VALID_MANIFEST });
    writeFiles(path.join(roots, 'locked-repo'), { '.kaizen/schedule.yml': VALID_MANIFEST });
    writeFiles(path.join(roots, 'open-repo'), { '.kaizen/schedule.yml': VALID_MANIFEST });
    chmodSync(path.join(roots, 'locked-kaizen/.kaizen'), 0o000);
    chmodSync(path.join(roots, 'locked-repo'), 0o311);
    const r = spawnSync(BIN, ['discover', '--now', NOW, '--format', 'json'], { cwd: open.dir, env: { PATH: process.env.PATH ?? '', KAIZEN_REPO_ROOTS: roots }, timeout: 30_000, ...asUser });
    expect(r.status, r.stderr.toString()).toBe(0);
    const body = JSON.parse(r.stdout.toString()) as { skipped: Array<{ repo: string; reason: string; detail: string }>; scheduled_runs: Array<{ repo: string }> };
    expect(new Set(body.scheduled_runs.map((run) => run.repo))).toEqual(new Set(['open-repo']));
    expect(body.skipped).toEqual([
      expect.objectContaining({ repo: 'locked-kaizen', reason: 'repo_unreachable', detail: expect.stringContaining('permission denied') }),
      expect.objectContaining({ repo: 'locked-repo', reason: 'repo_unreachable', detail: expect.stringContaining('permission denied') }),
    ]);
  });

  it('init into an unreadable .kaizen says it may not write there, not that .kaizen is no directory', () => {
    const target = path.join(open.dir, 'locked-kaizen');
    mkdirSync(path.join(target, '.kaizen'), { recursive: true });
    chmodSync(path.join(target, '.kaizen'), 0o000);
    const r = runAs(['init'], target);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/may not write into this repository/);
  });

  it('an unreadable repo directory is said to be unreadable, not to have changed', () => {
    const target = path.join(open.dir, 'locked-repo');
    writeFiles(target, { '.kaizen/schedule.yml': VALID_MANIFEST });
    chmodSync(target, 0o311); // may be passed through, not read
    const r = runAs(['list', '--target', target], open.dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot be read \(permission denied\)/);
    expect(r.stderr).not.toMatch(/changed while/);
  });
});

describe('confinement to the target repo', () => {
  it('a refused file among several is that file\'s error; the others are still checked and reported', () => {
    const outside = tempDir('kaizen-cli-outside-');
    try {
      writeFileSync(path.join(outside.dir, 'schedule.yml'), VALID_MANIFEST);
      const target = repo({ 'good/.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: hourly }\n' });
      mkdirSync(path.join(target, 'link/.kaizen'), { recursive: true });
      symlinkSync(path.join(outside.dir, 'schedule.yml'), path.join(target, 'link/.kaizen/schedule.yml'));
      mkdirSync(path.join(target, 'a-dir.yml'));
      const r = run(['validate', 'good/.kaizen/schedule.yml', 'link/.kaizen/schedule.yml', 'a-dir.yml'], { cwd: target });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('good/.kaizen/schedule.yml:3:21: error invalid_cadence');
      expect(r.stdout).toMatch(/link\/\.kaizen\/schedule\.yml: error schedule_not_found: .*does not resolve inside/);
      expect(r.stdout).toContain('a-dir.yml: error schedule_not_found: a-dir.yml is not a regular file and was ignored');
      const json = run(['validate', '--format', 'json', 'good/.kaizen/schedule.yml', 'link/.kaizen/schedule.yml'], { cwd: target });
      expect(json.stdout.trimEnd().split('\n')).toHaveLength(2);
    } finally {
      outside.cleanup();
    }
  });

  it('refuses a manifest that is a link leading out of the repo, without reading it', () => {
    const outside = tempDir('kaizen-outside-');
    try {
      writeFileSync(path.join(outside.dir, 'schedule.yml'), VALID_MANIFEST);
      const target = repo();
      mkdirSync(path.join(target, '.kaizen'));
      symlinkSync(path.join(outside.dir, 'schedule.yml'), path.join(target, '.kaizen/schedule.yml'));
      const r = run(['validate', '--target', target]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('does not resolve inside');
      expect(r.stdout).not.toContain('valid (');
    } finally {
      outside.cleanup();
    }
  });

  it('prepare ignores a memory file linked out of the repo', () => {
    const outside = tempDir('kaizen-outside-');
    try {
      writeFileSync(path.join(outside.dir, 'secret.md'), 'TOP SECRET\n');
      const target = repo();
      mkdirSync(path.join(target, '.kaizen/agents/coach'), { recursive: true });
      symlinkSync(path.join(outside.dir, 'secret.md'), path.join(target, '.kaizen/agents/coach/memory.md'));
      const r = run(['prepare', 'coach', '--target', target, '--format', 'json']);
      expect(r.status).toBe(0);
      expect(r.stdout).not.toContain('TOP SECRET');
      expect((JSON.parse(r.stdout) as { memory: unknown }).memory).toBeNull();
    } finally {
      outside.cleanup();
    }
  });
});

describe('the same answers as the HTTP service', () => {
  it('prepare prints byte for byte what GET /v1/prepare answers, markdown and JSON', async () => {
    const target = repo({
      '.kaizen/schedule.yml': VALID_MANIFEST,
      '.kaizen/agents/coach/memory.md': '# Memory\n\nÜmlauts and emoji 🚀 survive.\n',
      '.kaizen/metrics/coach/executions.jsonl': '{"timestamp":"2026-11-01T10:00:00Z","success":true,"time":12,"quality":0.9}\nnot json\n',
      'SCOPE.md': '# Scope\n',
    });
    const app = await testApp({ KAIZEN_REPO_ROOTS: path.join(work.dir, 'fleet') });
    try {
      for (const [format, include] of [['markdown', ''], ['json', ''], ['json', 'pointers'], ['markdown', 'pointers']] as const) {
        const res = await app.inject({ url: `/v1/prepare/coach?target=${encodeURIComponent(target)}&format=${format}&now=${NOW}${include ? `&include=${include}` : ''}` });
        expect(res.statusCode).toBe(200);
        const cli = run(['prepare', 'coach', '--target', target, '--format', format, '--now', NOW, ...(include ? ['--include', include] : [])]);
        expect(cli.status).toBe(0);
        expect(cli.bytes.equals(res.rawPayload)).toBe(true);
      }
    } finally {
      await app.close();
    }
  });

  it('list --format json is the GET /v1/schedule answer', async () => {
    const target = repo({ '.kaizen/schedule.yml': VALID_MANIFEST });
    const app = await testApp({ KAIZEN_REPO_ROOTS: path.join(work.dir, 'fleet') });
    try {
      const res = await app.inject({ url: `/v1/schedule?target=${encodeURIComponent(target)}&all=true&runs=3&now=${NOW}` });
      const cli = run(['list', '--target', target, '--all', '--runs', '3', '--now', NOW, '--format', 'json']);
      expect(cli.stdout).toBe(res.body + '\n');
    } finally {
      await app.close();
    }
  });

  it('discover reads the service environment and prints the route JSON', async () => {
    const fleet = tempDir('kaizen-discover-');
    try {
      writeFiles(fleet.dir, {
        'alpha/.kaizen/schedule.yml': VALID_MANIFEST,
        'beta/.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: hourly }\n',
        'gamma/README.md': 'not opted in\n',
      });
      const env = { KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: 'runner-1', KAIZEN_PUBLIC_URL: 'https://kaizen.example' };
      const app = await testApp(env);
      try {
        const res = await app.inject({ url: `/v1/discover?now=${NOW}&cadence=weekly` });
        const cli = run(['discover', '--now', NOW, '--cadence', 'weekly'], { env });
        expect(cli.status).toBe(0);
        const { generated_at: _a, ...fromRoute } = res.json() as Record<string, unknown>;
        const { generated_at: _b, ...fromCli } = JSON.parse(cli.stdout) as Record<string, unknown>;
        expect(fromCli).toStrictEqual(fromRoute);
        expect((fromCli.scheduled_runs as unknown[]).length).toBe(2);

        // Every discover filter is a flag with the route's meaning (flags come from one filter table).
        for (const [name, value] of [['agent', 'coach'], ['agent', 'nobody'], ['domain', 'payments'], ['cadence', 'monthly']] as const) {
          const byRoute = (await app.inject({ url: `/v1/discover?now=${NOW}&${name}=${value}` })).json() as Record<string, unknown>;
          const byCli = run(['discover', '--now', NOW, `--${name}`, value], { env });
          expect(byCli.status, byCli.stderr).toBe(0);
          expect((JSON.parse(byCli.stdout) as Record<string, unknown>).scheduled_runs, `--${name} ${value}`).toStrictEqual(byRoute.scheduled_runs);
        }
        const badAgent = run(['discover', '--agent', '../x'], { env });
        expect(badAgent.status).toBe(2);
        expect(badAgent.stderr).toContain('agent names are 1-64 letters');
        expect(run(['discover', '--domain', ''], { env }).status).toBe(2);

        const text = run(['discover', '--now', NOW, '--format', 'text'], { env });
        expect(text.stdout).toMatch(/alpha\s+coach\s+weekly/);
        expect(text.stdout).toContain('skipped beta: schedule_invalid');
      } finally {
        await app.close();
      }
      // A bad variable stops discover with the service's message.
      const bad = run(['discover'], { env: { ...env, KAIZEN_HUB_TIMEOUT_MS: 'soon' } });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('KAIZEN_HUB_TIMEOUT_MS');
    } finally {
      fleet.cleanup();
    }
  });

  it('discover --from/--to/--catchup is the due window of the route, and prepare takes the run it names', async () => {
    const fleet = tempDir('kaizen-window-');
    try {
      writeFiles(fleet.dir, { 'alpha/.kaizen/schedule.yml': VALID_MANIFEST });
      const env = { KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_PUBLIC_URL: 'https://kaizen.example' };
      const app = await testApp(env);
      try {
        const from = '2026-11-16T00:00:00Z';
        const to = '2026-12-01T00:00:00Z';
        for (const catchup of ['all', 'latest']) {
          const res = await app.inject({ url: `/v1/discover?from=${from}&to=${to}&catchup=${catchup}` });
          const cli = run(['discover', '--from', from, '--to', to, '--catchup', catchup], { env });
          expect(cli.status).toBe(0);
          const { generated_at: _a, ...fromRoute } = res.json() as Record<string, unknown>;
          const { generated_at: _b, ...fromCli } = JSON.parse(cli.stdout) as Record<string, unknown>;
          expect(fromCli).toStrictEqual(fromRoute);
        }
        const windowed = JSON.parse(run(['discover', '--from', from, '--to', to], { env }).stdout) as {
          scheduled_runs: Array<{ repo: string; agent: string; root: string; run_id: string; scheduled_for: string }>;
        };
        expect(windowed.scheduled_runs.length).toBe(6); // coach and optimization on three Mondays
        const named = windowed.scheduled_runs[0]!;
        const res = await app.inject({
          url: `/v1/prepare/${named.agent}?target=${encodeURIComponent(named.root)}&format=json&now=${NOW}&run_id=${named.run_id}&scheduled_for=${encodeURIComponent(named.scheduled_for)}&repo=${named.repo}`,
        });
        expect(res.statusCode).toBe(200);
        const cli = run(['prepare', named.agent, '--target', named.root, '--format', 'json', '--now', NOW, '--run-id', named.run_id, '--scheduled-for', named.scheduled_for, '--repo', named.repo]);
        expect(cli.status).toBe(0);
        expect(cli.bytes.equals(res.rawPayload)).toBe(true);

        const wrong = run(['prepare', named.agent, '--target', named.root, '--run-id', named.run_id, '--scheduled-for', '2026-11-17T09:00:00+01:00', '--repo', named.repo]);
        expect(wrong.status).toBe(2);
        expect(wrong.stderr).not.toBe('');
        expect(run(['discover', '--to', to], { env }).status).toBe(2); // a window needs --from
      } finally {
        await app.close();
      }
    } finally {
      fleet.cleanup();
    }
  });

  it('discover against a State Hub (the HTTP client the bundle loads on first use)', async () => {
    const fleet = tempDir('kaizen-hub-');
    const hub = await startStateHub();
    try {
      writeFiles(fleet.dir, { 'alpha/.kaizen/schedule.yml': VALID_MANIFEST });
      hub.respond(json([{ slug: 'alpha', domain: 'd', host_paths: { 'runner-1': path.join(fleet.dir, 'alpha') } }]));
      // Spawned asynchronously: the hub stand-in answers from this process.
      const child = spawn(BIN, ['discover', '--now', NOW], {
        env: { PATH: process.env.PATH ?? '', KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: 'runner-1', KAIZEN_STATE_HUB_URL: hub.url },
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      const result = JSON.parse(stdout) as { source: string; scheduled_runs: Array<{ repo: string; agent: string; prepare_url: string }> };
      expect(result.source).toBe('state_hub');
      expect(result.scheduled_runs.map((r) => `${r.repo}/${r.agent}`)).toEqual(['alpha/coach', 'alpha/optimization']);
      expect(result.scheduled_runs[0]!.prepare_url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/v1\/prepare\/coach\?target=/);

      const down = run(['discover'], { env: { KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_STATE_HUB_URL: 'http://127.0.0.1:1' } });
      expect(down.status).toBe(1);
      expect(down.stderr).toContain('State Hub');
    } finally {
      await hub.close();
      fleet.cleanup();
    }
  });

  it('agents lists packaged and installed agents as GET /v1/agents does', async () => {
    const target = repo({ 'agents/agent-house-style.md': '# House style\n' });
    const app = await testApp({ KAIZEN_REPO_ROOTS: path.join(work.dir, 'fleet') });
    try {
      const res = await app.inject({ url: `/v1/agents?target=${encodeURIComponent(target)}` });
      expect(run(['agents', '--target', target, '--format', 'json']).stdout).toBe(res.body + '\n');
      expect(run(['agents', '--target', target]).stdout).toMatch(/house-style\s+installed/);
    } finally {
      await app.close();
    }
  });
});
