/** Regressions for repo layouts and inputs found in review: odd files where directories belong, and oversized answers. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALID_MANIFEST, tempDir, tempFleet, testApp, type TempDir } from '../helpers/fleet.js';

let fleet: TempDir;
let outside: TempDir;
let app: FastifyInstance;

beforeAll(async () => {
  fleet = tempFleet({
    'agents-file': { agents: 'not a directory\n', '.kaizen/schedule.yml': VALID_MANIFEST },
    'kaizen-file': { '.kaizen': 'not a directory\n' },
    'scope-loop': { 'TODO.md': '# todo\n' },
    'prompt-out': { '.kaizen/schedule.yml': 'version: "1"\nagents:\n  sneaky: { cadence: weekly }\n' },
    'zone-case': { '.kaizen/schedule.yml': 'version: "1"\ntimezone: europe/berlin\nagents:\n  coach: { cadence: weekly }\n' },
    'feb-31': { '.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: monthly, cron: "0 9 31 2 *" }\n' },
  });
  outside = tempDir('kaizen-outside-');
  writeFileSync(path.join(outside.dir, 'prompt.md'), '# OUTSIDE-PROMPT-MARKER\n');
  symlinkSync('SCOPE.md', path.join(fleet.dir, 'scope-loop', 'SCOPE.md'));
  mkdirSync(path.join(fleet.dir, 'prompt-out', 'agents'));
  symlinkSync(path.join(outside.dir, 'prompt.md'), path.join(fleet.dir, 'prompt-out', 'agents', 'agent-sneaky.md'));
  symlinkSync(path.join(outside.dir, 'prompt.md'), path.join(fleet.dir, 'prompt-out', 'agents', 'agent-coach.md'));
  app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
});

afterAll(async () => {
  await app.close();
  fleet.cleanup();
  outside.cleanup();
});

describe('odd repo layouts answer normally, never 500', () => {
  it('an agents path that is a file', async () => {
    const res = await app.inject('/v1/prepare/coach?target=agents-file');
    expect(res.statusCode).toBe(200);
    expect((await app.inject('/v1/schedule?target=agents-file')).statusCode).toBe(200);
  });

  it('a .kaizen that is a file: no manifest, no memory', async () => {
    expect((await app.inject('/v1/prepare/coach?target=kaizen-file')).statusCode).toBe(200);
    const validation = await app.inject('/v1/schedule/validation?target=kaizen-file');
    expect(validation.statusCode).toBe(404);
    expect(validation.json()).toMatchObject({ code: 'schedule_not_found' });
  });

  it('a SCOPE.md that links to itself', async () => {
    const res = await app.inject('/v1/prepare/coach?target=scope-loop');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ pointers: Record<string, string> }>();
    expect(body.pointers.scope).toBeUndefined();
    expect(body.pointers.todo).toBe(path.join(fleet.dir, 'scope-loop', 'TODO.md'));
  });
});

describe('an installed prompt that links out of the repo', () => {
  it('does not make its name a known agent', async () => {
    const agents = await app.inject('/v1/agents?target=prompt-out');
    expect(agents.json<{ agents: Array<{ name: string; source: string }> }>().agents).not.toContainEqual(expect.objectContaining({ name: 'sneaky' }));
    const validation = await app.inject('/v1/schedule/validation?target=prompt-out');
    expect(validation.statusCode).toBe(422);
    expect(validation.json().errors[0]).toMatchObject({ code: 'unknown_agent', path: '/agents/sneaky' });
  });

  it('falls back to the packaged prompt with a warning, never reading the outside file', async () => {
    const res = await app.inject('/v1/prepare/coach?target=prompt-out');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ prompt_source: string; warnings: string[] }>();
    expect(body.prompt_source).toBe('packaged');
    expect(body.warnings).toContainEqual(expect.stringMatching(/agents\/agent-coach\.md is a link leading out of the repo.*packaged prompt was used instead/));
    expect(res.body).not.toContain('OUTSIDE-PROMPT-MARKER');
  });
});

describe('manifest values', () => {
  it('echoes a time zone in its IANA spelling, whatever the case it was written in', async () => {
    const res = await app.inject('/v1/schedule?target=zone-case');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ timezone: 'Europe/Berlin', entries: [{ timezone: 'Europe/Berlin' }] });
  });

  it('refuses a cron that never fires', async () => {
    const res = await app.inject('/v1/schedule/validation?target=feb-31');
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0]).toMatchObject({ code: 'invalid_cron', path: '/agents/coach/cron' });
    expect(res.json().errors[0].message).toMatch(/never fires/);
  });

  it('lists at most 100 errors of a hostile manifest and says it cut the list', async () => {
    let text = 'version: "1"\nagents:\n';
    for (let i = 0; i < 3000; i++) text += `  a${i}: 1\n`;
    const res = await app.inject({ method: 'POST', url: '/v1/schedule/validate', headers: { 'content-type': 'application/yaml' }, payload: text });
    expect(res.statusCode).toBe(422);
    const body = res.json<{ errors: unknown[]; truncated: boolean }>();
    expect(body.errors).toHaveLength(100);
    expect(body.truncated).toBe(true);
  });
});
