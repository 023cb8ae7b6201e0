import {
  CST,
  Lexer,
  LineCounter,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type ParsedNode,
  type ScalarTag,
  type Tags,
  type YAMLMap,
} from 'yaml';
import { didYouMean } from '../shared/suggest.js';
import { cadenceMismatch, checkCron } from './cron.js';
import { canonicalTimeZone, isValidTimeZone, suggestTimeZone } from './timezone.js';
import {
  CADENCES,
  MAX_MANIFEST_BYTES,
  isValidAgentName,
  type Cadence,
  type Diagnostic,
  type DiagnosticCode,
  type ManifestEntry,
  type ValidationResult,
} from './types.js';

export interface ValidateOptions {
  /** Agents a manifest may name (packaged plus repo-installed). */
  knownAgents: ReadonlySet<string>;
}

const TOP_LEVEL_KEYS = ['version', 'timezone', 'agents'] as const;
const ENTRY_KEYS = ['cadence', 'cron', 'enabled'] as const;
// Expanding more aliases than this is refused: no honest manifest needs them,
// and "billion laughs" documents would otherwise exhaust memory.
const MAX_ALIAS_COUNT = 100;
// No real manifest schedules more agents than this; past it the (warning-only)
// cron/cadence check is skipped so a 64 KiB file of distinct crons stays cheap.
const MAX_MISMATCH_CHECKS = 32;
// A hostile 64 KiB body can hold thousands of problems; listing the first 100
// is as useful and keeps the answer (and the did-you-mean work) small.
const MAX_DIAGNOSTICS = 100;
// Nesting deeper than this is refused before the document is composed. A
// manifest needs four levels; a 64 KiB run of `[` or `- ? ` overflows the
// composer's stack (seconds of CPU, and a fatal V8 abort when a source-map
// hook formats the overflow) or, with collection keys, expands exponentially.
const MAX_NESTING_DEPTH = 32;

// PyYAML's YAML 1.1 booleans exactly, so existing manifests keep their meaning.
// (The `yaml` package's 1.1 schema also treats y/n as booleans; PyYAML does not.)
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const pyBool: ScalarTag = {
  identify: (value) => typeof value === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON|no|No|NO|false|False|FALSE|off|Off|OFF)$/,
  resolve: (str) => PY_TRUE.test(str) || !PY_FALSE.test(str),
};

/** An integer as PyYAML's construct_yaml_int reads it (sign, `_`, 0b/0x/0 prefixes, base-60), or undefined. */
function pyInt(text: string): number | undefined {
  let value = text.replace(/_/g, '');
  let sign = 1;
  if (value.startsWith('-') || value.startsWith('+')) {
    if (value.startsWith('-')) sign = -1;
    value = value.slice(1);
  }
  if (value === '0') return 0;
  const digits = (s: string, pattern: RegExp, base: number): number | undefined => (pattern.test(s) ? sign * parseInt(s, base) : undefined);
  if (value.startsWith('0b')) return digits(value.slice(2), /^[01]+$/, 2);
  if (value.startsWith('0x')) return digits(value.slice(2), /^[0-9a-fA-F]+$/, 16);
  if (value.startsWith('0')) return digits(value.slice(1), /^[0-7]+$/, 8);
  if (value.includes(':')) {
    const parts = value.split(':').map((part) => (/^[0-9]+$/.test(part) ? Number(part) : NaN));
    const total = parts.reduce((sum, part) => sum * 60 + part, 0);
    return Number.isNaN(total) ? undefined : sign * total;
  }
  return digits(value, /^[0-9]+$/, 10);
}
/** PyYAML's implicit YAML 1.1 int: a plain scalar spelled like this is an integer. */
const PY_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;

/** A float as PyYAML's construct_yaml_float reads an explicit `!!float`, or undefined. */
function pyFloat(text: string): number | undefined {
  let value = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (value.startsWith('-') || value.startsWith('+')) {
    if (value.startsWith('-')) sign = -1;
    value = value.slice(1);
  }
  if (value === '.inf' || value === 'inf' || value === 'infinity') return sign * Infinity;
  if (value === '.nan' || value === 'nan') return NaN;
  if (value.includes(':')) {
    const parts = value.split(':').map((part) => (/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/.test(part) ? Number(part) : NaN));
    const total = parts.reduce((sum, part) => sum * 60 + part, 0);
    return Number.isNaN(total) ? undefined : sign * total;
  }
  return /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(value) ? sign * Number(value) : undefined;
}
const PY_BOOL_WORDS = new Map([
  ['yes', true],
  ['no', false],
  ['true', true],
  ['false', false],
  ['on', true],
  ['off', false],
]);

/**
 * Explicit standard tags (`!!int 0x1`, `!!float 1`, `!!bool NO`, `!!null x`)
 * constructed as PyYAML constructed them. They carry no `test`, so they only
 * apply where the tag is written; a value the tag cannot hold is an error
 * naming the tag (PyYAML raised there).
 */
function explicitTag(name: string, construct: (text: string) => unknown): ScalarTag {
  return {
    tag: `tag:yaml.org,2002:${name}`,
    identify: () => false,
    resolve: (text, onError) => {
      const value = construct(text);
      if (value === undefined) onError(`'${text}' is not a valid !!${name}`);
      return value === undefined ? text : value;
    },
  };
}
const EXPLICIT_TAGS: ScalarTag[] = [
  explicitTag('int', pyInt),
  explicitTag('float', pyFloat),
  explicitTag('bool', (text) => PY_BOOL_WORDS.get(text.toLowerCase())),
  explicitTag('null', () => null),
];
const withPythonScalars = (tags: Tags): Tags => [
  ...EXPLICIT_TAGS,
  pyBool,
  ...tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:bool'),
];

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const pointer = (...segments: string[]): string => segments.map((s) => `/${escapePointer(s)}`).join('');

/** Display form of a scalar value in messages. */
function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || value === undefined) return 'an empty value';
  // Values here may be YAML nodes (a YAMLSeq is no JS array), not only plain JS.
  if (typeof value === 'object') return Array.isArray(value) || isSeq(value) ? 'a list' : 'a mapping';
  return `${typeof value} ${String(value)}`;
}

interface Position {
  line: number;
  column: number;
}

class Collector {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  /** Set once MAX_DIAGNOSTICS errors or warnings were collected; later ones are not listed. */
  truncated = false;
  /** Cadence checks left: bounds the warning-only classification per manifest. */
  mismatchBudget = MAX_MISMATCH_CHECKS;

  constructor(
    private readonly doc: Document.Parsed | undefined,
    private readonly lines: LineCounter,
  ) {}

  position(node: Node | null | undefined): Position | undefined {
    const offset = node?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  add(
    severity: Diagnostic['severity'],
    code: DiagnosticCode,
    message: string,
    path: string,
    at?: Node | Position | null,
    extra: Pick<Diagnostic, 'hint' | 'related'> = {},
  ): void {
    // Errors and warnings are capped separately, so a flood of warnings can
    // never hide the error that makes a manifest invalid.
    const list = severity === 'error' ? this.errors : this.warnings;
    if (list.length >= MAX_DIAGNOSTICS) {
      this.truncated = true;
      return;
    }
    const position = at && !isNode(at) ? at : this.position(at);
    const diagnostic: Diagnostic = { severity, code, message, path, ...(position ? { line: position.line, column: position.column } : {}) };
    if (extra.hint) diagnostic.hint = extra.hint;
    if (extra.related) diagnostic.related = extra.related;
    list.push(diagnostic);
  }

  /** Whether no further error would be listed; callers skip costly hints then. */
  full(): boolean {
    return this.errors.length >= MAX_DIAGNOSTICS;
  }

  error(code: DiagnosticCode, message: string, path: string, at?: Node | Position | null, extra?: Pick<Diagnostic, 'hint' | 'related'>): void {
    this.add('error', code, message, path, at, extra);
  }

  warn(code: DiagnosticCode, message: string, path: string, node?: Node | null, extra?: Pick<Diagnostic, 'hint' | 'related'>): void {
    this.add('warning', code, message, path, node, extra);
  }

  /** Follows an alias to its anchored node (already bounded by the alias count check). */
  deref(node: unknown): Node | null {
    if (isAlias(node)) return (this.doc ? (node.resolve(this.doc) as Node | undefined) : undefined) ?? null;
    return (node as Node | null) ?? null;
  }

  result(entries: ManifestEntry[] | undefined, timezone: string | undefined): ValidationResult {
    const valid = this.errors.length === 0;
    return {
      valid,
      errors: this.errors,
      warnings: this.warnings,
      ...(this.truncated ? { truncated: true } : {}),
      ...(valid && entries ? { manifest: { version: '1' as const, ...(timezone ? { timezone } : {}), entries } } : {}),
    };
  }
}

/** The key of a pair as written: agent names like `on` must not turn into booleans. */
function keyText(c: Collector, pair: Pair): string {
  // A key may be an alias of a scalar (collection keys are refused earlier).
  const key = c.deref(pair.key);
  if (isScalar(key)) return typeof key.source === 'string' ? key.source : String(key.value);
  return String(key);
}

/** A `<<` merge key (the yaml package marks it with a symbol value). */
const isMergePair = (pair: Pair): boolean => isScalar(pair.key) && typeof pair.key.value === 'symbol';

/**
 * The pairs a mapping's `<<` keys bring in, in the order PyYAML's
 * flatten_mapping puts them ahead of the mapping's own pairs: every `<<` key
 * in order, a list's items reversed, each source flattened itself (its own
 * merged pairs, then its own pairs). A dict built from that keeps the last
 * value of each key.
 */
function mergedChain(c: Collector, map: YAMLMap, basePath: string, depth: number): Pair[] {
  const chain: Pair[] = [];
  for (const pair of map.items) {
    if (!isMergePair(pair)) continue;
    const value = c.deref(pair.value);
    const sources = isSeq(value) ? value.items.map((item) => c.deref(item)) : [value];
    const chunks: Pair[][] = [];
    for (const source of sources) {
      if (!isMap(source)) {
        c.error('yaml_syntax', "a merge key '<<' must refer to a mapping or a list of mappings", basePath || '', source ?? (pair.key as Node));
        continue;
      }
      const own = source.items.filter((p) => !isMergePair(p));
      chunks.push(depth < 8 ? [...mergedChain(c, source, basePath, depth + 1), ...own] : own);
    }
    if (isSeq(value)) chunks.reverse();
    for (const chunk of chunks) chain.push(...chunk);
  }
  return chain;
}

/**
 * The pairs YAML 1.1 merge keys (`<<: *defaults`, or a list of them) bring
 * into a mapping, with PyYAML's meaning: keys written in the mapping win over
 * merged ones, a later `<<` key wins over an earlier one, and within one
 * `<<: [*a, *b]` an earlier item wins over a later one. The order is the
 * dict's: where a key first appeared.
 */
function mergedPairs(c: Collector, map: YAMLMap, explicitKeys: ReadonlySet<string>, basePath: string): Pair[] {
  const dict = new Map<string, Pair>();
  for (const pair of mergedChain(c, map, basePath, 0)) dict.set(keyText(c, pair), pair);
  return [...dict].filter(([key]) => !explicitKeys.has(key)).map(([, pair]) => pair);
}

/**
 * Walks a mapping's pairs, merge keys expanded, reporting duplicate keys
 * (with both locations) and handing each pair to `visit`. PyYAML silently
 * kept the last of duplicates; here each is an error.
 */
function eachPair(c: Collector, map: YAMLMap, basePath: string, visit: (key: string, pair: Pair, keyNode: Node | null) => void): void {
  const explicit = map.items.filter((pair) => !isMergePair(pair));
  const merged = explicit.length === map.items.length ? [] : mergedPairs(c, map, new Set(explicit.map((p) => keyText(c, p))), basePath);
  for (const pair of merged) visit(keyText(c, pair), pair, pair.key as Node | null);
  const seen = new Map<string, Node | null>();
  for (const pair of explicit) {
    const key = keyText(c, pair);
    const keyNode = pair.key as Node | null;
    const first = seen.get(key);
    if (first !== undefined) {
      const firstPos = c.position(first);
      const here = c.position(keyNode);
      c.error(
        'duplicate_key',
        `duplicate key '${key}'${here ? ` at line ${here.line}` : ''}${firstPos ? ` (first defined at line ${firstPos.line})` : ''}`,
        `${basePath}/${escapePointer(key)}`,
        keyNode,
        {
          hint: 'remove or merge one of the two entries',
          ...(firstPos ? { related: { path: `${basePath}/${escapePointer(key)}`, ...firstPos } } : {}),
        },
      );
    } else {
      seen.set(key, keyNode);
    }
    visit(key, pair, keyNode);
  }
}

/**
 * The offset of the first token nested deeper than MAX_NESTING_DEPTH, or
 * undefined. Runs the `yaml` lexer alone (it is iterative and exact about
 * quotes, comments and block scalars) and stops at the first excess. The
 * measure over-approximates block nesting: every indentation level and every
 * block indicator on a line counts as one, flow brackets as one each.
 */
function tooDeep(text: string): number | undefined {
  const indents: number[] = [];
  let offset = 0;
  let flow = 0;
  let indicators = 0;
  let indent = 0;
  let lineStart = true;
  let scalarText = false;
  /** The first node of a block-context line opens its indentation level. */
  const enterLine = (): void => {
    if (lineStart && flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    lineStart = false;
  };
  for (const token of new Lexer().lex(text)) {
    if (scalarText) {
      // The source of a scalar announced by the SCALAR marker, whatever it reads.
      scalarText = false;
      offset += token.length;
      enterLine();
      if (indents.length + indicators + flow > MAX_NESTING_DEPTH) return Math.min(offset - token.length, text.length);
      continue;
    }
    if (token === CST.SCALAR) {
      scalarText = true;
      continue;
    }
    if (token === CST.DOCUMENT || token === CST.FLOW_END) continue;
    const type = CST.tokenType(token);
    const at = offset;
    offset += token.length;
    if (type === 'newline') {
      lineStart = true;
      indicators = 0;
      indent = 0;
      continue;
    }
    if (type === 'space' && lineStart) {
      indent = token.length;
      continue;
    }
    if (type === 'comment' || type === 'space') continue;
    enterLine();
    if (type === 'flow-seq-start' || type === 'flow-map-start') flow++;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
    else if (flow === 0 && (type === 'seq-item-ind' || type === 'explicit-key-ind' || type === 'map-value-ind')) indicators++;
    else continue;
    if (indents.length + indicators + flow > MAX_NESTING_DEPTH) return Math.min(at, text.length);
  }
  return undefined;
}

/**
 * Mapping keys that are collections or aliases of them: a manifest has none, and
 * loading nested ones stringifies each key's subtree again at every level
 * (exponential: `'? '.repeat(40)` alone takes seconds, then throws).
 */
function complexKeys(doc: Document.Parsed): Node[] {
  const found: Node[] = [];
  const pending: unknown[] = [doc.contents];
  // An alias of a scalar is as cheap as the scalar (PyYAML accepted it as a key).
  const plain = (key: unknown): boolean => isScalar(key) || (isAlias(key) && isScalar(key.resolve(doc)));
  while (pending.length > 0) {
    const node = pending.pop();
    if (isMap(node)) {
      for (const pair of node.items) {
        if (pair.key !== null && !plain(pair.key)) found.push(pair.key as Node);
        else pending.push(pair.value);
      }
    } else if (isSeq(node)) {
      pending.push(...node.items);
    }
  }
  return found;
}

function parse(text: string): { doc?: Document.Parsed; lines: LineCounter; c: Collector } {
  const lines = new LineCounter();
  const deepAt = tooDeep(text);
  if (deepAt !== undefined) {
    const c = new Collector(undefined, lines);
    const before = text.slice(0, deepAt);
    c.error('yaml_syntax', `the document nests deeper than ${MAX_NESTING_DEPTH} levels`, '', {
      line: before.split('\n').length,
      column: deepAt - (before.lastIndexOf('\n') + 1) + 1,
    }, { hint: 'a manifest needs four levels: the document, agents, each agent and its settings' });
    return { lines, c };
  }
  const doc = parseDocument(text, {
    version: '1.1',
    uniqueKeys: false,
    lineCounter: lines,
    prettyErrors: true,
    customTags: withPythonScalars,
  });
  const c = new Collector(doc, lines);
  // Syntax errors go through the collector like every other diagnostic, so a
  // file of thousands of stray brackets still answers at most 100.
  const at = (linePos: { line: number; col: number }[] | undefined): Position | undefined => {
    const pos = linePos?.[0];
    return pos ? { line: pos.line, column: pos.col } : undefined;
  };
  for (const err of doc.errors) {
    c.error('yaml_syntax', `YAML syntax error: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, '', at(err.linePos));
  }
  // Unknown tags (!foo, !!python/object…) would silently degrade to strings;
  // a manifest has no use for them, so they are refused outright.
  for (const warning of doc.warnings) {
    if (warning.code !== 'TAG_RESOLVE_FAILED') continue;
    const tag = /Unresolved tag: (\S+)/.exec(warning.message)?.[1] ?? 'unknown';
    c.error('yaml_syntax', `custom YAML tag '${tag.replace(/^tag:yaml\.org,2002:/, '!!')}' is not allowed`, '', at(warning.linePos), {
      hint: 'remove the tag; a manifest only holds plain strings, booleans and mappings (the standard !!str, !!int, !!float, !!bool, !!null, !!map and !!seq are fine)',
    });
  }
  if (c.errors.length === 0) {
    for (const key of complexKeys(doc)) {
      c.error('yaml_syntax', `mapping keys must be plain names, not ${isAlias(key) ? 'an alias' : show(key)}`, '', key, {
        hint: 'write each key as a plain name, e.g. coach:',
      });
    }
  }
  // Loading the document is only needed to bound alias expansion (and to
  // apply merge keys' checks); without an alias there is nothing to expand.
  if (c.errors.length === 0 && hasAlias(doc)) {
    try {
      doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      c.error('yaml_syntax', `YAML could not be loaded: ${(err as Error).message}`, '');
    }
  }
  return { doc, lines, c };
}

function hasAlias(doc: Document.Parsed): boolean {
  let found = false;
  visit(doc, {
    Alias() {
      found = true;
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * Whether a version node means "1" as the Python tool read it: it compared
 * `str(version)` with "1", so the string "1" and the integer 1 in any YAML 1.1
 * spelling (0x1, 01, 0b1, +1, 1_) pass, and 1.0 or true do not.
 */
function isVersionOne(node: Node | null): boolean {
  if (!isScalar(node)) return false;
  if (typeof node.value === 'string') return node.value === '1';
  if (typeof node.value !== 'number' || typeof node.source !== 'string') return false;
  const explicitInt = node.tag === 'tag:yaml.org,2002:int';
  const implicitInt = node.tag === undefined && node.type === 'PLAIN' && PY_INT.test(node.source);
  return (explicitInt || implicitInt) && pyInt(node.source) === 1;
}

function checkVersion(c: Collector, pair: Pair | undefined, root: Node): void {
  if (!pair) {
    c.error('missing_version', "missing required key 'version'", '', root, { hint: 'add version: "1" at the top' });
    return;
  }
  const node = c.deref(pair.value);
  if (!isVersionOne(node)) {
    const value = isScalar(node) ? node.value : node;
    c.error('unsupported_version', `unsupported version ${show(isScalar(node) && typeof value === 'number' ? node.source : value)} (expected "1")`, '/version', node ?? (pair.key as Node), {
      hint: 'write version: "1"',
    });
  }
}

function checkTimezone(c: Collector, pair: Pair | undefined): string | undefined {
  if (!pair) return undefined;
  const node = c.deref(pair.value);
  const value = isScalar(node) ? node.value : node;
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string' || !isValidTimeZone(value)) {
    const suggestion = typeof value === 'string' ? suggestTimeZone(value) : undefined;
    c.error('invalid_timezone', `invalid timezone ${show(value)} (expected an IANA zone name such as Europe/Berlin)`, '/timezone', node ?? (pair.key as Node), {
      hint: suggestion ?? 'see the IANA time zone database, e.g. Europe/Berlin or UTC',
    });
    return undefined;
  }
  return canonicalTimeZone(value);
}

function checkEntry(
  c: Collector,
  agent: string,
  keyNode: Node | null,
  valueNode: Node | null,
  options: ValidateOptions,
): ManifestEntry | undefined {
  const base = pointer('agents', agent);
  let ok = true;
  if (!isValidAgentName(agent)) {
    c.error('invalid_agent_name', `invalid agent name '${agent}' (letters, digits, '-' and '_', starting with a letter or digit, at most 64 characters)`, base, keyNode);
    ok = false;
  } else if (!options.knownAgents.has(agent)) {
    const hint = c.full() ? undefined : didYouMean(agent, options.knownAgents);
    c.error('unknown_agent', `agent '${agent}' is neither packaged with the service nor installed in the repo`, base, keyNode, {
      hint: hint ?? `install agents/agent-${agent}.md in the repo, or use one of: ${[...options.knownAgents].sort().join(', ')}`,
    });
    ok = false;
  }

  const settings = valueNode && isScalar(valueNode) && valueNode.value === null ? null : valueNode;
  if (settings !== null && !isMap(settings)) {
    c.error('agent_settings_not_mapping', `agent '${agent}': settings must be a mapping with at least a cadence, not ${show(isScalar(settings) ? settings.value : settings)}`, base, settings, {
      hint: 'write e.g. { cadence: weekly }',
    });
    return undefined;
  }

  let cadence: Cadence | undefined;
  let cron: string | undefined;
  let enabled = true;
  let cronNode: Node | null = null;
  const pairs = new Map<string, Pair>();
  if (settings) {
    eachPair(c, settings, base, (key, pair, kNode) => {
      if ((ENTRY_KEYS as readonly string[]).includes(key)) {
        pairs.set(key, pair);
        return;
      }
      c.warn('unknown_key', `agent '${agent}': unknown key '${key}' is ignored`, `${base}/${escapePointer(key)}`, kNode, {
        hint: didYouMean(key, ENTRY_KEYS) ?? `known keys are ${ENTRY_KEYS.join(', ')}`,
      });
    });
  }

  const cadencePair = pairs.get('cadence');
  const cadenceNode = c.deref(cadencePair?.value);
  const cadenceValue = isScalar(cadenceNode) ? cadenceNode.value : cadenceNode;
  if (!cadencePair || cadenceValue === null || cadenceValue === undefined) {
    c.error('missing_cadence', `agent '${agent}': missing required key 'cadence'`, cadencePair ? `${base}/cadence` : base, cadencePair ? (cadencePair.key as Node) : keyNode, {
      hint: `add cadence: ${CADENCES.join(' | ')}`,
    });
    ok = false;
  } else if (typeof cadenceValue !== 'string' || !(CADENCES as readonly string[]).includes(cadenceValue)) {
    const hint = typeof cadenceValue === 'string' ? didYouMean(cadenceValue, CADENCES) : undefined;
    c.error('invalid_cadence', `agent '${agent}': invalid cadence ${show(cadenceValue)} (expected daily, weekly or monthly)`, `${base}/cadence`, cadenceNode, {
      hint: hint ?? 'use daily, weekly or monthly; put finer timing in cron',
    });
    ok = false;
  } else {
    cadence = cadenceValue as Cadence;
  }

  const cronPair = pairs.get('cron');
  if (cronPair) {
    cronNode = c.deref(cronPair.value);
    const value = isScalar(cronNode) ? cronNode.value : cronNode;
    if (value !== null && value !== undefined) {
      const problem = typeof value === 'string' ? checkCron(value) : { message: `expected a quoted string, found ${show(value)}` };
      if (problem) {
        const shown = typeof value === 'string' ? ` '${value}'` : '';
        c.error('invalid_cron', `agent '${agent}': invalid cron${shown}: ${problem.message}`, `${base}/cron`, cronNode, {
          hint: problem.hint ?? 'five fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1"',
        });
        ok = false;
      } else {
        cron = (value as string).trim();
      }
    }
  }

  const enabledPair = pairs.get('enabled');
  if (enabledPair) {
    const node = c.deref(enabledPair.value);
    const value = isScalar(node) ? node.value : node;
    if (typeof value === 'boolean') {
      enabled = value;
    } else {
      const looksBoolean = typeof value === 'string' && /^(true|false|yes|no|on|off)$/i.test(value.trim());
      c.error('invalid_enabled', `agent '${agent}': enabled must be a boolean, not ${show(value)}`, `${base}/enabled`, node ?? (enabledPair.key as Node), {
        hint: looksBoolean ? `remove the quotes: enabled: ${(value as string).trim().toLowerCase()}` : 'use enabled: true or enabled: false',
      });
      ok = false;
    }
  }

  if (cron && cadence && c.mismatchBudget-- > 0) {
    const mismatch = cadenceMismatch(cron, cadence);
    if (mismatch) {
      c.warn('cron_cadence_mismatch', `agent '${agent}': cron '${cron}' ${mismatch}`, `${base}/cron`, cronNode, {
        hint: 'align the cadence with the cron, or the cron with the cadence',
      });
    }
  }

  return ok && cadence ? { agent, cadence, ...(cron ? { cron } : {}), enabled } : undefined;
}

/**
 * Validates manifest text and returns every problem it finds, each with a JSON
 * Pointer and (when the node is known) a 1-based line and column.
 */
export function validateManifest(text: string, options: ValidateOptions): ValidationResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MANIFEST_BYTES) {
    return {
      valid: false,
      errors: [
        {
          severity: 'error',
          code: 'file_too_large',
          message: `manifest is ${bytes} bytes; the limit is ${MAX_MANIFEST_BYTES} bytes`,
          path: '',
          hint: 'a schedule manifest is a few hundred bytes; check that the right file is being sent',
        },
      ],
      warnings: [],
    };
  }

  // YAML 1.1 and 1.2 both take a lone CR (old Mac line endings) as a line
  // break; the parser does not. Same length, so offsets stay right.
  const { doc, c } = parse(text.replace(/\r(?!\n)/g, '\n'));
  if (c.errors.length > 0 || !doc) return c.result(undefined, undefined);

  const root = c.deref(doc.contents);
  if (!isMap(root)) {
    const empty = root === null || (isScalar(root) && root.value === null);
    c.error('not_a_mapping', empty ? 'the manifest is empty' : `the manifest must be a mapping, not ${show(isScalar(root) ? root.value : root)}`, '', root, {
      hint: 'start from the scaffold: version, timezone and agents',
    });
    return c.result(undefined, undefined);
  }

  const top = new Map<string, Pair>();
  eachPair(c, root, '', (key, pair, keyNode) => {
    if ((TOP_LEVEL_KEYS as readonly string[]).includes(key)) top.set(key, pair);
    else
      c.warn('unknown_key', `unknown top-level key '${key}' is ignored`, pointer(key), keyNode, {
        hint: didYouMean(key, TOP_LEVEL_KEYS) ?? `known keys are ${TOP_LEVEL_KEYS.join(', ')}`,
      });
  });

  checkVersion(c, top.get('version'), root);
  const timezone = checkTimezone(c, top.get('timezone'));

  const agentsPair = top.get('agents');
  const entries: ManifestEntry[] = [];
  if (!agentsPair) {
    c.error('missing_agents', "missing required key 'agents'", '', root, { hint: 'add agents: with at least one agent, e.g. coach: { cadence: weekly }' });
  } else {
    const agents = c.deref(agentsPair.value);
    if (agents === null || (isScalar(agents) && agents.value === null) || (isMap(agents) && agents.items.length === 0)) {
      c.error('no_agents', 'no agents are declared under agents', '/agents', agents ?? (agentsPair.key as Node), {
        hint: 'declare at least one agent, e.g. coach: { cadence: weekly }',
      });
    } else if (!isMap(agents)) {
      c.error('agents_not_mapping', `agents must be a mapping of agent name to settings, not ${show(isScalar(agents) ? agents.value : agents)}`, '/agents', agents, {
        hint: 'write agents: then one indented line per agent, e.g. coach: { cadence: weekly }',
      });
    } else {
      eachPair(c, agents, '/agents', (name, pair, keyNode) => {
        const entry = checkEntry(c, name, keyNode, c.deref(pair.value) as ParsedNode | null, options);
        if (entry) entries.push(entry);
      });
    }
  }
  return c.result(entries, timezone);
}
