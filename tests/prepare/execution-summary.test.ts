import { describe, expect, it } from 'vitest';
import { summarizeExecutions } from '../../src/prepare/execution-summary.js';

/** Joins lines the way a file holds them. */
const lines = (rows: string[], eol = '\n'): string => rows.join(eol) + eol;

describe('summarizeExecutions', () => {
  it('summarises a clean file', () => {
    const text = lines([
      '{"timestamp":"2026-03-01T09:00:00Z","success":true,"time":10,"quality":0.8}',
      '{"timestamp":"2026-03-02T09:00:00Z","success":false,"time":20,"quality":0.9}',
      '{"timestamp":"2026-03-03T09:00:00Z","success":true,"time":25,"quality":0.95}',
    ]);
    // executions 3, successes 2 -> success_rate 2/3 = 0.66666… -> 4 decimals 0.6667
    // avg_time_s (10 + 20 + 25) / 3 = 55 / 3 = 18.333… -> 2 decimals 18.33
    // avg_quality (0.8 + 0.9 + 0.95) / 3 = 2.65 / 3 = 0.88333… -> 3 decimals 0.883
    expect(summarizeExecutions(text)).toEqual({
      executions: 3,
      successes: 2,
      success_rate: 0.6667,
      avg_time_s: 18.33,
      avg_quality: 0.883,
      first_run: '2026-03-01T09:00:00Z',
      last_run: '2026-03-03T09:00:00Z',
      skipped_lines: 0,
    });
  });

  it('skips non-object and garbage lines, ignores blank lines, reads CRLF, and averages only the fields present', () => {
    const text = lines(
      [
        '{"timestamp":"2026-03-05T10:00:00Z","success":true,"time":20,"quality":0.9}', // A: valid
        '{"timestamp":"2026-03-01T09:00:00Z","success":false,"time":40,"quality":0.5}', // B: valid
        '', // blank: ignored, not skipped
        '[1]', // array: skipped
        '42', // number: skipped
        '"x"', // string: skipped
        'null', // null: skipped
        '{not json', // garbage: skipped
        '{"timestamp":"2026-03-10T08:30:00Z","success":true}', // C: valid, no time, no quality
        '   \t ', // whitespace only: ignored
        '{"timestamp":"2026-03-03T12:00:00Z","success":"true","time":"15","quality":0.7}', // D: valid; "true" is not true, "15" is not a number
        '{"success":true,"time":33,"quality":1}', // E: valid, no timestamp
      ],
      '\r\n',
    );
    // executions: A B C D E = 5
    // successes:  A C E = 3 (D's success is the string "true")       -> success_rate 3/5 = 0.6
    // time:       A 20, B 40, E 33 (C none, D a string) -> 93 / 3 = 31
    // quality:    A 0.9, B 0.5, D 0.7, E 1 -> 3.1 / 4 = 0.775
    // skipped:    [1], 42, "x", null, {not json = 5 (blank / whitespace lines are not counted)
    // first_run:  min of A 03-05, B 03-01, C 03-10, D 03-03 = B; last_run: max = C
    expect(summarizeExecutions(text)).toEqual({
      executions: 5,
      successes: 3,
      success_rate: 0.6,
      avg_time_s: 31,
      avg_quality: 0.775,
      first_run: '2026-03-01T09:00:00Z',
      last_run: '2026-03-10T08:30:00Z',
      skipped_lines: 5,
    });
  });

  it('takes first_run / last_run as the min / max instant, not the first / last line or string order', () => {
    const text = lines([
      '{"timestamp":"2026-04-02T00:00:00Z","success":true}', // middle
      '{"timestamp":"2026-04-09T12:00:00Z","success":true}', // latest
      '{"timestamp":"2026-04-01T23:30:00Z","success":true}', // sorts first as a string...
      '{"timestamp":"2026-04-02T01:00:00+02:00","success":true}', // ...but this is 2026-04-01T23:00Z, the earliest instant
      '{"timestamp":"not a date","success":false}', // counted as an execution, ignored for first/last
      '{"timestamp":12345,"success":false}', // a non-string timestamp: same
    ]);
    // executions 6, successes 4 -> 4/6 = 0.66666… -> 0.6667; no time / quality anywhere -> null
    expect(summarizeExecutions(text)).toEqual({
      executions: 6,
      successes: 4,
      success_rate: 0.6667,
      avg_time_s: null,
      avg_quality: null,
      first_run: '2026-04-02T01:00:00+02:00',
      last_run: '2026-04-09T12:00:00Z',
      skipped_lines: 0,
    });
  });

  it('averages times near the largest double without overflowing to null', () => {
    const text = ['{"time":1e308}', '{"time":1.6e308}', '{"time":0}'].join('\n');
    // (1e308 + 1.6e308 + 0) / 3 ≈ 8.667e307: the sum alone would overflow to Infinity (JSON null)
    expect(summarizeExecutions(text).avg_time_s).toBeCloseTo(8.666666666666667e307, -300);
    expect(summarizeExecutions('{"time":1.7e308}').avg_time_s).toBe(1.7e308);
  });

  it('reads a last line without a trailing newline and a truncated last line', () => {
    const text = '{"timestamp":"2026-05-01T00:00:00Z","success":true,"time":12.5,"quality":0.4}\n{"timestamp":"2026-05-02T00:00:00Z","success":false,"time":7.5}\n{"timestamp": "2026-05-0';
    // executions 2 (the third line is cut off: skipped 1), successes 1 -> 0.5
    // time (12.5 + 7.5) / 2 = 10; quality only 0.4 -> 0.4 / 1 = 0.4
    expect(summarizeExecutions(text)).toEqual({
      executions: 2,
      successes: 1,
      success_rate: 0.5,
      avg_time_s: 10,
      avg_quality: 0.4,
      first_run: '2026-05-01T00:00:00Z',
      last_run: '2026-05-02T00:00:00Z',
      skipped_lines: 1,
    });
  });

  it('leaves out negative times and qualities outside 0-1 from the averages', () => {
    const text = lines([
      '{"success":true,"time":-5,"quality":7}',
      '{"success":true,"time":12,"quality":0.6}',
      '{"success":false,"time":18,"quality":-0.2}',
    ]);
    // executions 3, successes 2; time: 12 and 18 -> 15; quality: only 0.6
    expect(summarizeExecutions(text)).toMatchObject({ executions: 3, successes: 2, avg_time_s: 15, avg_quality: 0.6, skipped_lines: 0 });
  });

  it('gives nulls and zeros when there is no valid line', () => {
    const empty = {
      executions: 0,
      successes: 0,
      success_rate: null,
      avg_time_s: null,
      avg_quality: null,
      first_run: null,
      last_run: null,
    };
    expect(summarizeExecutions('')).toEqual({ ...empty, skipped_lines: 0 });
    expect(summarizeExecutions('\n\r\n  \n')).toEqual({ ...empty, skipped_lines: 0 });
    // [1], 42, "x", true, garbage -> 5 skipped, nothing counted
    expect(summarizeExecutions(lines(['[1]', '42', '"x"', 'true', '}{'], '\r\n'))).toEqual({ ...empty, skipped_lines: 5 });
  });

  it('counts an object with none of the known fields as a failed execution without figures', () => {
    // executions 1, successes 0 -> success_rate 0/1 = 0 (not null: there was a run)
    expect(summarizeExecutions('{}\n')).toEqual({
      executions: 1,
      successes: 0,
      success_rate: 0,
      avg_time_s: null,
      avg_quality: null,
      first_run: null,
      last_run: null,
      skipped_lines: 0,
    });
  });
});
