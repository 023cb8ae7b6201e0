/**
 * Runs the service the way the Docker image does: the TypeScript build in
 * dist/, started with plain `node dist/src/server.js`, then stopped with
 * SIGTERM while a request is in flight.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALID_MANIFEST, tempFleet, type TempDir } from '../helpers/fleet.js';
import { startStateHub, type StateHubStandIn } from '../helpers/state-hub.js';
import { ROOT } from '../helpers/paths.js';
import { freePort } from '../helpers/ports.js';

let fleet: TempDir;
let hub: StateHubStandIn;


interface Running {
  child: ChildProcessWithoutNullStreams;
  base: string;
  output: () => string;
}

async function startServer(env: Record<string, string>, command?: string[]): Promise<Running> {
  const port = await freePort();
  const [, ...args] = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
  const child = spawn(command?.[0] ?? process.execPath, command?.slice(1) ?? args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (output.includes('kaizen-schedule ready')) break;
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base, output: () => output };
}

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-cli.mjs')], { cwd: ROOT, stdio: 'inherit' });
  fleet = tempFleet({ alpha: { '.kaizen/schedule.yml': VALID_MANIFEST } });
}, 180_000);

afterAll(async () => {
  await hub?.close();
  fleet?.cleanup();
});

describe('the production build', () => {
  it('serves from dist/ with plain node, logs JSON lines with request ids, and exits 0 on SIGTERM', async () => {
    const server = await startServer({ KAIZEN_REPO_ROOTS: fleet.dir });
    const res = await request(`${server.base}/v1/schedule?target=alpha`, { headers: { 'x-request-id': 'prod-check-1' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('prod-check-1');
    expect(((await res.body.json()) as { entries: unknown[] }).entries).toHaveLength(2);

    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    const lines = server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const access = lines.find((l) => l.msg === 'request completed' && l.request_id === 'prod-check-1');
    expect(access).toMatchObject({ method: 'GET', statusCode: 200 });
    expect(lines.some((l) => l.msg === 'shutting down')).toBe(true);
  });

  it('kaizen-schedule serve runs the same service, configured by the environment', async () => {
    const bin = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['kaizen-schedule']!;
    // Shedding off: a busy test machine must not turn this request into a 503.
    const server = await startServer({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_MAX_EVENT_LOOP_DELAY_MS: '0' }, [path.join(ROOT, bin), 'serve']);
    const res = await request(`${server.base}/v1/schedule?target=alpha`);
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { entries: unknown[] }).entries).toHaveLength(2);
    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  });

  it('lets an in-flight request finish after SIGTERM, then exits 0', async () => {
    hub = await startStateHub();
    let hubGotRequest!: () => void;
    const requested = new Promise<void>((resolve) => (hubGotRequest = resolve));
    hub.respond((_req, res) => {
      hubGotRequest();
      setTimeout(() => {
        const body = JSON.stringify([{ slug: 'alpha', domain: 'x', host_paths: { 'prod-host': path.join(fleet.dir, 'alpha') } }]);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      }, 700);
    });
    const server = await startServer({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_HOST_NAME: 'prod-host' });
    const inFlight = request(`${server.base}/v1/discover`);
    await requested;
    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');

    const res = await inFlight;
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as { scheduled_runs: Array<{ agent: string }> };
    expect(body.scheduled_runs.map((r) => r.agent)).toEqual(['coach', 'optimization']);
    const [code] = await exited;
    expect(code).toBe(0);
    // Once draining, the listener is closed: a new connection is refused.
    await expect(request(`${server.base}/healthz`)).rejects.toThrow();
  });
});
