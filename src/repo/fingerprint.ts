/**
 * Files modified this recently are "racy": a second write within the file
 * system's timestamp granularity could leave size and times unchanged, so a
 * cache must not trust them yet (git's racy-clean rule, with a wide margin).
 */
export const RACY_WINDOW_MS = 2_000;

/**
 * A bounded map of values validated by signatures of the objects they were
 * built from (`RepoView.fingerprint`). `get` returns a value only while the
 * signature is unchanged; the oldest entry goes first when the map is full.
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
