import { Writable } from 'node:stream';

export interface CapturedLog {
  /** Give this to pino (`buildApp(config, { logger: { level, stream } })`). */
  stream: Writable;
  /** Every line written so far, as text. */
  lines: string[];
  /** Every line written so far, parsed (pino writes one JSON object a line). */
  records(): Array<Record<string, unknown>>;
  /** Forgets what was written so far. */
  clear(): void;
}

/** A log sink that keeps what the service logs, for tests that assert on it. */
export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    stream,
    lines,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    clear: () => {
      lines.length = 0;
    },
  };
}
