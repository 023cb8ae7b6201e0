import { describe, expect, it } from 'vitest';
import { checkCron, cadenceMismatch } from '../../src/manifest/cron.js';
import { loadRepoManifest } from '../../src/manifest/load.js';
import { SCAFFOLD_ENTRIES, scaffoldManifest } from '../../src/manifest/scaffold.js';
import { DIAGNOSTIC_CODES, MAX_MANIFEST_BYTES, type Diagnostic, type DiagnosticCode, type ValidationResult } from '../../src/manifest/types.js';
import { validateManifest } from '../../src/manifest/validate.js';
import { VALID_MANIFEST, tempFleet, testApp } from '../helpers/fleet.js';

const KNOWN = new Set(['coach', 'optimization', 'tdd-workflow', 'sys-medic', 'releaseManager']);
const validate = (text: string, knownAgents: ReadonlySet<string> = KNOWN): ValidationResult => validateManifest(text, { knownAgents });

/** Manifest text from lines, so line/column expectations can be read off the source. */
const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

const all = (r: ValidationResult): Diagnostic[] => [...r.errors, ...r.warnings];
/** The single diagnostic with `code` (fails when there is none or several). */
function only(r: ValidationResult, code: DiagnosticCode): Diagnostic {
  const found = all(r).filter((d) => d.code === code);
  expect(found, `exactly one ${code} in ${JSON.stringify(all(r))}`).toHaveLength(1);
  return found[0]!;
}
const codes = (r: ValidationResult): DiagnosticCode[] => all(r).map((d) => d.code);

describe('diagnostic codes, each with severity, JSON Pointer and 1-based position', () => {
  it('yaml_syntax: malformed YAML, at the offending line', () => {
    const r = validate(yaml('version: "1"', 'agents:', '\tcoach: {cadence: weekly}'));
    expect(r.valid).toBe(false);
    expect(r.manifest).toBeUndefined();
    expect(only(r, 'yaml_syntax')).toMatchObject({ severity: 'error', path: '', line: 3, column: 1 });

    const unclosed = validate(yaml('version: "1"', 'agents:', '  coach: {cadence: weekly'));
    expect(codes(unclosed)).toContain('yaml_syntax');
    for (const d of unclosed.errors) expect(d.line).toBeGreaterThanOrEqual(1);
  });

  it('not_a_mapping: a scalar, a list or an empty document', () => {
    expect(only(validate('hello\n'), 'not_a_mapping')).toMatchObject({ severity: 'error', path: '', line: 1, column: 1 });
    const list = only(validate(yaml('- coach', '- optimization')), 'not_a_mapping');
    expect(list).toMatchObject({ path: '', line: 1, column: 1 });
    expect(list.message).toContain('a list');
    for (const empty of ['', '# only a comment\n', '---\n']) {
      const d = only(validate(empty), 'not_a_mapping');
      expect(d.path).toBe('');
      expect(d.message).toMatch(/empty/);
    }
  });

  it('missing_version: points at the document', () => {
    const d = only(validate(yaml('agents:', '  coach: {cadence: weekly}')), 'missing_version');
    expect(d).toMatchObject({ severity: 'error', path: '', line: 1, column: 1 });
    expect(d.hint).toContain('version');
  });

  it('unsupported_version: 2, "1.0", 1.0, "2" and "01" are refused at /version', () => {
    // (Unquoted 01 is the integer 1 in YAML 1.1, so it is accepted: see manifest-pyyaml.test.ts.)
    for (const [value, column] of [['2', 10], ['"1.0"', 10], ['1.0', 10], ['"2"', 10], ['"01"', 10]] as const) {
      const d = only(validate(yaml(`version: ${value}`, 'agents:', '  coach: {cadence: weekly}')), 'unsupported_version');
      expect(d, value).toMatchObject({ severity: 'error', path: '/version', line: 1, column });
    }
  });

  it('invalid_timezone: at /timezone with a did-you-mean hint', () => {
    const d = only(validate(yaml('version: "1"', 'timezone: Europe/Berln', 'agents:', '  coach: {cadence: weekly}')), 'invalid_timezone');
    expect(d).toMatchObject({ severity: 'error', path: '/timezone', line: 2, column: 11 });
    expect(d.hint).toContain("'Europe/Berlin'");
    for (const bad of ['Mars/Base', '""', '5', '[UTC]']) {
      expect(codes(validate(yaml('version: "1"', `timezone: ${bad}`, 'agents:', '  coach: {cadence: weekly}'))), bad).toEqual(['invalid_timezone']);
    }
  });

  it('missing_agents, agents_not_mapping, no_agents', () => {
    expect(only(validate(yaml('version: "1"')), 'missing_agents')).toMatchObject({ severity: 'error', path: '', line: 1, column: 1 });

    const list = only(validate(yaml('version: "1"', 'agents:', '  - coach')), 'agents_not_mapping');
    expect(list).toMatchObject({ severity: 'error', path: '/agents', line: 3, column: 3 });
    expect(list.message).toContain('a list');
    expect(only(validate(yaml('version: "1"', 'agents: coach')), 'agents_not_mapping')).toMatchObject({ path: '/agents', line: 2, column: 9 });

    expect(only(validate(yaml('version: "1"', 'agents: {}')), 'no_agents')).toMatchObject({ severity: 'error', path: '/agents', line: 2, column: 9 });
    const nothing = only(validate(yaml('version: "1"', 'agents:')), 'no_agents');
    expect(nothing).toMatchObject({ path: '/agents', line: 2 });
  });

  it('duplicate_key: at the top level, with both locations', () => {
    const r = validate(yaml('version: "1"', 'timezone: UTC', 'version: "1"', 'agents:', '  coach: {cadence: weekly}'));
    const d = only(r, 'duplicate_key');
    expect(d).toMatchObject({ severity: 'error', path: '/version', line: 3, column: 1, related: { path: '/version', line: 1, column: 1 } });
    expect(d.message).toContain('line 3');
    expect(d.message).toContain('line 1');
    expect(r.valid).toBe(false);
  });

  it('duplicate_key: at the agents level and inside an entry, both occurrences still validated', () => {
    const r = validate(
      yaml(
        'version: "1"',
        'agents:',
        '  coach:',
        '    cadence: weekly',
        '  optimization: {cadence: weekly}',
        '  coach:',
        '    cadence: hourly',
        '    enabled: true',
        '    enabled: false',
      ),
    );
    const dups = all(r).filter((d) => d.code === 'duplicate_key');
    expect(dups).toEqual([
      expect.objectContaining({ path: '/agents/coach', line: 6, column: 3, related: { path: '/agents/coach', line: 3, column: 3 } }),
      expect.objectContaining({ path: '/agents/coach/enabled', line: 9, column: 5, related: { path: '/agents/coach/enabled', line: 8, column: 5 } }),
    ]);
    // The second coach is still checked: its first cadence is invalid.
    expect(only(r, 'invalid_cadence')).toMatchObject({ path: '/agents/coach/cadence', line: 7, column: 14 });
  });

  it('invalid_agent_name: path characters, leading punctuation, too long; pointers are escaped', () => {
    const long = 'a'.repeat(65);
    const r = validate(
      yaml('version: "1"', 'agents:', '  ../x: {cadence: weekly}', '  a/b: {cadence: weekly}', '  .hidden: {cadence: weekly}', '  a~b: {cadence: weekly}', `  ${long}: {cadence: weekly}`, '  coach: {cadence: weekly}'),
    );
    const names = all(r).filter((d) => d.code === 'invalid_agent_name');
    expect(names.map((d) => [d.path, d.line, d.column, d.severity])).toEqual([
      ['/agents/..~1x', 3, 3, 'error'],
      ['/agents/a~1b', 4, 3, 'error'],
      ['/agents/.hidden', 5, 3, 'error'],
      ['/agents/a~0b', 6, 3, 'error'],
      [`/agents/${long}`, 7, 3, 'error'],
    ]);
    // The name rule applies before the registry: no unknown_agent on top.
    expect(codes(r)).not.toContain('unknown_agent');
    expect(validate(yaml('version: "1"', 'agents:', `  ${'a'.repeat(64)}: {cadence: weekly}`), new Set(['a'.repeat(64)])).valid).toBe(true);
  });

  it('unknown_agent: at the agent key, with a did-you-mean hint', () => {
    const d = only(validate(yaml('version: "1"', 'agents:', '  coahc:', '    cadence: weekly')), 'unknown_agent');
    expect(d).toMatchObject({ severity: 'error', path: '/agents/coahc', line: 3, column: 3, hint: "did you mean 'coach'?" });
    const far = only(validate(yaml('version: "1"', 'agents:', '  zzzzzz: {cadence: weekly}')), 'unknown_agent');
    expect(far.hint).not.toMatch(/did you mean/);
    expect(far.hint).toContain('coach');
  });

  it('agent_settings_not_mapping: a scalar or list instead of settings', () => {
    expect(only(validate(yaml('version: "1"', 'agents:', '  coach: weekly')), 'agent_settings_not_mapping')).toMatchObject({
      severity: 'error',
      path: '/agents/coach',
      line: 3,
      column: 10,
    });
    const list = only(validate(yaml('version: "1"', 'agents:', '  coach: [weekly]')), 'agent_settings_not_mapping');
    expect(list.message).toContain('a list');
  });

  it('missing_cadence: no cadence key, an empty cadence, or an empty entry', () => {
    expect(only(validate(yaml('version: "1"', 'agents:', '  coach:', '    cron: "0 9 * * 1"')), 'missing_cadence')).toMatchObject({
      severity: 'error',
      path: '/agents/coach',
      line: 3,
      column: 3,
    });
    expect(only(validate(yaml('version: "1"', 'agents:', '  coach:', '    cadence:')), 'missing_cadence')).toMatchObject({ path: '/agents/coach/cadence', line: 4, column: 5 });
    expect(only(validate(yaml('version: "1"', 'agents:', '  coach:')), 'missing_cadence')).toMatchObject({ path: '/agents/coach', line: 3, column: 3 });
  });

  it('invalid_cadence: at the value, with a did-you-mean hint for typos', () => {
    const d = only(validate(yaml('version: "1"', 'agents:', '  coach:', '    cadence: weekli')), 'invalid_cadence');
    expect(d).toMatchObject({ severity: 'error', path: '/agents/coach/cadence', line: 4, column: 14, hint: "did you mean 'weekly'?" });
    const hourly = only(validate(yaml('version: "1"', 'agents:', '  coach:', '    cadence: hourly')), 'invalid_cadence');
    expect(hourly.message).toContain("'hourly'");
    expect(codes(validate(yaml('version: "1"', 'agents:', '  coach: {cadence: 7}')))).toEqual(['invalid_cadence']);
    expect(codes(validate(yaml('version: "1"', 'agents:', '  coach: {cadence: Weekly}')))).toEqual(['invalid_cadence']);
  });

  it('invalid_cron: at the value', () => {
    const d = only(validate(yaml('version: "1"', 'agents:', '  coach:', '    cadence: weekly', '    cron: "61 9 * * 1"')), 'invalid_cron');
    expect(d).toMatchObject({ severity: 'error', path: '/agents/coach/cron', line: 5, column: 11 });
    expect(d.message).toContain('61 9 * * 1');
    expect(only(validate(yaml('version: "1"', 'agents:', '  coach: {cadence: weekly, cron: 5}')), 'invalid_cron').message).toMatch(/quoted string/);
  });

  it('invalid_enabled: a quoted boolean gets a remove-the-quotes hint', () => {
    const d = only(validate(yaml('version: "1"', 'agents:', '  coach:', '    cadence: weekly', '    enabled: "false"')), 'invalid_enabled');
    expect(d).toMatchObject({ severity: 'error', path: '/agents/coach/enabled', line: 5, column: 14 });
    expect(d.hint).toContain('remove the quotes');
    expect(only(validate(yaml('version: "1"', 'agents:', '  coach: {cadence: weekly, enabled: 1}')), 'invalid_enabled').message).toContain('number 1');
  });

  it('unknown_key: a warning, top level and in entries, with did-you-mean hints', () => {
    const r = validate(yaml('version: "1"', 'timezon: UTC', 'agents:', '  coach:', '    cadence: weekly', '    cadance: weekly', '    owner: me'));
    expect(r.valid).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'unknown_key', path: '/timezon', line: 2, column: 1, hint: "did you mean 'timezone'?" }),
      expect.objectContaining({ severity: 'warning', code: 'unknown_key', path: '/agents/coach/cadance', line: 6, column: 5, hint: "did you mean 'cadence'?" }),
      expect.objectContaining({ severity: 'warning', code: 'unknown_key', path: '/agents/coach/owner', line: 7, column: 5 }),
    ]);
    expect(r.warnings[2]!.hint).not.toMatch(/did you mean/);
  });

  it('cron_cadence_mismatch: a warning at the cron', () => {
    const r = validate(yaml('version: "1"', 'agents:', '  coach:', '    cadence: daily', '    cron: "0 9 * * 1"'));
    expect(r.valid).toBe(true);
    expect(only(r, 'cron_cadence_mismatch')).toMatchObject({ severity: 'warning', path: '/agents/coach/cron', line: 5, column: 11 });
  });

  it('file_too_large: over 64 KiB refused before parsing, in bytes not characters', () => {
    const big = validate(`${VALID_MANIFEST}# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n`);
    expect(big.valid).toBe(false);
    expect(big.errors).toHaveLength(1);
    expect(only(big, 'file_too_large')).toMatchObject({ severity: 'error', path: '' });
    // 25,000 three-byte characters are 75,000 bytes.
    expect(codes(validate(`${VALID_MANIFEST}# ${'€'.repeat(25_000)}\n`))).toEqual(['file_too_large']);
    // Exactly at the limit is still parsed.
    const padding = MAX_MANIFEST_BYTES - Buffer.byteLength(VALID_MANIFEST) - 3;
    const atLimit = `${VALID_MANIFEST}# ${'x'.repeat(padding)}\n`;
    expect(Buffer.byteLength(atLimit)).toBe(MAX_MANIFEST_BYTES);
    expect(validate(atLimit).valid).toBe(true);
  });

  it('file_too_large: a repo manifest over the cap is reported by the loader without being parsed', () => {
    const fleet = tempFleet({ huge: { '.kaizen/schedule.yml': `${VALID_MANIFEST}# ${'x'.repeat(70_000)}\n` } });
    try {
      const loaded = loadRepoManifest(`${fleet.dir}/huge`, { knownAgents: KNOWN });
      expect(loaded.status).toBe('loaded');
      if (loaded.status !== 'loaded') return;
      expect(loaded.result.valid).toBe(false);
      expect(only(loaded.result, 'file_too_large')).toMatchObject({ severity: 'error', path: '' });
    } finally {
      fleet.cleanup();
    }
  });

  it('schedule_not_found and file_too_large through the validation route', async () => {
    const fleet = tempFleet({ bare: { 'README.md': '# bare\n' }, huge: { '.kaizen/schedule.yml': `${VALID_MANIFEST}# ${'x'.repeat(70_000)}\n` } });
    const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
    try {
      const res = await app.inject('/v1/schedule/validation?target=bare');
      expect(res.statusCode).toBe(404);
      const body = res.json() as { code: string; valid: boolean; errors: Diagnostic[] };
      expect(body.code).toBe('schedule_not_found');
      expect(body.valid).toBe(false);
      expect(body.errors).toEqual([expect.objectContaining({ severity: 'error', code: 'schedule_not_found', path: '' })]);
      expect(loadRepoManifest(`${fleet.dir}/bare`, { knownAgents: KNOWN }).status).toBe('missing');

      const huge = await app.inject('/v1/schedule/validation?target=huge');
      expect(huge.statusCode).toBe(422);
      expect(huge.json<{ errors: Diagnostic[] }>().errors).toEqual([expect.objectContaining({ severity: 'error', code: 'file_too_large', path: '' })]);
      expect((await app.inject('/v1/schedule?target=huge')).statusCode).toBe(422);
    } finally {
      await app.close();
      fleet.cleanup();
    }
  });

  it('every code in DIAGNOSTIC_CODES has a producer (a Record, so a new code fails to compile here)', async () => {
    const v = (...lines: string[]) => async () => all(validate(yaml(...lines)));
    const producers: Record<DiagnosticCode, () => Promise<Diagnostic[]>> = {
      yaml_syntax: v('version: "1"', 'agents: [', ''),
      not_a_mapping: v('just text'),
      missing_version: v('agents:', '  coach: {cadence: weekly}'),
      unsupported_version: v('version: 2', 'agents:', '  coach: {cadence: weekly}'),
      invalid_timezone: v('version: "1"', 'timezone: Mars/Base', 'agents:', '  coach: {cadence: weekly}'),
      missing_agents: v('version: "1"'),
      agents_not_mapping: v('version: "1"', 'agents: [coach]'),
      no_agents: v('version: "1"', 'agents: {}'),
      duplicate_key: v('version: "1"', 'agents:', '  coach: {cadence: weekly}', '  coach: {cadence: weekly}'),
      invalid_agent_name: v('version: "1"', 'agents:', '  a/b: {cadence: weekly}'),
      unknown_agent: v('version: "1"', 'agents:', '  nobody: {cadence: weekly}'),
      agent_settings_not_mapping: v('version: "1"', 'agents:', '  coach: weekly'),
      missing_cadence: v('version: "1"', 'agents:', '  coach: {enabled: true}'),
      invalid_cadence: v('version: "1"', 'agents:', '  coach: {cadence: hourly}'),
      invalid_cron: v('version: "1"', 'agents:', '  coach: {cadence: weekly, cron: "0 9 * *"}'),
      invalid_enabled: v('version: "1"', 'agents:', '  coach: {cadence: weekly, enabled: maybe}'),
      unknown_key: v('version: "1"', 'agents:', '  coach: {cadence: weekly, when: now}'),
      cron_cadence_mismatch: v('version: "1"', 'agents:', '  coach: {cadence: monthly, cron: "0 9 * * *"}'),
      file_too_large: async () => all(validate('#'.repeat(MAX_MANIFEST_BYTES + 1))),
      schedule_not_found: async () => {
        const fleet = tempFleet({ bare: { 'README.md': '# bare\n' } });
        const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
        try {
          return (await app.inject('/v1/schedule/validation?target=bare')).json<{ errors: Diagnostic[] }>().errors;
        } finally {
          await app.close();
          fleet.cleanup();
        }
      },
    };
    expect(Object.keys(producers).sort()).toEqual([...DIAGNOSTIC_CODES].sort());
    for (const [code, produce] of Object.entries(producers)) {
      const diagnostics = await produce();
      expect(diagnostics.map((d) => d.code), code).toContain(code);
      const severity = code === 'unknown_key' || code === 'cron_cadence_mismatch' ? 'warning' : 'error';
      expect(diagnostics.find((d) => d.code === code)!.severity, code).toBe(severity);
    }
  });
});

describe('a valid manifest', () => {
  it('yields its entries, with enabled defaulting to true', () => {
    const r = validate(VALID_MANIFEST);
    expect(r).toEqual({
      valid: true,
      errors: [],
      warnings: [],
      manifest: {
        version: '1',
        timezone: 'Europe/Berlin',
        entries: [
          { agent: 'coach', cadence: 'weekly', cron: '0 9 * * 1', enabled: true },
          { agent: 'optimization', cadence: 'weekly', cron: '0 10 * * 1', enabled: true },
          { agent: 'tdd-workflow', cadence: 'monthly', enabled: false },
        ],
      },
    });
  });

  it('accepts flow style, comments, CRLF line endings, a BOM and an explicit document start', () => {
    for (const text of [
      'version: "1"\nagents: {coach: {cadence: weekly}}\n',
      '# header\nversion: "1" # trailing\nagents:\n  coach: # c\n    cadence: weekly\n',
      'version: "1"\r\nagents:\r\n  coach:\r\n    cadence: weekly\r\n',
      '\uFEFFversion: "1"\nagents:\n  coach: {cadence: weekly}\n',
      '---\nversion: "1"\nagents:\n  coach: {cadence: weekly}\n...\n',
    ]) {
      expect(validate(text), JSON.stringify(text)).toMatchObject({ valid: true, errors: [], warnings: [] });
    }
  });

  it('keeps positions right with CRLF line endings', () => {
    const d = only(validate('version: "1"\r\nagents:\r\n  coach:\r\n    cadence: hourly\r\n'), 'invalid_cadence');
    expect(d).toMatchObject({ line: 4, column: 14 });
  });

  it('resolves small aliases (an anchored settings mapping reused)', () => {
    const r = validate(yaml('version: "1"', 'agents:', '  coach: &weekly {cadence: weekly}', '  optimization: *weekly'));
    expect(r.valid).toBe(true);
    expect(r.manifest!.entries.map((e) => e.agent)).toEqual(['coach', 'optimization']);
  });
});

describe('version', () => {
  it('accepts "1" and the integer 1 (as the Python tool wrote it)', () => {
    for (const version of ['"1"', "'1'", '1']) {
      const r = validate(yaml(`version: ${version}`, 'agents:', '  coach: {cadence: weekly}'));
      expect(r.valid, version).toBe(true);
      expect(r.manifest!.version).toBe('1');
    }
  });
});

describe('YAML 1.1 booleans as PyYAML reads them', () => {
  const enabledOf = (value: string): ValidationResult => validate(yaml('version: "1"', 'agents:', '  coach:', '    cadence: weekly', `    enabled: ${value}`));

  it.each(['yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE'])('enabled: %s is true', (value) => {
    const r = enabledOf(value);
    expect(r.valid).toBe(true);
    expect(r.manifest!.entries[0]!.enabled).toBe(true);
  });

  it.each(['no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE'])('enabled: %s is false', (value) => {
    const r = enabledOf(value);
    expect(r.valid).toBe(true);
    expect(r.manifest!.entries[0]!.enabled).toBe(false);
  });

  it.each(['y', 'Y', 'n', 'N', 'yEs', 'oN', '"yes"', 'disabled', '0'])('enabled: %s stays a non-boolean and is invalid_enabled', (value) => {
    const d = only(enabledOf(value), 'invalid_enabled');
    expect(d).toMatchObject({ path: '/agents/coach/enabled', line: 5, column: 14 });
  });

  it('an enabled key with no value is invalid, not silently true', () => {
    expect(codes(enabledOf(''))).toEqual(['invalid_enabled']);
  });

  it('boolean-looking agent names stay names', () => {
    const r = validate(yaml('version: "1"', 'agents:', '  on: {cadence: weekly}', '  no: {cadence: daily}'), new Set(['on', 'no']));
    expect(r.valid).toBe(true);
    expect(r.manifest!.entries.map((e) => e.agent)).toEqual(['on', 'no']);
  });
});

describe('hostile YAML', () => {
  // Nothing expands an alias into a copy, so a "billion laughs" document costs
  // what its text costs; PyYAML (which shares the objects) loaded it too.
  it('a billion-laughs document under ignored keys is read without expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const r = validate(yaml(...levels, 'version: "1"', 'agents:', '  coach: {cadence: weekly}'));
    expect(r.valid).toBe(true);
    expect(r.warnings.map((w) => w.code)).toEqual(Array(9).fill('unknown_key'));
  });

  it('an alias bomb as a setting is that setting\'s error, not an expansion', () => {
    const levels = ['x-a: &a [1,1,1,1,1,1,1,1,1,1]'];
    for (let i = 1; i < 7; i++) levels.push(`x-${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(',')}]`);
    const r = validate(yaml(...levels, 'version: "1"', 'agents:', '  coach:', '    cadence: weekly', '    enabled: *l6'));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'invalid_enabled', message: expect.stringMatching(/a list/) })]);
  });

  it.each([
    ['!!python/object', yaml('version: "1"', 'agents: !!python/object:os.system', '  coach: {cadence: weekly}')],
    ['!!python/object/apply', yaml('version: "1"', 'evil: !!python/object/apply:os.system ["ls"]', 'agents:', '  coach: {cadence: weekly}')],
    ['!foo', yaml('version: !foo "1"', 'agents:', '  coach: {cadence: weekly}')],
  ])('refuses the custom tag %s as yaml_syntax', (tag, text) => {
    const r = validate(text);
    expect(r.valid).toBe(false);
    const d = only(r, 'yaml_syntax');
    expect(d.message).toContain(tag);
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.column).toBeGreaterThanOrEqual(1);
  });

  it('refuses several documents in one file', () => {
    const r = validate(yaml('version: "1"', 'agents:', '  coach: {cadence: weekly}', '---', 'version: "1"', 'agents:', '  optimization: {cadence: weekly}'));
    expect(r.valid).toBe(false);
    expect(only(r, 'yaml_syntax')).toMatchObject({ path: '', line: 4 });
  });
});

describe('did-you-mean hints', () => {
  it('agents, cadences, keys and time zones', () => {
    const r = validate(yaml('version: "1"', 'timezone: Europe/Berln', 'agents:', '  coahc:', '    cadence: weekli', '    cadance: weekly', '  optimisation: {cadence: dayly}'));
    const hints = Object.fromEntries(all(r).map((d) => [`${d.code} ${d.path}`, d.hint]));
    expect(hints).toMatchObject({
      'invalid_timezone /timezone': "did you mean 'Europe/Berlin'?",
      'unknown_agent /agents/coahc': "did you mean 'coach'?",
      'invalid_cadence /agents/coahc/cadence': "did you mean 'weekly'?",
      'unknown_key /agents/coahc/cadance': "did you mean 'cadence'?",
      'unknown_agent /agents/optimisation': "did you mean 'optimization'?",
      'invalid_cadence /agents/optimisation/cadence': "did you mean 'daily'?",
    });
  });

  it('a misspelt agents key warns with a hint and agents is then missing', () => {
    const r = validate(yaml('version: "1"', 'agent:', '  coach: {cadence: weekly}'));
    expect(only(r, 'unknown_key')).toMatchObject({ path: '/agent', hint: "did you mean 'agents'?" });
    expect(codes(r)).toContain('missing_agents');
  });
});

describe('all problems at once', () => {
  it('reports every error of a badly broken manifest in document order', () => {
    const r = validate(
      yaml(
        'version: "2"', //                           1
        'timezone: Europe/Berln', //                2
        'agents:', //                               3
        '  coahc:', //                              4
        '    cadence: weekly', //                   5
        '  optimization:', //                       6
        '    cadence: hourly', //                   7
        '  sys-medic:', //                          8
        '    cadence: daily', //                    9
        '    cron: "0 0 9 * * *"', //              10
        '    enabled: "false"', //                 11
        '  tdd-workflow:', //                      12
        '    cadance: monthly', //                 13
        '  ../etc: {cadence: weekly}', //          14
      ),
    );
    expect(r.valid).toBe(false);
    expect(r.manifest).toBeUndefined();
    expect(r.errors.map((d) => [d.code, d.line])).toEqual([
      ['unsupported_version', 1],
      ['invalid_timezone', 2],
      ['unknown_agent', 4],
      ['invalid_cadence', 7],
      ['invalid_cron', 10],
      ['invalid_enabled', 11],
      ['missing_cadence', 12],
      ['invalid_agent_name', 14],
    ]);
    expect(r.warnings.map((d) => [d.code, d.line])).toEqual([['unknown_key', 13]]);
    for (const d of [...r.errors, ...r.warnings]) {
      expect(d.message.length).toBeGreaterThan(0);
      expect(d.column).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('cron checks', () => {
  const cronOf = (cron: string, cadence = 'weekly'): ValidationResult =>
    validate(yaml('version: "1"', 'agents:', '  coach:', `    cadence: ${cadence}`, `    cron: "${cron}"`));

  it.each([
    ['0 0 9 * * 1', /6/, /seconds/],
    ['0 9 * *', /4/, undefined],
    ['@weekly', /nickname/, /0 0 \* \* 0/],
    ['@daily', /nickname/, /0 0 \* \* \*/],
    ['0 9 L * *', /L/, /extension/],
    ['0 9 15W * *', /W/, /extension/],
    ['0 9 * * 5L', /L/, /extension/],
    ['0 9 ? * 1', /\?/, undefined],
    ['0 9 * * 1#2', /#/, undefined],
    ['61 9 * * 1', /minute/, undefined],
    ['0 24 * * 1', /hour/, undefined],
    ['0 9 32 * *', /day/, undefined],
    ['0 9 0 * *', /day/, undefined],
    ['0 9 * 13 1', /month/, undefined],
    ['0 9 * * 8', /./, undefined],
    ['0 9 * FOO 1', /FOO/, undefined],
    ['0 MON * * 1', /MON/, undefined],
    ['', /0/, undefined],
  ])('refuses %j', (cron, message, hint) => {
    const d = only(cronOf(cron), 'invalid_cron');
    expect(d).toMatchObject({ severity: 'error', path: '/agents/coach/cron', line: 5, column: 11 });
    expect(d.message).toMatch(message);
    if (hint) expect(d.hint).toMatch(hint);
    expect(checkCron(cron)).toBeDefined();
  });

  it.each(['0 9 * * 1', '0 9 * * MON', '0 9 * * mon', '0 9 * JAN-DEC MON', '  0 9 * * 1  ', '0 9 * * 0', '0 9 * * 7', '*/15 9 * * 1', '0 9 * * 1-5/2'])(
    'accepts %j',
    (cron) => {
      expect(checkCron(cron)).toBeUndefined();
    },
  );

  it('stores the trimmed cron', () => {
    expect(validate(yaml('version: "1"', 'agents:', '  coach: {cadence: weekly, cron: "  0 9 * * 1 "}')).manifest!.entries[0]!.cron).toBe('0 9 * * 1');
  });
});

describe('cron_cadence_mismatch', () => {
  const mismatch = (cron: string, cadence: string): Diagnostic[] =>
    all(validate(yaml('version: "1"', 'agents:', '  coach:', `    cadence: ${cadence}`, `    cron: "${cron}"`))).filter((d) => d.code === 'cron_cadence_mismatch');

  it('warns for a daily agent with a weekly cron', () => {
    const [d] = mismatch('0 9 * * 1', 'daily');
    expect(d).toMatchObject({ severity: 'warning', path: '/agents/coach/cron', line: 5, column: 11 });
    expect(d!.message).toMatch(/less often/);
  });

  it('warns for a weekly agent firing every five minutes', () => {
    const [d] = mismatch('*/5 * * * *', 'weekly');
    expect(d!.message).toMatch(/several times a day/);
  });

  it.each([
    ['0 9 * * 1', 'monthly'],
    ['0 9 1 * *', 'weekly'],
    ['0 9 * * 1,4', 'weekly'],
    ['0 9 1 */3 *', 'monthly'],
    ['0 9,17 * * *', 'daily'],
    // Vixie semantics: day-of-month and day-of-week restricted together fire on either.
    ['0 9 1-7 * 1', 'weekly'],
  ])('warns for %j on a %s agent', (cron, cadence) => {
    expect(mismatch(cron, cadence)).toHaveLength(1);
  });

  it.each([
    ['30 7 * * 1-5', 'daily'],
    ['15 6 * * *', 'daily'],
    ['0 9 * * 1', 'weekly'],
    ['0 8 * * 3', 'weekly'],
    ['0 9 1 * *', 'monthly'],
    ['0 7 1 * *', 'monthly'],
  ])('does not warn for %j on a %s agent', (cron, cadence) => {
    expect(mismatch(cron, cadence)).toEqual([]);
  });

  it('is a warning only: the manifest stays valid', () => {
    const r = validate(yaml('version: "1"', 'agents:', '  coach: {cadence: weekly, cron: "*/5 * * * *"}'));
    expect(r.valid).toBe(true);
    expect(r.manifest!.entries[0]!.cron).toBe('*/5 * * * *');
    expect(cadenceMismatch('*/5 * * * *', 'weekly')).toBeDefined();
    expect(cadenceMismatch('30 7 * * 1-5', 'daily')).toBeUndefined();
  });
});

describe('the scaffold', () => {
  it.each(['Europe/Berlin', 'UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])(
    'validates with zero diagnostics in %s',
    (zone) => {
      const text = scaffoldManifest(zone);
      const r = validate(text, new Set(['coach', 'optimization', 'tdd-workflow']));
      expect(r.errors).toEqual([]);
      expect(r.warnings).toEqual([]);
      expect(r.manifest).toEqual({
        version: '1',
        timezone: zone,
        entries: [
          { agent: 'coach', cadence: 'weekly', cron: '0 9 * * 1', enabled: true },
          { agent: 'optimization', cadence: 'weekly', cron: '0 10 * * 1', enabled: true },
          { agent: 'tdd-workflow', cadence: 'monthly', enabled: false },
        ],
      });
    },
  );

  it('defaults to Europe/Berlin and opens with a comment header on validating it', () => {
    const text = scaffoldManifest();
    expect(validate(text).manifest!.timezone).toBe('Europe/Berlin');
    const header = text.split('\n').filter((l) => l.startsWith('#'));
    expect(text.startsWith('#')).toBe(true);
    expect(header.join('\n')).toMatch(/schedule\.yml/);
    expect(header.join('\n')).toMatch(/validate/i);
    expect(SCAFFOLD_ENTRIES.map((e) => e.agent)).toEqual(['coach', 'optimization', 'tdd-workflow']);
  });
});

describe('YAML 1.1 merge keys, as PyYAML applied them', () => {
  it('takes settings from a merged anchor; keys written in the entry win, earlier sources win over later', () => {
    const r = validate(
      yaml(
        'version: "1"',
        'agents:',
        '  coach: &base',
        '    cadence: weekly',
        '    cron: "0 9 * * 1"',
        '  optimization:',
        '    <<: [*base, { cron: "0 10 * * 1", enabled: no }]',
        '    cadence: weekly',
        '  tdd-workflow:',
        '    <<: *base',
        '    cadence: monthly',
        '    cron: "0 9 1 * *"',
      ),
    );
    expect(all(r)).toEqual([]);
    expect(r.manifest?.entries).toEqual([
      { agent: 'coach', cadence: 'weekly', cron: '0 9 * * 1', enabled: true },
      { agent: 'optimization', cadence: 'weekly', cron: '0 9 * * 1', enabled: false },
      { agent: 'tdd-workflow', cadence: 'monthly', cron: '0 9 1 * *', enabled: true },
    ]);
  });

  it('a merged key is not a duplicate of the same key written in the entry', () => {
    const r = validate(yaml('version: "1"', 'agents:', '  coach: &c { cadence: daily }', '  optimization:', '    <<: *c', '    cadence: weekly'));
    expect(codes(r)).not.toContain('duplicate_key');
    expect(r.manifest?.entries[1]).toMatchObject({ agent: 'optimization', cadence: 'weekly' });
  });

  it('refuses a merge key that does not refer to a mapping', () => {
    const r = validate(yaml('version: "1"', 'agents:', '  coach:', '    <<: 5', '    cadence: weekly'));
    expect(r.valid).toBe(false);
    expect(codes(r)).toEqual(['yaml_syntax']);
  });
});
