import { closeSync, constants, openSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';

/*
 * Descriptor-relative file access for Linux, through /proc/<pid>/fd.
 *
 * Node has no openat(2). Opening `/proc/self/fd/<dirfd>/<name>` is the same
 * thing: the kernel jumps through the magic link to the directory the
 * descriptor holds (wherever it is now) and looks `name` up in it, so a path is
 * never walked from the top twice, and O_NOFOLLOW refuses `name` itself when it
 * is a symlink. `readlink('/proc/self/fd/<fd>')` tells where an opened object
 * really is, which is how a directory opened by name is verified after the
 * open rather than before it.
 */

/**
 * By pid rather than `/proc/self`: that is itself a link the kernel would
 * resolve on every lookup (a quarter of the cost of a stat through it). The
 * pid cannot change under a running Node process, and threads share the
 * descriptor table.
 */
export const PROC_FD = `/proc/${process.pid}/fd`;

/** The opened object itself. */
export const fdPath = (fd: number): string => `${PROC_FD}/${fd}`;

/** `name` inside the directory `dirFd` holds (openat emulation). */
export const childPath = (dirFd: number, name: string): string => `${PROC_FD}/${dirFd}/${name}`;

/** Where the object `fd` holds is now, as the kernel sees it. */
export const realLocation = (fd: number): string => readlinkSync(fdPath(fd));

export const isInside = (child: string, parent: string): boolean =>
  child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);

export const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Identity and state of an opened object: any write, replacement or rename changes it. */
export const identityOf = (s: Stats): string => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

/**
 * Fails at start-up, with a message an operator can act on, where the
 * mechanism is unavailable (not Linux, or /proc not mounted): serving without
 * it would give up the confinement guarantee silently.
 */
export function assertDescriptorPaths(): void {
  let fd: number | undefined;
  try {
    fd = openSync('/', constants.O_RDONLY | constants.O_DIRECTORY);
    if (realLocation(fd) === '/') return;
  } catch {
    // reported below
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
  throw new Error('kaizen-schedule needs Linux with /proc mounted: it confines file access through /proc/self/fd');
}
