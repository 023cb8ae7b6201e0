/**
 * Every kind of error the core raises for a condition its caller can act on.
 * The core says what went wrong (a code, a message, details); each front end
 * decides what that means for it: the HTTP layer maps codes to statuses
 * (`PROBLEMS` in src/http/problem.ts), the CLI to exit statuses.
 */
export const DOMAIN_ERROR_CODES = [
  'invalid_target',
  'path_outside_roots',
  'repo_not_found',
  'repo_read_only',
  'kaizen_dir_conflict',
  'schedule_exists',
  'schedule_not_found',
  'schedule_invalid',
  'invalid_timezone',
  'invalid_agent_name',
  'unknown_agent',
  'invalid_window',
  'window_too_large',
  'invalid_run',
  'run_mismatch',
  'hub_unreachable',
  'hub_bad_response',
  'roster_file_invalid',
  'overloaded',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export class DomainError<C extends DomainErrorCode = DomainErrorCode> extends Error {
  readonly code: C;
  /** Facts a front end may show (known agents, a hint, diagnostics); the HTTP layer adds them to the problem document. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

/** True for a domain error, of one of `codes` when any are given. */
export function isDomainError<C extends DomainErrorCode>(err: unknown, ...codes: C[]): err is DomainError<C> {
  return err instanceof DomainError && (codes.length === 0 || (codes as DomainErrorCode[]).includes(err.code));
}

export const pathOutsideRoots = (what = 'target'): DomainError<'path_outside_roots'> =>
  new DomainError('path_outside_roots', `The ${what} does not resolve inside any configured repo root.`);

/** Detail for a `now` value that is not an ISO-8601 instant (the service's query and the CLI's option). */
export const NOW_DETAIL = "'now' must be an ISO-8601 date-time with Z or an offset, e.g. 2026-11-30T08:00:00Z.";
