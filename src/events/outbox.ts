/**
 * A bounded, ordered outbox between the request path and a message bus. Adding
 * is synchronous and never waits; one drain loop publishes in order, a window
 * at a time, and keeps what failed at the head, in order, to retry with backoff.
 */

/** Where the outbox delivers; the NATS sink implements it (src/events/nats.ts). */
export interface OutboxSink<T> {
  /** Resolves once the sink can take events (connected); may wait indefinitely. */
  ready(signal: AbortSignal): Promise<void>;
  /**
   * Publishes a window of events in order; resolves, per event, to `true` when
   * the bus acknowledged it or to the error that keeps it in the outbox.
   */
  publishBatch(items: readonly T[]): Promise<Array<true | Error>>;
  /** Shutting down: retry a connection now rather than after the current backoff. */
  hurry?(): void;
}

export interface OutboxObserver {
  published(count: number): void;
  /** Publish attempts that failed (each is retried while the event is in the outbox). */
  failed(count: number, error: unknown): void;
  /** Events dropped because the outbox was full (the oldest go first). */
  dropped(count: number): void;
}

export interface OutboxOptions {
  size: number;
  /** Events published before waiting for their acknowledgements; the client writes them to the socket in order. */
  window?: number;
  /**
   * How long the drain gathers events into a window before publishing one
   * that is not full. A window costs a socket write, a timer and a round of
   * acknowledgements on both sides, so fewer, larger windows cost less per
   * event (bench/events.ts); the price is that much delay before an event is on the bus.
   */
  lingerMs?: number;
  /** First and longest wait between failed rounds. */
  backoffMs?: { initial: number; max: number };
}

export interface FlushResult {
  /** Events still in the outbox when the deadline passed (0: everything was sent). */
  unsent: number;
}

const DEFAULT_WINDOW = 1024;
const DEFAULT_LINGER_MS = 20;
const DEFAULT_BACKOFF = { initial: 100, max: 5_000 };

export class Outbox<T> {
  private queue: T[] = [];
  /** Index of the first waiting event in `queue` (shifting a large array per event is quadratic). */
  private head = 0;
  private inFlight = 0;
  private running = false;
  private closed = false;
  private readonly stop = new AbortController();
  /** Aborted on close: cuts the current backoff short so the flush gets every moment of its deadline. */
  private readonly wakeUp = new AbortController();
  private readonly window: number;
  private readonly lingerMs: number;
  /** Aborted when a full window is waiting (or on close): ends the current gathering at once. */
  private gathering: AbortController | undefined;
  private readonly backoff: { initial: number; max: number };
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly sink: OutboxSink<T>,
    private readonly observer: OutboxObserver,
    private readonly options: OutboxOptions,
  ) {
    this.window = Math.max(1, Math.min(options.window ?? DEFAULT_WINDOW, options.size));
    this.backoff = options.backoffMs ?? DEFAULT_BACKOFF;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  }

  /** Events waiting or in flight. */
  get depth(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  /** Queues an event and returns at once; publishing happens in the background. */
  add(item: T): void {
    if (this.closed) {
      this.observer.dropped(1);
      return;
    }
    this.queue.push(item);
    this.trim();
    if (this.gathering && this.queue.length - this.head >= this.window) this.gathering.abort();
    // Fire and forget: add() must not wait for NATS; drain() catches everything, and close() waits for it to go idle.
    if (!this.running) void this.drain();
  }

  /**
   * Stops taking events and waits up to `deadlineMs` for the outbox to empty.
   * Whatever is left is counted, not sent.
   */
  async close(deadlineMs: number): Promise<FlushResult> {
    this.closed = true;
    this.wakeUp.abort();
    this.gathering?.abort();
    this.sink.hurry?.();
    if (this.depth > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs))),
      ]);
      clearTimeout(timer);
    }
    const unsent = this.depth;
    this.stop.abort();
    return { unsent };
  }

  /** Drops the oldest waiting events past the size bound. */
  private trim(): void {
    const excess = this.depth - this.options.size;
    const droppable = Math.min(excess, this.queue.length - this.head);
    if (droppable <= 0) return;
    this.head += droppable;
    this.compact();
    this.observer.dropped(droppable);
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private async drain(): Promise<void> {
    this.running = true;
    let delay = this.backoff.initial;
    try {
      while (this.queue.length > this.head && !this.stop.signal.aborted) {
        if (this.lingerMs > 0 && !this.closed && this.queue.length - this.head < this.window) {
          this.gathering = new AbortController();
          await sleep(this.lingerMs, this.gathering.signal);
          this.gathering = undefined;
        }
        await this.sink.ready(this.stop.signal);
        if (this.stop.signal.aborted) break;
        const count = Math.min(this.window, this.queue.length - this.head);
        const batch = this.queue.slice(this.head, this.head + count);
        this.head += count;
        this.compact();
        this.inFlight = count;
        const results = await this.sink.publishBatch(batch).catch((err: unknown) => batch.map(() => (err instanceof Error ? err : new Error(String(err)))));
        this.inFlight = 0;
        // Acknowledged events leave; failed ones go back to the head in their order.
        const failed = batch.filter((_, i) => results[i] !== true);
        const sent = count - failed.length;
        if (sent > 0) this.observer.published(sent);
        if (failed.length === 0) {
          delay = this.backoff.initial;
          continue;
        }
        this.queue = [...failed, ...this.queue.slice(this.head)];
        this.head = 0;
        this.observer.failed(failed.length, results.find((r) => r !== true));
        this.trim();
        await sleep(delay, this.wakeUp.signal);
        delay = this.closed ? this.backoff.initial : Math.min(delay * 2, this.backoff.max);
      }
    } catch {
      // ready() rejects only when stopped; anything left is counted by close().
    } finally {
      this.running = false;
      if (this.depth === 0) {
        for (const wake of this.idleWaiters.splice(0)) wake();
      }
    }
  }
}

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
