import { CST, Composer, Lexer, LineCounter, Parser, YAMLParseError, isAlias, isMap, isScalar, isSeq, visit, type Document, type Node, type ScalarTag, type Tags } from 'yaml';
import { Collector, show, type Position } from './diagnostics.js';

// More aliases than this are refused: no honest manifest needs them. Nothing
// here expands an alias into a copy (the walk follows one where it stands,
// and merge keys have their own budget, merge.ts), so this bounds the work
// without the \`yaml\` package's expansion count, which grows exponentially
// along an honest chain of anchors each merging the one before.
const MAX_ALIAS_COUNT = 100;
// Nesting deeper than this is refused before the document is composed. A
// manifest needs four levels; a 64 KiB run of `[` or `- ? ` overflows the
// composer's stack (seconds of CPU, and a fatal V8 abort when a source-map
// hook formats the overflow) or, with collection keys, expands exponentially.
const MAX_NESTING_DEPTH = 32;

/** Follows an alias to its anchored node; anything else is itself. */
export type Deref = (node: unknown) => Node | null;

/**
 * Maps every alias to its anchored node in one walk of the document, in
 * document order, so an alias sees the anchors defined before it (anchors are
 * unique, checked earlier). Alias.resolve would walk the whole document from
 * the top for each alias, each time it is followed. Reports the aliases that
 * name no anchor before them, as PyYAML did ("found undefined alias").
 */
function aliasTargets(doc: Document.Parsed, c: Collector): Deref {
  const targets = new Map<unknown, Node | null>();
  const anchors = new Map<string, Node>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        const target = anchors.get(node.source) ?? null;
        targets.set(node, target);
        if (!target) {
          c.error('yaml_syntax', `YAML syntax error: the alias *${node.source} names no anchor defined before it`, '', node, {
            hint: `define &${node.source} on a value above this line`,
          });
        }
      } else if (node.anchor) {
        anchors.set(node.anchor, node);
      }
    },
  });
  return (node) => (isAlias(node) ? (targets.get(node) ?? null) : ((node as Node | null) ?? null));
}

/** Without aliases nothing needs resolving. */
const noAliases: Deref = (node) => (isAlias(node) ? null : ((node as Node | null) ?? null));

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

/** The integer PyYAML read from a scalar (plain and spelled as a YAML 1.1 int, or tagged `!!int`), else undefined. */
export function pyIntegerOf(node: Node | null): number | undefined {
  if (!isScalar(node) || typeof node.value !== 'number' || typeof node.source !== 'string') return undefined;
  const explicit = node.tag === 'tag:yaml.org,2002:int';
  const implicit = node.tag === undefined && node.type === 'PLAIN' && PY_INT.test(node.source);
  return explicit || implicit ? pyInt(node.source) : undefined;
}

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

/**
 * Measures nesting token by token, as the `yaml` lexer yields them (it is
 * iterative and exact about quotes, comments and block scalars): `feed`
 * answers the offset of the first token nested deeper than
 * MAX_NESTING_DEPTH, else undefined. The measure over-approximates block
 * nesting: every indentation level and every block indicator on a line
 * counts as one, flow brackets as one each. It also notes whether any token
 * is an alias, the only thing that needs the document loaded.
 */
class NestingMeter {
  aliases = 0;
  /** Offset of the first alias past MAX_ALIAS_COUNT. */
  tooManyAliasesAt: number | undefined;
  /** The first anchor name defined a second time, with both offsets. */
  duplicateAnchor: { name: string; first: number; at: number } | undefined;
  private readonly anchors = new Map<string, number>();
  private readonly indents: number[] = [];
  private offset = 0;
  private flow = 0;
  private indicators = 0;
  private indent = 0;
  private lineStart = true;
  private scalarText = false;

  constructor(private readonly length: number) {}

  /** The first node of a block-context line opens its indentation level. */
  private enterLine(): void {
    if (this.lineStart && this.flow === 0) {
      const { indents } = this;
      while (indents.length > 0 && indents[indents.length - 1]! >= this.indent) indents.pop();
      indents.push(this.indent);
    }
    this.lineStart = false;
  }

  private get depth(): number {
    return this.indents.length + this.indicators + this.flow;
  }

  feed(token: string): number | undefined {
    if (this.scalarText) {
      // The source of a scalar announced by the SCALAR marker, whatever it reads.
      this.scalarText = false;
      this.offset += token.length;
      this.enterLine();
      return this.depth > MAX_NESTING_DEPTH ? Math.min(this.offset - token.length, this.length) : undefined;
    }
    if (token === CST.SCALAR) {
      this.scalarText = true;
      return undefined;
    }
    if (token === CST.DOCUMENT || token === CST.FLOW_END) return undefined;
    const type = CST.tokenType(token);
    const at = this.offset;
    this.offset += token.length;
    if (type === 'newline') {
      this.lineStart = true;
      this.indicators = 0;
      this.indent = 0;
      return undefined;
    }
    if (type === 'space' && this.lineStart) {
      this.indent = token.length;
      return undefined;
    }
    if (type === 'comment' || type === 'space') return undefined;
    this.enterLine();
    if (type === 'alias' && ++this.aliases > MAX_ALIAS_COUNT) this.tooManyAliasesAt ??= at;
    if (type === 'anchor') {
      const first = this.anchors.get(token);
      if (first === undefined) this.anchors.set(token, at);
      else this.duplicateAnchor ??= { name: token.slice(1), first, at };
    }
    if (type === 'flow-seq-start' || type === 'flow-map-start') this.flow++;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') this.flow = Math.max(0, this.flow - 1);
    else if (this.flow === 0 && (type === 'seq-item-ind' || type === 'explicit-key-ind' || type === 'map-value-ind')) this.indicators++;
    else return undefined;
    return this.depth > MAX_NESTING_DEPTH ? Math.min(at, this.length) : undefined;
  }
}

/**
 * Lexes `text` once, measuring its nesting and handing each token to the
 * parser as it comes (the parser is iterative too): the syntax tree, or the
 * offset where the document nests too deep, before anything is composed.
 */
interface Lexed {
  tokens: CST.Token[];
  aliases: number;
  tooManyAliasesAt: number | undefined;
  duplicateAnchor: NestingMeter['duplicateAnchor'];
}

function lexAndParse(text: string, lines: LineCounter): Lexed | { deepAt: number } {
  const meter = new NestingMeter(text.length);
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  const tokens: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text)) {
    const deepAt = meter.feed(lexeme);
    if (deepAt !== undefined) return { deepAt };
    for (const token of parser.next(lexeme)) tokens.push(token);
  }
  for (const token of parser.end()) tokens.push(token);
  return { tokens, aliases: meter.aliases, tooManyAliasesAt: meter.tooManyAliasesAt, duplicateAnchor: meter.duplicateAnchor };
}

/**
 * PyYAML read every `%YAML 1.x` document by its YAML 1.1 rules (it only warned
 * about the minor version), while the `yaml` package switches to 1.2 for
 * `%YAML 1.2`: merge keys would stop working and `on` would become text. So
 * each 1.x directive is rewritten to 1.1 before the document is composed;
 * another major version, or a second `%YAML` in one document, is refused as
 * PyYAML refused it.
 */
function pinYamlVersion(tokens: CST.Token[]): Array<{ offset: number; message: string }> {
  const errors: Array<{ offset: number; message: string }> = [];
  let seen = false;
  for (const token of tokens) {
    if (token.type === 'document') {
      seen = false;
      continue;
    }
    if (token.type !== 'directive') continue;
    const [name, version = ''] = token.source.trim().split(/[ \t]+/);
    if (name !== '%YAML') continue;
    if (seen) errors.push({ offset: token.offset, message: 'more than one %YAML directive for one document' });
    seen = true;
    if (!/^1\.[0-9]+$/.test(version)) errors.push({ offset: token.offset, message: `incompatible YAML version ${version || '(none)'}: a manifest is YAML 1.x` });
    else token.source = '%YAML 1.1';
  }
  return errors;
}

/**
 * The limits that keep the \`yaml\` package safe on text nobody vetted, for
 * other YAML the service reads (the roster file): nesting past
 * MAX_NESTING_DEPTH overflows its composer's stack (and a second overflow can
 * abort the process), and more than MAX_ALIAS_COUNT aliases make loading
 * costly. Says which limit the text breaks, or undefined; lexes, composes nothing.
 */
export function yamlLimitBroken(text: string): string | undefined {
  const meter = new NestingMeter(text.length);
  for (const lexeme of new Lexer().lex(text)) {
    if (meter.feed(lexeme) !== undefined) return `it nests deeper than ${MAX_NESTING_DEPTH} levels`;
    if (meter.tooManyAliasesAt !== undefined) return `it uses more than ${MAX_ALIAS_COUNT} aliases`;
  }
  return undefined;
}

/** The first document of the stream, as `parseDocument` composes it (a second one is an error). */
function composeFirst(tokens: CST.Token[], length: number, options: ConstructorParameters<typeof Composer>[0]): Document.Parsed {
  let doc: Document.Parsed | undefined;
  for (const next of new Composer(options).compose(tokens, true, length)) {
    if (!doc) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  // compose(…, forceDoc = true) always ends with a document.
  return doc!;
}

/**
 * Mapping keys that are collections or aliases of them: a manifest has none, and
 * loading nested ones stringifies each key's subtree again at every level
 * (exponential: `'? '.repeat(40)` alone takes seconds, then throws).
 */
function complexKeys(doc: Document.Parsed, deref: Deref): Node[] {
  const found: Node[] = [];
  const pending: unknown[] = [doc.contents];
  // An alias of a scalar is as cheap as the scalar (PyYAML accepted it as a key).
  const plain = (key: unknown): boolean => isScalar(key) || (isAlias(key) && isScalar(deref(key)));
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

/** What YAML 1.1 (and PyYAML's reader) takes as text; anything else is refused before parsing. */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/** Line and column (1-based) of an offset, before a line counter exists. */
function positionIn(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/**
 * Parses manifest text as PyYAML would read it, refusing what would be
 * costly or meaningless (deep nesting, collection keys, alias bombs, custom
 * tags); every problem goes to the returned collector.
 */
export function parseManifestYaml(source: string): { doc?: Document.Parsed; c: Collector; deref?: Deref } {
  // YAML 1.1 and 1.2 both take a lone CR (old Mac line endings) as a line
  // break, and YAML 1.1 (PyYAML) NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR
  // too; the parser takes none of them. One UTF-16 unit each, so offsets stay
  // right. (PyYAML kept LS and PS inside a scalar's text; here they fold like
  // any line break, which no manifest value can hold anyway.)
  const text = source.replace(/\r(?!\n)|[\x85\u2028\u2029]/g, '\n');
  const unprintable = NOT_PRINTABLE.exec(text);
  if (unprintable) {
    const c = new Collector();
    const code = unprintable[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    c.error('yaml_syntax', `the file holds the control character U+${code}, which YAML does not allow`, '', positionIn(text, unprintable.index), {
      hint: 'remove it (PyYAML refused such a file too); save the manifest as plain UTF-8 text',
    });
    return { c };
  }
  const lines = new LineCounter();
  const parsed = lexAndParse(text, lines);
  if ('deepAt' in parsed) {
    const c = new Collector();
    c.error('yaml_syntax', `the document nests deeper than ${MAX_NESTING_DEPTH} levels`, '', positionIn(text, parsed.deepAt), {
      hint: 'a manifest needs four levels: the document, agents, each agent and its settings',
    });
    return { c };
  }
  // Counted on the tokens, before anything is composed or resolved.
  if (parsed.duplicateAnchor || parsed.tooManyAliasesAt !== undefined) {
    const c = new Collector();
    if (parsed.duplicateAnchor) {
      const { name, first, at: second } = parsed.duplicateAnchor;
      c.error('yaml_syntax', `the anchor &${name} is defined twice (first at line ${positionIn(text, first).line})`, '', positionIn(text, second), {
        hint: 'give each anchor its own name (PyYAML refused a repeated one)',
      });
    }
    if (parsed.tooManyAliasesAt !== undefined) {
      c.error('yaml_syntax', `the document uses more than ${MAX_ALIAS_COUNT} aliases`, '', positionIn(text, parsed.tooManyAliasesAt), {
        hint: 'write the repeated settings out, or share them through fewer anchors',
      });
    }
    return { c };
  }
  const directiveErrors = pinYamlVersion(parsed.tokens);
  const doc = composeFirst(parsed.tokens, text.length, { version: '1.1', uniqueKeys: false, customTags: withPythonScalars });
  // Where each problem is, as parseDocument's prettyErrors would add (the
  // messages are used without its excerpt).
  for (const problem of [...doc.errors, ...doc.warnings]) problem.linePos = problem.pos.map((offset) => lines.linePos(offset)) as typeof problem.linePos;
  const c = new Collector(lines);
  // Syntax errors go through the collector like every other diagnostic, so a
  // file of thousands of stray brackets still answers at most 100.
  const at = (linePos: { line: number; col: number }[] | undefined): Position | undefined => {
    const pos = linePos?.[0];
    return pos ? { line: pos.line, column: pos.col } : undefined;
  };
  for (const { offset, message } of directiveErrors) c.error('yaml_syntax', `YAML syntax error: ${message}`, '', at([lines.linePos(offset)]));
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
  const deref = c.errors.length === 0 && parsed.aliases > 0 ? aliasTargets(doc, c) : noAliases;
  if (c.errors.length === 0) {
    for (const key of complexKeys(doc, deref)) {
      c.error('yaml_syntax', `mapping keys must be plain names, not ${isAlias(key) ? 'an alias' : show(key)}`, '', key, {
        hint: 'write each key as a plain name, e.g. coach:',
      });
    }
  }
  return { doc, c, deref };
}
