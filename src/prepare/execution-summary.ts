import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { SLICE_MS } from '../concurrency/slices.js';

/** What a metrics summary holds when the service computes it from executions.jsonl. */
export interface ComputedSummary {
  executions: number;
  successes: number;
  /** successes / executions, 4 decimals; null with no executions. */
  success_rate: number | null;
  /** Mean of the non-negative numeric `time` values in seconds, 2 decimals. */
  avg_time_s: number | null;
  /** Mean of the `quality` values within 0-1 (others are ignored), 3 decimals. */
  avg_quality: number | null;
  first_run: string | null;
  last_run: string | null;
  /** Lines that were not a JSON object and were left out. */
  skipped_lines: number;
}

const round = (value: number, decimals: number): number => {
  const f = 10 ** decimals;
  const scaled = value * f;
  // Past about 1e306 the scaled value overflows; such a number has no decimals to round anyway.
  return Number.isFinite(scaled) ? Math.round(scaled) / f : value;
};

const mean = (sum: number, n: number, decimals: number): number | null => (n === 0 ? null : round(sum / n, decimals));

/** Lines longer than this are counted as skipped without parsing: a real record is a few hundred bytes. */
export const MAX_EXECUTION_LINE_BYTES = 64 * 1024;

/** Running totals over executions.jsonl records, fed one line at a time. */
class ExecutionsAccumulator {
  private executions = 0;
  private successes = 0;
  /** A running mean, not a sum: times near the largest double would overflow a sum to Infinity. */
  private timeMean = 0;
  private timeCount = 0;
  private qualitySum = 0;
  private qualityCount = 0;
  private skipped = 0;
  private first: { at: number; raw: string } | undefined;
  private last: { at: number; raw: string } | undefined;

  add(rawLine: string): void {
    const line = rawLine.trim();
    if (line === '') return;
    // Only a line framed by braces can be a JSON object: anything else is
    // skipped without JSON.parse, whose thrown SyntaxError costs microseconds
    // a line (millions of garbage lines would cost seconds of CPU).
    if (line.length > MAX_EXECUTION_LINE_BYTES || line.charCodeAt(0) !== 0x7b || line.charCodeAt(line.length - 1) !== 0x7d) {
      this.skipped++;
      return;
    }
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      this.skipped++;
      return;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      this.skipped++;
      return;
    }
    const r = record as Record<string, unknown>;
    this.executions++;
    if (r.success === true) this.successes++;
    if (typeof r.time === 'number' && Number.isFinite(r.time) && r.time >= 0) {
      this.timeMean += (r.time - this.timeMean) / ++this.timeCount;
    }
    if (typeof r.quality === 'number' && r.quality >= 0 && r.quality <= 1) {
      this.qualitySum += r.quality;
      this.qualityCount++;
    }
    if (typeof r.timestamp === 'string') {
      const at = Date.parse(r.timestamp);
      if (!Number.isNaN(at)) {
        if (!this.first || at < this.first.at) this.first = { at, raw: r.timestamp };
        if (!this.last || at >= this.last.at) this.last = { at, raw: r.timestamp };
      }
    }
  }

  summary(): ComputedSummary {
    const { executions, successes } = this;
    return {
      executions,
      successes,
      success_rate: executions === 0 ? null : round(successes / executions, 4),
      avg_time_s: this.timeCount === 0 ? null : round(this.timeMean, 2),
      avg_quality: mean(this.qualitySum, this.qualityCount, 3),
      first_run: this.first?.raw ?? null,
      last_run: this.last?.raw ?? null,
      skipped_lines: this.skipped,
    };
  }
}

/** Calls `each` on every line of `text` from `start`, stopping early (returning the next start) when `stop()` says so. */
function eachLine(text: string, start: number, each: (line: string) => void, stop: () => boolean): number {
  let from = start;
  let n = 0;
  while (from <= text.length) {
    let end = text.indexOf('\n', from);
    if (end < 0) end = text.length;
    each(text.slice(from, end));
    from = end + 1;
    // Look at the clock every 256 lines, not every line.
    if ((++n & 255) === 0 && stop()) return from;
  }
  return from;
}

/**
 * Summarises executions.jsonl (one JSON object a line: timestamp, success,
 * time in seconds, quality 0-1) in one go. Blank lines are ignored; lines that
 * are not a JSON object (or are over MAX_EXECUTION_LINE_BYTES) are counted in
 * `skipped_lines`, never fatal. For small inputs; the service uses
 * summarizeExecutionsInSlices.
 */
export function summarizeExecutions(text: string): ComputedSummary {
  const acc = new ExecutionsAccumulator();
  eachLine(text, 0, (line) => acc.add(line), () => false);
  return acc.summary();
}

/**
 * The same summary as summarizeExecutions, computed in slices of at most
 * SLICE_MS with a turn of the event loop between them: a history of millions
 * of lines (valid or garbage) slows only the request that reads it, never
 * /healthz or the requests beside it. Every line of `text` is counted.
 */
export async function summarizeExecutionsInSlices(text: string): Promise<ComputedSummary> {
  const acc = new ExecutionsAccumulator();
  const add = (line: string) => acc.add(line);
  let from = 0;
  while (from <= text.length) {
    const sliceStart = performance.now();
    from = eachLine(text, from, add, () => performance.now() - sliceStart >= SLICE_MS);
    if (from <= text.length) await yieldToLoop();
  }
  return acc.summary();
}

/** Thresholds under which the markdown bundle flags an agent's performance. */
export const LOW_SUCCESS_RATE = 0.8;
export const SLOW_AVERAGE_S = 30;
