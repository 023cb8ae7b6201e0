import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempFleet, testApp, type TempDir } from '../../helpers/fleet.js';
import { oddReposApp, type OddReposApp } from '../../helpers/odd-repos.js';
import { ROOT } from '../../helpers/paths.js';
import { expectProblem } from '../../helpers/problem.js';

describe('GET /v1/agents and /v1/agents/{name}', () => {
  let app: FastifyInstance;
  let fleet: TempDir;
  beforeAll(async () => {
    fleet = tempFleet({
      custom: { 'agents/agent-coach.md': '# Our own coach\n', 'agents/agent-house-style.md': '# House style\n', 'agents/agent-bad.name.md': 'x', 'agents/not-an-agent.md': 'x' },
    });
    app = await testApp({ KAIZEN_REPO_ROOTS: `${path.join(ROOT, 'examples', 'fleet')}:${fleet.dir}` });
  });
  afterAll(async () => {
    await app.close();
    fleet.cleanup();
  });

  it('GET /v1/agents lists the packaged agents', async () => {
    const res = await app.inject('/v1/agents');
    expect(res.statusCode).toBe(200);
    const agents = res.json<{ agents: Array<{ name: string; source: string }> }>().agents;
    for (const name of ['coach', 'optimization', 'tdd-workflow', 'sys-medic', 'releaseManager']) {
      expect(agents).toContainEqual({ name, source: 'packaged' });
    }
    const names = agents.map((a) => a.name);
    expect(names).toEqual([...names].sort());
    expect(agents.every((a) => a.source === 'packaged')).toBe(true);
  });

  it('with target, installed agents are added and override packaged ones', async () => {
    const docs = (await app.inject('/v1/agents?target=docs-site')).json<{ agents: Array<{ name: string; source: string }> }>().agents;
    expect(docs).toContainEqual({ name: 'docs-linkcheck', source: 'installed' });
    expect(docs).toContainEqual({ name: 'coach', source: 'packaged' });

    const custom = (await app.inject(`/v1/agents?target=${encodeURIComponent(path.join(fleet.dir, 'custom'))}`)).json<{ agents: Array<{ name: string; source: string }> }>().agents;
    expect(custom).toContainEqual({ name: 'coach', source: 'installed' });
    expect(custom).toContainEqual({ name: 'house-style', source: 'installed' });
    expect(custom.filter((a) => a.name === 'coach')).toHaveLength(1);
    expect(custom.map((a) => a.name)).not.toContain('bad.name');
  });

  it('GET /v1/agents/{name} returns the prompt text', async () => {
    const res = await app.inject('/v1/agents/coach');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ name: string; source: string; bytes: number; prompt: string }>();
    expect(body.name).toBe('coach');
    expect(body.source).toBe('packaged');
    expect(body.prompt).toBe(readFileSync(path.join(ROOT, 'agents', 'agent-coach.md'), 'utf8'));
    expect(body.bytes).toBe(Buffer.byteLength(body.prompt));
    expect(body.prompt.length).toBeGreaterThan(200);

    const installed = (await app.inject(`/v1/agents/coach?target=${encodeURIComponent(path.join(fleet.dir, 'custom'))}`)).json<{ source: string; prompt: string }>();
    expect(installed).toMatchObject({ source: 'installed', prompt: '# Our own coach\n' });
    const linkcheck = await app.inject('/v1/agents/docs-linkcheck?target=docs-site');
    expect(linkcheck.json()).toMatchObject({ name: 'docs-linkcheck', source: 'installed' });
  });

  it('404 unknown_agent with the known agents and a did-you-mean hint', async () => {
    const body = expectProblem(await app.inject('/v1/agents/coahc'), 404, 'unknown_agent');
    expect(body.hint).toBe("did you mean 'coach'?");
    expect(body.known_agents).toEqual(expect.arrayContaining(['coach', 'optimization', 'tdd-workflow']));
    // An installed agent is unknown without its repo.
    expectProblem(await app.inject('/v1/agents/docs-linkcheck'), 404, 'unknown_agent');
    const far = expectProblem(await app.inject('/v1/agents/zzzzzzzz'), 404, 'unknown_agent');
    expect(far.hint).toBeUndefined();
  });

  it('400 invalid_agent_name for names with path characters', async () => {
    for (const name of ['..%2Fetc', '..%2F..%2Fetc%2Fpasswd', 'a.b', '-x', '%2Fetc', 'coach%00', 'a%20b']) {
      expectProblem(await app.inject(`/v1/agents/${name}`), 400, 'invalid_agent_name');
    }
    // Too long for the name rule: refused by the route schema or the name check, either way a 400.
    const long = await app.inject(`/v1/agents/${'a'.repeat(65)}`);
    expectProblem(long, 400, long.json<{ code: string }>().code);
    expect(['invalid_request', 'invalid_agent_name']).toContain(long.json<{ code: string }>().code);
  });

  it('GET /v1/agents with a target outside the roots is refused', async () => {
    expectProblem(await app.inject('/v1/agents?target=..'), 403, 'path_outside_roots');
  });
});

describe('an installed prompt that links out of the repo', () => {
  let odd: OddReposApp;
  let app: FastifyInstance;
  beforeAll(async () => {
    odd = await oddReposApp(['prompt-out']);
    app = odd.app;
  });
  afterAll(() => odd.close());

  it('does not make its name a known agent', async () => {
    const agents = await app.inject('/v1/agents?target=prompt-out');
    expect(agents.json<{ agents: Array<{ name: string; source: string }> }>().agents).not.toContainEqual(expect.objectContaining({ name: 'sneaky' }));
    const validation = await app.inject('/v1/schedule/validation?target=prompt-out');
    expect(validation.statusCode).toBe(422);
    expect(validation.json().errors[0]).toMatchObject({ code: 'unknown_agent', path: '/agents/sneaky' });
  });
});
