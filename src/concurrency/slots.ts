/**
 * At most `running` tasks at once; up to `waiting` more queue in order for a
 * slot; past that a task is refused at once (`full`), so the work and memory
 * behind a burst of calls stay bounded whatever the callers do.
 */
export class Slots {
  private busy = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly limits: { running: number; waiting: number }) {}

  /** Runs `task` in a slot, or calls `full()` (which throws) when none is free and the queue is full too. */
  async run<T>(task: () => Promise<T>, full: () => never): Promise<T> {
    if (this.busy < this.limits.running) this.busy++;
    else if (this.queue.length >= this.limits.waiting) full();
    // A finishing task hands its slot straight to the next in line (busy stays counted).
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.busy--;
    }
  }
}
