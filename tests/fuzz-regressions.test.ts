import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ValidationResult } from '../src/manifest/types.js';
import { validateManifest } from '../src/manifest/validate.js';
import { VALID_MANIFEST, tempFleet, testApp, type TempDir } from './helpers/fleet.js';

/*
 * Regression tests for the bugs the hostile-input suites (fuzz-*.test.ts)
 * found. Each reproduces the original input that hung, crashed or threw.
 */

const KNOWN = new Set(['coach', 'optimization', 'tdd-workflow']);

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
      expect(ms).toBeLessThan(500);
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
      expect(ms).toBeLessThan(500);
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

  it('hostile manifests answer 422 promptly, not 500 or a hang', async () => {
    for (const body of [`${'? '.repeat(40)}x`, `${'- ? '.repeat(300)}x`, `x: ${'['.repeat(30_000)}`]) {
      const started = performance.now();
      const res = await app.inject({ method: 'POST', url: '/v1/schedule/validate', headers: { 'content-type': 'text/plain' }, payload: body });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'schedule_invalid', errors: [expect.objectContaining({ code: 'yaml_syntax' })] });
    }
  });
});
