import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { isInside } from './roots.js';

export type RepoFile =
  | { status: 'ok'; path: string; text: string; bytes: number; mtimeMs: number }
  | { status: 'missing'; path: string }
  /** A symlink that leads out of the repo: treated as absent, never read. */
  | { status: 'outside'; path: string }
  | { status: 'too_large'; path: string; bytes: number; limit: number }
  | { status: 'not_a_file'; path: string };

/**
 * Reads `relative` inside `repoRoot` (a real path) with a size cap. The file's
 * real path must stay inside the repo, so a link such as memory.md -> /etc/…
 * is never followed. Synchronous on purpose: these are small local files and
 * sync calls cost a fraction of the promise API's CPU per call.
 */
export function readRepoFile(repoRoot: string, relative: string, limit: number): RepoFile {
  const lexical = path.join(repoRoot, relative);
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch {
    return { status: 'missing', path: lexical };
  }
  if (!isInside(real, repoRoot)) return { status: 'outside', path: lexical };
  let fd: number;
  try {
    fd = openSync(real, 'r');
  } catch {
    return { status: 'missing', path: lexical };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { status: 'not_a_file', path: lexical };
    if (stat.size > limit) return { status: 'too_large', path: lexical, bytes: stat.size, limit };
    // Read at most limit + 1 bytes: a file growing after fstat is still caught.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, limit) + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    if (filled > limit) return { status: 'too_large', path: lexical, bytes: filled, limit };
    return { status: 'ok', path: lexical, text: buffer.toString('utf8', 0, filled), bytes: filled, mtimeMs: stat.mtimeMs };
  } finally {
    closeSync(fd);
  }
}
