/**
 * Issue #10 finding 6, with a real process: SIGTERM loses no request that
 * reached the socket. Readiness fails at once, requests in the accept queue
 * or on kept-alive connections get an answer (200, or 503 shutting_down with
 * Connection: close), in-flight ones finish, and the process exits 0.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALID_MANIFEST, tempFleet, type TempDir } from './helpers/fleet.js';
import { ROOT } from './helpers/paths.js';
import { freePort } from './helpers/ports.js';

let fleet: TempDir;
const running = new Set<ChildProcessWithoutNullStreams>();

interface Server {
  child: ChildProcessWithoutNullStreams;
  port: number;
  output: () => string;
}


/** Starts src/server.ts (through tsx) on a free port and waits for its start-up line. */
async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', KAIZEN_REPO_ROOTS: fleet.dir, ...env },
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  for (let i = 0; i < 300; i++) {
    if (output.includes('kaizen-schedule ready')) return { child, port, output: () => output };
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${output}`);
}

type Outcome = { status: number; code?: string; connection?: string; reused: boolean } | { error: string };

function get(port: number, url: string, agent: http.Agent | false = false): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: url, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(body) as { code?: string }).code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode ?? 0, ...(code ? { code } : {}), ...(res.headers.connection ? { connection: res.headers.connection } : {}), reused: req.reusedSocket });
      });
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

beforeAll(() => {
  fleet = tempFleet({ alpha: { '.kaizen/schedule.yml': VALID_MANIFEST } });
});

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  fleet?.cleanup();
});

describe('SIGTERM under load', () => {
  for (const afterMs of [0, 5, 10]) {
    it(`answers all of 40 requests fired ${afterMs} ms before the signal, then exits 0`, async () => {
      const server = await startServer();
      const exited = once(server.child, 'exit');
      const answers = Array.from({ length: 40 }, () => get(server.port, '/v1/schedule?target=alpha'));
      await new Promise((r) => setTimeout(r, afterMs));
      server.child.kill('SIGTERM');
      const outcomes = await Promise.all(answers);
      const [code] = await exited;

      const summary = outcomes.map((o) => ('error' in o ? o.error : o.status === 503 ? `503 ${o.code}` : String(o.status)));
      for (const s of summary) expect(['200', '503 shutting_down']).toContain(s);
      expect(code).toBe(0);
    }, 30_000);
  }
});

describe('kept-alive connections and probes after SIGTERM', () => {
  it('answers a request on an idle kept-alive connection with 503 shutting_down and Connection: close; readiness fails, liveness holds', async () => {
    const server = await startServer({ KAIZEN_SHUTDOWN_DELAY_MS: '1500' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(server.port, '/v1/schedule?target=alpha', agent);
      expect(first).toMatchObject({ status: 200 });

      const exited = once(server.child, 'exit');
      server.child.kill('SIGTERM');
      // Let the signal land while the connection sits idle.
      for (let i = 0; i < 50 && !server.output().includes('shutting down'); i++) await new Promise((r) => setTimeout(r, 20));

      const second = await get(server.port, '/v1/schedule?target=alpha', agent);
      expect(second).toEqual({ status: 503, code: 'shutting_down', connection: 'close', reused: true });

      const ready = await get(server.port, '/readyz');
      expect(ready).toMatchObject({ status: 503 });
      expect(await get(server.port, '/healthz')).toMatchObject({ status: 200 });

      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      agent.destroy();
    }
  }, 30_000);
});
