import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { escapePointer, type Collector } from './diagnostics.js';
import type { Deref } from './yaml.js';

/** The key of a pair as written: agent names like `on` must not turn into booleans. */
function keyText(r: Deref, pair: Pair): string {
  // A key may be an alias of a scalar (collection keys are refused earlier).
  const key = r(pair.key);
  if (isScalar(key)) return typeof key.source === 'string' ? key.source : String(key.value);
  return String(key);
}

/**
 * Merge keys followed through at most this many mappings, each merging the
 * next. PyYAML has no bound; this one is far past any honest manifest and
 * keeps a self-referencing anchor from recursing without end. Deeper is an
 * error, never a silent cut.
 */
const MAX_MERGE_DEPTH = 32;
/**
 * Merge sources visited plus the pairs they bring in, over a whole document. Each `<<` flattens its
 * sources again, so a few anchors each merging the one before twice double
 * the work per level; an honest manifest brings in a few dozen.
 */
const MAX_MERGED_PAIRS = 10_000;

/**
 * One validation's walk over merge keys: what is left of MAX_MERGED_PAIRS,
 * and the `<<` pairs already reported (a chain of anchors is walked again for
 * every mapping that merges it; its faults are one diagnostic each).
 */
export interface MergeBudget {
  left: number;
  reported: Set<Pair>;
}
export const mergeBudget = (): MergeBudget => ({ left: MAX_MERGED_PAIRS, reported: new Set() });

/** The walk ran out of MAX_MERGED_PAIRS at `pair`: reported once, and nothing more is merged. */
function overBudget(c: Collector, budget: MergeBudget, pair: Pair, basePath: string): Pair[] {
  mergeFault(c, budget, pair, 'yaml_syntax', `merge keys '<<' bring in more than ${MAX_MERGED_PAIRS} settings`, basePath || '', pair.key as Node, {
    hint: 'merge each anchor once; a manifest needs a few dozen settings',
  });
  return [];
}

/** Reports a fault of the merge key `pair` once per validation. */
function mergeFault(c: Collector, budget: MergeBudget, pair: Pair, ...args: Parameters<Collector['error']>): void {
  if (budget.reported.has(pair)) return;
  budget.reported.add(pair);
  c.error(...args);
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
function mergedChain(c: Collector, r: Deref, map: YAMLMap, basePath: string, budget: MergeBudget, within: YAMLMap[]): Pair[] {
  const chain: Pair[] = [];
  for (const pair of map.items) {
    if (!isMergePair(pair) || budget.left < 0) continue;
    const value = r(pair.value);
    const items: unknown[] = isSeq(value) ? value.items : [pair.value];
    const chunks: Pair[][] = [];
    for (const item of items) {
      // Every source looked at counts, a bad one too: a long list merged by many mappings is work.
      if (--budget.left < 0) return overBudget(c, budget, pair, basePath);
      const source = r(item);
      if (!isMap(source)) {
        mergeFault(c, budget, pair, 'yaml_syntax', "a merge key '<<' must refer to a mapping or a list of mappings", basePath || '', source ?? (pair.key as Node));
        continue;
      }
      if (source === map || within.includes(source)) {
        mergeFault(c, budget, pair, 'yaml_syntax', "a merge key '<<' refers to a mapping that contains it", basePath || '', pair.key as Node);
        continue;
      }
      const own = source.items.filter((p) => !isMergePair(p));
      if (within.length >= MAX_MERGE_DEPTH) {
        mergeFault(c, budget, pair, 'yaml_syntax', `merge keys '<<' nest deeper than ${MAX_MERGE_DEPTH} levels`, basePath || '', pair.key as Node, {
          hint: 'merge the settings from fewer layers of anchors',
        });
        continue;
      }
      const inner = mergedChain(c, r, source, basePath, budget, [...within, map]);
      if (budget.left < 0) return []; // reported where it ran out
      budget.left -= own.length;
      if (budget.left < 0) return overBudget(c, budget, pair, basePath);
      chunks.push([...inner, ...own]);
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
function mergedPairs(c: Collector, r: Deref, map: YAMLMap, explicitKeys: ReadonlySet<string>, basePath: string, budget: MergeBudget): Pair[] {
  const dict = new Map<string, Pair>();
  for (const pair of mergedChain(c, r, map, basePath, budget, [])) dict.set(keyText(r, pair), pair);
  return [...dict].filter(([key]) => !explicitKeys.has(key)).map(([, pair]) => pair);
}

/**
 * Walks a mapping's pairs, merge keys expanded, reporting duplicate keys
 * (with both locations) and handing each pair to `visit`. PyYAML silently
 * kept the last of duplicates; here each is an error.
 */
export function eachPair(
  c: Collector,
  r: Deref,
  map: YAMLMap,
  basePath: string,
  budget: MergeBudget,
  visit: (key: string, pair: Pair, keyNode: Node | null) => void,
): void {
  const explicit = map.items.filter((pair) => !isMergePair(pair));
  const merged = explicit.length === map.items.length ? [] : mergedPairs(c, r, map, new Set(explicit.map((p) => keyText(r, p))), basePath, budget);
  for (const pair of merged) visit(keyText(r, pair), pair, pair.key as Node | null);
  const seen = new Map<string, Node | null>();
  for (const pair of explicit) {
    const key = keyText(r, pair);
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
