import path from 'node:path';
import { inRepo, whyUnusable, type InputSpec, type RepoRef, type RepoView } from '../repo/files.js';
import { DomainError, pathOutsideRoots } from '../errors.js';
import { MAX_MANIFEST_BYTES, SCHEDULE_RELATIVE_PATH, TOO_LARGE_HINT, type Diagnostic, type ValidationResult } from './types.js';
import { validateManifest, type ValidateOptions } from './validate.js';

export type RepoManifest =
  /** `unusable`: why a file that is there was passed over (not a regular file, a link loop). */
  | { status: 'missing'; path: string; unusable?: string }
  | { status: 'loaded'; path: string; result: ValidationResult };

/** The manifest, as an input of a repo view. */
export const MANIFEST_INPUT: InputSpec = { relative: SCHEDULE_RELATIVE_PATH, kind: 'file' };

/**
 * Reads and validates `<repo>/.kaizen/schedule.yml`. A manifest that is a link
 * leaving the repo is refused; one over the size cap is reported as a
 * `file_too_large` diagnostic without being read.
 */
export function loadRepoManifest(repo: RepoRef, options: ValidateOptions): RepoManifest {
  return loadManifestFile(repo, MANIFEST_INPUT.relative, options);
}

/** The same for a manifest at `relative` inside `repo` (the CLI's `validate --file`: a directory), confined to it. */
export function loadManifestFile(repo: RepoRef, relative: string, options: ValidateOptions): RepoManifest {
  return inRepo(repo, (view) => loadFrom(view, relative, options));
}

function loadFrom(repo: RepoView, relative: string, options: ValidateOptions): RepoManifest {
  const file = repo.read(relative, MAX_MANIFEST_BYTES);
  switch (file.status) {
    case 'missing':
      return { status: 'missing', path: path.join(repo.root, relative) };
    case 'not_a_file':
    case 'link_loop':
    case 'no_access':
      return { status: 'missing', path: path.join(repo.root, relative), unusable: whyUnusable(file, relative)! };
    case 'outside':
      throw pathOutsideRoots('schedule file');
    case 'hard_link':
      // Its other name may be outside the roots; nothing tells which is the real one.
      throw new DomainError('path_outside_roots', 'The schedule file has more than one hard link, so it may not belong to this repo.');
    case 'too_large':
      return { status: 'loaded', path: file.path, result: { valid: false, warnings: [], errors: [fileTooLarge(relative, file.bytes, file.limit)] } };
    case 'ok':
      return { status: 'loaded', path: file.path, result: validateManifest(file.text, options) };
  }
}

/**
 * The diagnostic for a manifest over the size cap, which is refused unread.
 * `bytes` undefined: a stream that was cut off at the cap (its size is unknown).
 */
export const fileTooLarge = (name: string, bytes: number | undefined, limit: number): Diagnostic => ({
  severity: 'error',
  code: 'file_too_large',
  message: bytes === undefined ? `${name} is more than ${limit} bytes; the limit is ${limit} bytes` : `${name} is ${bytes} bytes; the limit is ${limit} bytes`,
  path: '',
  hint: TOO_LARGE_HINT,
});
