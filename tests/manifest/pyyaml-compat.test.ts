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

  // YAML 1.1 (and so PyYAML) also breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR.
  it.each([
    ['NEL', '\x85'],
    ['LS', '\u2028'],
    ['PS', '\u2029'],
  ])('%s is a line break: a key after it is a key, not part of a comment', (_name, brk) => {
    const r = validate(`version: "1"\nagents:\n  coach:\n    cadence: weekly # paused${brk}    enabled: false\n`);
    expect(r.errors).toEqual([]);
    expect(r.manifest?.entries).toEqual([{ agent: 'coach', cadence: 'weekly', enabled: false }]);
    const bad = validate(`version: "1"${brk}agents:${brk}  coach:${brk}    cadence: hourly${brk}`);
    expect(bad.errors).toEqual([expect.objectContaining({ code: 'invalid_cadence', line: 4, column: 14 })]);
  });

  it('NEL inside a quoted value folds to a space, as PyYAML reads it', () => {
    const r = validate('version: "1"\nagents:\n  coach:\n    cadence: weekly\n    cron: "0 9 * *\x85      1"\n');
    expect(r.errors).toEqual([]);
    expect(r.manifest?.entries).toEqual([{ agent: 'coach', cadence: 'weekly', cron: '0 9 * * 1', enabled: true }]);
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

describe('the %YAML directive', () => {
  const body = ['---', 'x-d: &d {enabled: false}', 'version: "1"', 'agents:', '  coach:', '    cadence: weekly', '    <<: *d'];

  // PyYAML reads every 1.x document with its YAML 1.1 rules (it only warns about the minor version).
  it.each(['%YAML 1.1', '%YAML 1.2', '%YAML 1.3'])('%s keeps YAML 1.1 meaning: merge keys apply', (directive) => {
    const r = validate(yaml(directive, ...body));
    expect(r.errors).toEqual([]);
    // (x-d, the anchor's holder, is an unknown top-level key: that warning only)
    expect(r.warnings.map((w) => w.path)).toEqual(['/x-d']);
    expect(r.manifest?.entries).toEqual([{ agent: 'coach', cadence: 'weekly', enabled: false }]);
  });

  it('%YAML 1.2 keeps YAML 1.1 scalars too: `on` is true', () => {
    const r = validate(yaml('%YAML 1.2', '---', 'version: "1"', 'agents:', '  coach: {cadence: weekly, enabled: off}'));
    expect(r.manifest?.entries).toEqual([{ agent: 'coach', cadence: 'weekly', enabled: false }]);
  });

  it.each([
    [['%YAML 2.0'], /incompatible YAML version 2\.0/],
    [['%YAML 1.1', '%YAML 1.1'], /more than one %YAML directive/],
  ])('refuses %j as PyYAML did', (directives, message) => {
    const r = validate(yaml(...directives, ...body));
    expect(r.manifest).toBeUndefined();
    expect(r.errors).toEqual([expect.objectContaining({ code: 'yaml_syntax', message: expect.stringMatching(message), line: directives.length })]);
  });
});

describe('merge keys nested through many anchors', () => {
  /** `depth` mappings, each merging the next; the innermost says enabled: false. */
  const nested = (depth: number): string => {
    let inner = '{enabled: false}';
    for (let i = 0; i < depth; i++) inner = `{<<: ${inner}}`;
    return yaml('version: "1"', 'agents:', `  coach: {cadence: weekly, <<: ${inner}}`);
  };

  it.each([9, 12, 20])('%i levels deep still bring in the innermost keys, as PyYAML does', (depth) => {
    const r = validate(nested(depth));
    expect(r.errors).toEqual([]);
    expect(r.manifest?.entries).toEqual([{ agent: 'coach', cadence: 'weekly', enabled: false }]);
  });

  it('a chain of anchors, each merging the one before, is followed to its end', () => {
    const anchors = ['x-0: &a0 {enabled: false}', ...Array.from({ length: 7 }, (_, i) => `x-${i + 1}: &a${i + 1} {<<: *a${i}}`)];
    const r = validate(yaml('version: "1"', ...anchors, 'agents:', '  coach: {cadence: weekly, <<: *a7}'));
    expect(r.errors).toEqual([]);
    expect(r.manifest?.entries).toEqual([{ agent: 'coach', cadence: 'weekly', enabled: false }]);
  });
});

describe('aliases', () => {
  const withAliases = (n: number): string => yaml('version: "1"', 'x: &a foo', `y: [${Array(n).fill('*a').join(', ')}]`, 'agents:', '  coach: {cadence: weekly}');

  it('100 aliases are fine; the 101st is refused where it stands', () => {
    expect(validate(withAliases(100)).errors).toEqual([]);
    expect(validate(withAliases(101)).errors).toEqual([
      expect.objectContaining({ code: 'yaml_syntax', message: 'the document uses more than 100 aliases', line: 3, column: 4 + 4 * 100 + 1 }),
    ]);
  });

  it('an alias to no anchor before it is refused, as PyYAML refused it', () => {
    const r = validate(yaml('version: "1"', 'agents:', '  coach: *later', 'x: &later {cadence: weekly}'));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'yaml_syntax', message: expect.stringMatching(/alias \*later names no anchor defined before it/), line: 3, column: 10 })]);
  });

  it('a merge key that refers to its own mapping is refused, not followed round', () => {
    const r = validate(yaml('version: "1"', 'agents:', '  coach: &c {cadence: weekly, <<: *c}'));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'yaml_syntax', message: "a merge key '<<' refers to a mapping that contains it" })]);
  });

  it('merge keys that multiply at every level are refused once past 10,000 settings, promptly', () => {
    // Each anchor merges the one before twice: 2^30 pairs if followed.
    const anchors = ['x-0: &m0 {cadence: weekly, enabled: false}', ...Array.from({ length: 30 }, (_, i) => `x-${i + 1}: &m${i + 1} {<<: [*m${i}, *m${i}]}`)];
    const r = validate(yaml('version: "1"', ...anchors, 'agents:', '  coach: {<<: *m30}'));
    expect(r.errors[0]).toMatchObject({ code: 'yaml_syntax', message: "merge keys '<<' bring in more than 10000 settings", path: '/agents/coach' });
  });
});

describe('what PyYAML refused outright', () => {
  it.each([
    ['a NUL', 'version: "1"\nagents:\n  coach: {cadence: weekly}\n# \u0000\n', 'U+0000', 4, 3],
    ['a bell in a comment', 'version: "1" # \u0007\nagents:\n  coach: {cadence: weekly}\n', 'U+0007', 1, 16],
    ['DEL in a value', 'version: "1"\nagents:\n  coach: {cadence: week\u007fly}\n', 'U+007F', 3, 24],
    ['a C1 control', 'version: "1"\nagents:\n  coach: {cadence: weekly}\n#\u009b\n', 'U+009B', 4, 2],
    ['U+FFFE', 'version: "1"\nagents:\n  coach: {cadence: weekly} # \ufffe\n', 'U+FFFE', 3, 30],
  ])('%s is a yaml_syntax error naming the character and where it is', (_name, text, code, line, column) => {
    const r = validate(text);
    expect(r.manifest).toBeUndefined();
    expect(r.errors).toEqual([expect.objectContaining({ code: 'yaml_syntax', message: expect.stringContaining(code), line, column })]);
  });

  it('tabs, a BOM, U+FFFD and emoji are text', () => {
    const r = validate('\ufeffversion: "1"\t# \ufffd 🙂\nagents:\n  coach: {cadence: weekly}\n');
    expect(r.errors).toEqual([]);
  });

  it('an anchor defined twice is refused (the yaml package would let the later one win)', () => {
    const r = validate(yaml('version: "1"', 'x-a: &s {cadence: daily}', 'x-b: &s {cadence: weekly}', 'agents:', '  coach: *s'));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'yaml_syntax', message: 'the anchor &s is defined twice (first at line 2)', line: 3, column: 6 })]);
  });
});

describe('hostile merges and aliases stay cheap', () => {
  it('a long list merged by many agents is charged to the merge budget, bad items included', () => {
    const list = `s: &s [${Array(30_000).fill('1').join(',')}]`;
    const agents = Array.from({ length: 99 }, (_, i) => `  a${i}: {<<: *s}`);
    const started = performance.now();
    const r = validate(yaml('version: "1"', list, 'agents:', ...agents));
    expect(performance.now() - started, 'hang guard').toBeLessThan(2_000);
    // one diagnostic for the faulty merge key; the other agents' merges stop with the budget
    expect(r.errors.filter((d) => d.message.includes("'<<'"))).toEqual([expect.objectContaining({ message: "a merge key '<<' must refer to a mapping or a list of mappings" })]);
  });

  it('aliases used as keys past the limit are refused from the tokens, before anything is resolved', () => {
    const text = `x: &a k\ny:\n${'  *a : 1\n'.repeat(7_000)}`;
    const started = performance.now();
    const r = validate(text);
    expect(performance.now() - started, 'hang guard').toBeLessThan(2_000);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'yaml_syntax', message: 'the document uses more than 100 aliases', line: 103, column: 3 })]);
  });

  it('a chain walked by every agent reports its fault once', () => {
    const r = validate(yaml('version: "1"', 'l0: &l0 "text"', 'l1: &l1 {<<: *l0}', 'agents:', '  coach: {cadence: weekly, <<: *l1}', '  optimization: {cadence: weekly, <<: *l1}'));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'yaml_syntax', message: "a merge key '<<' must refer to a mapping or a list of mappings" })]);
  });
});
