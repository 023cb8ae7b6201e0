import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { DomainError, pathOutsideRoots } from '../errors.js';
import { RepoView } from './files.js';
import { assertDescriptorPaths, isInside } from './fd.js';

export { isInside };

const hasTraversal = (p: string): boolean => p.split(/[\\/]+/).some((segment) => segment === '..');

/** Decodes repeatedly so double-encoded traversal (%252e%252e) is seen too. */
function fullyDecoded(p: string): string {
  let current = p;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * Where `absolute` leads when it cannot be fully resolved (a dangling link, a
 * missing component): links are followed as far as they exist and the missing
 * rest is appended as written. Undefined for link loops.
 */
export function resolveAsFarAsExists(absolute: string): string | undefined {
  const pending = absolute.split(path.sep).filter(Boolean);
  let current = path.parse(absolute).root;
  for (let links = 0; pending.length > 0; ) {
    const next = path.join(current, pending.shift()!);
    let link: string | undefined;
    try {
      link = lstatSync(next).isSymbolicLink() ? readlinkSync(next) : undefined;
    } catch {
      return path.join(next, ...pending);
    }
    if (link === undefined) {
      current = next;
      continue;
    }
    if (++links > 40) return undefined;
    // `current` holds no links, so resolving `..` in the target lexically is exact.
    const target = path.resolve(current, link);
    pending.unshift(...target.split(path.sep).filter(Boolean));
    current = path.parse(target).root;
  }
  return current;
}

/**
 * The configured repo roots and the confinement rule every path obeys: a path
 * is usable only if it resolves, after following symlinks, inside one of them.
 */
export class RepoRoots {
  /** Absolute roots as configured. */
  readonly configured: readonly string[];
  /** The same roots with symlinks resolved; the final check is against these. */
  readonly roots: readonly string[];

  /** Throws when a root does not exist (the config loader reports that). */
  constructor(roots: readonly string[]) {
    if (roots.length === 0) throw new Error('at least one repo root is required');
    assertDescriptorPaths();
    this.configured = roots.map((r) => path.resolve(r));
    this.roots = this.configured.map((r) => realpathSync(r));
  }

  /** Opens a view of the repo `resolveRepo` returned, verified to be that directory still. */
  open(realRoot: string): RepoView {
    return RepoView.open(realRoot, (real) => this.contains(real));
  }

  /** Whether an already symlink-free path lies inside a root. */
  contains(realPath: string): boolean {
    return this.roots.some((root) => isInside(realPath, root));
  }

  /**
   * Resolves a repo path named by a request or the hub to the real path of a
   * directory inside the roots; relative paths are taken against the first
   * root. Anything that leaves the roots is refused with `path_outside_roots`
   * before it is looked up on disk, so the answer never tells what exists
   * outside.
   */
  resolveRepo(target: string): string {
    if (target.length === 0 || target.length > 4096) {
      throw new DomainError('invalid_target', 'target must be a non-empty path of at most 4096 characters.');
    }
    if (target.includes('\0') || hasTraversal(target) || hasTraversal(fullyDecoded(target))) {
      throw pathOutsideRoots();
    }
    const lexical = path.resolve(this.roots[0]!, target);
    const underARoot = [...this.roots, ...this.configured].some((root) => isInside(lexical, root));
    if (!underARoot) throw pathOutsideRoots();

    // realpath says where the path leads without opening anything, so a link
    // out of the roots is refused before anything outside is touched. This
    // is only the check that picks the answer: every use opens the real path
    // through RepoView.open, which verifies the opened descriptor is still
    // that directory, so a swap after this check is caught where it matters.
    let real: string;
    try {
      real = realpathSync.native(lexical);
    } catch {
      throw this.unopenable(lexical, target, undefined);
    }
    // A symlink on the way may still lead out of the roots.
    if (!this.contains(real)) throw pathOutsideRoots();
    // A root holds repos; it is not one (init would write into the fleet
    // directory, prepare would read its SCOPE.md).
    if (this.roots.includes(real)) {
      throw new DomainError('invalid_target', 'target names a repo root itself; name a repository inside it.');
    }
    // lstat, guarded: the real path holds no links, and a race here is a 404, not a 500.
    let isDirectory = false;
    try {
      isDirectory = lstatSync(real).isDirectory();
    } catch {
      // gone meanwhile
    }
    if (!isDirectory) throw this.unopenable(lexical, target, 'ENOTDIR');
    return real;
  }

  /**
   * Why `lexical` could not be opened as a directory. Where it would lead is
   * worked out from the links alone, so a dangling link or a file out of the
   * roots gets the same refusal as a live one: a 404 would tell the caller
   * what does not exist outside.
   */
  private unopenable(lexical: string, target: string, code: string | undefined): DomainError {
    let leadsTo: string | undefined;
    try {
      leadsTo = realpathSync.native(lexical);
    } catch {
      leadsTo = resolveAsFarAsExists(lexical);
    }
    if (leadsTo === undefined || !this.contains(leadsTo)) return pathOutsideRoots();
    const detail = code === 'ENOTDIR' ? `Target '${target}' is not a directory.` : `No repository directory at target '${target}'.`;
    return new DomainError('repo_not_found', detail);
  }
}
