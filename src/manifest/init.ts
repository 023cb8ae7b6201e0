import { linkSync, lstatSync, mkdirSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isInside } from '../repo/roots.js';
import { ServiceError, pathOutsideRoots } from '../shared/errors.js';
import { scaffoldManifest } from './scaffold.js';
import { SCHEDULE_RELATIVE_PATH } from './types.js';

export interface InitResult {
  path: string;
  overwritten: boolean;
  manifest: string;
}

/**
 * Writes the default manifest into a repo atomically: the text goes to a
 * temporary file beside the target, which is then linked into place (fails if
 * a manifest appeared meanwhile) or, with `force`, renamed over it.
 */
export function writeScaffold(repoRoot: string, timezone: string, force: boolean): InitResult {
  const dir = path.join(repoRoot, path.dirname(SCHEDULE_RELATIVE_PATH));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const refused = writeRefused(err);
    if (refused) throw refused;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new ServiceError('kaizen_dir_conflict', 409, 'Cannot create .kaizen', 'The repo has a .kaizen that is not a directory; remove or rename it first.');
    }
    throw err;
  }
  // .kaizen itself might be a link out of the repo: never write through it.
  if (!isInside(realpathSync(dir), repoRoot)) throw pathOutsideRoots('.kaizen directory');
  const target = path.join(repoRoot, SCHEDULE_RELATIVE_PATH);

  let exists = false;
  try {
    lstatSync(target);
    exists = true;
  } catch {
    // absent: the common case
  }
  if (exists && !force) throw alreadyExists();

  const manifest = scaffoldManifest(timezone);
  const temp = path.join(dir, `.schedule.yml.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, manifest, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw writeRefused(err) ?? err;
  }
  try {
    if (force) {
      renameSync(temp, target);
    } else {
      linkSync(temp, target);
      unlinkSync(temp);
    }
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists();
    throw writeRefused(err) ?? err;
  }
  return { path: target, overwritten: exists, manifest };
}

/** A checkout mounted read-only, or not writable by the service: 403, not a 500. */
function writeRefused(err: unknown): ServiceError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') return undefined;
  return new ServiceError('repo_read_only', 403, 'Repository is read-only', 'The service may not write into this repository (read-only mount or permissions).');
}

const alreadyExists = (): ServiceError =>
  new ServiceError('schedule_exists', 409, 'Schedule already exists', `${SCHEDULE_RELATIVE_PATH} already exists in this repo; send "force": true to overwrite it.`);
