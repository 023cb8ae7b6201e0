import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { cadenceMismatch, checkCron, nextRuns } from '../../src/manifest/cron.js';
import { formatInZone } from '../../src/manifest/timezone.js';
import { CADENCES, type Cadence, type ValidationResult } from '../../src/manifest/types.js';
import { validateManifest } from '../../src/manifest/validate.js';
import { VALID_MANIFEST, tempFleet, testApp, type TempDir } from '../helpers/fleet.js';

/*
 * Regression tests for the bugs the hostile-input suites (fuzz-*.test.ts)
 * found. Each reproduces the original input that hung, crashed or threw.
 */

const KNOWN = new Set(['coach', 'optimization', 'tdd-workflow']);

/**
 * Hang guard, not a performance figure: the regressions below spun for seconds
 * to minutes; a healthy validation takes milliseconds, so this generous bound
 * only trips on a spin. Speed itself is measured in `npm run bench`.
 */
const HANG_GUARD_MS = 2000;

/** Validates and returns the result with the time it took. */
function timed(text: string, knownAgents: ReadonlySet<string> = KNOWN): { result: ValidationResult; ms: number } {
  const started = performance.now();
  const result = validateManifest(text, { knownAgents });
  return { result, ms: performance.now() - started };
}

describe('deeply nested documents are refused before they are composed', () => {
  // 60 KB of `[` took 1.5 s of CPU in the composer's stack overflow, and under
  // a source-map hook (tsx, vitest, --enable-source-maps) V8 aborted the
  // whole process ("RegExpCompiler Allocation failed").
  const cases: Record<string, string> = {
    'flow sequences': `x: ${'['.repeat(30_000)}`,
    'flow mappings': `x: ${'{a: '.repeat(15_000)}`,
    'compact block sequences': `${'- '.repeat(30_000)}x`,
    'explicit keys in sequences': `${'- ? '.repeat(16_000)}x`,
    'an indentation ladder': Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
  };
  for (const [name, text] of Object.entries(cases)) {
    it(name, () => {
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(64 * 1024);
      const { result, ms } = timed(text);
      expect(ms, 'hang guard').toBeLessThan(HANG_GUARD_MS);
      expect(result.valid).toBe(false);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatchObject({ severity: 'error', code: 'yaml_syntax', path: '', message: 'the document nests deeper than 32 levels' });
      expect(result.errors[0]!.line).toBeGreaterThanOrEqual(1);
      expect(result.errors[0]!.column).toBeGreaterThanOrEqual(1);
    });
  }

  it('points at the first token past the limit', () => {
    const { result } = timed(`version: "1"\nx: ${'['.repeat(40)}`);
    // Two levels for `x:` (the document and the key's value), so the 31st `[` is the 33rd level.
    expect(result.errors[0]).toMatchObject({ line: 2, column: 4 + 30 });
  });

  it('moderate nesting, quoted brackets and block scalars are not counted against a manifest', () => {
    const text = [
      VALID_MANIFEST.trimEnd(),
      `notes: ${'['.repeat(20)}${']'.repeat(20)}`,
      `quoted: "${'['.repeat(100)}"`,
      `single: '${'{'.repeat(100)}'`,
      `plain: a ${'['.repeat(100)}`,
      `# ${'[ '.repeat(100)}`,
      'literal: |',
      ...Array.from({ length: 50 }, (_, i) => `  ${' '.repeat(i)}- - - [ {`),
      '',
    ].join('\n');
    const { result } = timed(text);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('collection and alias keys are refused before the document is loaded', () => {
  // `'? '.repeat(40)` (81 bytes) took 14 s and then threw RangeError out of
  // validateManifest (a 500 over HTTP); `'- ? '.repeat(300)` spun for 200 s:
  // every level stringified its key's subtree again.
  it('nested explicit keys', () => {
    // Nested just under the depth limit, so it is the key check that answers.
    for (const text of [`${'? '.repeat(30)}x`, `${'- ? '.repeat(15)}x`, `version: "1"\n${'? '.repeat(25)}x`]) {
      const { result, ms } = timed(text);
      expect(ms, 'hang guard').toBeLessThan(HANG_GUARD_MS);
      expect(result.valid).toBe(false);
      expect(result.errors[0]).toMatchObject({ code: 'yaml_syntax', path: '', line: text.startsWith('version') ? 2 : 1 });
      expect(result.errors[0]!.message).toMatch(/^mapping keys must be plain names, not a (mapping|list)$/);
    }
  });

  it('flow collection keys and alias keys, with their positions', () => {
    const flow = timed('version: "1"\nagents:\n  {[coach]: x}: 1\n').result;
    expect(flow.errors).toEqual([
      expect.objectContaining({ code: 'yaml_syntax', message: 'mapping keys must be plain names, not a mapping', line: 3, column: 3 }),
    ]);
    const alias = timed('version: "1"\nx: &a [1]\n*a : 2\nagents:\n  coach: {cadence: weekly}\n').result;
    expect(alias.errors).toEqual([expect.objectContaining({ code: 'yaml_syntax', message: 'mapping keys must be plain names, not an alias', line: 3, column: 1 })]);
  });

  it('merge keys are plain keys, not refused', () => {
    const text = ['version: "1"', 'base: &b {cadence: weekly}', 'agents:', '  coach:', '    <<: *b', '    cron: "0 9 * * 1"', ''].join('\n');
    const { result } = timed(text);
    expect(result.errors.filter((d) => d.code === 'yaml_syntax')).toEqual([]);
  });
});

describe('cron/cadence mismatch is computed from the parsed pattern', () => {
  // Stepping a schedule day by day through a year cost up to 0.4 s per distinct
  // cron; a 60 KB manifest of distinct crons took 95 s to validate.
  it('a 60 KB manifest of distinct crons validates in well under a few seconds', () => {
    const lines = ['version: "1"', 'agents:'];
    let bytes = 0;
    for (let i = 0; bytes < 60_000; i++) {
      const line = `  a${i}: {cadence: weekly, cron: "${i % 60} ${Math.floor(i / 60) % 24} * * ${['*', '1', '1-5'][Math.floor(i / 1440) % 3]}"}`;
      lines.push(line);
      bytes += line.length + 1;
    }
    const names = new Set(lines.slice(2).map((l) => l.trim().split(':')[0]!));
    const { result, ms } = timed(lines.join('\n'), names);
    expect(ms, 'hang guard').toBeLessThan(3 * HANG_GUARD_MS); // 60 KB of entries: more work, same guard
    expect(result.valid).toBe(true);
    expect(result.warnings.length).toBeGreaterThan(0);
  });

  /** The original classification: step a UTC schedule through 2025 a day at a time. */
  function steppedMismatch(expr: string, cadence: Cadence): string | undefined {
    const DAY = 86_400_000;
    const start = Date.UTC(2025, 0, 1);
    const end = start + 365 * DAY;
    const next = (after: Date): Date | undefined => nextRuns(expr, 'UTC', after, 1)[0];
    let days = 0;
    let several = false;
    let cursor = new Date(start - 1);
    for (;;) {
      const run = next(cursor);
      if (!run || run.getTime() >= end) break;
      const dayEnd = Math.floor(run.getTime() / DAY) * DAY + DAY;
      if (days === 0) {
        const second = next(run);
        several = !!second && second.getTime() < dayEnd;
      }
      days++;
      cursor = new Date(dayEnd - 1);
    }
    const expected = { daily: 365, weekly: 52, monthly: 12 }[cadence];
    if (several) return `fires several times a day, more often than a ${cadence} cadence`;
    if (days === 0) return `fires only in leap years, far less often than a ${cadence} cadence`;
    if (days / expected > 1.5) return `fires on ${days} days a year, more often than a ${cadence} cadence (about ${expected})`;
    if (days / expected < 0.5) return `fires on ${days} days a year, less often than a ${cadence} cadence (about ${expected})`;
    return undefined;
  }

  it('agrees with stepping the schedule through the sample year', () => {
    const item = (min: number, max: number, names: string[]) =>
      fc.oneof(
        fc.constant('*'),
        fc.integer({ min, max }).map(String),
        fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc.tuple(fc.constantFrom('*', String(min)), fc.integer({ min: 1, max: max - min + 1 })).map(([a, s]) => `${a}/${s}`),
        fc.constantFrom(...names),
      );
    const field = (min: number, max: number, names: string[] = [String(min)]) =>
      fc.array(item(min, max, names), { minLength: 1, maxLength: 3 }).map((parts) => parts.join(','));
    const cron = fc
      .tuple(field(0, 59), field(0, 23), field(1, 31, ['29', '30', '31']), field(1, 12, ['jan', 'feb', 'dec']), field(0, 7, ['mon', 'sun', 'fri', '7']))
      .map((fields) => fields.join(' '));
    const special = fc.constantFrom('0 0 31 2 *', '0 0 29 2 *', '0 0 29 2 1', '0 0 31 2 1-5', '0 0 1,15 * 1', '0 9 */2 * 1', '0 9 * * *', '* * 31 2 *', '0 9 1 * *', '0 9 * * 1');
    let compared = 0;
    fc.assert(
      fc.property(fc.oneof(cron, special), fc.constantFrom(...CADENCES), (expr, cadence) => {
        if (checkCron(expr)) return;
        compared++;
        expect(cadenceMismatch(expr, cadence), expr).toBe(steppedMismatch(expr, cadence));
      }),
      { seed: 0x0c0ffee, numRuns: 250 },
    );
    expect(compared).toBeGreaterThan(50);
  });
});

describe('over HTTP', () => {
  let fleet: TempDir;
  let app: FastifyInstance;
  beforeAll(async () => {
    fleet = tempFleet({ repo: {} });
    app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_MAX_EVENT_LOOP_DELAY_MS: '0' });
  });
  afterAll(async () => {
    await app.close();
    fleet.cleanup();
  });

  // The router refused these before any hook ran, with Fastify's own JSON:
  // no problem+json, no x-request-id, and the raw path echoed back.
  it('malformed percent-encoding and over-long path parameters answer problem+json with a request id', async () => {
    for (const [url, status, code] of [
      ['/v1/agents/%E0%A4%A', 400, 'bad_url'],
      ['/%C0%AE', 400, 'bad_url'],
      [`/v1/agents/${'a'.repeat(250)}`, 414, 'uri_too_long'],
      [`/v1/prepare/${'a'.repeat(250)}?target=repo`, 414, 'uri_too_long'],
    ] as const) {
      const res = await app.inject({ method: 'GET', url, headers: { 'x-request-id': 'fuzz-1' } });
      expect(res.statusCode, url).toBe(status);
      expect(res.headers['content-type'], url).toMatch(/^application\/problem\+json/);
      expect(res.headers['x-request-id'], url).toBe('fuzz-1');
      expect(res.json(), url).toMatchObject({ status, code, type: `https://kaizen-schedule.dev/problems/${code}` });
    }
  });

  it('hostile manifests answer 422 promptly, not 500 or a hang', async () => {
    for (const body of [`${'? '.repeat(40)}x`, `${'- ? '.repeat(300)}x`, `x: ${'['.repeat(30_000)}`]) {
      const started = performance.now();
      const res = await app.inject({ method: 'POST', url: '/v1/schedule/validate', headers: { 'content-type': 'text/plain' }, payload: body });
      expect(performance.now() - started, 'hang guard').toBeLessThan(HANG_GUARD_MS);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'schedule_invalid', errors: [expect.objectContaining({ code: 'yaml_syntax' })] });
    }
  });
});

describe('fire times before the year 100', () => {
  // Date.UTC maps years 0-99 to 1900-1999: a listing with now=0099-12-28
  // reported "0099-12-28T10:00:00+16655040:53".
  it('carry the zone offset of their own year', () => {
    expect(formatInZone(new Date('0099-12-28T09:06:32Z'), 'UTC')).toBe('0099-12-28T09:06:32+00:00');
    expect(formatInZone(new Date('0001-01-01T00:00:00Z'), 'Etc/GMT-14')).toBe('0001-01-01T14:00:00+14:00');
    expect(formatInZone(new Date('0050-06-01T12:00:00Z'), 'America/New_York')).toMatch(/^0050-06-01T07:0\d:\d\d-04:56$/);
  });
});

describe('fire times in 1 BC', () => {
  // Intl numbers year 0 as "1 BC": a listing with now=0001-01-01T09:29+14:00
  // (year 0 in UTC) reported "0001-12-31T09:00:00+8749:31".
  it('are written as ISO year 0000 with the zone offset', () => {
    expect(formatInZone(new Date('0000-12-31T19:00:00Z'), 'UTC')).toBe('0000-12-31T19:00:00+00:00');
    expect(formatInZone(new Date('0000-12-31T19:00:00Z'), 'Etc/GMT-14')).toBe('0001-01-01T09:00:00+14:00');
    expect(formatInZone(new Date('0000-06-01T00:00:00Z'), 'Etc/GMT+12')).toBe('0000-05-31T12:00:00-12:00');
    expect(formatInZone(new Date('-000001-12-31T23:00:00Z'), 'UTC')).toBe('-000001-12-31T23:00:00+00:00');
  });
});
