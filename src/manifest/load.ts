import path from 'node:path';
import { readRepoFile } from '../repo/files.js';
import { pathOutsideRoots } from '../shared/errors.js';
import { MAX_MANIFEST_BYTES, SCHEDULE_RELATIVE_PATH, type ValidationResult } from './types.js';
import { validateManifest, type ValidateOptions } from './validate.js';

export type RepoManifest =
  | { status: 'missing'; path: string }
  | { status: 'loaded'; path: string; result: ValidationResult };

/**
 * Reads and validates `<repo>/.kaizen/schedule.yml`. A manifest that is a link
 * leaving the repo is refused; one over the size cap is reported as a
 * `file_too_large` diagnostic without being read.
 */
export function loadRepoManifest(repoRoot: string, options: ValidateOptions): RepoManifest {
  const file = readRepoFile(repoRoot, SCHEDULE_RELATIVE_PATH, MAX_MANIFEST_BYTES);
  switch (file.status) {
    case 'missing':
    case 'not_a_file':
      return { status: 'missing', path: path.join(repoRoot, SCHEDULE_RELATIVE_PATH) };
    case 'outside':
      throw pathOutsideRoots('schedule file');
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
