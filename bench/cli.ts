// Phase: the command line's wall time per call. `kaizen-schedule validate`
// and `prepare` as a runner or a pre-commit hook spawns them, next to
// `node -e ''` (a bare Node start, the floor any Node command pays), in
// interleaved rounds so machine noise hits all three alike.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { median } from './support.js';

export interface CliBenchResult {
  calls: number;
  floor_median_ms: number;
  validate_median_ms: number;
  prepare_median_ms: number;
  validate_ratio: number;
  prepare_ratio: number;
}

/** Target: each verb within this multiple of a bare `node -e ''`. */
export const CLI_TARGET_RATIO = 2;


/** Milliseconds for one run of `command args`, which must exit 0. */
function timed(command: string, args: string[], cwd: string): number {
  const t0 = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  return ms;
}

/**
 * Runs the built command (the package's `bin`, built by `npm run build`)
 * `calls` times per verb against `repo`, a repo with a manifest and a coach
 * memory, from inside it (as a hook runs).
 */
export async function benchCli(root: string, repo: string, calls: number): Promise<CliBenchResult> {
  const bin = path.join(root, (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['kaizen-schedule']!);
  const floor: number[] = [];
  const validate: number[] = [];
  const prepare: number[] = [];
  // One untimed round: the first spawn pays for a cold page cache.
  for (let i = -1; i < calls; i++) {
    const f = timed(process.execPath, ['-e', ''], repo);
    const v = timed(bin, ['validate'], repo);
    const p = timed(bin, ['prepare', 'coach'], repo);
    if (i < 0) continue;
    floor.push(f);
    validate.push(v);
    prepare.push(p);
  }
  const floorMs = median(floor);
  return {
    calls,
    floor_median_ms: floorMs,
    validate_median_ms: median(validate),
    prepare_median_ms: median(prepare),
    validate_ratio: median(validate) / floorMs,
    prepare_ratio: median(prepare) / floorMs,
  };
}
