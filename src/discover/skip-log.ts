import { boundedCache } from '../cache/bounded.js';
import type { SkippedRepo } from './types.js';

/** The part of a pino logger skip logging uses. */
export interface DiscoverLogger {
  warn(fields: Record<string, unknown>, event: string): void;
}

/** Most per-repo skip lines one discover call writes; the rest wait for later calls, counted in one summary line. */
export const MAX_SKIP_LINES_PER_CALL = 100;


/**
 * Logs each repo's skip once per change: a repo skipped for the same reason
 * and detail as last time it was logged writes nothing, so a fleet with a
 * broken repo polled every few seconds does not grow the log with each call.
 * At most MAX_SKIP_LINES_PER_CALL lines a call; skips left over are summed up
 * in one line and logged by the following calls (still once each).
 */
export class SkipLog {
  /** Per source and repo, the last skip logged; the least recently logged is forgotten first. */
  private readonly logged = boundedCache<string, string>('skipLog');

  constructor(private readonly maxLinesPerCall = MAX_SKIP_LINES_PER_CALL) {}

  /** Logs what changed among `skips`; `usable` are the repos of this call that were not skipped (a later skip of one is news again). */
  report(skips: readonly SkippedRepo[], usable: readonly string[], source: string, log: DiscoverLogger): void {
    for (const repo of usable) this.logged.delete(`${source}\u0000${repo}`);
    let written = 0;
    const pending = new Map<string, number>();
    for (const skip of skips) {
      const key = `${source}\u0000${skip.repo}`;
      const state = `${skip.reason}\u0000${skip.detail}`;
      if (this.logged.get(key) === state) continue;
      if (written >= this.maxLinesPerCall) {
        pending.set(skip.reason, (pending.get(skip.reason) ?? 0) + 1);
        continue;
      }
      written++;
      this.logged.set(key, state);
      log.warn(
        {
          repo: skip.repo,
          detail: skip.detail,
          source,
          ...(skip.errors ? { errors: skip.errors.map((e) => ({ code: e.code, path: e.path, line: e.line, message: e.message })) } : {}),
        },
        skip.reason,
      );
    }
    if (pending.size > 0) {
      log.warn({ source, not_logged: Object.fromEntries(pending), limit: this.maxLinesPerCall }, 'repos_skipped_not_logged');
    }
  }
}
