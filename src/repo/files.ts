import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isInside, resolveAsFarAsExists } from './roots.js';

type Unusable =
  | { status: 'missing'; path: string }
  /** A symlink that leads out of the repo: treated as unusable, never read. */
  | { status: 'outside'; path: string }
  | { status: 'not_a_file'; path: string };

export type LocatedFile = { status: 'ok'; path: string; real: string; dev: number; ino: number } | Unusable;

export type RepoFile =
  | {
      status: 'ok';
      path: string;
      text: string;
      /** Bytes read (all of the file unless `truncated`). */
      bytes: number;
      /** Size of the whole file. */
      size: number;
      truncated: boolean;
    }
  | Unusable
  | { status: 'too_large'; path: string; bytes: number; limit: number };

/**
 * Finds `relative` inside `repoRoot` (a real path) without reading it. Its real
 * path must stay inside the repo, so a link such as memory.md -> /etc/passwd
 * is never followed.
 */
export function locateRepoFile(repoRoot: string, relative: string): LocatedFile {
  const lexical = path.join(repoRoot, relative);
  let real: string;
  try {
    real = realpathSync.native(lexical);
  } catch {
    // A dangling link aimed out of the repo counts as outside, like a live
    // one: otherwise the answer would tell whether its target exists.
    const leadsTo = resolveAsFarAsExists(lexical);
    return { status: leadsTo === undefined || isInside(leadsTo, repoRoot) ? 'missing' : 'outside', path: lexical };
  }
  if (!isInside(real, repoRoot)) return { status: 'outside', path: lexical };
  let stat;
  try {
    stat = statSync(real);
  } catch {
    return { status: 'missing', path: lexical };
  }
  if (!stat.isFile()) return { status: 'not_a_file', path: lexical };
  return { status: 'ok', path: lexical, real, dev: stat.dev, ino: stat.ino };
}

/**
 * Reads a confined repo file with a size cap: over `limit` bytes it is
 * `too_large`, or with `truncate` its first `limit` bytes. Synchronous on
 * purpose: these are small local files, and sync calls cost a fraction of the
 * promise API's CPU per call.
 */
export function readRepoFile(repoRoot: string, relative: string, limit: number, truncate = false): RepoFile {
  const located = locateRepoFile(repoRoot, relative);
  if (located.status !== 'ok') return located;
  let fd: number;
  try {
    // O_NOFOLLOW and the inode check below: a link or another file swapped in
    // after the confinement check is not read; O_NONBLOCK: a FIFO swapped in
    // cannot hang the event loop on open.
    fd = openSync(located.real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return { status: 'missing', path: located.path };
  }
  try {
    const stat = fstatSync(fd);
    if (stat.dev !== located.dev || stat.ino !== located.ino) return { status: 'outside', path: located.path };
    if (!stat.isFile()) return { status: 'not_a_file', path: located.path };
    if (stat.size > limit && !truncate) return { status: 'too_large', path: located.path, bytes: stat.size, limit };
    // Read at most limit + 1 bytes: a file that grew after fstat is still caught.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, limit) + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    const truncated = filled > limit;
    if (truncated && !truncate) return { status: 'too_large', path: located.path, bytes: filled, limit };
    const bytes = Math.min(filled, limit);
    return {
      status: 'ok',
      path: located.path,
      // A cut inside a multi-byte character leaves a replacement char: drop it.
      text: truncated ? buffer.toString('utf8', 0, bytes).replace(/\uFFFD$/, '') : buffer.toString('utf8', 0, bytes),
      bytes,
      size: Math.max(stat.size, filled),
      truncated,
    };
  } finally {
    closeSync(fd);
  }
}
