/**
 * Issue #10 finding 4: an 8 MiB executions.jsonl of garbage lines must not
 * stall the service. The summary is computed in slices; /healthz keeps
 * answering while a prepare that misses the cache reads such a file.
 */
import { execFile } from 'node:child_process';
import { setImmediate as onNextTurn } from 'node:timers';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/prepare/bundle.js';
import { summarizeExecutions, summarizeExecutionsInSlices } from '../../src/prepare/execution-summary.js';
import { VALID_MANIFEST, tempFleet, testApp, type TempDir } from '../helpers/fleet.js';

const RECORD = '{"timestamp":"2026-03-01T09:00:00Z","success":true,"time":10,"quality":0.8}';

type Bundle = { metrics_summary: Record<string, number>; metrics_source: string; warnings: string[] };

/** Starts a prepare that misses the cache (now=), then asks /healthz with a hang guard; prints both answers. */
const CLIENT = `
const base = process.argv[1];
const json = async (res) => ({ status: res.status, body: await res.json() });
const prepare = fetch(base + '/v1/prepare/coach?target=noisy&now=2026-03-04T12:00:00Z').then(json);
await new Promise((r) => setTimeout(r, 300));
const HANG_GUARD_MS = 5000;
const health = await Promise.race([
  fetch(base + '/healthz').then(json),
  new Promise((r) => setTimeout(() => r('no answer within the hang guard'), HANG_GUARD_MS)),
]);
process.stdout.write(JSON.stringify({ health, prepare: await prepare }));
`;
const run = promisify(execFile);

let fleet: TempDir;

beforeAll(() => {
  // Two bytes a line, up to the cap: four million lines that are not JSON.
  const garbage = 'x\n'.repeat(LIMITS.executions / 2);
  fleet = tempFleet({
    noisy: { '.kaizen/schedule.yml': VALID_MANIFEST, '.kaizen/metrics/coach/executions.jsonl': `${RECORD}\n${garbage}`.slice(0, LIMITS.executions) },
  });
});

afterAll(() => fleet.cleanup());

describe('a garbage executions.jsonl at the size cap', () => {
  it('does not hold up /healthz while a prepare reads it', async () => {
    const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      // The client runs in its own process: a stalled server loop here would stall this process's timers too.
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CLIENT, base], { timeout: 60_000 });
      const seen = JSON.parse(stdout) as { health: unknown; prepare: { status: number; body: Bundle } };
      // Before the fix /healthz waited ~20 s for the parse and hit the (generous) hang guard.
      expect(seen.health).toEqual({ status: 200, body: { status: 'ok' } });

      const { status, body } = seen.prepare;
      expect(status).toBe(200);
      expect(body.metrics_source).toBe('executions_jsonl');
      expect(body.metrics_summary).toMatchObject({ executions: 1, successes: 1, first_run: '2026-03-01T09:00:00Z' });
      expect(body.metrics_summary.skipped_lines).toBeGreaterThan(4_000_000 - 100);
      expect(body.warnings.some((w) => w.includes('unreadable line(s) skipped'))).toBe(true);
    } finally {
      await app.close();
    }
  }, 90_000);
});

describe('summarizeExecutionsInSlices', () => {
  it('gives the event loop turns while it works and sums every line, like the one-go summary', async () => {
    // Valid records and garbage that looks like an object, so every line is parsed.
    const text = Array.from({ length: 60_000 }, (_, i) => (i % 3 === 2 ? `{garbage ${i}}` : RECORD.replace('"time":10', `"time":${i % 50}`))).join('\n');
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) onNextTurn(tick);
    };
    onNextTurn(tick);
    const sliced = await summarizeExecutionsInSlices(text);
    counting = false;
    expect(turns).toBeGreaterThan(1);
    expect(sliced).toEqual(summarizeExecutions(text));
    expect(sliced).toMatchObject({ executions: 40_000, skipped_lines: 20_000 });
  });

  it('skips an over-long line without parsing it', async () => {
    const long = `{"note":"${'a'.repeat(70 * 1024)}","success":true}`;
    expect(await summarizeExecutionsInSlices(`${RECORD}\n${long}\n`)).toMatchObject({ executions: 1, skipped_lines: 1 });
  });
});
