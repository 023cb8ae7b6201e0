import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALID_MANIFEST, testApp } from '../../helpers/fleet.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

const validate = (headers: Record<string, string>, payload: string | Buffer) => app.inject({ method: 'POST', url: '/v1/schedule/validate', headers, payload });
const problem = (res: Awaited<ReturnType<typeof validate>>) => {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json<{ status: number; code: string; detail: string }>();
};

describe('compressed request bodies', () => {
  it.each(['application/yaml', 'application/json', 'text/plain'])('are refused with 415 and Accept-Encoding: identity, never parsed (%s)', async (type) => {
    const body = type === 'application/json' ? JSON.stringify({ manifest: VALID_MANIFEST }) : VALID_MANIFEST;
    const res = await validate({ 'content-type': type, 'content-encoding': 'gzip' }, gzipSync(body));
    expect(res.statusCode).toBe(415);
    expect(res.headers['accept-encoding']).toBe('identity');
    const doc = problem(res);
    expect(doc.code).toBe('unsupported_content_encoding');
    expect(doc.detail).toContain('(gzip)');
    expect(doc.detail).toContain('uncompressed');
  });

  it('does not echo a content coding that is not a token list', async () => {
    const doc = problem(await validate({ 'content-type': 'application/yaml', 'content-encoding': '<script>x</script>' }, VALID_MANIFEST));
    expect(doc.code).toBe('unsupported_content_encoding');
    expect(doc.detail).not.toContain('script');
  });

  it('ignore the header on a request without a body (a GET is answered as ever)', async () => {
    for (const url of ['/healthz', '/v1/schema/schedule.json']) {
      const res = await app.inject({ method: 'GET', url, headers: { 'content-encoding': 'gzip' } });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    }
  });

  it('accepts Content-Encoding: identity as no coding', async () => {
    const res = await validate({ 'content-type': 'application/yaml', 'content-encoding': 'identity' }, VALID_MANIFEST);
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('JSON bodies', () => {
  it('say where the text broke, without quoting it', async () => {
    const doc = problem(await validate({ 'content-type': 'application/json' }, '{"manifest": "secret-ish text" x}'));
    expect(doc).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(doc.detail).toMatch(/not valid JSON at character \d+\./);
    expect(doc.detail).not.toContain('secret-ish');
  });

  it.each([
    ['a stray character', '{"manifest": x}', "not valid JSON: unexpected character 'x'."],
    ['a body cut short', '{"manifest": ', 'not valid JSON: it ends (at character 13) before its value does.'],
    ['a missing comma', '[1 2]', 'not valid JSON at character 3.'],
  ])('say what broke for %s', async (_case, body, detail) => {
    const doc = problem(await validate({ 'content-type': 'application/json' }, body));
    expect(doc).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(doc.detail).toBe(`The request body is ${detail}`);
  });

  it('an empty body is named as such', async () => {
    const doc = problem(await validate({ 'content-type': 'application/json' }, ''));
    expect(doc).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(doc.detail).toContain('empty');
  });

  it.each([
    ['__proto__', '{"__proto__": {"polluted": true}, "manifest": "version: 1"}'],
    ['constructor.prototype', '{"constructor": {"prototype": {"polluted": true}}, "manifest": "version: 1"}'],
  ])('refuse a %s key by name, and pollute nothing', async (_key, body) => {
    const doc = problem(await validate({ 'content-type': 'application/json' }, body));
    expect(doc).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(doc.detail).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a valid JSON body still validates', async () => {
    const res = await validate({ 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ manifest: VALID_MANIFEST }));
    expect(res.statusCode, res.body).toBe(200);
  });
});
