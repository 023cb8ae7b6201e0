import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Longest stretch of synchronous work before other requests get a turn. */
export const SLICE_MS = 5;

/**
 * Maps `items` through a synchronous `fn` in order, yielding to the event
 * loop whenever a slice of work has run for SLICE_MS. Repo checks read small
 * local files synchronously (cheaper per call than the promise API, and the
 * results are mostly cached), so running them concurrently would gain
 * nothing; slicing keeps a discover over thousands of repos from holding up
 * prepare calls that arrive meanwhile.
 */
export async function mapInSlices<T, R>(items: readonly T[], fn: (item: T) => R): Promise<R[]> {
  const results: R[] = [];
  let sliceStart = performance.now();
  for (const item of items) {
    results.push(fn(item));
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  return results;
}
