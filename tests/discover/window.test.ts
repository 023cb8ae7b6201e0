import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Slicer, firesInWindow, latestInWindow, type DueWindow } from '../../src/discover/window.js';
import { nextRuns } from '../../src/manifest/cron.js';
import { formatInZone } from '../../src/manifest/timezone.js';

const YEAR_START = Date.UTC(2026, 0, 1);
const YEAR_END = Date.UTC(2027, 0, 1);

// Zones with DST north and south, a half-hour DST shift, a half-hour offset without DST, and UTC.
const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
// Crons that land in the skipped and repeated hours of those zones (transitions
// are on Sundays around 01:00-03:00 local), fixed and stepped, plus ordinary ones.
const CRONS = ['30 2 * * 0', '30 1 * * 0', '*/30 1-3 * 3,4,10,11 0', '45 2 * 3,4,10,11 6,0', '0 9 * * 1', '0 0 1 * *'];

/** The next runs from the start of the year, through the function next_run uses: the reference. */
const reference = new Map<string, number[]>();
function fireTimesOfYear(cron: string, zone: string): number[] {
  const key = `${cron} ${zone}`;
  let fires = reference.get(key);
  if (!fires) {
    fires = nextRuns(cron, zone, new Date(YEAR_START), 2000)
      .map((d) => d.getTime())
      .filter((t) => t <= YEAR_END);
    reference.set(key, fires);
  }
  return fires;
}

const window = (from: number, to: number): DueWindow => ({ from: new Date(from), to: new Date(to), catchup: 'all' });

describe('consecutive windows partition the fire times', () => {
  it('no fire lost or doubled across 1,000 random tick sequences over a year, DST included', async () => {
    const slicer = new Slicer();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CRONS),
        fc.constantFrom(...ZONES),
        fc.array(fc.integer({ min: YEAR_START + 1, max: YEAR_END - 1 }), { maxLength: 24 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (cron, zone, randomTicks, fireIndexes) => {
          const year = fireTimesOfYear(cron, zone);
          // Some ticks exactly on fire times: a fire at a tick belongs to the window ending there.
          const onFires = year.length ? fireIndexes.map((i) => year[i % year.length]!) : [];
          const ticks = [...new Set([YEAR_START, ...randomTicks, ...onFires, YEAR_END])].sort((a, b) => a - b);
          const seen: number[] = [];
          for (let i = 1; i < ticks.length; i++) {
            const fires = await firesInWindow(cron, zone, window(ticks[i - 1]!, ticks[i]!), Number.POSITIVE_INFINITY, slicer);
            for (const f of fires) {
              // out of its window: recorded as such, so toEqual below shows where
              seen.push(f.getTime() > ticks[i - 1]! && f.getTime() <= ticks[i]! ? f.getTime() : -f.getTime());
            }
          }
          expect(seen).toEqual(year);
        },
      ),
      { numRuns: 1000 },
    );
  }, 60_000); // hang guard only: a few seconds on a quiet machine
});

describe('windows follow the Vixie DST rules of next runs', () => {
  const fires = async (cron: string, zone: string, from: string, to: string) =>
    (await firesInWindow(cron, zone, window(Date.parse(from), Date.parse(to)), 100, new Slicer())).map((d) => formatInZone(d, zone));

  it('a fixed time in the skipped hour runs right after the gap, once', async () => {
    // Berlin springs forward 2026-03-29 02:00 -> 03:00
    expect(await fires('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', '2026-03-30T12:00:00Z')).toEqual([
      '2026-03-28T02:30:00+01:00',
      '2026-03-29T03:00:00+02:00',
      '2026-03-30T02:30:00+02:00',
    ]);
  });

  it('a fixed time in the repeated hour runs once', async () => {
    // Berlin falls back 2026-10-25 03:00 -> 02:00
    expect(await fires('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')).toEqual(['2026-10-25T02:30:00+02:00']);
  });

  it('a wildcard-hour entry runs in each real hour', async () => {
    expect(await fires('30 * * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z', '2026-10-25T02:00:00Z')).toEqual([
      '2026-10-25T01:30:00+02:00',
      '2026-10-25T02:30:00+02:00',
      '2026-10-25T02:30:00+01:00',
    ]);
    expect(await fires('30 * * * *', 'Europe/Berlin', '2026-03-28T23:00:00Z', '2026-03-29T02:00:00Z')).toEqual([
      '2026-03-29T00:30:00+01:00',
      '2026-03-29T01:30:00+01:00',
      '2026-03-29T03:30:00+02:00',
    ]);
  });

  it('catchup=latest finds the latest fire of a window, dense or sparse', async () => {
    const latest = async (cron: string, from: string, to: string) =>
      (await latestInWindow(cron, 'UTC', window(Date.parse(from), Date.parse(to)), new Slicer()))?.toISOString();
    expect(await latest('* * * * *', '2026-01-01T00:00:00Z', '2026-01-31T23:59:30Z')).toBe('2026-01-31T23:59:00.000Z');
    expect(await latest('0 9 1 * *', '2026-01-01T00:00:00Z', '2026-01-31T00:00:00Z')).toBe('2026-01-01T09:00:00.000Z');
    expect(await latest('0 9 1 * *', '2026-01-01T09:00:00Z', '2026-01-31T00:00:00Z')).toBeUndefined();
    // dense days long before `to`: found without enumerating 20 days of minutes
    expect(await latest('* * 1-20 * *', '2026-01-01T00:00:00Z', '2026-01-28T00:00:00Z')).toBe('2026-01-20T23:59:00.000Z');
  });

  it('catchup=latest is the last fire of the window in every zone, DST included (300 random windows)', async () => {
    const slicer = new Slicer();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CRONS),
        fc.constantFrom(...ZONES),
        fc.integer({ min: YEAR_START, max: YEAR_END - 31 * 86_400_000 }),
        fc.integer({ min: 0, max: 31 * 86_400_000 }),
        async (cron, zone, from, length) => {
          const inWindow = fireTimesOfYear(cron, zone).filter((t) => t > from && t <= from + length);
          const latest = await latestInWindow(cron, zone, window(from, from + length), slicer);
          expect(latest?.getTime()).toBe(inWindow.at(-1));
        },
      ),
      { numRuns: 300 },
    );
  });
});
