import { describe, expect, it } from 'vitest';
import { TurnBatch } from '../../src/prepare/turn-batch.js';

describe('TurnBatch', () => {
  it('runs the jobs queued in one turn together, sharing what they memoize', async () => {
    const batch = new TurnBatch();
    let computed = 0;
    const job = () => batch.memoize('k', () => ++computed);
    const results = await Promise.all([batch.run(job), batch.run(job), batch.run(job)]);
    expect(results).toEqual([1, 1, 1]);
    expect(computed).toBe(1);
  });

  it('computes again in the next batch: nothing is kept past the end of a run', async () => {
    const batch = new TurnBatch();
    let computed = 0;
    const job = () => batch.memoize('k', () => ++computed);
    expect(await batch.run(job)).toBe(1);
    expect(await batch.run(job)).toBe(2);
  });

  it('does not run a job before the turn it was queued in has taken in its input', async () => {
    const batch = new TurnBatch();
    const order: string[] = [];
    const done = batch.run(() => order.push('job'));
    order.push('sync');
    await Promise.resolve();
    order.push('microtask');
    await done;
    expect(order).toEqual(['sync', 'microtask', 'job']);
  });

  it('settles each job on its own: one error does not touch the others, and is not memoized', async () => {
    const batch = new TurnBatch();
    let attempts = 0;
    const failing = () =>
      batch.memoize('bad', () => {
        attempts++;
        throw new Error('boom');
      });
    const results = await Promise.allSettled([batch.run(failing), batch.run(() => 'ok'), batch.run(failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect((results[1] as PromiseFulfilledResult<string>).value).toBe('ok');
    expect(attempts).toBe(2);
  });

  it('puts a job queued while a batch runs into the next batch, which computes afresh', async () => {
    const batch = new TurnBatch();
    let computed = 0;
    const read = () => batch.memoize('k', () => ++computed);
    let inner: Promise<number> | undefined;
    const outer = await batch.run(() => {
      inner = batch.run(read);
      return read();
    });
    expect(outer).toBe(1);
    expect(await inner).toBe(2);
  });

  it('memoizes undefined like any other value', async () => {
    const batch = new TurnBatch();
    let computed = 0;
    const job = () =>
      batch.memoize('u', () => {
        computed++;
        return undefined;
      });
    await Promise.all([batch.run(job), batch.run(job)]);
    expect(computed).toBe(1);
  });

  it('always computes outside a batch', () => {
    const batch = new TurnBatch();
    let computed = 0;
    batch.memoize('k', () => ++computed);
    batch.memoize('k', () => ++computed);
    expect(computed).toBe(2);
  });
});
