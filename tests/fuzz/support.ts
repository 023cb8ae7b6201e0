import fc from 'fast-check';

/**
 * Shared plumbing of the hostile-input suites (tests/fuzz/*.test.ts): every
 * property runs with a fixed seed so CI is reproducible, and the exact number
 * of cases each property ran is printed when the file finishes.
 *
 * FUZZ_SEED overrides every seed (explore new inputs locally); FUZZ_SCALE
 * multiplies every run count (e.g. FUZZ_SCALE=10 for a long soak).
 */

interface Ran {
  name: string;
  cases: number;
  seed: number;
  ms: number;
  /** Outcome counts noted while the property ran (e.g. HTTP statuses). */
  seen: Map<string, number>;
}

const seedOverride = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const scale = Math.max(0.01, Number(process.env.FUZZ_SCALE ?? 1) || 1);

export class FuzzLog {
  private readonly ran: Ran[] = [];
  private seen = new Map<string, number>();

  constructor(private readonly suite: string) {}

  /**
   * Runs a sync or async property with a fixed seed and records how many
   * cases ran; a failure throws fast-check's report (seed, path, counterexample).
   */
  async check<Ts>(name: string, property: fc.IRawProperty<Ts>, options: { seed: number; numRuns: number }): Promise<void> {
    const seed = seedOverride ?? options.seed;
    const numRuns = Math.max(1, Math.round(options.numRuns * scale));
    const started = performance.now();
    this.seen = new Map();
    const details = await fc.check(property, { seed, numRuns, endOnFailure: false });
    // Cases actually executed: the runs, plus the shrinking steps after a failure.
    this.ran.push({ name, cases: details.numRuns + details.numShrinks, seed, ms: performance.now() - started, seen: this.seen });
    if (details.failed) {
      const cause = details.errorInstance;
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new Error(`${fc.defaultReportMessage(details) ?? `property '${name}' failed (seed ${seed})`}\n\nGot: ${why}`, { cause });
    }
  }

  /** Counts an outcome of the running property, printed with its line (shows what the inputs reached). */
  note(outcome: string): void {
    this.seen.set(outcome, (this.seen.get(outcome) ?? 0) + 1);
  }

  /** Cases recorded so far (for a sanity assertion in the suite). */
  get total(): number {
    return this.ran.reduce((sum, r) => sum + r.cases, 0);
  }

  /** The lines the suite prints: one per property, then the total. */
  lines(): string[] {
    const out = this.ran.map((r) => {
      const seen = [...r.seen].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k}×${n}`).join(' ');
      return `fuzz: ${r.name}: ${r.cases} cases (seed ${r.seed}) in ${Math.round(r.ms)} ms${seen ? ` [${seen}]` : ''}`;
    });
    const ms = this.ran.reduce((sum, r) => sum + r.ms, 0);
    out.push(`fuzz: ${this.suite} total: ${this.total} cases in ${this.ran.length} properties, ${Math.round(ms)} ms`);
    return out;
  }

  print(): void {
    process.stdout.write(`${this.lines().join('\n')}\n`);
  }
}
