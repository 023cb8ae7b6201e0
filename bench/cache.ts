/**
 * The bounded caches (src/cache/bounded.ts, issue #12): FingerprintCache on
 * lru-cache against the insertion-ordered Map it replaced, in the same
 * process, rounds interleaved. A cached prepare does one get per request (and
 * a miss one set), so what counts is the extra cost of a get or a set in
 * nanoseconds, next to a request's tens of microseconds.
 * Knobs: BENCH_CACHE_OPS (gets per round, default 1,000,000), BENCH_CACHE_KEYS
 * (distinct keys, default 5,000: the bundle cache's bound).
 */
import { FingerprintCache } from '../src/repo/fingerprint.js';
import { median } from './support.js';

export interface CacheBenchResult {
  ops_per_round: number;
  keys: number;
  get_ns: { lru: number; map: number; ratio: number };
  set_ns: { lru: number; map: number; ratio: number };
}

/** Tolerated extra per get or set, in ns: well under 1% of a cached prepare. */
export const CACHE_TARGET_EXTRA_NS = 200;

/** The cache as it was before lru-cache: a Map evicting the oldest insertion. */
class MapCache<V> {
  private readonly entries = new Map<string, { signature: string; value: V }>();
  constructor(private readonly maxEntries: number) {}
  get(key: string, signature: string | undefined): V | undefined {
    if (signature === undefined) return undefined;
    const entry = this.entries.get(key);
    return entry && entry.signature === signature ? entry.value : undefined;
  }
  set(key: string, signature: string | undefined, value: V): void {
    if (signature === undefined) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { signature, value });
  }
}

type Cache = Pick<MapCache<object>, 'get' | 'set'>;

function timeNs(ops: number, run: () => void): number {
  const t0 = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - t0) / ops;
}

export async function benchCache(rounds: number, log: (line: string) => void = () => undefined): Promise<CacheBenchResult> {
  const ops = Number(process.env.BENCH_CACHE_OPS ?? 1_000_000);
  const keyCount = Number(process.env.BENCH_CACHE_KEYS ?? 5_000);
  const keys = Array.from({ length: keyCount }, (_, i) => `/srv/fleet/repo-${i}\u0000coach\u0000json\u0000false`);
  const value = { body: Buffer.alloc(16) };
  const measure = (cache: Cache) => {
    for (const key of keys) cache.set(key, 'sig', value);
    let found = 0;
    const get = timeNs(ops, () => {
      for (let i = 0; i < ops; i++) if (cache.get(keys[i % keyCount]!, 'sig')) found++;
    });
    if (found !== ops) throw new Error(`cache bench: ${ops - found} gets missed`);
    // Sets of new keys: each one evicts once the cache is full.
    const set = timeNs(ops, () => {
      for (let i = 0; i < ops; i++) cache.set(`${keys[i % keyCount]!}${i}`, 'sig', value);
    });
    return { get, set };
  };
  const lru: { get: number; set: number }[] = [];
  const map: { get: number; set: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    lru.push(measure(new FingerprintCache<object>('bundles')));
    map.push(measure(new MapCache<object>(keyCount)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const pick = (xs: { get: number; set: number }[], k: 'get' | 'set') => median(xs.map((x) => x[k]));
  const result: CacheBenchResult = {
    ops_per_round: ops,
    keys: keyCount,
    get_ns: { lru: pick(lru, 'get'), map: pick(map, 'get'), ratio: pick(lru, 'get') / pick(map, 'get') },
    set_ns: { lru: pick(lru, 'set'), map: pick(map, 'set'), ratio: pick(lru, 'set') / pick(map, 'set') },
  };
  log(`cache get ${result.get_ns.lru.toFixed(0)} ns (Map ${result.get_ns.map.toFixed(0)} ns), set ${result.set_ns.lru.toFixed(0)} ns (Map ${result.set_ns.map.toFixed(0)} ns)`);
  return result;
}
