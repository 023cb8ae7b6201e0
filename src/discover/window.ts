import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fireTimesBetween } from '../manifest/cron.js';
import { DomainError } from '../errors.js';
import { parseInstant } from '../runs/run-id.js';

/** Bounds of a due window (SPEC 4.1), in one place. */
export const WINDOW_LIMITS = {
  /** Longest window, in days. */
  maxDays: 31,
  /** Most runs one answer may hold. */
  maxRuns: 10_000,
} as const;

export const CATCHUPS = ['all', 'latest'] as const;
export type Catchup = (typeof CATCHUPS)[number];

/** `from < scheduled_for <= to`. */
export interface DueWindow {
  from: Date;
  to: Date;
  catchup: Catchup;
}

const DAY_MS = 86_400_000;

const invalidWindow = (detail: string): DomainError => new DomainError('invalid_window', detail);

export const tooManyRuns = (detail: string): DomainError => new DomainError('window_too_large', detail);

function instant(name: 'from' | 'to', value: string): Date {
  const parsed = parseInstant(value);
  if (!parsed) throw invalidWindow(`'${name}' must be an RFC 3339 instant with Z or an offset, e.g. 2026-12-01T09:00:00Z; got '${value.slice(0, 64)}'.`);
  return parsed;
}

/**
 * The window a discover query asks for, or undefined for a plain discover.
 * `to` defaults to `now`. Throws `invalid_window` for an unparsable instant,
 * `to` before `from`, or `to`/`catchup` without `from`; `window_too_large`
 * for a window longer than WINDOW_LIMITS.maxDays.
 */
export function parseWindow(query: { from?: string; to?: string; catchup?: Catchup }, now: Date): DueWindow | undefined {
  if (query.from === undefined) {
    if (query.to !== undefined || query.catchup !== undefined) {
      throw invalidWindow("'to' and 'catchup' apply to a due window; give 'from' (the previous tick) as well.");
    }
    return undefined;
  }
  const from = instant('from', query.from);
  const to = query.to === undefined ? now : instant('to', query.to);
  if (to.getTime() < from.getTime()) {
    throw invalidWindow(`'to' (${to.toISOString()}) is before 'from' (${from.toISOString()}); a window runs from the previous tick to this one.`);
  }
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days > WINDOW_LIMITS.maxDays) {
    throw tooManyRuns(
      `The window spans ${days.toFixed(1)} days; the limit is ${WINDOW_LIMITS.maxDays}. Ask for consecutive windows of at most ${WINDOW_LIMITS.maxDays} days (each 'from' the previous 'to'), or move 'from' forward.`,
    );
  }
  return { from, to, catchup: query.catchup ?? 'all' };
}

/** Fires asked of the cron module per call, so a dense cron never holds the event loop for long. */
const CHUNK = 256;
const SLICE_MS = 5;

/** Yields to the event loop when the current slice of work has run long enough. */
export class Slicer {
  private start = performance.now();
  async maybeYield(): Promise<void> {
    if (performance.now() - this.start < SLICE_MS) return;
    await yieldToLoop();
    this.start = performance.now();
  }
}

/** The fire times of a cron in the window, at most `limit`, enumerated in chunks with yields. */
export async function firesInWindow(cron: string, timezone: string, window: DueWindow, limit: number, slicer: Slicer): Promise<Date[]> {
  const fires: Date[] = [];
  let cursor = window.from;
  while (fires.length < limit) {
    const want = Math.min(CHUNK, limit - fires.length);
    const chunk = fireTimesBetween(cron, timezone, cursor, window.to, want);
    fires.push(...chunk);
    await slicer.maybeYield();
    if (chunk.length < want) break;
    cursor = chunk[chunk.length - 1]!;
  }
  return fires;
}

/**
 * The latest fire time in the window (catchup=latest), or undefined. A binary
 * search on "is there a fire after x, up to `to`?" (one step of the cron
 * each), so even a cron firing every minute of a month costs a few dozen
 * steps, and the answer follows the same rules as the forward enumeration.
 */
export async function latestInWindow(cron: string, timezone: string, window: DueWindow, slicer: Slicer): Promise<Date | undefined> {
  const firstAfter = (t: number): Date | undefined => fireTimesBetween(cron, timezone, new Date(t), window.to, 1)[0];
  let lo = window.from.getTime();
  if (!firstAfter(lo)) return undefined;
  // Invariant: a fire lies in (lo, to] and none in (hi, to]. Fires are at
  // least a minute apart, so within a second of the latest the first fire
  // after lo is the latest.
  let hi = window.to.getTime();
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    if (firstAfter(mid)) lo = mid;
    else hi = mid;
  }
  await slicer.maybeYield();
  return firstAfter(lo);
}
