/**
 * Due windows (issue #13): a discover over the whole fleet with a 7-day window
 * and with a 15-minute window (the common tick), against a plain discover of
 * the same fleet, calls interleaved. Every call asks for a window no earlier
 * call asked for (ticks move on), so no answer is reused from the last call.
 * Knobs: BENCH_WINDOW_CALLS (calls of each kind per round, default 15).
 */
import type { Dispatcher } from 'undici';
import { median } from './support.js';

export interface WindowsBenchOptions {
  base: string;
  rounds: number;
  request: (url: string) => Promise<Dispatcher.ResponseData>;
  log: (line: string) => void;
}

export interface WindowsBenchResult {
  calls_per_round: number;
  plain_median_ms: number;
  week: { median_ms: number; runs: number; ratio: number };
  quarter_hour: { median_ms: number; runs: number; ratio: number };
}

export const WINDOW_TARGETS = { weekRatio: 2, quarterHourRatio: 1.1 };


// A Monday morning, when the bench fleet's coach entries fire (09:00-16:00 local).
const START = Date.UTC(2026, 11, 7, 8, 0);
const QUARTER_MS = 15 * 60_000;
const WEEK_MS = 7 * 86_400_000;

export async function benchWindows(options: WindowsBenchOptions): Promise<WindowsBenchResult> {
  const calls = Number(process.env.BENCH_WINDOW_CALLS ?? 15);
  const timed = async (query: string): Promise<{ ms: number; runs: number }> => {
    const t0 = process.hrtime.bigint();
    const res = await options.request(`${options.base}/v1/discover?${query}`);
    const body = (await res.body.json()) as { scheduled_runs: unknown[] };
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.statusCode !== 200) throw new Error(`discover?${query} answered ${res.statusCode}`);
    return { ms, runs: body.scheduled_runs.length };
  };
  const iso = (t: number) => new Date(t).toISOString();
  const plain: number[] = [];
  const week: number[] = [];
  const quarter: number[] = [];
  let weekRuns = 0;
  let quarterRuns = 0;
  let tick = 0;
  for (let round = 1; round <= options.rounds; round++) {
    options.log(`round ${round}/${options.rounds}: discover plain / 7-day window / 15-minute window`);
    for (let i = 0; i < calls; i++, tick++) {
      const to = START + tick * QUARTER_MS;
      plain.push((await timed(`now=${iso(to)}`)).ms);
      const w = await timed(`from=${iso(to - WEEK_MS)}&to=${iso(to)}`);
      week.push(w.ms);
      weekRuns = w.runs;
      const q = await timed(`from=${iso(to - QUARTER_MS)}&to=${iso(to)}`);
      quarter.push(q.ms);
      quarterRuns = Math.max(quarterRuns, q.runs);
    }
  }
  const plainMs = median(plain);
  return {
    calls_per_round: calls,
    plain_median_ms: plainMs,
    week: { median_ms: median(week), runs: weekRuns, ratio: median(week) / plainMs },
    quarter_hour: { median_ms: median(quarter), runs: quarterRuns, ratio: median(quarter) / plainMs },
  };
}
