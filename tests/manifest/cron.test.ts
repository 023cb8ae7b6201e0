import { describe, expect, it } from 'vitest';
import { cadenceMismatch, checkCron, fireTimesBetween, nextRuns } from '../../src/manifest/cron.js';
import { formatInZone } from '../../src/manifest/timezone.js';

// The README promises Vixie/ISC cron (Debian's `cron`) semantics. These tests
// hold the service to an independent model of it, written here: a
// minute-by-minute walk over real time that reads the zone's wall clock each
// minute and does what cron's main loop does with it.

const iso = (expr: string, zone: string, from: string, count: number): string[] =>
  nextRuns(expr, zone, new Date(from), count).map((d) => formatInZone(d, zone));

describe('day-of-month and day-of-week, as cron combines them', () => {
  it('a day field starting with * makes both fields required: */2 * 1 fires on odd-numbered Mondays', () => {
    expect(iso('0 0 */2 * 1', 'UTC', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-05T00:00:00+00:00', '2026-01-19T00:00:00+00:00', '2026-02-09T00:00:00+00:00']);
  });

  it('1 * */2: the first of the month, only on Sunday, Tuesday, Thursday or Saturday', () => {
    // 2026: Jan 1 Thu, Feb 1 Sun, Mar 1 Sun, Apr 1 Wed (no), May 1 Fri (no), Jun 1 Mon (no), Jul 1 Wed (no), Aug 1 Sat.
    expect(iso('0 0 1 * */2', 'UTC', '2025-12-31T00:00:00Z', 4)).toEqual([
      '2026-01-01T00:00:00+00:00',
      '2026-02-01T00:00:00+00:00',
      '2026-03-01T00:00:00+00:00',
      '2026-08-01T00:00:00+00:00',
    ]);
  });

  it('with neither field starting with *, either one suffices', () => {
    expect(iso('0 0 1 * 1', 'UTC', '2026-05-30T00:00:00Z', 3)).toEqual(['2026-06-01T00:00:00+00:00', '2026-06-08T00:00:00+00:00', '2026-06-15T00:00:00+00:00']);
  });

  it('the cadence check reads the days the same way', () => {
    // Odd-numbered Mondays: 26 days a year (2025), not the 150-odd of "odd days or Mondays".
    expect(cadenceMismatch('0 0 */2 * 1', 'monthly')).toMatch(/fires on 27 days a year/);
    expect(cadenceMismatch('0 0 */2 * 1', 'weekly')).toBeUndefined();
  });
});

describe('fixed-time and wildcard jobs across DST, by first character', () => {
  it('a stepped hour not starting with * is fixed-time: the 02:30 run comes right after the spring gap', () => {
    expect(iso('30 0-4/2 * * *', 'Europe/Berlin', '2026-03-28T23:00:00Z', 3)).toEqual([
      '2026-03-29T00:30:00+01:00',
      '2026-03-29T03:00:00+02:00',
      '2026-03-29T04:30:00+02:00',
    ]);
  });

  it('a ranged hour not starting with * runs once in the repeated autumn hour', () => {
    const runs = iso('30 0-23/1 * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z', 5);
    expect(runs).toEqual(['2026-10-25T01:30:00+02:00', '2026-10-25T02:30:00+02:00', '2026-10-25T03:30:00+01:00', '2026-10-25T04:30:00+01:00', '2026-10-25T05:30:00+01:00']);
  });

  it('an hour field starting with * runs in each real hour: both copies of the repeated one, none in the gap', () => {
    expect(iso('30 */1 * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z', 4)).toEqual([
      '2026-10-25T01:30:00+02:00',
      '2026-10-25T02:30:00+02:00',
      '2026-10-25T02:30:00+01:00',
      '2026-10-25T03:30:00+01:00',
    ]);
    expect(iso('30 */1 * * *', 'Europe/Berlin', '2026-03-28T23:00:00Z', 3)).toEqual(['2026-03-29T00:30:00+01:00', '2026-03-29T01:30:00+01:00', '2026-03-29T03:30:00+02:00']);
  });

  it('America/New_York: 0 1-23/2 runs at 01:00 once on the autumn change', () => {
    expect(iso('0 1-23/2 * * *', 'America/New_York', '2026-11-01T04:00:00Z', 2)).toEqual(['2026-11-01T01:00:00-04:00', '2026-11-01T03:00:00-05:00']);
  });
});

describe('the search horizon', () => {
  it('reports no run past local 9999-12-31 (ISO 8601 years have four digits)', () => {
    expect(iso('0 9 * * *', 'Europe/Berlin', '9999-12-30T12:00:00Z', 3)).toEqual(['9999-12-31T09:00:00+01:00']);
  });

  it('finds a 29 February on a Sunday decades ahead', () => {
    expect(iso('0 0 29 2 */7', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2032-02-29T00:00:00+00:00', '2060-02-29T00:00:00+00:00']);
  });
});

describe('what cron refuses, in the words the user wrote', () => {
  it.each([
    ['0 9 * * mon-sun', /mon-sun.*empty/, /1-7.*mon,tue,wed,thu,fri,sat,sun/],
    ['0 9 * * fri-sun', /fri-sun.*empty/, /5-7.*fri,sat,sun/],
    ['0 9 * * 5-0', /5-0.*empty/, /5-7/],
    ['0 22-2 * * *', /22-2.*backwards/, /22-23,0-2/],
  ])('refuses the empty range in %j with a hint', (cron, message, hint) => {
    const problem = checkCron(cron);
    expect(problem?.message).toMatch(message);
    expect(problem?.hint).toMatch(hint);
  });

  it.each([
    ['5/15 * * * *', "'5/15'", '5-59/15'],
    ['0 9/2 * * *', "'9/2'", '9-23/2'],
    ['0 9 * * mon/2', "'mon/2'", 'mon-7/2'],
  ])('refuses a step of a single value in %j (Vixie cron does; others read it as n-max/step)', (cron, item, hint) => {
    const problem = checkCron(cron);
    expect(problem?.message).toContain(item);
    expect(problem?.hint).toContain(hint);
  });

  it.each([
    ['0 0 32 * *', 'day-of-month', '32', '1-31'],
    ['0 0 * 13 *', 'month', '13', '1-12'],
    ['60 0 * * *', 'minute', '60', '0-59'],
    ['0 24 * * *', 'hour', '24', '0-23'],
    ['0 0 * * 8', 'day-of-week', '8', '0-7'],
    ['0 0 0 * *', 'day-of-month', '0', '1-31'],
  ])('range errors name the value written: %j', (cron, field, value, range) => {
    const message = checkCron(cron)?.message ?? '';
    expect(message).toContain(field);
    expect(message).toContain(`${value} is out of range`);
    expect(message).toContain(range);
  });

  // cron splits fields on blanks (space, tab) only: a no-break space, a line
  // break or an ideographic space inside the expression would be echoed to the
  // orchestrator as `cron` and refused by the crontab it lands in.
  it.each([
    ['0\u00a09 * * 1', 'U+00A0'],
    ['0\n9 * * 1', 'U+000A'],
    ['0 9 * *\u20281', 'U+2028'],
    ['0\u30009 * * 1', 'U+3000'],
  ])('refuses a field separator other than space or tab in %j', (cron, codePoint) => {
    const problem = checkCron(cron);
    expect(problem?.message).toContain(codePoint);
    expect(problem?.hint).toMatch(/spaces or tabs/);
  });

  it('accepts tabs between fields and blanks around the expression', () => {
    for (const cron of ['0\t9 * * 1', ' 0 9 * * 1 ', '\t0  9\t* * 1\n']) expect(checkCron(cron), JSON.stringify(cron)).toBeUndefined();
  });

  it('still accepts what cron accepts', () => {
    for (const cron of ['0 9 * * 1-7', '0 9 * * mon-7', '0 9 * * sun-sat', '0 9 * * 0-6', '0 0 */2 * 1', '30 0-4/2 * * *', '0 0 1-31/10 jan-dec/3 *']) {
      expect(checkCron(cron), cron).toBeUndefined();
    }
  });
});

// ---- the independent model ----

/** A seeded PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Field {
  text: string;
  values: Set<number>;
  star: boolean;
}

/** A random cron field over low..high, with its text and the set cron reads from it. */
function randomField(rand: () => number, low: number, high: number, focus: readonly number[], names?: readonly string[]): Field {
  const int = (a: number, b: number): number => a + Math.floor(rand() * (b - a + 1));
  const pick = (): number => (rand() < 0.7 && focus.length > 0 ? focus[int(0, focus.length - 1)]! : int(low, high));
  const show = (v: number): string => (names && v < names.length && rand() < 0.3 ? names[v]! : String(v));
  const values = new Set<number>();
  const items: string[] = [];
  const count = rand() < 0.8 ? 1 : int(2, 3);
  for (let i = 0; i < count; i++) {
    const kind = rand();
    const step = rand() < 0.5 ? 1 : int(2, Math.max(2, Math.ceil((high - low) / 3)));
    const stepText = step === 1 && rand() < 0.7 ? '' : `/${step}`;
    let from: number;
    let to: number;
    if (kind < 0.35) {
      from = low;
      to = high;
      items.push(`*${stepText}`);
    } else if (kind < 0.7) {
      from = to = pick();
      items.push(show(from));
    } else {
      const a = pick();
      const b = pick();
      from = Math.min(a, b);
      to = Math.max(a, b);
      items.push(`${show(from)}-${show(to)}${stepText}`);
    }
    for (let v = from; v <= to; v += stepText ? step : 1) values.add(v);
  }
  return { text: items.join(','), values, star: items[0]!.startsWith('*') };
}

interface Job {
  expr: string;
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  bothDays: boolean;
  wildcard: boolean;
}

function randomJob(rand: () => number, hours: readonly number[], dates: readonly number[], months: readonly number[], weekdays: readonly number[]): Job {
  const fields = [
    randomField(rand, 0, 59, [0, 15, 30, 45, 59]),
    randomField(rand, 0, 23, hours),
    randomField(rand, 1, 31, dates),
    randomField(rand, 1, 12, months, ['', 'jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']),
    randomField(rand, 0, 7, weekdays, ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']),
  ] as const;
  const dow = new Set([...fields[4].values].map((d) => d % 7));
  return {
    expr: fields.map((f) => f.text).join(' '),
    minute: fields[0].values,
    hour: fields[1].values,
    dom: fields[2].values,
    month: fields[3].values,
    dow,
    bothDays: fields[2].star || fields[4].star,
    wildcard: fields[0].star || fields[1].star,
  };
}

/** Wall-clock minutes (minutes since the epoch, read as UTC) of each real minute from `start`, via Intl. */
function wallMinutes(zone: string, start: number, minutes: number): number[] {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  const out: number[] = [];
  for (let i = 0; i < minutes; i++) {
    const p = Object.fromEntries(format.formatToParts(start + i * 60_000).map((x) => [x.type, Number(x.value)]));
    out.push(Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) / 60_000);
  }
  return out;
}

function matches(job: Job, wallMinute: number): boolean {
  const d = new Date(wallMinute * 60_000);
  if (!job.minute.has(d.getUTCMinutes()) || !job.hour.has(d.getUTCHours()) || !job.month.has(d.getUTCMonth() + 1)) return false;
  const dom = job.dom.has(d.getUTCDate());
  const dow = job.dow.has(d.getUTCDay());
  return job.bothDays ? dom && dow : dom || dow;
}

/**
 * The real minutes (as UTC ms) at which cron runs `job`, as its main loop
 * does: it keeps the wall time it has handled ("virtual time"); a step of one
 * minute runs what matches; a jump forward of 5 min to 3 h first runs the
 * fixed-time jobs of each skipped minute (under 5 min, every job; over 3 h,
 * none); a jump back of up to 3 h runs only wildcard jobs until the wall clock
 * passes the virtual time again.
 */
function modelRuns(job: Job, start: number, walls: readonly number[]): number[] {
  const runs: number[] = [];
  let virtual = walls[0]!;
  for (let i = 1; i < walls.length; i++) {
    const wall = walls[i]!;
    let fires = false;
    if (wall > virtual) {
      const jump = wall - virtual;
      if (jump < 5) for (let w = virtual + 1; w < wall; w++) fires ||= matches(job, w);
      else if (jump <= 180 && !job.wildcard) for (let w = virtual + 1; w < wall; w++) fires ||= matches(job, w);
      fires ||= matches(job, wall);
      virtual = wall;
    } else if (virtual - wall <= 180) {
      fires = job.wildcard && matches(job, wall);
    } else {
      fires = matches(job, wall);
      virtual = wall;
    }
    if (fires) runs.push(start + i * 60_000);
  }
  return runs;
}

describe('next runs agree with the model of Vixie cron', () => {
  const windows = [
    { zone: 'Europe/Berlin', change: '2026-03-29T01:00:00Z', hours: [0, 1, 2, 3, 4] },
    { zone: 'Europe/Berlin', change: '2026-10-25T01:00:00Z', hours: [0, 1, 2, 3, 4] },
    { zone: 'America/New_York', change: '2026-03-08T07:00:00Z', hours: [0, 1, 2, 3, 4] },
    { zone: 'America/New_York', change: '2026-11-01T06:00:00Z', hours: [0, 1, 2, 3] },
    // Half-hour DST: 02:00 -> 02:30 in spring, 02:00 -> 01:30 in autumn.
    { zone: 'Australia/Lord_Howe', change: '2026-10-03T15:30:00Z', hours: [1, 2, 3] },
    { zone: 'Australia/Lord_Howe', change: '2026-04-04T15:00:00Z', hours: [1, 2, 3] },
    { zone: 'UTC', change: '2026-06-15T12:00:00Z', hours: [9, 12, 13] },
  ];

  it.each(windows)('$zone around $change', ({ zone, change, hours }) => {
    const rand = prng(Date.parse(change) / 60_000);
    const center = Date.parse(change);
    const start = center - 36 * 3_600_000;
    const minutes = 72 * 60;
    const walls = wallMinutes(zone, start, minutes);
    const end = start + minutes * 60_000;
    const days = new Set(walls.filter((_, i) => i % 60 === 0).map((w) => new Date(w * 60_000)));
    const dates = [...new Set([...days].map((d) => d.getUTCDate()))];
    const months = [...new Set([...days].map((d) => d.getUTCMonth() + 1))];
    const weekdays = [...new Set([...days].map((d) => d.getUTCDay()))];
    let compared = 0;
    let firing = 0;
    for (let n = 0; n < 500; n++) {
      const job = randomJob(rand, hours, dates, months, weekdays);
      const problem = checkCron(job.expr);
      if (problem) {
        // Only a date no month has (31 November) is refused among the generated crons.
        expect(problem.message, job.expr).toMatch(/never fires/);
        continue;
      }
      const expected = modelRuns(job, start, walls);
      for (let k = 0; k < 2; k++) {
        // Any instant at least 4 h into the window (so the model's state is
        // settled) and 6 h before its end, seconds included.
        const from = start + 4 * 3_600_000 + Math.floor(rand() * (minutes * 60_000 - 10 * 3_600_000));
        const count = rand() < 0.5 ? 1 : 6;
        const ours = nextRuns(job.expr, zone, new Date(from), count)
          .map((d) => d.getTime())
          .filter((t) => t < end);
        const model = expected.filter((t) => t > from).slice(0, count);
        expect(ours.map((t) => formatInZone(new Date(t), zone)), `${job.expr} in ${zone} after ${new Date(from).toISOString()}`).toEqual(
          model.map((t) => formatInZone(new Date(t), zone)),
        );
        // Due windows (discover from/to) enumerate with the same rules.
        const to = Math.min(end - 60_000, from + Math.floor(rand() * 30) * 3_600_000);
        const windowed = fireTimesBetween(job.expr, zone, new Date(from), new Date(to), 40).map((d) => d.getTime());
        expect(windowed, `window ${job.expr} in ${zone}`).toEqual(expected.filter((t) => t > from && t <= to).slice(0, 40));
        compared++;
        if (model.length > 0) firing++;
      }
    }
    expect(compared).toBeGreaterThan(900);
    // Many generated crons fire inside the window, so the comparison has teeth.
    expect(firing).toBeGreaterThan(350);
  });
});
