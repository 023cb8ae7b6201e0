import { Cron, CronPattern } from 'croner';
import type { Cadence } from './types.js';

export const DEFAULT_CADENCE_CRONS: Readonly<Record<Cadence, string>> = {
  daily: '0 9 * * *',
  weekly: '0 9 * * 1',
  monthly: '0 9 1 * *',
};

const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
// Only the portable subset every scheduler understands: numbers, names, *, lists,
// ranges and steps. Croner's extensions (L, W, #, ?, +) would be accepted here
// but not necessarily by the orchestrator that fires the run.
const PORTABLE_FIELD = /^[0-9A-Za-z*,/-]+$/;
// Letters are only portable as month and weekday names; anything else (L, W,
// LW, 5L…) is a croner extension the character check above lets through.
const FIELD_WORDS: Partial<Record<number, ReadonlySet<string>>> = {
  3: new Set(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']),
  4: new Set(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']),
};
const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface CronProblem {
  message: string;
  hint?: string;
}

function compile(expr: string, timezone?: string): Cron {
  return new Cron(expr, {
    mode: '5-part',
    paused: true,
    // Vixie cron semantics across DST: a fixed time in a skipped hour runs
    // after the gap, a repeated one runs once.
    fixedTimeRule: 'no-wildcard',
    ...(timezone ? { timezone } : {}),
  });
}

/** Why `expr` is not a valid portable 5-field cron expression, or undefined. */
export function checkCron(expr: string): CronProblem | undefined {
  const trimmed = expr.trim();
  const nickname = NICKNAMES[trimmed.toLowerCase()];
  if (nickname) {
    return { message: `nicknames such as '${trimmed}' are not supported`, hint: `write '${nickname}' instead` };
  }
  const fields = trimmed.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    return {
      message: `expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`,
      ...(fields.length === 6 ? { hint: 'seconds are not supported; drop the first field' } : {}),
    };
  }
  for (const [i, field] of fields.entries()) {
    if (!PORTABLE_FIELD.test(field)) {
      return { message: `${FIELD_NAMES[i]} field '${field}' uses characters outside the portable cron syntax (digits, names, * , - /)` };
    }
    const word = field.match(/[A-Za-z]+/g)?.find((w) => !FIELD_WORDS[i]?.has(w.toLowerCase()));
    if (word !== undefined) {
      return {
        message: `${FIELD_NAMES[i]} field '${field}' uses '${word}', which is not portable cron syntax`,
        hint: 'only month (JAN-DEC) and day-of-week (SUN-SAT) names are allowed; L, W, # and ? are scheduler-specific extensions',
      };
    }
  }
  let cron: Cron;
  try {
    cron = compile(trimmed);
  } catch (err) {
    return { message: String((err as Error).message).replace(/^CronPattern:\s*/, '') };
  }
  // A valid pattern can still name a date that never comes (0 9 31 2 *).
  if (!cron.nextRun(NEVER_FIRES_PROBE)) {
    return { message: 'it never fires: no date matches its day-of-month and month', hint: 'check the day-of-month against the month (e.g. 31 in a 30-day month)' };
  }
  return undefined;
}

const NEVER_FIRES_PROBE = new Date(Date.UTC(2025, 0, 1));

// Compiling a cron and stepping it through a time zone costs tens to hundreds
// of microseconds; discover does it for every entry of every repo. Both are
// memoised, bounded by clearing when full (distinct crons are few).
const MAX_MEMO = 2_000;
const compiled = new Map<string, Cron>();
/** Per cron and zone: the last answer and the instant it was computed from. */
const lastNext = new Map<string, { from: number; next: Date }>();
/** Per cron and zone: the last window asked for and its fires (only short answers are kept). */
const lastWindow = new Map<string, { from: number; to: number; limit: number; fires: number[] }>();
const MAX_MEMO_FIRES = 64;

function compiledFor(expr: string, timezone: string): Cron {
  const key = `${expr}\u0000${timezone}`;
  let cron = compiled.get(key);
  if (!cron) {
    if (compiled.size >= MAX_MEMO) compiled.clear();
    cron = compile(expr, timezone);
    compiled.set(key, cron);
  }
  return cron;
}

/** The next `count` fire times strictly after `from`, in `timezone`. */
export function nextRuns(expr: string, timezone: string, from: Date, count: number): Date[] {
  const trimmed = expr.trim();
  if (count !== 1) return compiledFor(trimmed, timezone).nextRuns(count, from);
  // No run lies between the remembered instant and its next run, so the same
  // answer holds for every `from` in that interval.
  const key = `${trimmed}\u0000${timezone}`;
  const t = from.getTime();
  const memo = lastNext.get(key);
  if (memo && memo.from <= t && t < memo.next.getTime()) return [new Date(memo.next)];
  const next = compiledFor(trimmed, timezone).nextRun(from);
  if (!next) return [];
  if (lastNext.size >= MAX_MEMO) lastNext.clear();
  lastNext.set(key, { from: t, next });
  return [new Date(next)];
}

/**
 * The fire times t with `from < t <= to`, in order, at most `limit` of them
 * (pass a cap + 1 to learn that there are more without enumerating the rest).
 * Steps the same compiled cron as nextRuns, so windows and next runs follow
 * one set of DST rules.
 */
export function fireTimesBetween(expr: string, timezone: string, from: Date, to: Date, limit: number): Date[] {
  const trimmed = expr.trim();
  // A discover asks the same window of every entry with this cron and zone.
  const key = `${trimmed}\u0000${timezone}`;
  const memo = lastWindow.get(key);
  if (memo && memo.from === from.getTime() && memo.to === to.getTime() && (memo.fires.length < memo.limit || limit <= memo.limit)) {
    return memo.fires.slice(0, limit).map((t) => new Date(t));
  }
  const cron = compiledFor(trimmed, timezone);
  const end = to.getTime();
  const fires: Date[] = [];
  let cursor: Date | null = from;
  while (fires.length < limit) {
    cursor = cron.nextRun(cursor);
    if (!cursor || cursor.getTime() > end) break;
    fires.push(cursor);
  }
  if (fires.length <= MAX_MEMO_FIRES) {
    if (lastWindow.size >= MAX_MEMO) lastWindow.clear();
    lastWindow.set(key, { from: from.getTime(), to: end, limit, fires: fires.map((d) => d.getTime()) });
  }
  return fires;
}

const EXPECTED_DAYS_PER_YEAR: Record<Cadence, number> = { daily: 365, weekly: 52, monthly: 12 };
const DAY_MS = 86_400_000;
// A fixed, ordinary year keeps the classification deterministic.
const SAMPLE_START = Date.UTC(2025, 0, 1);
const SAMPLE_END = SAMPLE_START + 365 * DAY_MS;

interface Frequency {
  daysPerYear: number;
  severalPerDay: boolean;
}
const frequencyCache = new Map<string, Frequency>();
/** [month 0-11, day of month 0-30, weekday 0-6 (Sunday 0)] of every day of the sample year. */
const SAMPLE_DAYS: readonly (readonly [number, number, number])[] = Array.from({ length: (SAMPLE_END - SAMPLE_START) / DAY_MS }, (_, i) => {
  const day = new Date(SAMPLE_START + i * DAY_MS);
  return [day.getUTCMonth(), day.getUTCDate() - 1, day.getUTCDay()] as const;
});

/**
 * How often a valid cron fires, read off croner's parsed pattern rather than
 * by stepping a schedule through the sample year: stepping cost up to 0.4 s
 * of CPU per distinct expression, so a 64 KiB manifest of distinct crons held
 * the event loop for over a minute. Days match as croner matches them: with
 * both day fields restricted either one suffices (Vixie cron), otherwise both
 * must. UTC has no DST, so every day has the same firing times.
 */
function frequency(expr: string): Frequency {
  const cached = frequencyCache.get(expr);
  if (cached) return cached;
  const pattern = new CronPattern(expr, undefined, { mode: '5-part' });
  const count = (field: readonly number[]): number => field.reduce((n, v) => n + (v ? 1 : 0), 0);
  let daysPerYear = 0;
  for (const [month, date, weekday] of SAMPLE_DAYS) {
    if (!pattern.month[month]) continue;
    const dayOfMonth = !!pattern.day[date];
    const dayOfWeek = !!pattern.dayOfWeek[weekday];
    const fires = pattern.starDOW ? dayOfMonth : pattern.starDOM || pattern.useAndLogic ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek;
    if (fires) daysPerYear++;
  }
  const severalPerDay = daysPerYear > 0 && count(pattern.minute) * count(pattern.hour) > 1;
  const result = { daysPerYear, severalPerDay };
  if (frequencyCache.size < 1000) frequencyCache.set(expr, result);
  return result;
}

/**
 * Why a (valid) cron does not fit its cadence, or undefined. A cron fits when
 * it fires at most once a day, on roughly as many days a year as the cadence
 * implies (between half and one and a half times as many).
 */
export function cadenceMismatch(expr: string, cadence: Cadence): string | undefined {
  const { daysPerYear, severalPerDay } = frequency(expr.trim());
  if (severalPerDay) return `fires several times a day, more often than a ${cadence} cadence`;
  const expected = EXPECTED_DAYS_PER_YEAR[cadence];
  const ratio = daysPerYear / expected;
  if (ratio > 1.5) return `fires on ${daysPerYear} days a year, more often than a ${cadence} cadence (about ${expected})`;
  if (daysPerYear === 0) return `fires only in leap years, far less often than a ${cadence} cadence`;
  if (ratio < 0.5) return `fires on ${daysPerYear} days a year, less often than a ${cadence} cadence (about ${expected})`;
  return undefined;
}
