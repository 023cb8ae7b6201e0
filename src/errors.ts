/**
 * Errors the core raises for conditions a caller can act on. Each carries a
 * stable machine-readable `code` and the HTTP status the HTTP layer maps it
 * to, so the core stays free of Fastify while the mapping stays in one place.
 */
export class ServiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  /** Extra members merged into the problem+json document. */
  readonly extra: Record<string, unknown>;

  constructor(
    code: string,
    status: number,
    title: string,
    detail: string,
    extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ServiceError';
    this.code = code;
    this.status = status;
    this.title = title;
    this.extra = extra;
  }
}

export const pathOutsideRoots = (what = 'target'): ServiceError =>
  new ServiceError(
    'path_outside_roots',
    403,
    'Path outside the repo roots',
    `The ${what} does not resolve inside any configured repo root.`,
  );

/** Detail for a `now` query value that is not an ISO-8601 instant. */
export const NOW_DETAIL = "'now' must be an ISO-8601 date-time with Z or an offset, e.g. 2026-11-30T08:00:00Z.";
