import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { tempFleet, testApp, testConfig, type TempDir } from '../../helpers/fleet.js';
import { expectProblem } from '../../helpers/problem.js';

let app: FastifyInstance;
let fleet: TempDir;
beforeAll(async () => {
  app = await testApp();
  fleet = tempFleet({ repo: { 'README.md': '\n' } });
});
afterAll(async () => {
  await app.close();
  fleet.cleanup();
});

describe('the problem+json mapper', () => {
  it('unknown routes and methods are 404 problem+json', async () => {
    for (const [method, url] of [['GET', '/nope'], ['GET', '/v1/nope'], ['DELETE', '/v1/schedule'], ['GET', '/v2/schedule']] as const) {
      expectProblem(await app.inject({ method, url }), 404, 'not_found');
    }
  });

  it('an unexpected failure is a generic 500 without internals', async () => {
    const app = await buildApp(testConfig({ KAIZEN_REPO_ROOTS: fleet.dir }), { logger: false });
    app.get('/v1/test-failure', () => {
      throw new Error(`ENOTDIR: not a directory, mkdir '${fleet.dir}/x'`);
    });
    await app.ready();
    try {
      const res = await app.inject('/v1/test-failure');
      const body = expectProblem(res, 500, 'internal_error');
      expect(res.body).not.toContain(fleet.dir);
      expect(res.body).not.toMatch(/ENOTDIR|EEXIST|mkdir/);
      expect(body.detail).toMatch(/request id/);
    } finally {
      await app.close();
    }
  });
});

describe("requests Node's HTTP parser refuses", () => {
  let server: FastifyInstance;
  beforeAll(async () => {
    server = await buildApp(testConfig({ KAIZEN_REPO_ROOTS: fleet.dir }), { logger: false });
    await server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server.close();
  });

  /** Sends raw bytes on a fresh connection and returns everything the server sent until it closed it. */
  const exchange = async (bytes: string): Promise<string> => {
    const { port } = server.server.address() as AddressInfo;
    return new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
      let got = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (got += chunk));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
    });
  };

  /** The one answer to `bytes`, split into status, headers and body. */
  const raw = async (bytes: string): Promise<{ status: number; headers: Record<string, string>; body: string }> => {
    const [head = '', body = ''] = (await exchange(bytes)).split('\r\n\r\n');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  };

  it('answer problem+json with a stable code and an x-request-id, as every other error', async () => {
    const cases: Array<[string, number, string]> = [
      [`GET /v1/agents?target=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'headers_too_large'],
      ['POST /v1/schedule/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\nContent-Length: 1e3\r\n\r\n', 400, 'invalid_content_length'],
      ['POST /v1/schedule/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400, 'invalid_content_length'],
      ['POST /v1/schedule/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'bad_request'],
      ['M1 /v1/agents HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'bad_request'],
      ['GARBAGE\r\n\r\n', 400, 'bad_request'],
    ];
    for (const [bytes, status, code] of cases) {
      const res = await raw(bytes);
      expect(res.status, bytes.slice(0, 40)).toBe(status);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
      const doc = JSON.parse(res.body) as Record<string, unknown>;
      expect(doc).toMatchObject({ status, code, type: `https://kaizen-schedule.dev/problems/${code}` });
      expect(String(doc.detail)).not.toContain('aaaa');
    }
  });

  it('after a valid request on the same connection, that request is still answered, then the connection closes', async () => {
    const text = await exchange('GET /v1/agents HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n');
    expect(text.startsWith('HTTP/1.1 200 OK\r\n'), text.slice(0, 200)).toBe(true);
    expect(text).toContain('"agents"');
    expect(text.toLowerCase()).toContain('connection: close');
  });

  it('a request whose body stalls is answered 408 within about a second of the request timeout, not at Node\'s 30 s check', async () => {
    const timeoutMs = 1_500;
    const slow = await buildApp(testConfig({ KAIZEN_REPO_ROOTS: fleet.dir }), { logger: false, requestTimeoutMs: timeoutMs });
    await slow.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = slow.server.address() as AddressInfo;
      const started = Date.now();
      const text = await new Promise<string>((resolve, reject) => {
        // Headers promise 100 bytes; 10 come, then nothing (the socket stays open).
        const socket = connect(port, '127.0.0.1', () => socket.write('POST /v1/schedule/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\nContent-Length: 100\r\n\r\nversion: 1'));
        let got = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (got += chunk));
        socket.on('close', () => resolve(got));
        socket.on('error', reject);
        setTimeout(() => socket.destroy(), 8_000).unref();
      });
      const elapsed = Date.now() - started;
      expect(text.startsWith('HTTP/1.1 408 '), text.slice(0, 200)).toBe(true);
      expect(text).toContain('"code":"request_timeout"');
      expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(elapsed).toBeLessThan(timeoutMs + 3_000);
    } finally {
      await slow.close();
    }
  }, 15_000);
});
