import { discover, type DiscoverDeps, type DiscoverOptions } from './resolve.js';
import type { DiscoverResult } from './types.js';

/**
 * The key under which discover calls share one computation: every option but
 * the logger, with `now` cut to its second. Cron fire times fall on whole
 * seconds and `next_run` is the first one strictly after `now`, so two
 * instants of the same second give the same runs: calls sharing a key would
 * compute the identical answer. Options added later join the key as they are.
 */
export function flightKey(options: DiscoverOptions): string {
  const { log: _log, now, ...rest } = options;
  const fields = Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([Math.floor(now.getTime() / 1000), fields]);
}

/**
 * Single flight for discover: a call that arrives while an identical one
 * (same flightKey) is being computed waits for that computation's answer
 * instead of reading the roster and every manifest again. 100 concurrent
 * polls cost one hub request and one pass over the fleet. A flight is
 * shared only while it runs, and only within its second, so an answer is
 * never older than the call that started it.
 */
export class SharedDiscover {
  private readonly flights = new Map<string, Promise<DiscoverResult>>();

  constructor(private readonly deps: DiscoverDeps) {}

  run(options: DiscoverOptions): Promise<DiscoverResult> {
    const key = flightKey(options);
    const running = this.flights.get(key);
    if (running) return running;
    const flight = discover(this.deps, options).finally(() => this.flights.delete(key));
    this.flights.set(key, flight);
    return flight;
  }
}
