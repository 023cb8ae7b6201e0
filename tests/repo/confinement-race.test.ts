import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RACY_WINDOW_MS } from '../../src/repo/fingerprint.js';
import { tempDir, tempFleet, testApp, writeFiles, type TempDir } from '../helpers/fleet.js';
import { ROOT } from '../helpers/paths.js';

/**
 * Confinement under concurrent change (SPEC §7): a loop swaps a repo, its
 * .kaizen/ or its agents/ with a symlink to an outside directory, atomically
 * (renameat2 RENAME_EXCHANGE, through tests/helpers/exchange.py), while
 * requests run. No answer, no cache entry and no write may ever touch the
 * outside, no answer may be a 500, and once the loop stops the repo's own
 * content is served again.
 */

const EXCHANGE = path.join(ROOT, 'tests', 'helpers', 'exchange.py');
/** How long each swap loop runs. */
const RACE_SECONDS = 3;
const MARKER = 'OUTSIDE-RACE-MARKER-4d1e';
const OUTSIDE_REPO = {
  'agents/agent-coach.md': `# outside prompt ${MARKER}\n`,
  '.kaizen/agents/coach/memory.md': `outside memory ${MARKER}\n`,
  '.kaizen/metrics/coach/summary.json': JSON.stringify({ executions: 3, marker: MARKER }),
  '.kaizen/metrics/coach/executions.jsonl': `${JSON.stringify({ timestamp: MARKER, success: true })}\n`,
  '.kaizen/schedule.yml': `version: "1"\n# ${MARKER}\nagents:\n  coach: { cadence: daily }\n`,
  'SCOPE.md': `outside scope ${MARKER}\n`,
  'TODO.md': `outside todo ${MARKER}\n`,
};
const ownRepo = (name: string) => ({
  'agents/agent-coach.md': `# ${name} prompt\n`,
  '.kaizen/agents/coach/memory.md': `${name} memory\n`,
  '.kaizen/metrics/coach/summary.json': JSON.stringify({ executions: 1, repo: name }),
  '.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: weekly }\n',
  'SCOPE.md': `${name} scope\n`,
  'TODO.md': `${name} todo\n`,
});

let outside: TempDir;
let fleet: TempDir;
let app: FastifyInstance;

function requireExchangeHelper(): void {
  const probe = spawnSync('python3', ['-c', 'import ctypes; ctypes.CDLL(None)'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`the swap-race tests need python3 with ctypes (apt-get install -y python3): ${probe.error?.message ?? probe.stderr}`);
  }
}

beforeAll(async () => {
  requireExchangeHelper();
  outside = tempDir('kaizen-race-outside-');
  writeFiles(path.join(outside.dir, 'repo'), OUTSIDE_REPO);
  mkdirSync(path.join(outside.dir, 'init-target'));
  fleet = tempFleet({
    'victim-repo': ownRepo('victim-repo'),
    'victim-kaizen': ownRepo('victim-kaizen'),
    'victim-agents': ownRepo('victim-agents'),
    'victim-init': { 'README.md': 'init here\n', '.kaizen/README.md': 'kept\n' },
  });
  const at = (p: string) => path.join(fleet.dir, p);
  symlinkSync(path.join(outside.dir, 'repo'), at('decoy-repo'));
  symlinkSync(path.join(outside.dir, 'repo', '.kaizen'), at('victim-kaizen/decoy'));
  symlinkSync(path.join(outside.dir, 'repo', 'agents'), at('victim-agents/decoy'));
  symlinkSync(path.join(outside.dir, 'init-target'), at('victim-init/decoy'));
  app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_ENABLE_WRITE: 'true' });
  // Files younger than the racy window are never cached; let them age so the cache is in play.
  await new Promise((resolve) => setTimeout(resolve, RACY_WINDOW_MS + 100));
}, 30_000);

afterAll(async () => {
  await app?.close();
  fleet?.cleanup();
  outside?.cleanup();
});

/**
 * Runs the swap loop on `a` and `b` and calls `load` over and over until it
 * ends; the loop leaves both paths as they were. Returns how many rounds ran.
 */
async function race(a: string, b: string, load: () => Promise<void>): Promise<number> {
  const child = spawn('python3', [EXCHANGE, a, b, String(RACE_SECONDS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', () => reject(new Error(`exchange helper failed: ${stderr}`)));
  });
  let running = true;
  void exited.then(() => (running = false));
  let rounds = 0;
  try {
    while (running) {
      await load();
      rounds++;
    }
  } finally {
    child.kill();
  }
  expect(await exited, stderr).toBe(0);
  return rounds;
}

/** What went wrong in the answers seen, for one assertion at the end. */
function checker(allowed: readonly number[], swapShows: (res: LightMyRequestResponse) => boolean) {
  const problems: string[] = [];
  const statuses = new Map<number, number>();
  let swapsSeen = 0;
  return {
    problems,
    statuses,
    /** Answers that show the swapped state (refused, or a warning): proof the race really ran against the requests. */
    get swapsSeen() {
      return swapsSeen;
    },
    check(label: string, res: LightMyRequestResponse): void {
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (swapShows(res)) swapsSeen++;
      if (res.body.includes(MARKER)) problems.push(`${label}: outside content served (${res.statusCode})`);
      if (!allowed.includes(res.statusCode) && problems.length < 20) problems.push(`${label}: status ${res.statusCode} ${res.body.slice(0, 200)}`);
    },
  };
}

const readUrls = (target: string): string[] => [
  `/v1/prepare/coach?target=${target}&include=pointers`,
  `/v1/prepare/coach?target=${target}&include=pointers&format=markdown`,
  `/v1/prepare/coach?target=${target}&include=pointers&now=2026-03-04T10:00:00Z`,
  `/v1/agents/coach?target=${target}`,
  `/v1/agents?target=${target}`,
  `/v1/schedule/validation?target=${target}`,
];

/** Races reads of `target` against a swap of `a` and `b`, then checks the repo's own content is back. */
async function readRace(target: string, a: string, b: string): Promise<void> {
  const seen = checker([200, 403, 404, 422], (res) => res.statusCode !== 200 || /leading out of the repo|"name":"coach","source":"packaged"|"prompt_source":"packaged"/.test(res.body));
  const urls = readUrls(target);
  const rounds = await race(path.join(fleet.dir, a), path.join(fleet.dir, b), async () => {
    const responses = await Promise.all(urls.flatMap((url) => [url, url].map(async (u) => [u, await app.inject(u)] as const)));
    for (const [url, res] of responses) seen.check(url, res);
  });
  expect(rounds).toBeGreaterThan(0);
  expect(seen.problems, JSON.stringify([...seen.statuses])).toEqual([]);
  expect(seen.swapsSeen).toBeGreaterThan(0);

  // Swapped directories are racy for a moment; after that the cache is in use again.
  await new Promise((resolve) => setTimeout(resolve, RACY_WINDOW_MS + 100));
  for (let i = 0; i < 2; i++) {
    const prepared = await app.inject(urls[0]!);
    expect(prepared.statusCode, prepared.body).toBe(200);
    expect(prepared.json()).toMatchObject({
      agent_prompt: `# ${target} prompt\n`,
      prompt_source: 'installed',
      memory: `${target} memory\n`,
      metrics_summary: { repo: target },
      pointer_contents: { scope: { text: `${target} scope\n` }, todo: { text: `${target} todo\n` } },
    });
    const markdown = await app.inject(urls[1]!);
    expect(markdown.body).toContain(`${target} memory`);
    expect(markdown.body).not.toContain(MARKER);
    const agent = await app.inject(urls[3]!);
    expect(agent.json()).toMatchObject({ source: 'installed', prompt: `# ${target} prompt\n` });
  }
}

describe('reads while a directory is swapped for a link out of the roots', () => {
  it('the repo directory itself', async () => {
    await readRace('victim-repo', 'victim-repo', 'decoy-repo');
  }, 30_000);

  it("the repo's .kaizen directory", async () => {
    await readRace('victim-kaizen', 'victim-kaizen/.kaizen', 'victim-kaizen/decoy');
  }, 30_000);

  it("the repo's agents directory", async () => {
    await readRace('victim-agents', 'victim-agents/agents', 'victim-agents/decoy');
  }, 30_000);
});

describe('the scaffold write while .kaizen is swapped for a link out of the roots', () => {
  it('never writes outside, never answers 500, leaves no temporary files', async () => {
    const seen = checker([201, 403, 409], (res) => res.statusCode !== 201);
    const rounds = await race(path.join(fleet.dir, 'victim-init/.kaizen'), path.join(fleet.dir, 'victim-init/decoy'), async () => {
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => app.inject({ method: 'POST', url: '/v1/schedule/init', payload: { target: 'victim-init', force: true } })),
      );
      for (const res of responses) seen.check('init', res);
    });
    expect(rounds).toBeGreaterThan(0);
    expect(seen.problems, JSON.stringify([...seen.statuses])).toEqual([]);
    expect(seen.swapsSeen).toBeGreaterThan(0);
    expect(readdirSync(path.join(outside.dir, 'init-target'))).toEqual([]);
    expect(lstatSync(path.join(fleet.dir, 'victim-init/decoy')).isSymbolicLink()).toBe(true);
    // Whichever name the real directory had when a write landed, it is inside the repo and holds no leftovers.
    expect(readdirSync(path.join(fleet.dir, 'victim-init/.kaizen')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const after = await app.inject({ method: 'POST', url: '/v1/schedule/init', payload: { target: 'victim-init', force: true } });
    expect(after.statusCode, after.body).toBe(201);
    expect(readdirSync(path.join(fleet.dir, 'victim-init/.kaizen')).sort()).toEqual(['README.md', 'schedule.yml']);
  }, 30_000);
});
