/**
 * The OpenAPI document as Swagger UI presents it to an operator: dropdowns
 * that hold every value, request bodies and parameters pre-filled with
 * examples that work against the bundled example fleet, response examples
 * that are what the service really answers, and errors in the caller's words.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/fleet.js';

type Json = Record<string, unknown>;
interface Parameter { name: string; in: string; required?: boolean; example?: unknown; schema: Json }
interface Operation { parameters?: Parameter[]; requestBody?: { content: Record<string, { example?: unknown }> }; responses: Record<string, { content?: Record<string, { schema: Json; example?: Json }> }> }
interface Doc { paths: Record<string, Record<string, Operation>> }

const TOKEN = 'presentation-test-token-0123456789';
let app: FastifyInstance;
let doc: Doc;

beforeAll(async () => {
  app = await testApp();
  doc = (await app.inject('/openapi.json')).json() as Doc;
});
afterAll(() => app.close());

const operations = (): Array<[string, string, Operation]> =>
  Object.entries(doc.paths).flatMap(([route, methods]) => Object.entries(methods).map(([method, op]) => [route, method, op] as [string, string, Operation]));

/** Every sub-schema of a document, with where it sits. */
function* walk(node: unknown, at = '#'): Generator<[string, Json]> {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* walk(item, `${at}/${i}`);
  } else if (node && typeof node === 'object') {
    yield [at, node as Json];
    for (const [key, value] of Object.entries(node)) yield* walk(value, `${at}/${key}`);
  }
}

describe('enums', () => {
  it('are published as one plain enum, never an anyOf of one-value enums or consts', () => {
    const constUnions = [...walk(doc)]
      .filter(([, node]) => Array.isArray(node.anyOf) && (node.anyOf as Json[]).every((b) => 'const' in b || (Array.isArray(b.enum) && b.enum.length === 1)))
      .map(([at]) => at);
    expect(constUnions).toEqual([]);
  });

  it('so the discover cadence and prepare format dropdowns hold every value', () => {
    const param = (route: string, name: string) => doc.paths[route]!.get!.parameters!.find((p) => p.name === name)!;
    expect(param('/v1/discover', 'cadence').schema.enum).toEqual(['daily', 'weekly', 'monthly']);
    expect(param('/v1/prepare/{agent}', 'format').schema.enum).toEqual(['json', 'markdown']);
  });
});

describe('Try it out → Execute with the pre-filled values', () => {
  it('names an example for every target, agent, name and now parameter', () => {
    const missing = operations().flatMap(([route, method, op]) =>
      (op.parameters ?? []).filter((p) => ['target', 'agent', 'name', 'now'].includes(p.name) && p.example === undefined).map((p) => `${method} ${route} ${p.name}`),
    );
    expect(missing).toEqual([]);
  });

  it('answers 2xx on every GET route sent with exactly its parameter examples', async () => {
    for (const [route, method, op] of operations()) {
      if (method !== 'get') continue;
      let url = route;
      const query = new URLSearchParams();
      for (const p of op.parameters ?? []) {
        if (p.example === undefined) continue;
        if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(p.example)));
        else if (p.in === 'query') query.set(p.name, String(p.example));
      }
      const res = await app.inject({ url: `${url}${query.size ? `?${query}` : ''}` });
      expect(res.statusCode, `GET ${url}?${query}: ${res.body.slice(0, 300)}`).toBeLessThan(300);
    }
  });

  it('validate offers YAML, text and JSON bodies, each pre-filled with a manifest that is valid', async () => {
    const content = doc.paths['/v1/schedule/validate']!.post!.requestBody!.content;
    expect(Object.keys(content)).toEqual(['application/yaml', 'text/yaml', 'text/plain', 'application/json']);
    for (const [type, media] of Object.entries(content)) {
      expect(media.example, type).toBeDefined();
      const payload = typeof media.example === 'string' ? media.example : JSON.stringify(media.example);
      const res = await app.inject({ method: 'POST', url: '/v1/schedule/validate', headers: { 'content-type': type }, payload });
      expect(res.statusCode, `${type}: ${res.body}`).toBe(200);
      expect(res.json()).toEqual({ valid: true, errors: [], warnings: [] });
    }
  });
});

describe('response examples', () => {
  it('the 200 example of validate is a valid report with no errors', () => {
    const media = doc.paths['/v1/schedule/validate']!.post!.responses['200']!.content!['application/json']!;
    expect(media.example).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('problem examples carry no validation arrays except where the answer has diagnostics', () => {
    const wrong = operations().flatMap(([route, method, op]) =>
      Object.entries(op.responses).flatMap(([status, response]) => {
        const media = response.content?.['application/problem+json'];
        if (!media || ['404', '422'].includes(status)) return [];
        const props = (media.schema.properties ?? {}) as Json;
        const carries = ['errors', 'warnings', 'valid'].filter((k) => k in props || (media.example && k in media.example));
        return carries.length ? [`${method} ${route} ${status}: ${carries.join(',')}`] : [];
      }),
    );
    expect(wrong).toEqual([]);
  });

  it('each problem example is what the service answers for that status', async () => {
    const secured = await testApp({ KAIZEN_API_TOKENS: TOKEN });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const calls: Record<string, InjectOptions | string> = {
      401: { url: '/v1/schedule?target=billing-api' },
      403: { url: '/v1/schedule/validate?target=../..', method: 'POST', headers: { ...auth, 'content-type': 'application/yaml' }, payload: 'version: "1"\n' },
      413: { url: '/v1/schedule/validate', method: 'POST', headers: { ...auth, 'content-type': 'application/yaml' }, payload: 'x'.repeat(300 * 1024) },
      415: { url: '/v1/schedule/validate', method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'manifest=x' },
      422: { url: '/v1/schedule/validate', method: 'POST', headers: { ...auth, 'content-type': 'application/yaml' }, payload: 'version: "1"\nagents:\n  coach:\n    cadence: hourly\n' },
    };
    const responses = doc.paths['/v1/schedule/validate']!.post!.responses;
    for (const [status, call] of Object.entries(calls)) {
      const example = responses[status]!.content!['application/problem+json']!.example!;
      expect(example, status).toBeDefined();
      const res = await secured.inject(call);
      expect(res.statusCode).toBe(Number(status));
      const { instance: _i, ...real } = res.json() as Json;
      const { instance: _e, ...shown } = example;
      expect(shown, status).toEqual(real);
    }
    await secured.close();
  });
});

describe('errors in the caller’s words', () => {
  const problemOf = async (options: InjectOptions | string) => {
    const res = await app.inject(options);
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toMatch(/querystring\/|anyOf|constant|allowed values|must have required property/);
    return res.json() as { code: string; detail: string; invalid_params: Array<{ message: string }> };
  };

  it('a bad enum value lists the values', async () => {
    const body = await problemOf('/v1/discover?cadence=hourly');
    expect(body.code).toBe('invalid_request');
    expect(body.detail).toBe('Invalid request: cadence must be one of daily, weekly, monthly.');
    expect(body.invalid_params[0]!.message).toBe('cadence must be one of daily, weekly, monthly');
    expect((await problemOf('/v1/prepare/coach?target=billing-api&format=pdf')).detail).toBe('Invalid request: format must be one of json, markdown.');
  });

  it('missing, out-of-range, wrong-type and unknown members say which and what is expected', async () => {
    expect((await problemOf('/v1/schedule')).detail).toBe('Invalid request: target is required.');
    expect((await problemOf('/v1/schedule?target=billing-api&runs=0')).detail).toBe('Invalid request: runs must be at least 1.');
    expect((await problemOf('/v1/schedule?target=billing-api&runs=11')).detail).toBe('Invalid request: runs must be at most 10.');
    expect((await problemOf('/v1/schedule?target=billing-api&all=maybe')).detail).toBe('Invalid request: all must be true or false.');
    const extra = await problemOf({ method: 'POST', url: '/v1/schedule/init', payload: { target: 'billing-api', color: 'red' } });
    expect(extra.detail).toBe("Invalid request: body has an unknown member 'color'.");
    const json = await problemOf({ method: 'POST', url: '/v1/schedule/validate', payload: { manifest: { a: 1 } } });
    expect(json.detail).toBe('Invalid request: body.manifest must be text.');
  });
});

describe('415', () => {
  it("names the media types the route accepts (curl's default form encoding hits it)", async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/schedule/validate', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'version=1' });
    expect(res.statusCode).toBe(415);
    const body = res.json() as { code: string; detail: string; accepted: string[] };
    expect(body.code).toBe('unsupported_media_type');
    expect(body.accepted).toEqual(['application/yaml', 'text/yaml', 'text/plain', 'application/json']);
    expect(body.detail).toContain('send application/yaml, text/yaml, text/plain or application/json');
    const init = await app.inject({ method: 'POST', url: '/v1/schedule/init', headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    expect(init.statusCode).toBe(415);
    expect(init.json()).toMatchObject({ accepted: ['application/json'] });
  });
});

describe('GET /', () => {
  it('is the operator console, which links Swagger UI', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<a href="/docs">API (Swagger UI)</a>');
  });
});
