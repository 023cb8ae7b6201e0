/**
 * Every route's real answers, good and bad, checked against the schemas of the
 * served /openapi.json. Objects are read as closed (a member the document does
 * not name fails), so a field added to a response without its schema — the
 * prepare bundle is sent pre-serialised, past any serializer — fails here.
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/config/package-root.js';
import { testApp, tempDir, type TempDir } from '../../helpers/fleet.js';

type Json = Record<string, unknown>;
interface Doc { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Json }> }> }>> }

const TOKEN = 'responses-test-token-0123456789';
const NOW = '2026-12-01T08:00:00Z';
const yaml = (payload: string, url = '/v1/schedule/validate'): InjectOptions => ({ method: 'POST', url, headers: { 'content-type': 'application/yaml' }, payload });

/** Calls per documented operation: each good and bad answer the route gives for the example fleet. */
const CALLS: Record<string, { good: InjectOptions[]; bad: InjectOptions[] }> = {
  'get /healthz': { good: [{ url: '/healthz' }], bad: [] }, // nothing a caller can get wrong
  'get /readyz': { good: [{ url: '/readyz' }], bad: [] }, // the 503 is checked below with a vanished root
  'get /v1/agents': { good: [{ url: '/v1/agents' }, { url: '/v1/agents?target=docs-site' }], bad: [{ url: '/v1/agents?target=../..' }, { url: '/v1/agents?target=nope' }] },
  'get /v1/agents/{name}': {
    good: [{ url: '/v1/agents/coach' }, { url: '/v1/agents/docs-linkcheck?target=docs-site' }],
    bad: [{ url: '/v1/agents/coahc' }, { url: '/v1/agents/no%20such' }],
  },
  'post /v1/schedule/validate': {
    good: [yaml('version: "1"\nagents:\n  coach:\n    cadence: weekly\n'), { method: 'POST', url: '/v1/schedule/validate', payload: { manifest: 'version: "1"\nagents:\n  coach:\n    cadence: daily\n' } }],
    bad: [
      yaml('version: "1"\nagents:\n  coach:\n    cadence: hourly\n'),
      yaml('agents: [\n'),
      { method: 'POST', url: '/v1/schedule/validate', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=b' },
      yaml('x'.repeat(300 * 1024)),
      { method: 'POST', url: '/v1/schedule/validate', payload: { manifest: { a: 1 } } },
      yaml('version: "1"\n', '/v1/schedule/validate?target=../..'),
    ],
  },
  'get /v1/schedule/validation': {
    good: [{ url: '/v1/schedule/validation?target=billing-api' }],
    bad: [{ url: '/v1/schedule/validation?target=broken-config' }, { url: '/v1/schedule/validation?target=no-schedule' }, { url: '/v1/schedule/validation' }],
  },
  'get /v1/schedule': {
    good: [{ url: `/v1/schedule?target=billing-api&now=${NOW}&runs=3&all=true` }, { url: '/v1/schedule?target=docs-site' }],
    bad: [{ url: '/v1/schedule?target=broken-config' }, { url: '/v1/schedule?target=no-schedule' }, { url: '/v1/schedule?target=billing-api&runs=0' }],
  },
  'post /v1/schedule/init': {
    good: [{ method: 'POST', url: '/v1/schedule/init', payload: { target: 'no-schedule' } }],
    bad: [{ method: 'POST', url: '/v1/schedule/init', payload: { target: 'billing-api' } }, { method: 'POST', url: '/v1/schedule/init', payload: { target: 'billing-api', timezone: 'Europe/Berln', force: true } }],
  },
  'get /v1/schema/schedule.json': { good: [{ url: '/v1/schema/schedule.json' }], bad: [] }, // takes no input; 401 is checked below
  'get /v1/prepare/{agent}': {
    good: [
      { url: `/v1/prepare/coach?target=billing-api&now=${NOW}` },
      { url: `/v1/prepare/coach?target=billing-api&now=${NOW}&include=pointers,event` },
      { url: `/v1/prepare/optimization?target=billing-api&now=${NOW}` },
      { url: `/v1/prepare/coach?target=no-schedule&now=${NOW}` },
      { url: `/v1/prepare/coach?target=billing-api&now=${NOW}&format=markdown` },
    ],
    bad: [{ url: '/v1/prepare/coahc?target=billing-api' }, { url: '/v1/prepare/coach?target=../..' }, { url: '/v1/prepare/coach?target=billing-api&include=all' }],
  },
  'get /v1/discover': {
    good: [{ url: `/v1/discover?now=${NOW}` }, { url: `/v1/discover?cadence=daily&agent=sys-medic&now=${NOW}` }],
    bad: [{ url: '/v1/discover?cadence=hourly' }, { url: '/v1/discover?now=yesterday' }],
  },
};

/** Reads every object schema without `additionalProperties` as closed. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'example' ? v : closed(v)]));
  if (out.type === 'object' && out.properties && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

let fleet: TempDir;
let app: FastifyInstance;
let doc: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
const validators = new Map<string, ValidateFunction>();

/** The documented schema for this answer; undefined when the status or media type is not documented. */
function validatorFor(op: string, status: number, mediaType: string): ValidateFunction | undefined {
  const key = `${op} ${status} ${mediaType}`;
  if (!validators.has(key)) {
    const [method, route] = op.split(' ') as [string, string];
    const schema = doc.paths[route]?.[method]?.responses[String(status)]?.content?.[mediaType]?.schema;
    if (!schema) return undefined;
    validators.set(key, ajv.compile(closed(schema) as Json));
  }
  return validators.get(key);
}

async function check(op: string, call: InjectOptions, server = app): Promise<{ status: number; body: unknown }> {
  const res = await server.inject(call);
  const [method, route] = op.split(' ') as [string, string];
  const documented = doc.paths[route]![method]!.responses[String(res.statusCode)];
  const label = `${call.method ?? 'GET'} ${call.url} → ${res.statusCode}`;
  expect(documented, `${label} is a documented status`).toBeDefined();
  if (!documented!.content) {
    expect(res.body, `${label} has no body`).toBe('');
    return { status: res.statusCode, body: undefined };
  }
  const mediaType = String(res.headers['content-type']).split(';')[0]!;
  const validate = validatorFor(op, res.statusCode, mediaType);
  expect(validate, `${label} as ${mediaType} is documented`).toBeDefined();
  const body: unknown = mediaType.startsWith('text/') ? res.body : res.json();
  expect(validate!(body) ? [] : validate!.errors, `${label}: ${res.body.slice(0, 400)}`).toEqual([]);
  return { status: res.statusCode, body };
}

beforeAll(async () => {
  fleet = tempDir('kaizen-responses-');
  cpSync(path.join(packageRoot(), 'examples', 'fleet'), fleet.dir, { recursive: true });
  app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_ENABLE_WRITE: 'true' });
  doc = (await app.inject('/openapi.json')).json() as Doc;
});
afterAll(async () => {
  await app?.close();
  fleet?.cleanup();
});

describe('real responses match the served OpenAPI document', () => {
  it('has calls for every documented operation', () => {
    const documented = Object.entries(doc.paths).flatMap(([route, methods]) => Object.keys(methods).map((m) => `${m} ${route}`));
    expect(Object.keys(CALLS).sort()).toEqual(documented.sort());
  });

  for (const [op, { good, bad }] of Object.entries(CALLS)) {
    it(`${op}: good calls answer 2xx, bad calls 4xx, each as documented`, async () => {
      for (const call of good) expect((await check(op, call)).status, `${call.url}`).toBeLessThan(300);
      for (const call of bad) expect((await check(op, call)).status, `${call.url}`).toBeGreaterThanOrEqual(400);
    });
  }

  it('401 on every /v1 operation when tokens are configured, and 304 on a matching ETag', async () => {
    const secured = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_API_TOKENS: TOKEN });
    for (const op of Object.keys(CALLS).filter((o) => o.includes(' /v1/'))) {
      expect((await check(op, CALLS[op]!.good[0]!, secured)).status).toBe(401);
    }
    await secured.close();
    const url = `/v1/prepare/coach?target=billing-api&now=${NOW}`;
    const etag = (await app.inject(url)).headers.etag as string;
    expect((await check('get /v1/prepare/{agent}', { url, headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('503 from /readyz when a repo root is gone', async () => {
    const root = path.join(fleet.dir, '..', `${path.basename(fleet.dir)}-vanishing`);
    mkdirSync(root);
    const server = await testApp({ KAIZEN_REPO_ROOTS: root });
    rmSync(root, { recursive: true });
    expect((await check('get /readyz', { url: '/readyz' }, server)).status).toBe(503);
    await server.close();
  });

  it('a bundle with one member more than documented fails the check', async () => {
    const res = await app.inject(`/v1/prepare/coach?target=billing-api&now=${NOW}`);
    const validate = validatorFor('get /v1/prepare/{agent}', 200, 'application/json')!;
    expect(validate(res.json())).toBe(true);
    expect(validate({ ...(res.json() as Json), undocumented: 1 })).toBe(false);
  });
});
