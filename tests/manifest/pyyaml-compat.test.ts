import { describe, expect, it } from 'vitest';
import type { Diagnostic, ValidationResult } from '../../src/manifest/types.js';
import { validateManifest } from '../../src/manifest/validate.js';

// Files written for the Python tool (PyYAML, YAML 1.1) keep the meaning PyYAML
// gave them, or are refused with a diagnostic; never a silently different schedule.

const KNOWN = new Set(['coach', 'optimization', 'tdd-workflow']);
const validate = (text: string): ValidationResult => validateManifest(text, { knownAgents: KNOWN });
const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;
const all = (r: ValidationResult): Diagnostic[] => [...r.errors, ...r.warnings];

describe('several merge keys in one mapping, as PyYAML flattens them', () => {
  // PyYAML's flatten_mapping concatenates the pairs of every `<<` in order and
  // puts them before the mapping's own pairs; the dict keeps the last value of
  // a key. So the mapping's own keys win, then the *last* `<<` key; within one
  // `<<: [*a, *b]` the list is reversed first, so the *earlier* item wins.
  it('inside one agent: the later merge key wins, own keys win over both', () => {
    const r = validate(
      yaml(
        'version: "1"',
        'x-a: &a {cadence: daily, cron: "0 6 * * *", enabled: no}',
        'x-b: &b {cadence: weekly, cron: "0 9 * * 1"}',
        'agents:',
        '  coach:',
        '    <<: *a',
        '    <<: *b',
        '  optimization:',
        '    <<: *a',
        '    <<: *b',
        '    cron: "0 10 * * 1"',
        '  tdd-workflow:',
        '    <<: [*a, *b]',
      ),
    );
    expect(r.errors).toEqual([]);
    expect(r.manifest?.entries).toEqual([
      { agent: 'coach', cadence: 'weekly', cron: '0 9 * * 1', enabled: false },
      { agent: 'optimization', cadence: 'weekly', cron: '0 10 * * 1', enabled: false },
      { agent: 'tdd-workflow', cadence: 'daily', cron: '0 6 * * *', enabled: false },
    ]);
  });

  it('at the agents level: an agent from the later merge key wins', () => {
    const r = validate(
      yaml(
        'version: "1"',
        'x-a: &a {coach: {cadence: daily}, optimization: {cadence: weekly}}',
        'x-b: &b {coach: {cadence: monthly}}',
        'agents:',
        '  <<: *a',
        '  <<: *b',
      ),
    );
    expect(r.errors).toEqual([]);
    expect(r.manifest?.entries).toEqual(
      expect.arrayContaining([
        { agent: 'coach', cadence: 'monthly', enabled: true },
        { agent: 'optimization', cadence: 'weekly', enabled: true },
      ]),
    );
    expect(r.manifest?.entries).toHaveLength(2);
  });
});

describe('line breaks', () => {
  it('a lone CR (old Mac line endings) is a line break, with positions right', () => {
    const ok = validate('version: "1"\ragents:\r  coach:\r    cadence: weekly\r');
    expect(ok.errors).toEqual([]);
    expect(ok.manifest?.entries).toEqual([{ agent: 'coach', cadence: 'weekly', enabled: true }]);
    const bad = validate('version: "1"\ragents:\r  coach:\r    cadence: hourly\r');
    expect(bad.errors).toEqual([expect.objectContaining({ code: 'invalid_cadence', line: 4, column: 14 })]);
  });

  it('mixed CR, LF and CRLF count one line each', () => {
    const bad = validate('version: "1"\r\nagents:\r  coach:\n    cadence: hourly\r');
    expect(bad.errors).toEqual([expect.objectContaining({ code: 'invalid_cadence', line: 4, column: 14 })]);
  });
});

describe('version: the integer 1 in every YAML 1.1 spelling', () => {
  const version = (v: string): ValidationResult => validate(yaml(`version: ${v}`, 'agents:', '  coach: {cadence: weekly}'));

  it.each(['1', '"1"', "'1'", '0x1', '01', '0b1', '+1', '1_', '0_1', '0x_1', '!!int 1', '!!int 0x1', '!!str 1', '!!str "1"'])('accepts %s', (v) => {
    const r = version(v);
    expect(r.errors).toEqual([]);
    expect(r.manifest?.version).toBe('1');
  });

  // PyYAML compared str(version) with "1": 1.0, True and "0o1" (a string in YAML 1.1) are not "1".
  it.each(['1.0', '!!float 1', '0o1', '2', '-1', 'true', '"01"', '" 1"', '1:00'])('refuses %s as unsupported_version', (v) => {
    const r = version(v);
    expect(r.errors.map((d) => d.code)).toEqual(['unsupported_version']);
  });
});

describe('an alias of a scalar used as a mapping key', () => {
  it('names the agent', () => {
    const r = validate(yaml('version: "1"', 'x-name: &n coach', 'agents:', '  *n : {cadence: weekly}'));
    expect(r.errors).toEqual([]);
    expect(r.manifest?.entries).toEqual([{ agent: 'coach', cadence: 'weekly', enabled: true }]);
  });

  it('works in flow style and for setting names', () => {
    const r = validate(yaml('version: "1"', 'x: [&n coach, &c cadence]', 'agents: {*n : {*c : weekly}}'));
    expect(r.errors).toEqual([]);
    expect(r.manifest?.entries).toEqual([{ agent: 'coach', cadence: 'weekly', enabled: true }]);
  });

  it('an aliased key is still a duplicate of the same name written out', () => {
    const r = validate(yaml('version: "1"', 'x-name: &n coach', 'agents:', '  coach: {cadence: weekly}', '  *n : {cadence: daily}'));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'duplicate_key', line: 5, column: 3 })]);
  });

  it('an alias of a collection is still refused as a key', () => {
    const r = validate(yaml('version: "1"', 'x: &a [1]', '*a : 2', 'agents:', '  coach: {cadence: weekly}'));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'yaml_syntax', message: 'mapping keys must be plain names, not an alias', line: 3, column: 1 })]);
  });
});

describe('standard YAML 1.1 tags', () => {
  it('!!str, !!bool, !!null, !!map and !!seq keep their YAML 1.1 meaning', () => {
    const r = validate(
      yaml(
        'version: !!str 1',
        'timezone: !!null ""',
        'agents: !!map',
        '  coach: !!map {cadence: !!str weekly, enabled: !!bool no, cron: !!str "0 9 * * 1"}',
        '  optimization: {cadence: weekly, enabled: !!bool TRUE}',
        'x-list: !!seq [1, 2]',
      ),
    );
    expect(all(r)).toEqual([expect.objectContaining({ code: 'unknown_key', path: '/x-list' })]);
    expect(r.manifest).toEqual({
      version: '1',
      entries: [
        { agent: 'coach', cadence: 'weekly', cron: '0 9 * * 1', enabled: false },
        { agent: 'optimization', cadence: 'weekly', enabled: true },
      ],
    });
  });

  it('!!float and !!int are numbers, as PyYAML constructed them', () => {
    // !!float 1 is 1.0: a number, so not a valid cron and not version "1".
    const cron = validate(yaml('version: "1"', 'agents:', '  coach: {cadence: weekly, cron: !!float 1}'));
    expect(cron.errors).toEqual([expect.objectContaining({ code: 'invalid_cron', message: expect.stringMatching(/quoted string/) })]);
    expect(cron.errors[0]!.message).not.toMatch(/tag/);
    const enabled = validate(yaml('version: "1"', 'agents:', '  coach: {cadence: weekly, enabled: !!int 0}'));
    expect(enabled.errors).toEqual([expect.objectContaining({ code: 'invalid_enabled' })]);
  });

  it('a standard tag on a value it cannot hold is a specific yaml_syntax error', () => {
    for (const [text, tag] of [
      ['!!int abc', '!!int'],
      ['!!float abc', '!!float'],
      ['!!bool maybe', '!!bool'],
    ] as const) {
      const r = validate(yaml('version: "1"', 'agents:', `  coach: {cadence: weekly, x: ${text}}`));
      expect(r.errors, text).toEqual([expect.objectContaining({ code: 'yaml_syntax', line: 3, message: expect.stringContaining(tag) })]);
    }
  });

  it('custom tags are still refused', () => {
    const r = validate(yaml('version: !foo "1"', 'agents:', '  coach: {cadence: weekly}'));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'yaml_syntax', message: expect.stringContaining('!foo') })]);
  });
});

describe('at most 100 diagnostics, however they arise', () => {
  it('6,000 syntax errors answer 100 and truncated', () => {
    const r = validate(']\n'.repeat(6000));
    expect(r.valid).toBe(false);
    expect(r.errors).toHaveLength(100);
    expect(r.truncated).toBe(true);
    expect(JSON.stringify(r).length).toBeLessThan(50_000);
  });

  it('custom tags count against the same cap', () => {
    const r = validate(Array.from({ length: 300 }, (_, i) => `k${i}: !x${i} v`).join('\n'));
    expect(r.errors).toHaveLength(100);
    expect(r.truncated).toBe(true);
  });
});
