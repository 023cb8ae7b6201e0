/**
 * SIGTERM and the event outbox, with the service as a real process
 * (src/server.ts through tsx) and a real nats-server.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempFleet, VALID_MANIFEST, type TempDir } from '../helpers/fleet.js';
import { createNatsServer, freePort, type NatsServer } from '../helpers/nats-server.js';
import { storedEvents } from '../helpers/event-stream.js';
import { ROOT } from '../helpers/paths.js';

let fleet: TempDir;
let nats: NatsServer | undefined;
let child: ChildProcessWithoutNullStreams | undefined;

beforeAll(() => {
  fleet = tempFleet({ alpha: { '.kaizen/schedule.yml': VALID_MANIFEST } });
});
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  await nats?.cleanup();
  nats = undefined;
});
afterAll(() => fleet?.cleanup());

async function startService(natsUrl: string): Promise<{ base: string; output: () => string }> {
  const port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_NATS_URL: natsUrl },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  // Hang guard for start-up.
  for (let i = 0; i < 300 && !output.includes('kaizen-schedule ready'); i++) {
    if (child.exitCode !== null) throw new Error(`service exited ${child.exitCode}: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!output.includes('kaizen-schedule ready')) throw new Error(`service did not start: ${output}`);
  return { base: `http://127.0.0.1:${port}`, output: () => output };
}

/** Sends the running service SIGTERM (and, after `again` ms, a second one) and resolves to its exit code. */
async function terminate(again?: number): Promise<number | null> {
  const exited = once(child!, 'exit');
  child!.kill('SIGTERM');
  if (again !== undefined) {
    await new Promise((r) => setTimeout(r, again));
    child!.kill('SIGTERM');
  }
  const [code] = (await exited) as [number | null];
  return code;
}

const logLines = (output: string) => output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

const instant = (i: number) => new Date(Date.UTC(2026, 2, 4, 10, 0, i)).toISOString();

/** `n` prepares, one after the other, each for its own instant (so the stored order shows). */
async function prepareTimes(base: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const now = instant(i);
    const res = await request(`${base}/v1/prepare/coach?target=alpha&now=${encodeURIComponent(now)}`);
    await res.body.dump();
    expect(res.statusCode).toBe(200);
  }
}

describe('SIGTERM', () => {
  it('flushes the events that waited for NATS before the process exits 0', async () => {
    nats = await createNatsServer();
    const service = await startService(nats.url);
    await prepareTimes(service.base, 10);
    // NATS comes up just as the service is told to stop: the outbox still goes out.
    await nats.start();
    expect(await terminate()).toBe(0);
    const events = await storedEvents(nats.url);
    expect(events.map((e) => e.data.occurred_at)).toEqual(Array.from({ length: 10 }, (_, i) => instant(i).replace('.000Z', 'Z')));
    expect(logLines(service.output()).some((l) => l.msg === 'event outbox flushed')).toBe(true);
  }, 60_000);

  it('logs how many events could not be sent when NATS stays down, and still exits 0', async () => {
    nats = await createNatsServer(); // never started
    const service = await startService(nats.url);
    await prepareTimes(service.base, 3);
    expect(await terminate()).toBe(0);
    const lines = logLines(service.output());
    const line = lines.find((l) => l.msg === 'events not sent before shutdown');
    expect(line).toMatchObject({ unsent: 3, level: 40 });
    // Hurried at shutdown, the connect loop retries at its shortest interval
    // (250 ms) through the 5 s flush, not as fast as connect fails.
    const attempts = lines.filter((l) => l.msg === 'NATS unreachable; events wait in the outbox').length;
    expect(attempts).toBeGreaterThan(0);
    expect(attempts).toBeLessThan(60);
  }, 60_000);

  it('a client that never finishes its request does not hold up the flush: its connection is cut after the grace', async () => {
    nats = await createNatsServer(); // never started
    const service = await startService(nats.url);
    await prepareTimes(service.base, 3);
    const { port } = new URL(service.base);
    const stalled = connect(Number(port), '127.0.0.1', () =>
      stalled.write('POST /v1/schedule/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\nContent-Length: 100\r\n\r\nversion: 1'),
    );
    stalled.on('error', () => undefined);
    await once(stalled, 'connect');
    // Let the server take the headers in before the signal (afterwards it would answer 503 at once).
    await new Promise((r) => setTimeout(r, 300));
    const code = await terminate();
    stalled.destroy();
    expect(code).toBe(0);
    const lines = logLines(service.output());
    expect(lines.find((l) => l.msg === 'events not sent before shutdown')).toMatchObject({ unsent: 3 });
    expect(lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('requests still open'))).toBe(true);
  }, 60_000);

  it('a second SIGTERM exits at once, and says how many events it leaves unsent', async () => {
    nats = await createNatsServer(); // never started
    const service = await startService(nats.url);
    await prepareTimes(service.base, 4);
    expect(await terminate(300)).toBe(1);
    expect(logLines(service.output()).find((l) => l.msg === 'second SIGTERM, exiting')).toMatchObject({ unsent: 4, level: 50 });
  }, 60_000);
});
