import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleInputs, type Bundle } from '../../src/prepare/bundle.js';
import { PreparedBundles, type RenderOptions } from '../../src/prepare/bundle-cache.js';
import { MANIFEST_INPUTS } from '../../src/manifest/repo-manifests.js';
import { RACY_WINDOW_MS } from '../../src/repo/fingerprint.js';
import { createServices } from '../../src/services.js';
import { ROUTE_LINKS } from '../../src/http/paths.js';
import { tempDir, tempFleet, testApp, testConfig, writeFiles, type TempDir } from '../helpers/fleet.js';

/**
 * The prepare cache must never cost freshness: whatever was on disk when a
 * request was sent is what it gets back. These tests run without an explicit
 * `now` (which would bypass the cache) and wait out the racy window once, so
 * the cache is really in use; the cache counters in /metrics prove it.
 */

const MANIFEST = 'version: "1"\ntimezone: UTC\nagents:\n  coach: { cadence: weekly, cron: "0 9 * * 1" }\n';
const EXECUTION = '{"timestamp":"2026-01-01T00:00:00Z","success":true,"time":10,"quality":0.5}\n';
const REPOS = ['burst', 'turn', 'batch', 'memory', 'prompt', 'metrics', 'schedule', 'pointer', 'socket'];

/**
 * One edit per input of a bundle (bundleInputs, plus the manifest's inputs),
 * each in its own repo: what the repo holds, the edit, and what the next
 * bundle shows. The type makes a new input need a case here; the test below
 * fails when an input the bundle reads is left out of the cache's fingerprint.
 */
type InputName = keyof ReturnType<typeof bundleInputs> | 'schedule' | 'agents';
const EDITS: Record<InputName, { files: Record<string, string>; edit: (repo: string) => void; shows: (bundle: Bundle) => unknown }> = {
  prompt: { files: { 'agents/agent-coach.md': 'prompt v1\n' }, edit: (r) => writeFileSync(file(r, 'agents/agent-coach.md'), 'prompt v2\n'), shows: (b) => b.agent_prompt },
  memory: { files: { '.kaizen/agents/coach/memory.md': 'memory v1\n' }, edit: (r) => writeFileSync(file(r, '.kaizen/agents/coach/memory.md'), 'memory v2\n'), shows: (b) => b.memory },
  summary: {
    files: { '.kaizen/metrics/coach/summary.json': '{"executions":1}' },
    edit: (r) => writeFileSync(file(r, '.kaizen/metrics/coach/summary.json'), '{"executions":2}'),
    shows: (b) => b.metrics_summary?.executions,
  },
  executions: {
    files: { '.kaizen/metrics/coach/executions.jsonl': EXECUTION },
    edit: (r) => appendFileSync(file(r, '.kaizen/metrics/coach/executions.jsonl'), EXECUTION.replace('01-01', '01-08')),
    shows: (b) => b.metrics_summary?.executions,
  },
  scope: { files: { 'SCOPE.md': 'scope v1\n' }, edit: (r) => writeFileSync(file(r, 'SCOPE.md'), 'scope v2\n'), shows: (b) => b.pointer_contents?.scope?.text },
  todo: { files: { 'TODO.md': 'todo v1\n' }, edit: (r) => writeFileSync(file(r, 'TODO.md'), 'todo v2\n'), shows: (b) => b.pointer_contents?.todo?.text },
  schedule: { files: { '.kaizen/schedule.yml': MANIFEST }, edit: (r) => writeFileSync(file(r, '.kaizen/schedule.yml'), MANIFEST.replace('0 9', '0 7')), shows: (b) => b.schedule?.cron },
  agents: {
    // The manifest names an agent the repo does not install yet, so it is invalid until it does.
    files: { '.kaizen/schedule.yml': `${MANIFEST}  extra: { cadence: weekly }\n`, 'agents/README.md': 'prompts\n' },
    edit: (r) => writeFileSync(file(r, 'agents/agent-extra.md'), '# extra\n'),
    shows: (b) => b.schedule?.cron ?? null,
  },
};
const inputRepo = (name: string) => `input-${name}`;

let fleet: TempDir;
let app: FastifyInstance;

const file = (repo: string, relative: string) => path.join(fleet.dir, repo, relative);
const prepare = (repo: string) => app.inject({ url: `/v1/prepare/coach?target=${repo}` });

async function cacheCounts(): Promise<{ hit: number; miss: number; bypass: number }> {
  const text = (await app.inject('/metrics')).body;
  const count = (outcome: string) => Number(new RegExp(`^kaizen_bundle_cache_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { hit: count('hit'), miss: count('miss'), bypass: count('bypass') };
}

/** Requests the bundle until it comes from the cache, so the next edit is checked against a cached signature. */
async function primed(repo: string) {
  await prepare(repo);
  const before = await cacheCounts();
  const res = await prepare(repo);
  expect((await cacheCounts()).hit).toBe(before.hit + 1);
  return res.json();
}

beforeAll(async () => {
  fleet = tempFleet({
    ...Object.fromEntries(Object.entries(EDITS).map(([name, { files }]) => [inputRepo(name), files])),
    ...Object.fromEntries(
      REPOS.map((name) => [
        name,
        {
          '.kaizen/schedule.yml': MANIFEST,
          '.kaizen/agents/coach/memory.md': 'memory v1\n',
          '.kaizen/metrics/coach/executions.jsonl': EXECUTION,
          'agents/agent-coach.md': 'prompt v1\n',
          'SCOPE.md': '# Scope\n',
        },
      ]),
    ),
  });
  app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
  // Files younger than the racy window are never cached; let them age once.
  await new Promise((resolve) => setTimeout(resolve, RACY_WINDOW_MS + 100));
});

afterAll(async () => {
  await app.close();
  fleet.cleanup();
});

describe('the prepare cache', () => {
  it('answers a burst of concurrent calls from one render', async () => {
    const before = await cacheCounts();
    const responses = await Promise.all(Array.from({ length: 20 }, () => prepare('burst')));
    const after = await cacheCounts();
    expect(responses.every((r) => r.statusCode === 200 && r.body === responses[0]!.body)).toBe(true);
    expect(after.miss - before.miss).toBeLessThanOrEqual(1);
    expect(after.hit - before.hit).toBeGreaterThanOrEqual(19);
  });

  it('a request sent after an edit sees it, even when it lands in the same turn as one sent before', async () => {
    await primed('turn');
    const early = prepare('turn');
    writeFileSync(file('turn', '.kaizen/agents/coach/memory.md'), 'memory v2\n');
    const late = prepare('turn');
    expect((await late).json().memory).toBe('memory v2\n');
    // the earlier one may see either version, but never anything else
    expect(['memory v1\n', 'memory v2\n']).toContain((await early).json().memory);
    expect((await prepare('turn')).json().memory).toBe('memory v2\n');
  });

  it('a batch looks at the disk only after every call in it was made: one queued before an edit in the same turn sees it too', async () => {
    const services = createServices(testConfig({ KAIZEN_REPO_ROOTS: fleet.dir }), ROUTE_LINKS);
    const bundles = new PreparedBundles(services.roots, { agents: services.agents, defaults: services.defaults, manifests: services.manifests }, { prepareCommandTemplate: '', host: 'test-host', emit: false });
    const options: RenderOptions = { format: 'json', include: new Set() };
    const memoryOf = async (prepared: ReturnType<PreparedBundles['prepare']>) => (JSON.parse((await prepared).bundle.body.toString()) as { memory: string }).memory;
    await bundles.prepare('batch', 'coach', options);
    expect((await bundles.prepare('batch', 'coach', options)).cache).toBe('hit');

    // Both calls are queued synchronously, so they share one batch; it runs after the edit.
    const queuedBefore = bundles.prepare('batch', 'coach', options);
    writeFileSync(file('batch', '.kaizen/agents/coach/memory.md'), 'memory v2\n');
    const queuedAfter = bundles.prepare('batch', 'coach', options);
    expect(await memoryOf(queuedAfter)).toBe('memory v2\n');
    expect(await memoryOf(queuedBefore)).toBe('memory v2\n');
  });

  it('edits made after a bundle was cached show once they are older than the racy window', async () => {
    const before = {
      memory: await primed('memory'),
      prompt: await primed('prompt'),
      metrics: await primed('metrics'),
      schedule: await primed('schedule'),
      pointer: await primed('pointer'),
    };
    expect(before.memory.memory).toBe('memory v1\n');
    expect(before.prompt.agent_prompt).toBe('prompt v1\n');
    expect(before.metrics.metrics_summary.executions).toBe(1);
    expect(before.schedule.schedule.cron).toBe('0 9 * * 1');
    expect(before.pointer.pointers.scope).toBe(file('pointer', 'SCOPE.md'));

    // Same-size edits, an append, a changed manifest and a deleted pointer.
    writeFileSync(file('memory', '.kaizen/agents/coach/memory.md'), 'memory v2\n');
    writeFileSync(file('prompt', 'agents/agent-coach.md'), 'prompt v2\n');
    appendFileSync(file('metrics', '.kaizen/metrics/coach/executions.jsonl'), EXECUTION.replace('01-01', '01-08'));
    writeFileSync(file('schedule', '.kaizen/schedule.yml'), MANIFEST.replace('0 9 * * 1', '0 7 * * 1'));
    rmSync(file('pointer', 'SCOPE.md'));
    await new Promise((resolve) => setTimeout(resolve, RACY_WINDOW_MS + 100));

    const counts = await cacheCounts();
    expect((await prepare('memory')).json().memory).toBe('memory v2\n');
    expect((await prepare('prompt')).json().agent_prompt).toBe('prompt v2\n');
    expect((await prepare('metrics')).json().metrics_summary.executions).toBe(2);
    expect((await prepare('schedule')).json().schedule.cron).toBe('0 7 * * 1');
    expect((await prepare('pointer')).json().pointers.scope).toBeUndefined();
    // every one of them was rendered anew, none served from the cache
    expect((await cacheCounts()).miss - counts.miss).toBe(5);
  });

  it('every input of a bundle is in its fingerprint: an edit to any one is seen by the next request', async () => {
    // The edit table covers the bundle's inputs, no more and no fewer.
    const inputs = [...Object.values(bundleInputs('coach')), ...MANIFEST_INPUTS].map((i) => i.relative);
    expect(inputs).toHaveLength(Object.keys(EDITS).length);
    const url = (name: string) => `/v1/prepare/coach?target=${inputRepo(name)}&include=pointers`;
    const before: Record<string, unknown> = {};
    for (const [name, { shows }] of Object.entries(EDITS)) {
      await app.inject(url(name));
      const counts = await cacheCounts();
      const cached = await app.inject(url(name));
      expect((await cacheCounts()).hit, `${name} is cached`).toBe(counts.hit + 1);
      before[name] = shows(cached.json<Bundle>());
    }
    for (const [name, { edit }] of Object.entries(EDITS)) edit(inputRepo(name));
    // Old enough to be trusted again, so only the fingerprint can notice the change.
    await new Promise((resolve) => setTimeout(resolve, RACY_WINDOW_MS + 100));
    for (const [name, { shows }] of Object.entries(EDITS)) {
      const after = shows((await app.inject(url(name))).json<Bundle>());
      expect(after, `an edit to the ${name} input is seen`).not.toEqual(before[name]);
    }
  });

  it('over real sockets: with a burst in flight, every request sent after an edit sees it', async () => {
    await primed('socket');
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const dispatcher = new Agent({ connections: 50 });
    const get = async () => {
      const res = await request(`http://127.0.0.1:${port}/v1/prepare/coach?target=socket`, { dispatcher });
      expect(res.statusCode).toBe(200);
      return ((await res.body.json()) as { memory: string }).memory;
    };
    try {
      const sentBefore = Array.from({ length: 25 }, get);
      writeFileSync(file('socket', '.kaizen/agents/coach/memory.md'), 'memory v2\n');
      const sentAfter = await Promise.all(Array.from({ length: 25 }, get));
      expect(sentAfter).toEqual(Array(25).fill('memory v2\n'));
      for (const memory of await Promise.all(sentBefore)) expect(['memory v1\n', 'memory v2\n']).toContain(memory);
    } finally {
      await dispatcher.close();
    }
  });
});

describe('the packaged prompts, shared by a batch over many repos', () => {
  let packaged: TempDir;
  let repos: TempDir;
  let shared: FastifyInstance;
  const prompt = (repo: string) => shared.inject({ url: `/v1/prepare/coach?target=${repo}` }).then((res) => res.json<Bundle>().agent_prompt);

  beforeAll(async () => {
    packaged = tempDir('kaizen-packaged-');
    writeFiles(packaged.dir, { 'agent-coach.md': 'packaged v1\n' });
    // No repo installs a prompt, so every bundle reads the packaged one.
    repos = tempFleet(Object.fromEntries(['one', 'two', 'three'].map((name) => [name, { '.kaizen/schedule.yml': MANIFEST }])));
    shared = await testApp({ KAIZEN_REPO_ROOTS: repos.dir }, { packagedAgentsDir: packaged.dir });
    await new Promise((resolve) => setTimeout(resolve, RACY_WINDOW_MS + 100));
  });

  afterAll(async () => {
    await shared.close();
    repos.cleanup();
    packaged.cleanup();
  });

  it('an edit to a packaged prompt shows in every repo of the next batch', async () => {
    // Concurrent calls land in one batch, which reads the packaged prompt through one shared view.
    expect(await Promise.all(['one', 'two', 'three'].map(prompt))).toEqual(['packaged v1\n', 'packaged v1\n', 'packaged v1\n']);
    expect(await Promise.all(['one', 'two', 'three'].map(prompt))).toEqual(['packaged v1\n', 'packaged v1\n', 'packaged v1\n']);
    // Same size, aged past the racy window: only the fingerprint can tell.
    writeFileSync(path.join(packaged.dir, 'agent-coach.md'), 'packaged v2\n');
    await new Promise((resolve) => setTimeout(resolve, RACY_WINDOW_MS + 100));
    expect(await Promise.all(['one', 'two', 'three'].map(prompt))).toEqual(['packaged v2\n', 'packaged v2\n', 'packaged v2\n']);
  });
});
