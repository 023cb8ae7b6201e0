import { boundedCache } from '../cache/bounded.js';
import { zoneOffsetMs } from './timezone.js';
import type { Cadence } from './types.js';

export const DEFAULT_CADENCE_CRONS: Readonly<Record<Cadence, string>> = {
  daily: '0 9 * * *',
  weekly: '0 9 * * 1',
  monthly: '0 9 1 * *',
};

const FIELDS = [
  { name: 'minute', low: 0, high: 59 },
  { name: 'hour', low: 0, high: 23 },
  { name: 'day-of-month', low: 1, high: 31 },
  { name: 'month', low: 1, high: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], first: 1 },
  { name: 'day-of-week', low: 0, high: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], first: 0 },
] as const;
const WEEKDAY_NAMES = FIELDS[4].names;
// Only the portable subset every scheduler understands: numbers, names, *, lists,
// ranges and steps. Extensions some schedulers add (L, W, #, ?, +, @reboot)
// would not necessarily be understood by the orchestrator that fires the run.
const PORTABLE_FIELD = /^[0-9A-Za-z*,/-]+$/;
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

/**
 * A cron expression read as Vixie/ISC cron (Debian's `cron`) reads it. Each
 * set is indexed by the field's own numbers (day-of-month 1-31, month 1-12,
 * day-of-week 0-6 with 7 folded into 0).
 */
interface CronSpec {
  minutes: readonly number[];
  hours: readonly number[];
  dayOfMonth: readonly boolean[];
  month: readonly boolean[];
  dayOfWeek: readonly boolean[];
  /**
   * Cron's DOM_STAR/DOW_STAR: a day field "is a star" when its text starts
   * with `*` (so `*` and `*\/2` both are). When either is, a day must match
   * both fields; when neither is, matching either suffices.
   */
  bothDays: boolean;
  /** Per day of month 1-31: the first day of month from there on that `dayOfMonth` holds (32: none). */
  nextDate: readonly number[];
  /**
   * Cron's MIN_STAR|HR_STAR, again by first character: such a job runs each
   * real minute it matches across DST (none in a skipped hour, both copies of
   * a repeated one); any other job is fixed-time (runs right after a skipped
   * hour, once in a repeated one).
   */
  wildcard: boolean;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: CronProblem };

/** One field: comma-separated `*`, `n`, `n-m`, each optionally `/step`. */
function parseField(index: number, text: string): Parsed<boolean[]> {
  const field = FIELDS[index]!;
  const names: readonly string[] | undefined = 'names' in field ? field.names : undefined;
  const set = new Array<boolean>(field.high + 1).fill(false);
  const fail = (message: string, hint?: string): Parsed<boolean[]> => ({ ok: false, problem: { message: `${field.name} field '${text}': ${message}`, ...(hint ? { hint } : {}) } });
  const number = (raw: string): number | string => {
    const named = names?.indexOf(raw.toLowerCase()) ?? -1;
    const value = named >= 0 ? named + ('first' in field ? field.first : 0) : /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
    if (Number.isNaN(value)) return `'${raw}' is not a number${names ? ' or name' : ''}`;
    if (value < field.low || value > field.high) {
      return `${raw} is out of range (${field.name} is ${field.low}-${field.high}${index === 4 ? ', 0 and 7 both Sunday' : ''})`;
    }
    return value;
  };
  for (const item of text.split(',')) {
    const m = /^(?:(\*)|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:\/([0-9]+))?$/.exec(item);
    if (!m) return fail(item === '' ? 'an empty list item' : `'${item}' is not a value, a range or a step`);
    let low: number = field.low;
    let high: number = field.high;
    if (!m[1]) {
      const a = number(m[2]!);
      if (typeof a === 'string') return fail(a);
      // Vixie cron steps only `*` and ranges; other crons read `n/step` as
      // `n-max/step`, so a crontab written that way differs between hosts.
      if (m[3] === undefined && m[4] !== undefined) {
        return fail(`'${item}' steps a single value, which cron refuses`, `write ${m[2]}-${field.high}/${m[4]} to step from ${m[2]}`);
      }
      const b = m[3] !== undefined ? number(m[3]) : a;
      if (typeof b === 'string') return fail(b);
      if (a > b) {
        if (index === 4 && b === 0) {
          // Sunday is 0 in cron, so mon-sun runs backwards: cron fires it never.
          const days = [...WEEKDAY_NAMES.slice(a), 'sun'].join(',');
          return fail(`the range '${m[2]}-${m[3]}' is empty: Sunday is 0, before ${m[2]}`, `write ${a}-7, or list the days: ${days}`);
        }
        return fail(`the range '${m[2]}-${m[3]}' runs backwards; cron ranges do not wrap around`, `split it, e.g. ${m[2]}-${field.high},${field.low}-${m[3]}`);
      }
      low = a;
      high = b;
    }
    const step = m[4] === undefined ? 1 : Number(m[4]);
    if (step === 0) return fail('a step of 0 never advances');
    for (let v = low; v <= high; v += step) set[v] = true;
  }
  if (index === 4 && set[7]) set[0] = true;
  return { ok: true, value: index === 4 ? set.slice(0, 7) : set };
}

function parseSpec(fields: readonly string[]): Parsed<CronSpec> {
  const sets: boolean[][] = [];
  for (const [i, text] of fields.entries()) {
    const parsed = parseField(i, text);
    if (!parsed.ok) return parsed;
    sets.push(parsed.value);
  }
  const indices = (set: readonly boolean[]): number[] => set.flatMap((on, i) => (on ? [i] : []));
  const star = (i: number): boolean => fields[i]!.startsWith('*');
  return {
    ok: true,
    value: {
      minutes: indices(sets[0]!),
      hours: indices(sets[1]!),
      dayOfMonth: sets[2]!,
      month: sets[3]!,
      dayOfWeek: sets[4]!,
      bothDays: star(2) || star(4),
      nextDate: Array.from({ length: 33 }, (_, d) => {
        let next = Math.max(d, 1);
        while (next <= 31 && !sets[2]![next]) next++;
        return next;
      }),
      wildcard: star(0) || star(1),
    },
  };
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Why `expr` is not a valid portable 5-field cron expression, or undefined. */
export function checkCron(expr: string): CronProblem | undefined {
  const trimmed = expr.trim();
  const nickname = NICKNAMES[trimmed.toLowerCase()];
  if (nickname) {
    return { message: `nicknames such as '${trimmed}' are not supported`, hint: `write '${nickname}' instead` };
  }
  // Cron splits fields on blanks only; any other white space (a no-break
  // space, a line break) would reach the orchestrator's crontab inside `cron`.
  const foreign = /[^\S \t]/.exec(trimmed)?.[0];
  if (foreign !== undefined) {
    const codePoint = `U+${foreign.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return { message: `fields are separated by ${codePoint}, which cron does not read as a separator`, hint: 'separate the five fields with spaces or tabs' };
  }
  const fields = trimmed.split(/[ \t]+/).filter(Boolean);
  if (fields.length !== 5) {
    return {
      message: `expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`,
      ...(fields.length === 6 ? { hint: 'seconds are not supported; drop the first field' } : {}),
    };
  }
  for (const [i, field] of fields.entries()) {
    const { name } = FIELDS[i]!;
    if (!PORTABLE_FIELD.test(field)) {
      return { message: `${name} field '${field}' uses characters outside the portable cron syntax (digits, names, * , - /)` };
    }
    // Letters are only portable as month and weekday names (not L, W, LW, 5L…).
    const names: readonly string[] = 'names' in FIELDS[i]! ? FIELDS[i].names : [];
    const word = field.match(/[A-Za-z]+/g)?.find((w) => !names.includes(w.toLowerCase()));
    if (word !== undefined) {
      return {
        message: `${name} field '${field}' uses '${word}', which is not portable cron syntax`,
        hint: 'only month (JAN-DEC) and day-of-week (SUN-SAT) names are allowed; L, W, # and ? are scheduler-specific extensions',
      };
    }
  }
  const parsed = parseSpec(fields);
  if (!parsed.ok) return parsed.problem;
  // A valid pattern can still name a date that never comes (0 9 31 2 *). With
  // either day field restricted alone, every weekday eventually falls on every
  // date, so only the dates matter.
  const spec = parsed.value;
  const someDate = DAYS_IN_MONTH.some((days, month) => spec.month[month] && spec.dayOfMonth.slice(1, days + 1).some(Boolean));
  const someWeekday = !spec.bothDays && spec.month.some(Boolean);
  if (!someDate && !someWeekday) {
    return { message: 'it never fires: no date matches its day-of-month and month', hint: 'check the day-of-month against the month (e.g. 31 in a 30-day month)' };
  }
  return undefined;
}

// Parsing a cron and stepping it through a time zone cost microseconds;
// discover does it for every entry of every repo. Both are memoised in
// bounded LRU maps (distinct crons and zones are few). `false`: not a valid cron.
const specs = boundedCache<string, CronSpec | false>('cronMemos');
/** Per cron and zone: the last answer and the instant it was computed from. */
const lastNext = boundedCache<string, { from: number; next: number }>('cronMemos');
/** Per cron and zone: the last window asked for and its fires (only short answers are kept). */
const lastWindow = boundedCache<string, { from: number; to: number; limit: number; fires: number[] }>('cronMemos');
const MAX_MEMO_FIRES = 64;

function specFor(expr: string): CronSpec | null {
  let spec = specs.get(expr);
  if (spec === undefined) {
    const fields = expr.split(/\s+/).filter(Boolean);
    const parsed = fields.length === 5 && !checkCron(expr) ? parseSpec(fields) : undefined;
    spec = parsed?.ok ? parsed.value : false;
    specs.set(expr, spec);
  }
  return spec || null;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
// The rarest valid cron (29 February on one weekday) fires every 28 to 40
// years; past this many days a cron is taken to have no run left.
const HORIZON_DAYS = 100 * 366;
// ISO 8601 writes four-digit years: no run is reported past local 9999-12-31.
const LAST_DAY = Date.UTC(9999, 11, 31) / DAY;
// Vixie cron's limits on a clock change: a jump forward of more than three
// hours (or back by more) is a clock reset, not DST, and gets no catch-up;
// under five minutes every job catches up.
const RESET_MS = 3 * HOUR;
const SMALL_JUMP_MS = 5 * MINUTE;

const isLeap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** Year, month (1-12) and day of month (1-31) of a day number (days since 1970-01-01). */
function civil(day: number): [number, number, number] {
  // Howard Hinnant's days-to-civil algorithm: exact for every Gregorian date.
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const date = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, date];
}

function firesOnDay(spec: CronSpec, month: number, date: number, weekday: number): boolean {
  if (!spec.month[month]) return false;
  const dom = spec.dayOfMonth[date]!;
  const dow = spec.dayOfWeek[weekday]!;
  return spec.bothDays ? dom && dow : dom || dow;
}

/** A local day's UTC offsets: before and after its clock change (equal, at NaN, when there is none). */
interface DayOffsets {
  before: number;
  after: number;
  /** The first instant on the new offset. */
  at: number;
}
const dayOffsets = boundedCache<string, DayOffsets>('cronMemos');

function offsetsOf(zone: string, day: number): DayOffsets {
  const key = `${zone}\u0000${day}`;
  let found = dayOffsets.get(key);
  if (found) return found;
  // Instants before the day's local midnight and after its end in every zone
  // (offsets lie within -12:00 and +14:00); a zone changes clocks at most once in between.
  let low = day * DAY - 15 * HOUR;
  let high = (day + 1) * DAY + 13 * HOUR;
  const before = zoneOffsetMs(low, zone);
  const after = zoneOffsetMs(high, zone);
  if (before !== after) {
    // Changes happen on whole seconds: bisect to the first second on the new offset.
    while (high - low > 1000) {
      const mid = low + Math.floor((high - low) / 2000) * 1000;
      if (zoneOffsetMs(mid, zone) === before) low = mid;
      else high = mid;
    }
  }
  found = { before, after, at: before === after ? NaN : high };
  // A change outside the day's own wall times leaves the day on one offset.
  if (high + Math.max(before, after) <= day * DAY) found = { before: after, after, at: NaN };
  else if (high + Math.min(before, after) >= (day + 1) * DAY) found = { before, after: before, at: NaN };
  dayOffsets.set(key, found);
  return found;
}

/** The instants at which cron runs a job for local wall time `wall` (ms since the epoch, read as UTC). */
function runsAt(wall: number, offsets: DayOffsets, wildcard: boolean, out: number[]): void {
  const { before, after, at } = offsets;
  if (Number.isNaN(at)) {
    out.push(wall - before);
    return;
  }
  const first = wall - before;
  const second = wall - after;
  const firstExists = first < at;
  const secondExists = second >= at;
  if (firstExists && secondExists) {
    // A repeated wall time: a fixed-time job ran in the first copy already.
    out.push(first);
    if (wildcard || before - after > RESET_MS) out.push(second);
  } else if (firstExists) {
    out.push(first);
  } else if (secondExists) {
    out.push(second);
  } else {
    // A skipped wall time: cron runs fixed-time jobs due in the gap right after it.
    const gap = after - before;
    if (gap <= RESET_MS && (!wildcard || gap < SMALL_JUMP_MS)) out.push(Math.ceil(at / MINUTE) * MINUTE);
  }
}

/**
 * The next `count` fire times strictly after `from`, in `timezone`, as
 * Vixie/ISC cron runs them (see CronSpec for the day and DST rules).
 */
/** Pushes onto `out` the runs of a day the cron fires on that fall after `from`, stopping once `count` are certain. */
function runsOfDay(spec: CronSpec, timezone: string, day: number, from: number, count: number, out: number[]): void {
  const offsets = offsetsOf(timezone, day);
  const { before, after, at } = offsets;
  // Wall times past the clock change (or all, without one) run in order.
  const orderedFrom = Number.isNaN(at) ? -Infinity : at + Math.max(before, after);
  const smallest = Math.min(before, after);
  const today: number[] = [];
  let taken = 0;
  for (const hour of spec.hours) {
    const wallHour = day * DAY + hour * HOUR;
    // An hour whose every run lies before `from` is skipped whole.
    if (wallHour + HOUR - smallest + MINUTE <= from) continue;
    for (const minute of spec.minutes) {
      const wall = wallHour + minute * MINUTE;
      const had = today.length;
      runsAt(wall, offsets, spec.wildcard, today);
      // (Skipped wall times all run at the same instant: count that once.)
      for (let k = had; k < today.length; k++) if (today[k]! > from && today[k] !== today[k - 1]) taken++;
      // Once runs come in order, every later one is later still: `count` suffice.
      if (taken >= count && wall >= orderedFrom) {
        for (const t of today) if (t > from) out.push(t);
        return;
      }
    }
  }
  for (const t of today) if (t > from) out.push(t);
}

/**
 * The next `count` fire times strictly after `from`, in `timezone`, as
 * Vixie/ISC cron runs them (see CronSpec for the day and DST rules). Walks
 * the calendar a month at a time, skipping months (and, when both day fields
 * must match, dates) the cron cannot fire on.
 */
function computeRuns(spec: CronSpec, timezone: string, from: number, count: number, end = Infinity): number[] {
  const found: number[] = [];
  const answer = (): number[] => [...new Set(found)].filter((t) => t <= end).sort((a, b) => a - b).slice(0, count);
  // From the day before: a repeated hour can put the previous local day's runs after `from`.
  const first = Math.floor((from + zoneOffsetMs(from, timezone)) / DAY) - 1;
  let [year, month, date] = civil(first);
  let monthStart = first - (date - 1);
  let weekdayOfFirst = (((monthStart + 4) % 7) + 7) % 7;
  // One more fire day once enough are found: a change at midnight can interleave two days' runs.
  let extraDays = 1;
  // (A month whose first local midnight comes after `end` in every zone holds no run up to `end`.)
  while (monthStart < first + HORIZON_DAYS && monthStart <= LAST_DAY && monthStart * DAY - 15 * HOUR <= end) {
    const length = month === 2 && !isLeap(year) ? 28 : DAYS_IN_MONTH[month]!;
    if (spec.month[month]) {
      for (; date <= length; date++) {
        // Both day fields must match: go straight to the next date that can.
        if (spec.bothDays && !spec.dayOfMonth[date]) date = spec.nextDate[date]!;
        if (date > length) break;
        if (!firesOnDay(spec, month, date, (weekdayOfFirst + date - 1) % 7)) continue;
        runsOfDay(spec, timezone, monthStart + date - 1, from, count, found);
        if (found.length >= count && extraDays-- === 0) return answer();
      }
    }
    monthStart += length;
    weekdayOfFirst = (weekdayOfFirst + length) % 7;
    date = 1;
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  return answer();
}

/** The next `count` fire times strictly after `from`, in `timezone`. */
export function nextRuns(expr: string, timezone: string, from: Date, count: number): Date[] {
  const trimmed = expr.trim();
  const spec = specFor(trimmed);
  if (!spec) return [];
  const t = from.getTime();
  if (count !== 1) return computeRuns(spec, timezone, t, count).map((run) => new Date(run));
  // No run lies between the remembered instant and its next run, so the same
  // answer holds for every `from` in that interval.
  const key = `${trimmed}\u0000${timezone}`;
  const memo = lastNext.get(key);
  if (memo && memo.from <= t && t < memo.next) return [new Date(memo.next)];
  const [next] = computeRuns(spec, timezone, t, 1);
  if (next === undefined) return [];
  lastNext.set(key, { from: t, next });
  return [new Date(next)];
}

/**
 * The fire times t with `from < t <= to`, in order, at most `limit` of them
 * (pass a cap + 1 to learn that there are more without enumerating the rest).
 * The same engine as nextRuns, so windows and next runs follow one set of
 * cron and DST rules.
 */
export function fireTimesBetween(expr: string, timezone: string, from: Date, to: Date, limit: number): Date[] {
  const trimmed = expr.trim();
  // A discover asks the same window of every entry with this cron and zone.
  const key = `${trimmed}\u0000${timezone}`;
  const memo = lastWindow.get(key);
  if (memo && memo.from === from.getTime() && memo.to === to.getTime() && (memo.fires.length < memo.limit || limit <= memo.limit)) {
    return memo.fires.slice(0, limit).map((t) => new Date(t));
  }
  const spec = specFor(trimmed);
  if (!spec || limit <= 0) return [];
  const fires = computeRuns(spec, timezone, from.getTime(), limit, to.getTime());
  if (fires.length <= MAX_MEMO_FIRES) {
    lastWindow.set(key, { from: from.getTime(), to: to.getTime(), limit, fires });
  }
  return fires.map((t) => new Date(t));
}

const EXPECTED_DAYS_PER_YEAR: Record<Cadence, number> = { daily: 365, weekly: 52, monthly: 12 };
// A fixed, ordinary year keeps the classification deterministic.
const SAMPLE_FIRST_DAY = Date.UTC(2025, 0, 1) / DAY;

interface Frequency {
  daysPerYear: number;
  severalPerDay: boolean;
}
const frequencyCache = boundedCache<string, Frequency>('cronFrequencies');
/** [month 1-12, day of month 1-31, weekday 0-6 (Sunday 0)] of every day of the sample year. */
const SAMPLE_DAYS = Array.from({ length: 365 }, (_, i) => {
  const [, month, date] = civil(SAMPLE_FIRST_DAY + i);
  return [month, date, (SAMPLE_FIRST_DAY + i + 4) % 7] as const;
});

/**
 * How often a valid cron fires, read off the parsed fields rather than by
 * stepping a schedule through the sample year: stepping cost up to 0.4 s of
 * CPU per distinct expression, so a 64 KiB manifest of distinct crons held the
 * event loop for over a minute. Days match as cron matches them (CronSpec).
 * UTC has no DST, so every day has the same firing times.
 */
function frequency(expr: string): Frequency {
  const cached = frequencyCache.get(expr);
  if (cached) return cached;
  const spec = specFor(expr);
  if (!spec) return { daysPerYear: 0, severalPerDay: false };
  let daysPerYear = 0;
  for (const [month, date, weekday] of SAMPLE_DAYS) if (firesOnDay(spec, month, date, weekday)) daysPerYear++;
  const severalPerDay = daysPerYear > 0 && spec.minutes.length * spec.hours.length > 1;
  const result = { daysPerYear, severalPerDay };
  frequencyCache.set(expr, result);
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
