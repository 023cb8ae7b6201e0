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
  return Math.round(value * f) / f;
};

const mean = (sum: number, n: number, decimals: number): number | null => (n === 0 ? null : round(sum / n, decimals));

/**
 * Summarises executions.jsonl (one JSON object a line: timestamp, success,
 * time in seconds, quality 0-1) in memory. Blank lines are ignored; lines that
 * do not parse as an object are counted in `skipped_lines`, never fatal.
 */
export function summarizeExecutions(text: string): ComputedSummary {
  let executions = 0;
  let successes = 0;
  let timeSum = 0;
  let timeCount = 0;
  let qualitySum = 0;
  let qualityCount = 0;
  let skipped = 0;
  let first: { at: number; raw: string } | undefined;
  let last: { at: number; raw: string } | undefined;

  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      skipped++;
      continue;
    }
    const r = record as Record<string, unknown>;
    executions++;
    if (r.success === true) successes++;
    if (typeof r.time === 'number' && Number.isFinite(r.time) && r.time >= 0) {
      timeSum += r.time;
      timeCount++;
    }
    if (typeof r.quality === 'number' && r.quality >= 0 && r.quality <= 1) {
      qualitySum += r.quality;
      qualityCount++;
    }
    if (typeof r.timestamp === 'string') {
      const at = Date.parse(r.timestamp);
      if (!Number.isNaN(at)) {
        if (!first || at < first.at) first = { at, raw: r.timestamp };
        if (!last || at >= last.at) last = { at, raw: r.timestamp };
      }
    }
  }

  return {
    executions,
    successes,
    success_rate: executions === 0 ? null : round(successes / executions, 4),
    avg_time_s: mean(timeSum, timeCount, 2),
    avg_quality: mean(qualitySum, qualityCount, 3),
    first_run: first?.raw ?? null,
    last_run: last?.raw ?? null,
    skipped_lines: skipped,
  };
}

/** Thresholds under which the markdown bundle flags an agent's performance. */
export const LOW_SUCCESS_RATE = 0.8;
export const SLOW_AVERAGE_S = 30;
