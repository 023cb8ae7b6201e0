import { setImmediate as yieldToLoop } from 'node:timers/promises';

/**
 * Maps `items` through `fn` with at most `limit` calls in flight, keeping the
 * input order in the result. Each worker yields to the event loop between
 * items, so a large fleet never holds the loop for its whole length.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R> | R): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
      await yieldToLoop();
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
