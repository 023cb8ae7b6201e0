import { LRUCache } from 'lru-cache';

/**
 * Every long-lived cache of the service and its bound, in entries. Each is a
 * least-recently-used map (lru-cache): a hostile client or a huge fleet can
 * make one forget, never grow. The README's limits table lists these.
 */
export const CACHE_LIMITS = {
  /** Validated manifests, one per repo root (RepoManifests). */
  manifests: 10_000,
  /** Rendered bundles, per repo, agent, format and pointers flag (PreparedBundles). */
  bundles: 5_000,
  /** Repos whose last logged skip is remembered (SkipLog). */
  skipLog: 20_000,
  /** Zone names checked against ICU, valid or not (isValidTimeZone). */
  timeZoneChecks: 1_000,
  /** Intl formatters, one per valid zone (a few hundred exist). */
  timeZoneFormatters: 1_000,
  /** Parsed crons, the last next-run and window per cron and zone, and zone offsets per day. */
  cronMemos: 2_000,
  /** How often a cron fires, per expression (cadence checks). */
  cronFrequencies: 1_000,
  /** Console sessions signed out before they expire (a copy of the cookie opens nothing). */
  signedOutSessions: 10_000,
} as const;

export type CacheName = keyof typeof CACHE_LIMITS;

/** A bounded LRU map sized from CACHE_LIMITS. */
export function boundedCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(name: CacheName): LRUCache<K, V> {
  return new LRUCache<K, V>({ max: CACHE_LIMITS[name] });
}
