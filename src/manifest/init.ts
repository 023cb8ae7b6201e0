import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, linkSync, lstatSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { childPath, errnoOf } from '../repo/fd.js';
import { withRepoView, type RepoRef, type RepoView } from '../repo/files.js';
import { DomainError, isDomainError, pathOutsideRoots } from '../errors.js';
import { scaffoldManifest } from './scaffold.js';
import { SCHEDULE_RELATIVE_PATH } from './types.js';

export interface InitResult {
  path: string;
  overwritten: boolean;
  manifest: string;
}

const KAIZEN_DIR = path.dirname(SCHEDULE_RELATIVE_PATH);
const MANIFEST_NAME = path.basename(SCHEDULE_RELATIVE_PATH);
const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes the default manifest into a repo atomically, relative to the
 * verified `.kaizen` directory descriptor of `repo` (created if absent): the
 * text goes to a temporary file in that directory, which is then linked into
 * place (fails if a manifest appeared meanwhile) or, with `force`, renamed
 * over it. Both names are taken relative to the same descriptor, so a
 * `.kaizen` swapped for a link while this runs cannot redirect the write; the
 * temporary file is removed on every failure. Every failure maps to a
 * documented problem (403, 409), never a 500.
 */
export function writeScaffold(repo: RepoRef, timezone: string, force: boolean): InitResult {
  if (typeof repo === 'string') return withRepoView(repo, (view) => writeScaffold(view, timezone, force));
  const kaizen = kaizenDir(repo);
  const target = path.join(repo.root, SCHEDULE_RELATIVE_PATH);
  const at = (name: string) => childPath(kaizen, name);

  let exists = false;
  try {
    exists = true;
    if (lstatSync(at(MANIFEST_NAME)).isDirectory()) {
      throw new DomainError('kaizen_dir_conflict', `${SCHEDULE_RELATIVE_PATH} is a directory; remove or rename it first.`);
    }
  } catch (err) {
    if (isDomainError(err)) throw err;
    if (errnoOf(err) !== 'ENOENT') throw changed(err);
    exists = false;
  }
  if (exists && !force) throw alreadyExists();

  const manifest = scaffoldManifest(timezone);
  const temp = `.${MANIFEST_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let fd: number;
  try {
    fd = openSync(at(temp), TEMP_FLAGS, 0o644);
  } catch (err) {
    throw writeRefused(err) ?? changed(err);
  }
  try {
    try {
      const bytes = Buffer.from(manifest);
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    } finally {
      closeSync(fd);
    }
    if (force) {
      renameSync(at(temp), at(MANIFEST_NAME));
    } else {
      linkSync(at(temp), at(MANIFEST_NAME));
      unlinkSync(at(temp));
    }
  } catch (err) {
    try {
      unlinkSync(at(temp));
    } catch {
      // already gone (renamed into place, or never there)
    }
    if (errnoOf(err) === 'EEXIST') throw alreadyExists();
    throw writeRefused(err) ?? changed(err);
  }
  return { path: target, overwritten: exists, manifest };
}

/**
 * The descriptor of the repo's `.kaizen` directory, created when absent. A
 * `.kaizen` that is a link out of the repo is refused (403, like a live or a
 * dangling one alike: the verdict comes from the link text); one that is not
 * a directory, or a link inside the repo to nothing, is a 409.
 */
function kaizenDir(repo: RepoView): number {
  let dir = repo.open(KAIZEN_DIR, 'dir');
  if (dir.status === 'missing') {
    try {
      mkdirSync(childPath(repo.rootFd, KAIZEN_DIR), { mode: 0o755 });
    } catch (err) {
      // EEXIST: created meanwhile, or a dangling link; the second look tells.
      if (errnoOf(err) !== 'EEXIST') throw writeRefused(err) ?? kaizenConflict();
    }
    repo.forget(KAIZEN_DIR, 'dir');
    dir = repo.open(KAIZEN_DIR, 'dir');
  }
  if (dir.status === 'outside' || dir.status === 'hard_link') throw pathOutsideRoots('.kaizen directory');
  if (dir.status === 'no_access') throw readOnly();
  if (dir.status !== 'ok' || dir.fd === undefined) throw kaizenConflict();
  // The view's descriptor was opened O_DIRECTORY|O_NOFOLLOW; check it is one anyway.
  if (!fstatSync(dir.fd).isDirectory()) throw kaizenConflict();
  return dir.fd;
}

/** A checkout mounted read-only, or not writable by the service: 403, not a 500. */
function writeRefused(err: unknown): DomainError | undefined {
  const code = errnoOf(err);
  if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') return undefined;
  return readOnly();
}

const readOnly = (): DomainError =>
  new DomainError('repo_read_only', 'The service may not write into this repository (read-only mount or permissions).');

const kaizenConflict = (): DomainError =>
  new DomainError('kaizen_dir_conflict', 'The repo has a .kaizen that is not a directory; remove or rename it first.');

/** Anything else the disk said while writing: it changed under the write (a concurrent rename or removal). */
const changed = (err: unknown): DomainError =>
  new DomainError('kaizen_dir_conflict', `The .kaizen directory changed while the manifest was being written (${errnoOf(err) ?? 'unknown error'}); try again.`);

const alreadyExists = (): DomainError =>
  new DomainError('schedule_exists', `${SCHEDULE_RELATIVE_PATH} already exists in this repo; send "force": true to overwrite it.`);
