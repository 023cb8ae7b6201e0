import fs, { lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInside } from '../../src/repo/roots.js';
import { BASES, TRICKY, mutatedManifest } from './arbitraries.js';
import { FuzzLog } from './support.js';
import { VALID_MANIFEST, link as linkAt, tempFleet, testApp, writeFiles, type TempDir } from '../helpers/fleet.js';
import { ROOT } from '../helpers/paths.js';

/*
 * Hostile-input suite, part 2: the HTTP routes driven through app.inject with
 * generated targets, agent names, query strings, headers and bodies, against
 * a fleet whose repos hold symlinks leading to a directory outside the roots.
 * Whatever arrives: no 5xx, every error is problem+json without internals, the
 * x-request-id header is always there and well-formed, nothing outside the
 * roots is read, listed, written or named, and every path a 200 reports lies
 * inside the fleet.
 */

const log = new FuzzLog('http');

/** In every file outside the roots; it must never show up in a response. */
const MARKER = 'zq7f3c9aleak';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Hang guard, not a performance figure: a case this slow is a spin (speed is measured in `npm run bench`). */
const CASE_BUDGET_MS = 3000;
const PACKAGE_ROOT = ROOT;
const INSTALL_PATHS = [path.join(PACKAGE_ROOT, 'src'), path.join(PACKAGE_ROOT, 'node_modules'), 'node_modules'];

let fleet: TempDir;
/** A sibling of the fleet sharing its name as a prefix: `<fleet>-outside`. */
let outside: string;
let app: FastifyInstance;
let hasDiscover = false;

// ---------------------------------------------------------------------------
// Every read through node:fs is watched: nothing outside the roots is opened
// or listed. (The service imports node:fs named exports, which follow the
// patched module after syncBuiltinESMExports.)
// ---------------------------------------------------------------------------

const originals = { openSync: fs.openSync, readFileSync: fs.readFileSync, readdirSync: fs.readdirSync, opendirSync: fs.opendirSync, realpathSync: fs.realpathSync };
const readsOutside: string[] = [];

function watchReads(): void {
  const leadsOutside = (p: unknown, flags: unknown): boolean => {
    if (typeof p !== 'string' && !(p instanceof URL) && !Buffer.isBuffer(p)) return false;
    const asString = p instanceof URL ? p.pathname : String(p);
    // With O_NOFOLLOW the last component itself is opened (a link is refused,
    // not followed): only the directory it sits in is resolved.
    const noFollow = typeof flags === 'number' && (flags & fs.constants.O_NOFOLLOW) !== 0;
    let real: string;
    try {
      real = noFollow
        ? path.join(originals.realpathSync.native(path.dirname(asString)), path.basename(asString))
        : originals.realpathSync.native(asString);
    } catch {
      real = path.resolve(asString);
    }
    return isInside(real, outside) || isInside(path.resolve(asString), outside);
  };
  const wrap = <F extends (...args: never[]) => unknown>(name: keyof typeof originals, original: F): F =>
    ((...args: Parameters<F>) => {
      if (leadsOutside(args[0], args[1])) readsOutside.push(`${name}(${String(args[0])})`);
      return original(...args);
    }) as F;
  fs.openSync = wrap('openSync', originals.openSync);
  fs.readFileSync = wrap('readFileSync', originals.readFileSync);
  fs.readdirSync = wrap('readdirSync', originals.readdirSync);
  fs.opendirSync = wrap('opendirSync', originals.opendirSync);
  syncBuiltinESMExports();
}

function unwatchReads(): void {
  fs.openSync = originals.openSync;
  fs.readFileSync = originals.readFileSync;
  fs.readdirSync = originals.readdirSync;
  fs.opendirSync = originals.opendirSync;
  syncBuiltinESMExports();
}

/** Every entry under `dir` (links not followed) with its size, to prove nothing was written. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = lstatSync(p);
      out.push(`${path.relative(dir, p)}:${st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.size}`);
      if (st.isDirectory() && !st.isSymbolicLink()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

let before: { fleet: string[]; outside: string[] };

beforeAll(async () => {
  fleet = tempFleet({
    alpha: {
      '.kaizen/schedule.yml': VALID_MANIFEST,
      'agents/agent-local.md': '# local agent\n',
      '.kaizen/agents/coach/memory.md': 'memory of alpha\n',
      '.kaizen/metrics/coach/summary.json': '{"runs": 3, "success_rate": 1}',
      'SCOPE.md': 'alpha scope\n',
      'TODO.md': 'alpha todo\n',
    },
    // Invalid: an agent nobody knows.
    beta: { '.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: {cadence: weekly}\n  ghost: {cadence: daily}\n', '.kaizen/agents/coach/.keep': '', '.kaizen/metrics/coach/.keep': '' },
    gamma: { 'README.md': 'gamma\n', '.kaizen/.keep': '' },
    // Never fires (31 February), and a disabled daily agent.
    never: { '.kaizen/schedule.yml': 'version: 1\ntimezone: Pacific/Kiritimati\nagents:\n  coach: {cadence: monthly, cron: "0 0 31 2 *"}\n  sys-medic: {cadence: daily, enabled: no}\n' },
    empty: {},
    'with space': { '.kaizen/schedule.yml': VALID_MANIFEST },
    'ünïcode': { '.kaizen/schedule.yml': VALID_MANIFEST.replace('Europe/Berlin', 'America/St_Johns') },
  });
  outside = `${fleet.dir}-outside`;
  writeFiles(outside, {
    'secret.txt': `${MARKER}\n`,
    'secret.json': JSON.stringify({ runs: 1, marker: MARKER }),
    '.kaizen/schedule.yml': `# ${MARKER}\nversion: "1"\nagents:\n  ${MARKER}: {cadence: weekly}\n  coach: {cadence: weekly, cron: "0 9 * * 1"}\n`,
    'agents/agent-coach.md': `${MARKER}\n`,
    [`agents/agent-${MARKER}.md`]: `${MARKER}\n`,
    'SCOPE.md': `${MARKER}\n`,
    'TODO.md': `${MARKER}\n`,
    '.kaizen/agents/coach/memory.md': `${MARKER}\n`,
    '.kaizen/metrics/coach/executions.jsonl': `{"agent":"coach","success":true,"note":"${MARKER}"}\n`,
  });
  const link = (target: string, at: string): void => linkAt(target, path.join(fleet.dir, at));
  link(outside, 'escape');
  link(`../${path.basename(outside)}`, 'escape-rel');
  link(path.join(outside, 'secret.txt'), 'escape-file');
  link(path.join(outside, 'nope'), 'dangling');
  link('loop', 'loop');
  link('alpha', 'delta');
  link('..', 'alpha/up');
  link(`../../${path.basename(outside)}`, 'alpha/out');
  link(path.join(outside, 'SCOPE.md'), 'beta/SCOPE.md');
  link(path.join(outside, 'TODO.md'), 'beta/TODO.md');
  link(path.join(outside, 'agents'), 'beta/agents');
  link(path.join(outside, '.kaizen/agents/coach/memory.md'), 'beta/.kaizen/agents/coach/memory.md');
  link(path.join(outside, 'secret.json'), 'beta/.kaizen/metrics/coach/summary.json');
  link(path.join(outside, '.kaizen/metrics/coach/executions.jsonl'), 'beta/.kaizen/metrics/coach/executions.jsonl');
  link(path.join(outside, '.kaizen/schedule.yml'), 'gamma/.kaizen/schedule.yml');
  link('../escape/agents', 'gamma/agents');
  mkdirSync(path.join(fleet.dir, 'gamma/.kaizen/agents'), { recursive: true });
  link(path.join(outside, '.kaizen/agents/coach'), 'gamma/.kaizen/agents/coach');
  writeFileSync(path.join(fleet.dir, 'notadir.txt'), 'not a repo\n');

  // Writes stay disabled (the default); load shedding is off so a slow CI
  // machine cannot turn into a 503 here.
  app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_MAX_EVENT_LOOP_DELAY_MS: '0' });
  hasDiscover = app.hasRoute({ method: 'GET', url: '/v1/discover' });
  before = { fleet: snapshot(fleet.dir), outside: snapshot(outside) };
  watchReads();
});

afterAll(async () => {
  unwatchReads();
  await app?.close();
  fleet?.cleanup();
  if (outside) fs.rmSync(outside, { recursive: true, force: true });
  log.print();
});

// ---------------------------------------------------------------------------
// The checks every answer passes
// ---------------------------------------------------------------------------

interface Sent {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** Every fire time a 200 JSON body reports (`next_run`, `next_runs`). */
function fireTimes(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) {
    for (const item of value) fireTimes(item, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'next_run') out.push(v);
      else if (k === 'next_runs' && Array.isArray(v)) out.push(...(v as unknown[]));
      else fireTimes(v, out);
    }
  }
  return out;
}
/** ISO-8601 with the zone's offset, as the contract promises. */
const ISO_WITH_OFFSET = /^(?:\d{4}|-\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

/** Paths reported by a 200 JSON body: `root`, `path`, pointer targets; diagnostics' JSON Pointers excluded. */
function reportedPaths(value: unknown, out: string[] = [], key = ''): string[] {
  if (Array.isArray(value)) {
    for (const item of value) reportedPaths(item, out);
  } else if (value && typeof value === 'object') {
    const isDiagnostic = 'severity' in value && 'code' in value;
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string') {
        if (!isDiagnostic && (k === 'root' || k === 'path' || (key === 'pointers' && (k === 'scope' || k === 'todo')))) out.push(v);
      } else {
        reportedPaths(v, out, k);
      }
    }
  }
  return out;
}

async function send(sent: Sent): Promise<LightMyRequestResponse> {
  readsOutside.length = 0;
  const started = performance.now();
  const res = await app.inject({ method: sent.method, url: sent.url, headers: sent.headers, ...(sent.payload !== undefined ? { payload: sent.payload } : {}) });
  const ms = performance.now() - started;
  const where = `${sent.method} ${sent.url} headers=${JSON.stringify(sent.headers)}${sent.payload !== undefined ? ` payload=${JSON.stringify(sent.payload.slice(0, 300))}` : ''}\n-> ${res.statusCode} ${res.body.slice(0, 600)}`;

  expect(ms, `hang guard: took ${Math.round(ms)} ms: ${where}`).toBeLessThan(CASE_BUDGET_MS);
  expect(res.statusCode, where).toBeLessThan(500);

  const id = res.headers['x-request-id'];
  expect(typeof id === 'string' && REQUEST_ID.test(id), `x-request-id ${JSON.stringify(id)}: ${where}`).toBe(true);
  const incoming = sent.headers['x-request-id'];
  if (incoming !== undefined && REQUEST_ID.test(incoming)) expect(id, where).toBe(incoming);

  const body = res.body;
  expect(body.includes(MARKER), `outside content in the answer: ${where}`).toBe(false);
  expect(readsOutside, `read outside the roots: ${where}`).toEqual([]);
  const asked = `${sent.url}\n${JSON.stringify(sent.headers)}\n${sent.payload ?? ''}`;
  if (!asked.includes(outside) && !asked.includes(path.basename(outside))) {
    expect(body.includes(outside), `names the outside directory: ${where}`).toBe(false);
  }

  if (res.statusCode >= 400) {
    expect(String(res.headers['content-type']), where).toMatch(/^application\/problem\+json/);
    const doc = JSON.parse(body) as Record<string, unknown>;
    log.note(`${res.statusCode} ${String(doc.code)}`);
    expect(typeof doc.code === 'string' && doc.code.length > 0, where).toBe(true);
    expect(doc.status, where).toBe(res.statusCode);
    expect(typeof doc.title === 'string' && typeof doc.detail === 'string' && typeof doc.type === 'string', where).toBe(true);
    expect(body.includes('    at '), `stack trace: ${where}`).toBe(false);
    for (const p of INSTALL_PATHS) expect(body.includes(p), `install path ${p}: ${where}`).toBe(false);
  } else if (res.statusCode === 304) {
    log.note('304');
    expect(body, where).toBe('');
  } else if (/^application\/json/.test(String(res.headers['content-type']))) {
    log.note(`${res.statusCode} json`);
    const json: unknown = JSON.parse(body);
    for (const p of reportedPaths(json)) {
      expect(path.isAbsolute(p) && isInside(p, fleet.dir), `reported path ${p} outside the fleet: ${where}`).toBe(true);
    }
    for (const t of sent.url.startsWith('/v1/') ? fireTimes(json) : []) {
      // An entry that never fires: discover reports null, a bundle's schedule ''.
      if (t === null || t === '') continue;
      expect(typeof t === 'string' && ISO_WITH_OFFSET.test(t) && !Number.isNaN(Date.parse(t)), `fire time ${JSON.stringify(t)}: ${where}`).toBe(true);
    }
  } else {
    log.note(`${res.statusCode} ${String(res.headers['content-type']).split(';')[0]}`);
  }
  return res;
}

// ---------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------

/** Characters a URL may carry unencoded (RFC 3986 unreserved, sub-delims, ':', '@', '/', '%'). */
const URL_SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
const QUERY_SAFE = /^[A-Za-z0-9\-._~!$'()*+,;:@/%]*$/;
/** Header values as an HTTP parser delivers them: tab, visible ASCII and obs-text. */
const headerValue = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constant(0x09), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)), maxLength }).map((s) => s.trim());

const REPOS = ['alpha', 'beta', 'gamma', 'never', 'empty', 'with space', 'ünïcode'];
const LINKS = ['escape', 'escape-rel', 'escape-file', 'dangling', 'loop', 'delta', 'alpha/up', 'alpha/out', 'beta/agents', 'gamma/.kaizen/schedule.yml'];

const target = (): fc.Arbitrary<string> => {
  const segment = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...REPOS, ...LINKS) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        '..', '.', '', '...', '%2e%2e', '%2E%2E', '%252e%252e', '%25252e%25252e', '..%2f', '..%2F', '..%5c', '%2f', '%5c', '%00', '\u0000', '\\', '..\\..', '~', '$HOME',
        '*', '?', '#', ';', '.kaizen', 'schedule.yml', 'agents', 'etc', 'passwd', 'notadir.txt', '\u202e', 'ａｌｐｈａ', 'alpha\u0000', 'alpha%00', 'ALPHA', 'a'.repeat(300),
        path.basename(outside), `${path.basename(outside)}/secret.txt`,
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  );
  const joined = fc
    .tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.constantFrom('/', '\\', '//', '/./'))
    .map(([segments, sep]) => segments.join(sep));
  return fc.oneof(
    { weight: 5, arbitrary: joined },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(() => fleet.dir, () => outside, () => `${fleet.dir}/..`, () => '/', () => `${fleet.dir}/alpha/../..`, () => `${fleet.dir}//alpha`, () => fleet.dir.toUpperCase()), joined)
        .map(([base, rest]) => `${base()}/${rest}`),
    },
    { weight: 1, arbitrary: fc.constantFrom(() => fleet.dir, () => outside, () => `${outside}/secret.txt`, () => `${fleet.dir}-outside`, () => '/etc/passwd', () => '/', () => '', () => 'a'.repeat(5000)).map((f) => f()) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  );
};

const QUERY_KEYS = ['target', 'format', 'include', 'now', 'runs', 'all', 'cadence', 'domain', 'agent', 'target[]', '__proto__', 'constructor', 'x', ''];
const QUERY_VALUES = [
  'json', 'markdown', 'JSON', 'html', 'pointers', 'event', 'pointers,event', 'pointers,,event,', 'pointers,x', 'event'.repeat(20),
  '2026-11-30T08:00:00Z', '2026-03-29T01:30:00+01:00', '1970-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00Z',
  '2024-02-30T00:00:00Z', 'not-a-date', 'now', '1e3', 'NaN', 'Infinity', '-1', '0', '1', '10', '11', '99999999999999999999', '1.5', ' 1',
  'true', 'false', 'yes', 'TRUE', 'daily', 'weekly', 'monthly', 'hourly', 'coach', 'ghost', '../coach', 'a'.repeat(300), '', '%', '%zz', '%00', '%E0%A4%A', '[]', '{}',
];
const queryValue = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...QUERY_VALUES) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) });

/** One query parameter, percent-encoded or (when its characters allow) sent raw. */
const queryPart = (key: fc.Arbitrary<string>, value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(key, value, fc.boolean(), fc.boolean()).map(([k, v, raw, bare]) => {
    const enc = (s: string): string => (raw && QUERY_SAFE.test(s) ? s : encodeURIComponent(s));
    return bare && v === '' ? enc(k) : `${enc(k)}=${enc(v)}`;
  });

const queryString = (withTarget: boolean): fc.Arbitrary<string> =>
  fc
    .tuple(
      withTarget ? fc.option(queryPart(fc.constant('target'), target()), { freq: 6 }) : fc.constant(null),
      fc.array(queryPart(fc.constantFrom(...QUERY_KEYS), queryValue), { maxLength: 4 }),
    )
    .map(([t, rest]) => {
      const parts = [...(t === null ? [] : [t]), ...rest];
      return parts.length === 0 ? '' : `?${parts.join('&')}`;
    });

const REQUEST_IDS = ['abc-123', 'trace:1.2_3', 'a'.repeat(128), 'a'.repeat(129), 'has space', '<script>', '../../etc', '', 'ünï', '\t', 'id,other'];
const headers = fc
  .record(
    {
      accept: fc.oneof(
        fc.constantFrom('text/markdown', 'application/json', '*/*', 'text/*', 'text/markdown;q=0', 'text/markdown;q=abc', 'text/markdown;q=1e400', 'application/json;q=0.5, text/markdown', 'TEXT/MARKDOWN', ';;;,,,', 'text/markdown;q=-1'),
        headerValue(60),
      ),
      'if-none-match': fc.oneof(fc.constantFrom('*', 'W/"x"', '"abc"', '"', 'W/', ',,,', '"a", *'), headerValue(60), fc.constant('"x",'.repeat(500))),
      'content-type': fc.oneof(fc.constantFrom('application/json', 'text/plain', 'application/yaml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'text/plain; charset=utf-16'), headerValue(40)),
      authorization: fc.oneof(fc.constantFrom('Bearer', 'Bearer ', 'Bearer x', 'Basic Zm9vOmJhcg==', 'bearer ' + 'x'.repeat(5000), 'Bearer a b c'), headerValue(60)),
      'x-request-id': fc.oneof(fc.constantFrom(...REQUEST_IDS), fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/), headerValue(200)),
      'accept-language': headerValue(20),
    },
    { requiredKeys: [] },
  )
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);

/** An agent name as it lands in a URL path segment. */
const agentSegment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('coach', 'optimization', 'tdd-workflow', 'sys-medic', 'local', 'ghost', 'releaseManager', 'Coach').map(encodeURIComponent) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '..', '.', '%2e%2e', '%2E%2E%2F%2E%2E', '..%2F..%2Fetc%2Fpasswd', '%2F', '%5C', '%00', 'coach%00', '%', '%zz', '%E0%A4%A', '%C0%AE%C0%AE', '%FF', 'coach%20', 'coach;x', 'coach.md',
      'agent-coach.md', '~coach', 'coach%0a', 'coach%0d%0aX-Injected:%201', '-coach', '_', 'a'.repeat(64), 'a'.repeat(65), 'a'.repeat(250), '%F0%9F%98%80', '%252e%252e', 'coach%2F..%2F..', encodeURIComponent(MARKER.slice(0, 4)),
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('.', '/', '%', '2', 'e', 'F', 'a', '-', '_', '~'), minLength: 1, maxLength: 12 }) },
);

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

describe('HTTP routes under hostile input', () => {
  it('GET routes with hostile targets, query strings and headers', async () => {
    const routes = ['/v1/schedule', '/v1/schedule/validation', '/v1/agents', ...(hasDiscover ? ['/v1/discover'] : [])];
    await log.check(
      'http: GET /v1/schedule, /v1/schedule/validation, /v1/agents, /v1/discover',
      fc.asyncProperty(fc.constantFrom(...routes), queryString(true), headers, async (route, query, h) => {
        await send({ method: 'GET', url: `${route}${query}`, headers: h });
      }),
      { seed: 0x4e770001, numRuns: 300 },
    );
  });

  it('agent names in paths: GET /v1/agents/:name and /v1/prepare/:agent', async () => {
    await log.check(
      'http: GET /v1/agents/:name, /v1/prepare/:agent',
      fc.asyncProperty(fc.constantFrom('/v1/agents/', '/v1/prepare/'), agentSegment, queryString(true), headers, async (prefix, name, query, h) => {
        await send({ method: 'GET', url: `${prefix}${name}${query}`, headers: h });
      }),
      { seed: 0x4e770002, numRuns: 300 },
    );
  });

  it('bundles of every repo, format and include, with conditional requests', async () => {
    const repo = fc.constantFrom(...REPOS, 'delta', 'alpha/up/alpha', 'escape', 'alpha/out', 'gamma');
    await log.check(
      'http: GET /v1/prepare/:agent on the fleet',
      fc.asyncProperty(
        fc.constantFrom('coach', 'optimization', 'local', 'tdd-workflow', MARKER.slice(0, 6)),
        repo,
        fc.subarray(['format=json', 'format=markdown', 'include=pointers', 'include=event', 'include=pointers,event', 'now=2026-03-29T01:30:00%2B01:00', 'now=9999-12-31T23:59:59Z', 'now=0001-01-01T00:00:00Z']),
        headers,
        async (agent, r, extra, h) => {
          const url = `/v1/prepare/${agent}?${[`target=${encodeURIComponent(r)}`, ...extra].join('&')}`;
          const res = await send({ method: 'GET', url, headers: h });
          if (res.statusCode === 200 && typeof res.headers.etag === 'string') {
            // The same request with its own ETag is a bodiless 304.
            await send({ method: 'GET', url, headers: { ...h, 'if-none-match': res.headers.etag } });
          }
        },
      ),
      { seed: 0x4e770003, numRuns: 200 },
    );
  });

  it('listings and discovery at any instant from year 1 to 9999', async () => {
    const instant = fc.oneof(
      fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      // Around DST changes in the fleet's zones, and the ends of February.
      fc.constantFrom('2026-03-29T00:59:59Z', '2026-03-29T01:00:00Z', '2026-10-25T00:30:00Z', '2026-03-08T06:59:00Z', '2026-11-01T05:30:00Z', '2028-02-28T23:59:59Z', '2100-02-28T12:00:00Z'),
    );
    const offsetForm = fc.constantFrom('Z', '+14:00', '-12:00', '+05:45');
    await log.check(
      'http: GET /v1/schedule, /v1/discover with now from year 1 to 9999',
      fc.asyncProperty(fc.constantFrom(...REPOS, 'delta', ...(hasDiscover ? ['(discover)'] : [])), instant, offsetForm, fc.integer({ min: 1, max: 10 }), fc.boolean(), async (repo, iso, tz, runs, all) => {
        const now = tz === 'Z' ? iso : iso.replace(/\.\d{3}Z$/, tz);
        const url =
          repo === '(discover)'
            ? `/v1/discover?now=${encodeURIComponent(now)}`
            : `/v1/schedule?target=${encodeURIComponent(repo)}&now=${encodeURIComponent(now)}&runs=${runs}&all=${all}`;
        await send({ method: 'GET', url, headers: {} });
      }),
      { seed: 0x4e770007, numRuns: 150 },
    );
  });

  it('POST /v1/schedule/validate with mutated manifests and content types', async () => {
    const contentType = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('application/yaml', 'text/yaml', 'text/plain', 'application/x-yaml', 'text/x-yaml', 'application/json', 'application/json; charset=utf-8', 'TEXT/YAML') },
      {
        weight: 2,
        arbitrary: fc.constantFrom('text/plain; charset=latin1', 'text/yaml; charset=utf-16', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/xml', 'text/yaml;', '*/*', ''),
      },
      { weight: 1, arbitrary: headerValue(30) },
    );
    const manifestText = fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...BASES) },
      { weight: 4, arbitrary: mutatedManifest },
      { weight: 1, arbitrary: fc.constantFrom(...TRICKY) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    );
    const body = fc.oneof(
      { weight: 3, arbitrary: manifestText },
      { weight: 2, arbitrary: manifestText.map((m) => JSON.stringify({ manifest: m })) },
      {
        weight: 1,
        arbitrary: fc.oneof(
          fc.constantFrom('{"manifest": 1}', '{"manifest": null}', '[]', 'null', '"version: 1"', '{"manifest": "x", "extra": 1}', '{"__proto__": {"manifest": "x"}}', '{', '{"manifest": "\\ud800"}', '', '0'),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
        ),
      },
      { weight: 1, arbitrary: fc.constant('x'.repeat(300 * 1024)) },
    );
    await log.check(
      'http: POST /v1/schedule/validate',
      fc.asyncProperty(body, contentType, fc.option(queryString(true), { freq: 1 }), headers, async (payload, ct, query, h) => {
        await send({ method: 'POST', url: `/v1/schedule/validate${query ?? ''}`, headers: { ...h, 'content-type': ct }, payload });
      }),
      { seed: 0x4e770004, numRuns: 250 },
    );
  });

  it('POST /v1/schedule/init with writes disabled', async () => {
    const field = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('alpha', 'empty', 'escape', 'dangling', '../x') },
      { weight: 3, arbitrary: target() },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 1, true, [], {}, ['alpha'], { $ref: '#' }) },
    );
    const body = fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .record(
            {
              target: field,
              timezone: fc.oneof(fc.constantFrom<unknown>('UTC', 'Europe/Berlin', 'Mars/Olympus', '', '../../etc/localtime', 'a'.repeat(100), 1, null), fc.string({ maxLength: 20 })),
              force: fc.constantFrom<unknown>(true, false, 'true', 1, null, 'yes'),
              extra: fc.anything({ maxDepth: 1 }),
            },
            { requiredKeys: ['target'] },
          )
          .map((b) => JSON.stringify(b)),
      },
      { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '"alpha"', 'target=alpha', 'version: "1"') },
    );
    const contentType = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
      { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/yaml', 'application/x-www-form-urlencoded', '') },
    );
    await log.check(
      'http: POST /v1/schedule/init (writes disabled)',
      fc.asyncProperty(body, contentType, headers, async (payload, ct, h) => {
        const res = await send({ method: 'POST', url: '/v1/schedule/init', headers: { ...h, 'content-type': ct }, payload });
        expect(res.statusCode, res.body).not.toBe(201);
      }),
      { seed: 0x4e770005, numRuns: 150 },
    );
  });

  it('raw URL junk under every prefix', async () => {
    const prefix = fc.constantFrom('/', '/v1/', '/v1/agents/', '/v1/prepare/', '/v1/schedule/', '/v1/schedule', '//v1/agents', '/v1/./agents', '/v1/../v1/agents', '/V1/AGENTS', '/v1/agents/coach/', '/v1/discover/', '/docs/static/', '/docs/', '/openapi.json/', '/healthz/', '/metrics/');
    const piece = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '%2f', '%5c', '%00', '%', '%zz', '%E0%A4%A', '%C0%AE', '//', ';', ';jsessionid=1', 'coach', 'index.html', '..%2f..%2f..%2fetc%2fpasswd', '%252e%252e%252f', '~', '*', 'a'.repeat(250), encodeURIComponent(path.basename(outside))),
      fc.string({ unit: 'grapheme', maxLength: 8 }).map(encodeURIComponent),
    );
    await log.check(
      'http: raw URL junk',
      fc.asyncProperty(prefix, fc.array(piece, { maxLength: 4 }), fc.constantFrom('/', '', '//'), queryString(true), headers, async (p, pieces, sep, query, h) => {
        const url = `${p}${pieces.join(sep)}${query}`;
        if (!URL_SAFE.test(url.split('?')[0]!)) return;
        await send({ method: 'GET', url, headers: h });
      }),
      { seed: 0x4e770006, numRuns: 200 },
    );
  });

  it('nothing was written inside or outside the roots', () => {
    expect(snapshot(fleet.dir)).toEqual(before.fleet);
    expect(snapshot(outside)).toEqual(before.outside);
  });
});
