import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { isValidTimeZone } from '../../src/manifest/timezone.js';
import { AGENT_NAME_PATTERN } from '../../src/agents/name.js';
import {
  CADENCES,
  DIAGNOSTIC_CODES,
  MAX_MANIFEST_BYTES,
  type Diagnostic,
  type ValidationResult,
} from '../../src/manifest/types.js';
import { validateManifest } from '../../src/manifest/validate.js';
import { cronValue, mutatedManifest } from './arbitraries.js';
import { FuzzLog } from './support.js';

/*
 * Hostile-input suite, part 1: property-based fuzzing of the manifest parser
 * and validator. Whatever the text, validateManifest must answer (never
 * throw, never hang) with a well-formed, self-consistent, deterministic report.
 */

const log = new FuzzLog('manifest');
afterAll(() => log.print());

const KNOWN = new Set(['coach', 'optimization', 'tdd-workflow', 'code-review', 'sys-medic', 'releaseManager']);
const WARNING_CODES = new Set<string>(['unknown_key', 'cron_cadence_mismatch']);
const CODES = new Set<string>(DIAGNOSTIC_CODES);
/** Hang guard, not a performance figure: a case this slow is a spin (speed is measured in `npm run bench`). */
const CASE_BUDGET_MS = 3000;

// ---------------------------------------------------------------------------
// The invariants every validation result obeys
// ---------------------------------------------------------------------------

function checkPosition(d: { line?: number; column?: number }, where: string): void {
  expect(d.line === undefined, `${where}: line and column come together`).toBe(d.column === undefined);
  for (const n of [d.line, d.column]) {
    if (n === undefined) continue;
    expect(Number.isInteger(n) && n >= 1, `${where}: 1-based integer position, got ${n}`).toBe(true);
  }
}

function checkDiagnostic(d: Diagnostic, expected: 'error' | 'warning'): void {
  const where = `${expected} ${JSON.stringify(d)}`;
  expect(CODES.has(d.code), `${where}: code is documented`).toBe(true);
  expect(d.severity, where).toBe(expected);
  expect(WARNING_CODES.has(d.code), `${where}: only unknown_key and cron_cadence_mismatch are warnings`).toBe(expected === 'warning');
  expect(typeof d.message === 'string' && d.message.length > 0, `${where}: has a message`).toBe(true);
  expect(typeof d.path, where).toBe('string');
  expect(d.path === '' || d.path.startsWith('/'), `${where}: path is a JSON Pointer`).toBe(true);
  if (d.hint !== undefined) expect(typeof d.hint, where).toBe('string');
  checkPosition(d, where);
  if (d.related) {
    expect(d.related.path === '' || d.related.path.startsWith('/'), where).toBe(true);
    checkPosition(d.related, `${where} (related)`);
  }
  const allowed = new Set(['severity', 'code', 'message', 'path', 'line', 'column', 'hint', 'related']);
  for (const key of Object.keys(d)) expect(allowed.has(key), `${where}: unexpected member ${key}`).toBe(true);
}

function checkResult(text: string, result: ValidationResult, knownAgents: ReadonlySet<string>): void {
  expect(typeof result.valid).toBe('boolean');
  expect(Array.isArray(result.errors) && Array.isArray(result.warnings)).toBe(true);
  expect(result.valid, JSON.stringify(result.errors)).toBe(result.errors.length === 0);
  for (const d of result.errors) checkDiagnostic(d, 'error');
  for (const d of result.warnings) checkDiagnostic(d, 'warning');

  if (Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    expect(result.errors.map((d) => d.code)).toEqual(['file_too_large']);
  }

  if (!result.valid) {
    expect(result.manifest, 'an invalid result carries no manifest').toBeUndefined();
    return;
  }
  const { manifest } = result;
  expect(manifest, 'a valid result carries the manifest').toBeDefined();
  expect(manifest!.version).toBe('1');
  if (manifest!.timezone !== undefined) expect(isValidTimeZone(manifest!.timezone)).toBe(true);
  expect(manifest!.entries.length).toBeGreaterThan(0);
  for (const entry of manifest!.entries) {
    expect((CADENCES as readonly string[]).includes(entry.cadence), JSON.stringify(entry)).toBe(true);
    expect(typeof entry.enabled, JSON.stringify(entry)).toBe('boolean');
    expect(AGENT_NAME_PATTERN.test(entry.agent) && knownAgents.has(entry.agent), JSON.stringify(entry)).toBe(true);
    if (entry.cron !== undefined) expect(entry.cron.length > 0 && entry.cron === entry.cron.trim(), JSON.stringify(entry)).toBe(true);
  }
}

/** Validates twice (determinism, unless `once`), within the time budget, and checks every invariant. */
function validateChecked(text: string, knownAgents: ReadonlySet<string> = KNOWN, once = false): ValidationResult {
  const started = performance.now();
  const first = validateManifest(text, { knownAgents });
  const elapsed = performance.now() - started;
  expect(elapsed, `hang guard: validation took ${Math.round(elapsed)} ms`).toBeLessThan(CASE_BUDGET_MS);
  checkResult(text, first, knownAgents);
  log.note(first.valid ? 'valid' : first.errors[0]!.code);
  // JSON.stringify also proves the report is serialisable (no BigInt, no cycle).
  if (once) {
    JSON.stringify(first);
    return first;
  }
  const again = validateManifest(text, { knownAgents });
  expect(JSON.stringify(again), 'same input, same report').toBe(JSON.stringify(first));
  return first;
}

// ---------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------

const agentName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN) },
  { weight: 1, arbitrary: fc.constantFrom('Coach', 'coach ', 'unknown-agent', '-coach', 'on', 'yes', '1', 'a'.repeat(65), 'a'.repeat(64), '../x', 'co/ach', '~coach', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

const scalarish = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, 1, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1', 'yes', 'no', '', '~', 'weekly', 'false'),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.date({ noInvalidDate: true }),
);

/** Mostly the right value, sometimes anything: deep checks run, and every branch still gets hit. */
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: bad });

const settingsRecord = (requiredKeys: ('cadence' | 'cron' | 'enabled')[]) =>
  fc.record(
    {
      cadence: mostly(fc.constantFrom(...CADENCES), scalarish),
      cron: mostly(fc.constantFrom('0 9 * * 1', '0 10 * * 1', '30 8 1 * *', '0 7 * * *', '0 9 * * 1-5'), fc.oneof(cronValue, scalarish)),
      enabled: mostly(fc.boolean(), scalarish),
      extra: scalarish,
    },
    { requiredKeys },
  );

const settings = fc.oneof(
  { weight: 4, arbitrary: settingsRecord(['cadence']) },
  { weight: 1, arbitrary: settingsRecord([]) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

const manifestRecord = (requiredKeys: ('version' | 'timezone' | 'agents' | 'notes')[]) =>
  fc.record(
    {
      version: mostly(fc.constantFrom<unknown>('1', 1), fc.oneof(fc.constantFrom<unknown>(1.0, '1.0', 2, '2', null, 'v1', true), scalarish)),
      timezone: mostly(fc.constantFrom('Europe/Berlin', 'UTC', 'America/New_York', 'Etc/GMT-14'), fc.oneof(fc.constantFrom<unknown>('Mars/Olympus', 'europe/berlin', 'EST', null), scalarish)),
      agents: mostly(fc.dictionary(agentName, settings, { minKeys: 1, maxKeys: 5 }), fc.anything({ maxDepth: 2 })),
      notes: fc.anything({ maxDepth: 1 }),
    },
    { requiredKeys },
  );

const manifestObject = fc.oneof(
  { weight: 6, arbitrary: manifestRecord(['version', 'agents']) },
  { weight: 2, arbitrary: manifestRecord([]) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true }) },
);

/**
 * A shared settings object makes `yaml` emit an anchor and aliases to it, so
 * the alias-following paths of the validator are exercised too.
 */
const yamlFromObject = fc
  .tuple(manifestObject, fc.boolean(), fc.constantFrom<'1.1' | '1.2'>('1.1', '1.2'), fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL') as fc.Arbitrary<'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL'>, fc.boolean())
  .map(([object, share, version, defaultStringType, flow]) => {
    let value = object;
    if (share && value && typeof value === 'object' && 'agents' in value && value.agents && typeof value.agents === 'object') {
      const shared = { cadence: 'weekly' };
      const agents = value.agents as Record<string, unknown>;
      value = { ...value, agents: Object.fromEntries(Object.keys(agents).map((k) => [k, shared])) };
    }
    try {
      // (undefined for a value YAML has no document for, e.g. undefined itself)
      return stringify(value, { version, defaultStringType, aliasDuplicateObjects: true, ...(flow ? { collectionStyle: 'flow' as const } : {}) }) ?? '';
    } catch {
      // Values `yaml` itself cannot write (say, a symbol key) are not manifests anyone can send.
      return '';
    }
  });

/** Nested anchors whose full expansion is exponential ("billion laughs"), placed anywhere in a manifest. */
const aliasBomb = fc
  .record({
    fanOut: fc.integer({ min: 3, max: 9 }),
    depth: fc.integer({ min: 6, max: 12 }),
    style: fc.constantFrom('flow-seq', 'block-seq', 'flow-map', 'merge'),
    placement: fc.constantFrom('top', 'agent', 'cron', 'agents', 'document'),
  })
  .map(({ fanOut, depth, style, placement }) => {
    const layers: string[] = ['l0: &l0 "lol"'];
    for (let i = 1; i <= depth; i++) {
      const refs = Array.from({ length: fanOut }, () => `*l${i - 1}`);
      switch (style) {
        case 'flow-seq':
          layers.push(`l${i}: &l${i} [${refs.join(', ')}]`);
          break;
        case 'block-seq':
          layers.push(`l${i}: &l${i}`, ...refs.map((r) => `  - ${r}`));
          break;
        case 'flow-map':
          layers.push(`l${i}: &l${i} {${refs.map((r, k) => `k${k}: ${r}`).join(', ')}}`);
          break;
        case 'merge':
          layers.push(`l${i}: &l${i}`, ...refs.map((r, k) => `  k${k}: ${r}`), `  <<: *l${i - 1}`);
          break;
      }
    }
    const top = `*l${depth}`;
    const body = ['version: "1"', ...layers];
    switch (placement) {
      case 'top':
        return [...body, 'agents:', '  coach: {cadence: weekly}', `bomb: ${top}`].join('\n');
      case 'agent':
        return [...body, 'agents:', `  coach: ${top}`].join('\n');
      case 'cron':
        return [...body, 'agents:', `  coach: {cadence: weekly, cron: ${top}}`].join('\n');
      case 'agents':
        return [...body, `agents: ${top}`].join('\n');
      default:
        return [...layers, `x: ${top}`].join('\n');
    }
  });

/**
 * Manifests near the 64 KiB cap: hundreds of entries, each with its own cron
 * and cadence, where per-entry costs add up.
 */
const LARGE_KNOWN = new Set([...KNOWN, ...Array.from({ length: 2000 }, (_, i) => `a${i}`)]);
const largeManifest = fc
  .record({
    entries: fc.array(fc.tuple(agentName, fc.constantFrom(...CADENCES), fc.oneof(fc.constantFrom('0 9 * * 1', '0 0 31 2 *', '*/5 * * * *'), cronValue), fc.boolean()), { minLength: 1, maxLength: 5 }),
    target: fc.integer({ min: 8_000, max: 63_500 }),
    distinctNames: fc.boolean(),
  })
  .map(({ entries, target, distinctNames }): [string, ReadonlySet<string>] => {
    const lines = ['version: "1"', 'timezone: UTC', 'agents:'];
    let bytes = 0;
    for (let i = 0; bytes < target; i++) {
      const [name, cadence, cron, enabled] = entries[i % entries.length]!;
      // A distinct valid cron per line, so no memo helps (the generated one only
      // for the first few lines); keep the generated name unless told otherwise.
      const own = `${i % 60} ${Math.floor(i / 60) % 24} ${['*', '1', '*/2'][i % 3]} * ${['*', '1', '1-5'][Math.floor(i / 1440) % 3]}`;
      const line = `  ${distinctNames ? `a${i}` : JSON.stringify(name)}: {cadence: ${cadence}, cron: ${JSON.stringify(i < entries.length ? cron : own)}, enabled: ${enabled}}`;
      lines.push(line);
      bytes += line.length + 1;
    }
    // Distinct names are all known; otherwise the usual handful of known agents.
    return [lines.join('\n'), distinctNames ? LARGE_KNOWN : KNOWN];
  });

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

describe('manifest parser and validator under hostile input', () => {
  it('arbitrary unicode text', async () => {
    await log.check(
      'manifest: arbitrary unicode text',
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 200 })), (text) => {
        validateChecked(text);
      }),
      { seed: 0x5eed0001, numRuns: 500 },
    );
  });

  it('YAML-shaped noise (structure characters, anchors, tags, directives)', async () => {
    const token = fc.constantFrom(':', ': ', ' ', '  ', '\n', '\n  ', '- ', '&a ', '*a', '!', '!!', '[', ']', '{', '}', ',', '"', "'", '#', '|', '>', '\t', '? ', '<<: ', '---\n', '...\n', '%', '@', '`', 'version', 'agents', 'coach', 'cadence', 'weekly', '1', '~', '\\', '\u0000', '\uFEFF');
    await log.check(
      'manifest: YAML-shaped noise',
      fc.property(fc.array(token, { maxLength: 80 }).map((t) => t.join('')), (text) => {
        validateChecked(text);
      }),
      { seed: 0x5eed0002, numRuns: 500 },
    );
  });

  it('mutations of valid manifests', async () => {
    await log.check(
      'manifest: mutations of valid manifests',
      fc.property(mutatedManifest, (text) => {
        validateChecked(text);
      }),
      { seed: 0x5eed0003, numRuns: 350 },
    );
  });

  it('random objects written by the yaml package', async () => {
    let valid = 0;
    await log.check(
      'manifest: yaml.stringify of random objects',
      fc.property(yamlFromObject, (text) => {
        if (validateChecked(text).valid) valid++;
      }),
      { seed: 0x5eed0004, numRuns: 300 },
    );
    // The generator reaches the valid side too, so the manifest invariants are exercised.
    expect(valid).toBeGreaterThan(0);
  });

  it('large manifests of distinct entries validate within the budget', async () => {
    await log.check(
      'manifest: 8-63 KB manifests of distinct crons',
      fc.property(largeManifest, ([text, known]) => {
        // Once: these are slow, and determinism is covered by the other properties.
        validateChecked(text, known, true);
      }),
      { seed: 0x5eed0006, numRuns: 3 },
    );
  });

  // Aliases are followed where they stand, never expanded into copies, so a
  // bomb costs what its text costs: past 100 aliases it is refused outright,
  // below that it is read like any manifest (an alias where a mapping or a
  // text belongs is that key's error).
  it('alias bombs come back quickly: past 100 aliases as yaml_syntax, else read without expanding', async () => {
    await log.check(
      'manifest: nested-anchor alias bombs',
      fc.property(aliasBomb, (text) => {
        const result = validateChecked(text);
        const aliases = text.match(/\*l\d+/g)?.length ?? 0;
        if (aliases > 100) expect(result.errors.map((d) => d.code), JSON.stringify(result.errors)).toContain('yaml_syntax');
        expect(result.errors.filter((d) => d.code === 'yaml_syntax').length <= 1, JSON.stringify(result.errors)).toBe(true);
      }),
      { seed: 0x5eed0005, numRuns: 60 },
    );
  });
});
