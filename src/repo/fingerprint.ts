import { statSync } from 'node:fs';

/**
 * Files modified this recently are "racy": a second write within the file
 * system's timestamp granularity could leave size and times unchanged, so a
 * cache must not trust them yet (git's racy-clean rule, with a wide margin).
 */
export const RACY_WINDOW_MS = 2_000;

/**
 * A signature of the files at `paths` (followed through symlinks): device,
 * inode, size, modification and change times, or a marker for an absent path.
 * Any write, replacement, creation, deletion or re-pointed link changes it.
 * Returns undefined when a file changed within RACY_WINDOW_MS, meaning "do not
 * cache this now". Costs one stat per path, far less than reading and parsing.
 */
export function fingerprint(paths: readonly string[], now = Date.now()): string | undefined {
  let signature = '';
  for (const p of paths) {
    // Float milliseconds keep sub-microsecond precision for current dates and
    // avoid the bigint allocation cost on this hot path.
    let s;
    try {
      s = statSync(p, { throwIfNoEntry: false });
    } catch (err) {
      // A path through a file (ENOTDIR) is as absent as a missing one; a
      // link loop or an unreadable directory is left to the uncached path,
      // which knows how to report it.
      if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') return undefined;
    }
    if (!s) {
      signature += '-|';
      continue;
    }
    if (now - s.mtimeMs < RACY_WINDOW_MS || now - s.ctimeMs < RACY_WINDOW_MS) return undefined;
    signature += `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}|`;
  }
  return signature;
}

/**
 * A bounded map of values validated by file fingerprints. `get` returns a
 * value only while its files are unchanged; the oldest entry goes first when
 * the map is full.
 */
export class FingerprintCache<V> {
  private readonly entries = new Map<string, { signature: string; value: V }>();

  constructor(private readonly maxEntries = 10_000) {}

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
