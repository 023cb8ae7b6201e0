/**
 * A real `nats-server` (Debian's package) with JetStream, on a free loopback
 * port and a temporary store directory, for the event tests. It can be stopped
 * and started again on the same port and store, as an outage would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** The running server's process id (the bench reads its CPU time), undefined while stopped. */
  pid(): number | undefined;
  /** Starts it (again) on the same port and store; resolves once it accepts clients. */
  start(): Promise<void>;
  /** Stops it and waits for the process to exit. */
  stop(): Promise<void>;
  /** Stops it and removes the store. */
  cleanup(): Promise<void>;
}

const BINARY = 'nats-server';

/** Fails (never skips) when the binary is missing: the event tests need the real server. */
export function requireNatsServer(): void {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`${BINARY} is not installed or not on PATH; the event tests need it (apt-get install nats-server, as .ci/run does)`);
  }
}


function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    socket.once('data', (chunk) => {
      socket.destroy();
      resolve(chunk.toString().startsWith('INFO '));
    });
    socket.once('error', () => resolve(false));
  });
}

/** A server that is not started yet (`start()` it); its URL is fixed from the start. */
export async function createNatsServer(): Promise<NatsServer> {
  requireNatsServer();
  const port = await freePort();
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'kaizen-nats-'));
  let child: ChildProcess | undefined;
  let output = '';

  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    child = undefined;
  };

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    pid: () => child?.pid,
    async start() {
      output = '';
      child = spawn(BINARY, ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      // Hang guard: a healthy server is up in well under a second.
      for (let i = 0; i < 200; i++) {
        if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}:\n${output}`);
        // JetStream is ready once the server logged it and accepts clients.
        if (output.includes('Server is ready') && (await accepts(port))) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      await stop();
      throw new Error(`nats-server did not become ready on port ${port}:\n${output}`);
    },
    stop,
    async cleanup() {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

export async function startNatsServer(): Promise<NatsServer> {
  const server = await createNatsServer();
  await server.start();
  return server;
}

export { freePort };
