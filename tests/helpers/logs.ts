import { Writable } from 'node:stream';

export interface CapturedLog {
  /** Give this to pino: `buildApp(config, { logger: { level, stream } })`. */
  stream: Writable;
  /** Every line written, as text (empty it with `lines.length = 0`). */
  lines: string[];
  /** Every line written, parsed: pino writes one JSON object a line (empty it with `records.length = 0`). */
  records: Array<Record<string, unknown>>;
}

/** A log sink that keeps what the service logs, for tests that assert on it. */
export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const records: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(line);
        records.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { stream, lines, records };
}
