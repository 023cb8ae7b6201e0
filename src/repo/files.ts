import { constants, fstatSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { DomainError, isDomainError, pathOutsideRoots } from '../errors.js';
import { childPath, closeQuietly, errnoOf, fdPath, identityOf, isInside, realLocation } from './fd.js';
import { RACY_WINDOW_MS } from './fingerprint.js';

type Unusable =
  | { status: 'missing'; path: string }
  /** A symlink that leads out of the repo: treated as unusable, never read. */
  | { status: 'outside'; path: string }
  | { status: 'not_a_file'; path: string }
  /**
   * A regular file with more than one hard link. Refused: another name of
   * the same file may lie outside the roots (where the kernel allows such
   * links), and nothing on the inode says which name is the real one.
   */
  | { status: 'hard_link'; path: string }
  /** More than MAX_LINKS symlinks on the way: a loop, or a chain nobody means. */
  | { status: 'link_loop'; path: string }
  /** The service may not read it, or a directory on the way (EACCES). */
  | { status: 'no_access'; path: string };

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
 * An object found inside the view, or why there is none. Directories are
 * open (`fd`); a file is found by an lstat relative to its verified parent
 * and opened only when read (see `read`).
 */
export type Opened = ({ status: 'ok'; path: string; fd?: number; stat: Stats } | Unusable) & {
  /** Identities of every directory walked and of the object itself (or a marker): the fingerprint's part. */
  readonly trail: string;
  /** Some object on the way changed within the racy window. */
  readonly racy: boolean;
};

interface DirNode {
  fd: number;
  /** Path from the view's root, '' for the root. */
  rel: string;
  sig: string;
  racy: boolean;
}

/** An input a cache entry depends on: a file or a directory, relative to the view's root. */
export interface InputSpec {
  relative: string;
  kind: 'file' | 'dir';
}

interface FileHandle {
  parentFd: number;
  name: string;
  fd?: number;
  /** fstat of `fd`: what is read is sized by the opened object, not by the look before it. */
  stat?: Stats;
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
// O_NONBLOCK: a FIFO cannot hang the event loop on open; it is refused after fstat.
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
/** Symlinks followed per lookup, as the kernel's own limit. */
const MAX_LINKS = 40;

const split = (p: string): string[] => p.split(/\/+/).filter((s) => s !== '' && s !== '.');

/**
 * A repo directory opened once, through which every read (and the scaffold
 * write) of its files goes. The root is opened by its real path and then
 * verified by where the opened descriptor really is; each further component
 * is opened relative to its verified parent's descriptor with O_NOFOLLOW, so
 * no path is walked twice and a swap between two syscalls cannot redirect a
 * read. Symlinks are resolved here, component by component, and only within
 * the view: one whose target leaves the root is `outside`, decided from the
 * link text alone, so nothing outside is ever looked up.
 *
 * Every directory walked is opened and fstat'ed; a file is lstat'ed relative
 * to its verified parent and opened only when read (then checked to be the
 * object the lstat saw). `fingerprint` joins those identities, so a cache
 * entry built from a view's reads is keyed by exactly the objects read.
 * Descriptors stay open until `close()`; lookups are memoised, so what is
 * fingerprinted and what is read come from the same descriptors.
 */
export class RepoView {
  private readonly opened: number[] = [];
  private readonly dirs = new Map<string, DirNode>();
  /**
   * Directories found absent in this view (the view's paths from its root):
   * several inputs lie under one (a repo without agents/), and one look per
   * view is what every other lookup gets too.
   */
  private readonly absentDirs = new Set<string>();
  private readonly entries = new Map<string, Opened>();
  private readonly files = new WeakMap<Opened, FileHandle>();
  private readonly rootNode: DirNode;
  /** Something changed under us in an unexpected way: nothing from this view may be cached. */
  private unstable = false;
  /**
   * After close, descriptor numbers may already name other files: any use is
   * a bug (a read after the owning batch ended) and throws rather than read.
   */
  private closed = false;

  private constructor(
    /** Real path of the root; the paths this view reports start with it. */
    readonly root: string,
    rootFd: number,
    private readonly now: number,
    ownsRoot = true,
  ) {
    if (ownsRoot) this.opened.push(rootFd);
    const stat = fstatSync(rootFd);
    this.rootNode = { fd: rootFd, rel: '', sig: identityOf(stat), racy: this.isRacy(stat) };
  }

  /**
   * Opens the directory at `realRoot` (a real path, as `RepoRoots.resolveRepo`
   * returns) and checks that the descriptor really is that directory: if it
   * was swapped for a link or moved meanwhile, `repo_not_found` (or
   * `path_outside_roots` when it now lies outside `within`), never a read.
   */
  static open(realRoot: string, within?: (real: string) => boolean, now = Date.now()): RepoView {
    let fd: number;
    try {
      fd = openSync(realRoot, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    } catch (err) {
      throw errnoOf(err) === 'EACCES' ? noAccess() : repoChanged();
    }
    try {
      const real = realLocation(fd);
      if (real !== realRoot) throw within && !within(real) ? pathOutsideRoots() : repoChanged();
      return new RepoView(realRoot, fd, now);
    } catch (err) {
      closeQuietly(fd);
      if (isDomainError(err)) throw err;
      throw repoChanged();
    }
  }

  /**
   * A view over a directory descriptor the caller keeps open and verified
   * (the packaged prompts, opened once at start-up); `close` leaves it open.
   */
  static over(realRoot: string, rootFd: number, now = Date.now()): RepoView {
    return new RepoView(realRoot, rootFd, now, false);
  }

  /** Descriptor of the root directory (for writes relative to it). */
  get rootFd(): number {
    return this.rootNode.fd;
  }

  /** Hands the root descriptor to the caller, who keeps it open (see `over`). */
  detachRoot(): number {
    const fd = this.rootNode.fd;
    const at = this.opened.indexOf(fd);
    if (at >= 0) this.opened.splice(at, 1);
    return fd;
  }

  close(): void {
    this.closed = true;
    for (const fd of this.opened.splice(0)) closeQuietly(fd);
    this.dirs.clear();
    this.entries.clear();
  }

  /** The file or directory at `relative`, opened once per view. */
  open(relative: string, kind: 'file' | 'dir'): Opened {
    if (this.closed) throw new Error('RepoView used after close');
    const key = `${kind}\u0000${relative}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.walk(relative, kind);
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Forgets what `relative` resolved to, so the next `open` looks again (after a write created it). */
  forget(relative: string, kind: 'file' | 'dir'): void {
    this.entries.delete(`${kind}\u0000${relative}`);
    if (kind === 'dir') this.dirs.delete(split(relative).join('/'));
    this.absentDirs.clear();
  }

  /**
   * Reads the file at `relative` with a size cap: over `limit` bytes it is
   * `too_large`, or with `truncate` its first `limit` bytes. Synchronous on
   * purpose: these are small local files, and sync calls cost a fraction of
   * the promise API's CPU per call.
   */
  read(relative: string, limit: number, truncate = false): RepoFile {
    const file = this.open(relative, 'file');
    if (file.status !== 'ok') return { status: file.status, path: file.path };
    const fd = this.openFile(file);
    if (fd === 'no_access') return { status: 'no_access', path: file.path };
    if (fd === undefined) return { status: 'missing', path: file.path };
    // The opened file's size: it may have been replaced since the look (the view is then unstable).
    const stat = this.files.get(file)?.stat ?? file.stat;
    if (stat.size > limit && !truncate) return { status: 'too_large', path: file.path, bytes: stat.size, limit };
    // One byte more than fstat saw (at most limit + 1): a file that grew since is noticed.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, limit) + 1);
    let filled = 0;
    try {
      while (filled < buffer.length) {
        const wanted = buffer.length - filled;
        const n = readSync(fd, buffer, filled, wanted, filled);
        filled += n;
        // A short read of a regular file is its end (Linux): no second call to be told so.
        if (n < wanted) break;
      }
    } catch {
      this.unstable = true;
      return { status: 'missing', path: file.path };
    }
    if (filled > stat.size) {
      // Grown since its fstat (appended to): the text is what it held then,
      // never a stray first byte of what came after; not to be cached.
      this.unstable = true;
      filled = stat.size;
    }
    const truncated = filled > limit;
    if (truncated && !truncate) return { status: 'too_large', path: file.path, bytes: filled, limit };
    const bytes = Math.min(filled, limit);
    return {
      status: 'ok',
      path: file.path,
      // A cut inside a multi-byte character leaves a replacement char: drop it.
      text: truncated ? buffer.toString('utf8', 0, bytes).replace(/\uFFFD$/, '') : buffer.toString('utf8', 0, bytes),
      bytes,
      size: Math.max(stat.size, filled),
      truncated,
    };
  }

  /**
   * Opens the file `file` was found as, relative to the same verified parent
   * and with O_NOFOLLOW, and checks by fstat that it is the object the lstat
   * saw: otherwise the file was replaced in between, and what is read (still
   * a regular file inside the view) must not be cached under the earlier
   * signature, so the view is marked unstable.
   */
  private openFile(file: Opened & { status: 'ok' }): number | 'no_access' | undefined {
    if (this.closed) throw new Error('RepoView used after close');
    const handle = this.files.get(file);
    if (!handle) return undefined;
    if (handle.fd !== undefined) return handle.fd;
    let fd: number;
    try {
      fd = openSync(childPath(handle.parentFd, handle.name), FILE_FLAGS);
    } catch (err) {
      // Unreadable is a state of the file, not a race: nothing unstable about it.
      if (errnoOf(err) === 'EACCES') return 'no_access';
      this.unstable = true;
      return undefined;
    }
    this.opened.push(fd);
    let stat: Stats;
    try {
      stat = fstatSync(fd);
    } catch {
      this.unstable = true;
      return undefined;
    }
    if (!stat.isFile() || stat.nlink > 1) {
      this.unstable = true;
      return undefined;
    }
    if (identityOf(stat) !== identityOf(file.stat)) this.unstable = true;
    handle.fd = fd;
    handle.stat = stat;
    return fd;
  }

  /** Names in the directory at `relative` (empty when it is unusable). */
  list(relative: string): string[] {
    const dir = this.open(relative, 'dir');
    if (dir.status !== 'ok' || dir.fd === undefined) return [];
    try {
      return readdirSync(fdPath(dir.fd));
    } catch {
      this.unstable = true;
      return [];
    }
  }

  /**
   * A signature of the objects `inputs` resolve to in this view (each
   * directory walked and the object itself), or undefined when one changed
   * within the racy window or the view saw the disk change under it: "do not
   * cache this now".
   */
  fingerprint(inputs: readonly InputSpec[]): string | undefined {
    let signature = this.rootNode.sig;
    for (const input of inputs) {
      const opened = this.open(input.relative, input.kind);
      if (opened.racy) return undefined;
      signature += `\n${opened.trail}`;
    }
    return this.unstable || this.rootNode.racy ? undefined : signature;
  }

  private isRacy(s: Stats): boolean {
    return this.now - s.mtimeMs < RACY_WINDOW_MS || this.now - s.ctimeMs < RACY_WINDOW_MS;
  }

  private walk(relative: string, kind: 'file' | 'dir'): Opened {
    const lexical = path.join(this.root, relative);
    const pending = split(relative);
    const chain: DirNode[] = [this.rootNode];
    let trail = '';
    let racy = false;
    let links = 0;
    const refuse = (status: Unusable['status']): Opened => ({ status, path: lexical, trail: `${trail}|${status}`, racy });

    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '..') {
        if (chain.length === 1) return refuse('outside');
        chain.pop();
        continue;
      }
      const parent = chain[chain.length - 1]!;
      const last = pending.length === 0;
      const wantFile = last && kind === 'file';
      const rel = parent.rel === '' ? name : `${parent.rel}/${name}`;
      const known = wantFile ? undefined : this.dirs.get(rel);
      if (!wantFile && this.absentDirs.has(rel)) return refuse('missing');
      if (known) {
        chain.push(known);
        trail += `|${known.sig}`;
        racy ||= known.racy;
        continue;
      }

      // A file is looked at with lstat (no open: a FIFO or a device is never
      // opened, a missing file costs one call) and opened when read; a
      // directory is opened, since the walk goes on through its descriptor.
      let fd: number | undefined;
      let stat: Stats | undefined;
      let code: string | undefined;
      // A file: throwIfNoEntry spares an absent one (no TODO.md) the cost of
      // an exception, most of a failed call's. A directory is opened straight
      // away: most exist, and an lstat first would cost more than it saves.
      try {
        if (wantFile) {
          stat = lstatSync(childPath(parent.fd, name), { throwIfNoEntry: false });
          if (stat === undefined) return refuse('missing');
        } else {
          fd = openSync(childPath(parent.fd, name), DIR_FLAGS);
        }
      } catch (err) {
        code = errnoOf(err) ?? 'EIO';
      }
      const isLink = stat?.isSymbolicLink() === true || code === 'ELOOP' || code === 'ENOTDIR';
      if (code !== undefined && !isLink) {
        if (code === 'EACCES') return refuse('no_access');
        if (code === 'ENOENT') {
          if (!wantFile) this.absentDirs.add(rel);
          return refuse('missing');
        }
        this.unstable = true;
        return refuse('missing');
      }
      if (isLink) {
        // ENOTDIR on a directory open: a symlink, or not a directory at all.
        let target: string;
        try {
          target = readlinkSync(childPath(parent.fd, name));
        } catch (linkErr) {
          if (errnoOf(linkErr) !== 'EINVAL') this.unstable = true;
          return refuse(last ? 'not_a_file' : 'missing');
        }
        if (++links > MAX_LINKS) return refuse('link_loop');
        trail += `|>${name}`;
        if (path.isAbsolute(target)) {
          if (!isInside(target, this.root)) return refuse('outside');
          chain.length = 1;
          pending.unshift(...split(path.relative(this.root, target)));
        } else {
          pending.unshift(...split(target));
        }
        continue;
      }
      if (fd !== undefined) {
        this.opened.push(fd);
        try {
          stat = fstatSync(fd);
        } catch {
          this.unstable = true;
          return refuse('missing');
        }
      }
      const sig = identityOf(stat!);
      trail += `|${sig}`;
      racy ||= this.isRacy(stat!);
      if (!wantFile) {
        const node: DirNode = { fd: fd!, rel, sig, racy: this.isRacy(stat!) };
        this.dirs.set(rel, node);
        chain.push(node);
        continue;
      }
      if (!stat!.isFile()) return refuse('not_a_file');
      if (stat!.nlink > 1) return refuse('hard_link');
      const found: Opened = { status: 'ok', path: lexical, stat: stat!, trail, racy };
      this.files.set(found, { parentFd: parent.fd, name });
      return found;
    }
    if (kind === 'file') return refuse('not_a_file');
    const dir = chain[chain.length - 1]!;
    return { status: 'ok', path: lexical, fd: dir.fd, stat: fstatSync(dir.fd), trail, racy };
  }
}

const noAccess = (): DomainError =>
  new DomainError('repo_not_found', 'The repository directory cannot be read (permission denied).');

const repoChanged = (): DomainError =>
  new DomainError('repo_not_found', 'The repository directory changed while it was being read; try again.');

/** Runs `use` with a view of `realRoot`, closing it afterwards. */
export function withRepoView<T>(realRoot: string, use: (view: RepoView) => T, within?: (real: string) => boolean): T {
  const view = RepoView.open(realRoot, within);
  try {
    return use(view);
  } finally {
    view.close();
  }
}

/** A repo given as a view already open (one request's consistent look at it), or by real path. */
export type RepoRef = RepoView | string;

/** Runs `use` with `repo`'s view, opening (and closing) one when given a path. */
export const inRepo = <T>(repo: RepoRef, use: (view: RepoView) => T): T => (typeof repo === 'string' ? withRepoView(repo, use) : use(repo));

/** One confined read of `relative` in the repo at `repoRoot` (a real path). */
export function readRepoFile(repoRoot: string, relative: string, limit: number, truncate = false): RepoFile {
  return withRepoView(repoRoot, (view) => view.read(relative, limit, truncate));
}

/** Why a present file was not used, for warnings and errors; undefined when it was read or is absent. */
export function whyUnusable(file: RepoFile | Opened, what: string): string | undefined {
  switch (file.status) {
    case 'outside':
      return `${what} is a link leading out of the repo and was ignored`;
    case 'hard_link':
      return `${what} has more than one hard link (another name may lie outside the repo) and was ignored`;
    case 'too_large':
      return `${what} is ${file.bytes} bytes, over the ${file.limit}-byte limit, and was ignored`;
    case 'not_a_file':
      return `${what} is not a regular file and was ignored`;
    case 'link_loop':
      return `${what} is a link that leads round in a loop and was ignored`;
    case 'no_access':
      return `${what} cannot be read (permission denied) and was ignored`;
    default:
      return undefined;
  }
}
