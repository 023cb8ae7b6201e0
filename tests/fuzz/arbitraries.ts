import fc from 'fast-check';
import { VALID_MANIFEST } from '../helpers/fleet.js';

/*
 * Generators shared by the hostile-input suites: tricky YAML values, mutated
 * manifests and cron noise.
 */

export const deep = (open: string, close: string, n: number, inner = ''): string => `${open.repeat(n)}${inner}${close.repeat(n)}`;

/** Values YAML parsers and loaders are known to trip over. */
export const TRICKY: readonly string[] = [
  '&a', '*a', '&a weekly', '*nowhere', '&a [x]', '*a *a', '&a &b x',
  '!!python/object:os.system', '!!python/object/apply:os.system ["id"]', '!!python/name:os.system', '!tag', '!tag x',
  '!!binary aGVsbG8=', '!!str', '!!int x', '!!float 1', '!!bool yes', '!!set {a, b}', '!!omap [a: 1]', '!<tag:example.com,2000:x> y', '!!timestamp 2001-12-14',
  '<<: *x', '{<<: *a}', '{', '}', '[', ']', '"', "'", '"\\u0000"', '"\\x00"', '"\\', '|', '>', '|-\n  x', '>+\n  x',
  '\t', ' \t ', '---', '...', '--- |', '%YAML 1.2', '%TAG ! tag:x,', '~', 'null', 'Null', 'NULL', '',
  '0x1', '0o17', '017', '0b101', '1e3', '1_000', '+1', '-0', '.5', '1.', '.inf', '-.inf', '.NaN', '12:30:00', '190:20:30', '2001-12-14t21:59:43.10-05:00',
  'yes', 'no', 'Yes', 'NO', 'on', 'Off', 'y', 'n', 'true', 'FALSE', 'tRuE', '"false"', "'yes'",
  'weekly', 'daily', 'monthly', 'Weekly', ' weekly', '"weekly "', 'hourly', '"0 9 * * 1"', '0 9 * * 1', '"* * * * *"', '"0 0 31 2 *"', '"@daily"', '"0 0 L * *"',
  'Europe/Berlin', 'UTC', 'Etc/GMT+14', 'Europe/Berlín', '../../etc/passwd', 'America/Argentina/Buenos_Aires',
  '? complex', '? [a, b]\n: c', '- x', '-', '- - -', ': x', 'a: b: c', '{a: 1, a: 2}', '[a, {b: c}]', '{? a}', 'a #comment', '#', '@x', '`x', '%x',
  '\u0000', '\uFEFF', '\uFEFFweekly', '\u0007', '\u001b[31m', '\u2028', '\u2029', '\u0085', '\r', '\r\n', '\u00a0', '\uD800', '\uDFFF', '\u200B', '\u{1F600}', 'ｗｅｅｋｌｙ',
  '1'.repeat(400), '-' + '9'.repeat(40), '0x' + 'f'.repeat(100), '1e999999', '9007199254740993', '1' + '0'.repeat(25) + '.5',
  'x'.repeat(5000), `"${'\\u00e9'.repeat(1000)}"`, 'a'.repeat(70 * 1024),
  deep('[', ']', 50), deep('[', ']', 2000), deep('{a: ', '}', 200, '1'), deep('- ', '', 300, 'x'), deep('{', '}', 3000),
  deep('? ', '', 40, 'x'), deep('- ? ', '', 300, 'x'), deep('[', ']', 30, 'x'), '{[a]: b}', '? [a]\n: b', '*a : b',
];

export const trickyValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...TRICKY.filter((t) => t.length < 40)), { minLength: 2, maxLength: 4 }).map((parts) => parts.join(' ')) },
);

export const BASES: readonly string[] = [
  VALID_MANIFEST,
  [
    'version: "1"',
    'timezone: Europe/Berlin',
    'agents:',
    '  coach:        { cadence: weekly,  cron: "0 9 * * 1",  enabled: true }',
    '  optimization: { cadence: weekly,  cron: "0 10 * * 1", enabled: true }',
    '  tdd-workflow: { cadence: monthly, enabled: false }',
    '',
  ].join('\n'),
  ['# written by the Python tool', 'version: 1', 'agents:', '  coach:', '    cadence: daily', '    enabled: yes', '  sys-medic:', '    cadence: monthly', '    enabled: off', '    cron: 0 3 1 * *', ''].join('\n'),
  ['---', 'version: "1"', 'timezone: UTC', 'defaults: &d', '  cadence: weekly', 'agents:', '  coach: *d', '  code-review:', '    <<: *d', '    cron: "30 8 * * 5"', '...', ''].join('\n'),
];

export type Mutation =
  | { op: 'delete'; line: number }
  | { op: 'duplicate'; line: number }
  | { op: 'swap'; line: number; other: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'replaceValue'; line: number; value: string }
  | { op: 'replaceKey'; line: number; key: string }
  | { op: 'indent'; line: number; by: number }
  | { op: 'newLine'; line: number; text: string }
  | { op: 'truncate'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), line: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.constantFrom(...TRICKY.filter((t) => t.length < 40))) }),
  fc.record({ op: fc.constant('replaceValue' as const), line: fc.nat(), value: trickyValue }),
  fc.record({ op: fc.constant('replaceKey' as const), line: fc.nat(), key: fc.oneof(fc.constantFrom(...TRICKY.filter((t) => t.length < 40)), fc.constantFrom('version', 'timezone', 'agents', 'cadence', 'cron', 'enabled', 'coach', 'on', 'y', '<<', '? x', 'cadance', 'Version')) }),
  fc.record({ op: fc.constant('indent' as const), line: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ op: fc.constant('newLine' as const), line: fc.nat(), text: fc.oneof(fc.constantFrom('  <<: *x', '  coach: *a', 'agents: &a {coach: {cadence: weekly}}', '  x: &x {cadence: daily}', '? complex', 'version: "1"', '  coach: {cadence: weekly}', '\tcoach: x', '---', '...', '%YAML 1.1'), trickyValue) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

export function mutate(base: string, mutations: readonly Mutation[]): string {
  let lines = base.split('\n');
  const pick = (n: number): number => (lines.length === 0 ? 0 : n % lines.length);
  for (const m of mutations) {
    switch (m.op) {
      case 'delete':
        lines.splice(pick(m.line), 1);
        break;
      case 'duplicate': {
        const i = pick(m.line);
        lines.splice(i, 0, lines[i] ?? '');
        break;
      }
      case 'swap': {
        const i = pick(m.line);
        const j = pick(m.other);
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        break;
      }
      case 'insert': {
        const text = lines.join('\n');
        const at = text.length === 0 ? 0 : m.at % text.length;
        lines = `${text.slice(0, at)}${m.text}${text.slice(at)}`.split('\n');
        break;
      }
      case 'replaceValue': {
        const i = pick(m.line);
        const line = lines[i] ?? '';
        const colon = line.indexOf(':');
        lines[i] = colon >= 0 ? `${line.slice(0, colon + 1)} ${m.value}` : m.value;
        break;
      }
      case 'replaceKey': {
        const i = pick(m.line);
        const line = lines[i] ?? '';
        const indent = /^\s*/.exec(line)![0];
        const colon = line.indexOf(':');
        lines[i] = colon >= 0 ? `${indent}${m.key}${line.slice(colon)}` : `${indent}${m.key}: x`;
        break;
      }
      case 'indent': {
        const i = pick(m.line);
        const line = lines[i] ?? '';
        lines[i] = m.by >= 0 ? ' '.repeat(m.by) + line : line.slice(Math.min(-m.by, /^ */.exec(line)![0].length));
        break;
      }
      case 'newLine':
        lines.splice(pick(m.line), 0, m.text);
        break;
      case 'truncate': {
        const text = lines.join('\n');
        lines = text.slice(0, text.length === 0 ? 0 : m.at % text.length).split('\n');
        break;
      }
    }
  }
  return lines.join('\n');
}

export const mutatedManifest = fc
  .tuple(fc.constantFrom(...BASES), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([base, mutations]) => mutate(base, mutations));

/** Cron expressions: valid, never-firing, extension syntax and random five-field noise. */
export const CRON_FIELD = ['*', '0', '9', '*/5', '*/0', '1-5', '5-1', '1,15', 'mon', 'MON-FRI', 'jan', 'L', '5L', '1W', '#2', '?', '60', '24', '32', '13', '7', '0-59/1', '-', ',', '/', '99999999999'];
export const CRON_POOL = ['0 9 * * 1', '0 9 * * *', '0 9 1 * *', '* * * * *', '0 0 31 2 *', '0 0 30 2 *', '0 0 29 2 *', '0 0 31 2 1-5', '0 0 1,15 * 1', '@daily', '@reboot', '0 9 * * 1 2025', '0 0 9 * * 1', '', '   ', 'TZ=UTC 0 9 * * 1'];
export const cronValue = fc.oneof(
  fc.constantFrom(...CRON_POOL),
  fc.array(fc.constantFrom(...CRON_FIELD), { minLength: 4, maxLength: 6 }).map((f) => f.join(' ')),
);
