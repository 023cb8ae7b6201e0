import path from 'node:path';
import { inRepo, type InputSpec, type RepoRef, type RepoView } from '../repo/files.js';
import { ServiceError, pathOutsideRoots } from '../shared/errors.js';
import { MAX_MANIFEST_BYTES, SCHEDULE_RELATIVE_PATH, type ValidationResult } from './types.js';
import { validateManifest, type ValidateOptions } from './validate.js';

export type RepoManifest =
  | { status: 'missing'; path: string }
  | { status: 'loaded'; path: string; result: ValidationResult };

/** The manifest, as an input of a repo view. */
export const MANIFEST_INPUT: InputSpec = { relative: SCHEDULE_RELATIVE_PATH, kind: 'file' };

/**
 * Reads and validates `<repo>/.kaizen/schedule.yml`. A manifest that is a link
 * leaving the repo is refused; one over the size cap is reported as a
 * `file_too_large` diagnostic without being read.
 */
export function loadRepoManifest(repo: RepoRef, options: ValidateOptions): RepoManifest {
  return inRepo(repo, (view) => loadFrom(view, options));
}

function loadFrom(repo: RepoView, options: ValidateOptions): RepoManifest {
  const file = repo.read(MANIFEST_INPUT.relative, MAX_MANIFEST_BYTES);
  switch (file.status) {
    case 'missing':
    case 'not_a_file':
      return { status: 'missing', path: path.join(repo.root, SCHEDULE_RELATIVE_PATH) };
    case 'outside':
      throw pathOutsideRoots('schedule file');
    case 'hard_link':
      // Its other name may be outside the roots; nothing tells which is the real one.
      throw new ServiceError('path_outside_roots', 403, 'Path outside the repo roots', 'The schedule file has more than one hard link, so it may not belong to this repo.');
    case 'too_large':
      return {
        status: 'loaded',
        path: file.path,
        result: {
          valid: false,
          warnings: [],
          errors: [
            {
              severity: 'error',
              code: 'file_too_large',
              message: `${SCHEDULE_RELATIVE_PATH} is ${file.bytes} bytes; the limit is ${file.limit} bytes`,
              path: '',
            },
          ],
        },
      };
    case 'ok':
      return { status: 'loaded', path: file.path, result: validateManifest(file.text, options) };
  }
}
