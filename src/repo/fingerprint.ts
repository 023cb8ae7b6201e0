import type { LRUCache } from 'lru-cache';
import { boundedCache, type CacheName } from '../cache/bounded.js';

/**
 * Files modified this recently are "racy": a second write within the file
 * system's timestamp granularity could leave size and times unchanged, so a
 * cache must not trust them yet (git's racy-clean rule, with a wide margin).
 */
export const RACY_WINDOW_MS = 2_000;

/**
 * A bounded map of values validated by signatures of the objects they were
 * built from (`RepoView.fingerprint`). `get` returns a value only while the
 * signature is unchanged; the least recently used entry goes first when the
 * map is full. An undefined signature (a racy or changed view) caches nothing.
 */
export class FingerprintCache<V> {
  private readonly entries: LRUCache<string, { signature: string; value: V }>;

  constructor(limit: CacheName) {
    this.entries = boundedCache(limit);
  }

  get(key: string, signature: string | undefined): V | undefined {
    if (signature === undefined) return undefined;
    const entry = this.entries.get(key);
    return entry && entry.signature === signature ? entry.value : undefined;
  }

  set(key: string, signature: string | undefined, value: V): void {
    if (signature === undefined) return;
    this.entries.set(key, { signature, value });
  }
}
