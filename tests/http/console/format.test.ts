import { describe, expect, it } from 'vitest';
import { wallTime } from '../../../src/http/console/format.js';

describe('wallTime', () => {
  it('names the weekday of the date as written, in the years 0000-0099 too (Date.UTC reads them as 19xx)', () => {
    expect(wallTime('2026-12-07T09:00:00+01:00')).toBe('Mon 7 Dec 2026, 09:00 (UTC+01:00)');
    // 0000-01-03 is a Monday in the proleptic Gregorian calendar (ISO 8601 year 0)
    expect(wallTime('0000-01-03T09:00:00Z')).toBe('Mon 3 Jan 0000, 09:00 (UTC)');
    expect(wallTime('0099-12-31T00:00:00Z', { offset: false })).toBe('Thu 31 Dec 0099, 00:00');
  });
});
