import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { ROOT } from './paths.js';

/** Asserts an RFC 9457 problem+json answer with this status and code, leaking nothing; returns its body. */
export function expectProblem(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Record<string, unknown>>();
  expect(body).toMatchObject({ status, code, type: expect.stringContaining(code), title: expect.any(String), detail: expect.any(String) });
  expectNoLeak(res);
  return body;
}

/** No stack frames, nothing of the service's own code or its dependencies. */
export function expectNoLeak(res: LightMyRequestResponse): void {
  for (const needle of [path.join(ROOT, 'src'), path.join(ROOT, 'dist'), 'node_modules']) {
    expect(res.body, `leaks ${needle}`).not.toContain(needle);
  }
  expect(res.body).not.toMatch(/\n\s+at /);
  expect(res.body).not.toMatch(/\bat \S+ \(.*:\d+:\d+\)/);
  expect(res.body).not.toMatch(/\.(ts|js):\d+:\d+/);
}

/** A 403 path_outside_roots answer that says nothing about the directory `outside`. */
export function expectOutside(res: LightMyRequestResponse, label: string, outside: string): void {
  expect(res.statusCode, `${label}: ${res.body}`).toBe(403);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<{ code: string; detail: string }>();
  expect(body.code).toBe('path_outside_roots');
  expect(res.body).not.toContain(outside);
}
