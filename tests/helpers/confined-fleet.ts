import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { VALID_MANIFEST, link, tempDir, tempFleet, type TempDir } from './fleet.js';

export const SCHEDULE = '.kaizen/schedule.yml';

export interface ConfinedFleet {
  /** The first repo root. */
  fleet: TempDir;
  /** The second repo root. */
  second: TempDir;
  /** A directory outside both roots that links lead into. */
  outside: TempDir;
  cleanup(): void;
}

/**
 * Two repo roots and links into and out of them, for the confinement tests of
 * the core (tests/repo/) and of the routes (tests/http/routes/confinement.test.ts):
 *   root/good            a valid repo
 *   root/empty           a repo without a manifest
 *   root/plain-file      a file, not a repo
 *   root/evil -> outside/existing         (a link leaving the root, target exists)
 *   root/dangling -> outside/missing      (a link leaving the root, target does not exist)
 *   root/alias -> root/good               (a link staying inside the root)
 *   root/leaky/.kaizen/schedule.yml -> outside/existing/schedule.yml
 *   root/leaky-dangling/.kaizen/schedule.yml -> outside/missing.yml
 *   root/linked-kaizen/.kaizen -> outside/existing
 *   root/inner-link/.kaizen/schedule.yml -> ../config/schedule.yml (inside the repo)
 *   root/sibling-link/.kaizen/schedule.yml -> root/good/.kaizen/schedule.yml (another repo)
 *   second/other         a repo in the second root
 */
export function confinedFleet(): ConfinedFleet {
  const fleet = tempFleet({
    good: { [SCHEDULE]: VALID_MANIFEST },
    empty: { 'README.md': '# empty\n' },
    'inner-link': { 'config/schedule.yml': VALID_MANIFEST },
    'sibling-link': { 'README.md': '\n' },
    leaky: { 'README.md': '\n' },
    'leaky-dangling': { 'README.md': '\n' },
    'linked-kaizen': { 'README.md': '\n' },
  });
  writeFileSync(path.join(fleet.dir, 'plain-file'), 'not a repo\n');
  const second = tempFleet({ other: { [SCHEDULE]: VALID_MANIFEST } });
  const outside = tempDir('kaizen-outside-');
  mkdirSync(path.join(outside.dir, 'existing', '.kaizen'), { recursive: true });
  writeFileSync(path.join(outside.dir, 'existing', 'schedule.yml'), VALID_MANIFEST);
  writeFileSync(path.join(outside.dir, 'existing', SCHEDULE), VALID_MANIFEST);

  const at = (relative: string): string => path.join(fleet.dir, relative);
  link(path.join(outside.dir, 'existing'), at('evil'));
  link(path.join(outside.dir, 'missing'), at('dangling'));
  link(path.join(fleet.dir, 'good'), at('alias'));
  link(path.join(outside.dir, 'existing', 'schedule.yml'), at(`leaky/${SCHEDULE}`));
  link(path.join(outside.dir, 'missing.yml'), at(`leaky-dangling/${SCHEDULE}`));
  link(path.join(outside.dir, 'existing'), at('linked-kaizen/.kaizen'));
  link('../config/schedule.yml', at(`inner-link/${SCHEDULE}`));
  link(path.join(fleet.dir, 'good', SCHEDULE), at(`sibling-link/${SCHEDULE}`));

  return {
    fleet,
    second,
    outside,
    cleanup: () => {
      fleet.cleanup();
      second.cleanup();
      outside.cleanup();
    },
  };
}
