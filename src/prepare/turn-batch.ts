import { setImmediate } from 'node:timers';

/**
 * Runs the jobs queued during one turn of the event loop together, in that
 * turn's check phase, and lets them share results computed within the run.
 *
 * Why: a burst of prepare calls all need the same freshness checks (a stat per
 * input file). Requests are read off their sockets in the poll phase; the
 * check phase comes after it, so by the time a batch runs, every request in
 * it has been received. A stat taken during the run therefore happens after
 * each of those requests was sent, and sees any edit that finished before
 * then: sharing it loses no freshness, unlike a time-based cache.
 *
 * Jobs queued while a batch runs go to the next turn's batch. The memo is
 * emptied when a batch ends and is not used outside one, so jobs must be
 * synchronous: work continued after an await would run outside the batch.
 */
export class TurnBatch {
  private queue: Array<() => void> = [];
  private readonly memo = new Map<string, unknown>();
  private disposers: Array<() => void> = [];
  private running = false;

  /** Whether a batch is running now (so `memoize` shares values). */
  get active(): boolean {
    return this.running;
  }

  /** Queues `job` for this turn's batch; settles with its result or its error. */
  run<T>(job: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(this.flush);
      this.queue.push(() => {
        try {
          resolve(job());
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  /**
   * The value `compute` gave for `key` earlier in the running batch, else
   * computes it (and keeps it for the rest of the batch). Errors are not kept.
   * `dispose` releases the value when the batch ends (open descriptors).
   * Outside a batch it always computes, and disposing is the caller's job.
   */
  memoize<T>(key: string, compute: () => T, dispose?: (value: T) => void): T {
    if (!this.running) return compute();
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = compute();
    this.memo.set(key, value);
    if (dispose) this.disposers.push(() => dispose(value));
    return value;
  }

  private readonly flush = (): void => {
    const jobs = this.queue;
    this.queue = [];
    this.running = true;
    try {
      // Each job settles its own promise and never throws.
      for (const job of jobs) job();
    } finally {
      this.running = false;
      this.memo.clear();
      const disposers = this.disposers;
      this.disposers = [];
      for (const dispose of disposers) dispose();
    }
  };
}
