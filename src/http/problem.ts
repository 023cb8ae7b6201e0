import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { DomainError, type DomainErrorCode } from '../errors.js';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [member: string]: unknown;
}

const TYPE_BASE = 'https://kaizen-schedule.dev/problems/';

export function problemDocument(
  status: number,
  code: string,
  detail: string,
  title = STATUS_CODES[status] ?? 'Error',
  extra: Record<string, unknown> = {},
): ProblemDocument {
  return { type: `${TYPE_BASE}${code}`, title, status, detail, code, ...extra };
}

/** Codes only the HTTP layer raises (auth, rate limit, query values the core never sees). */
export const HTTP_ERROR_CODES = [
  'unauthorized',
  'rate_limited',
  'writes_disabled',
  'invalid_now',
  'invalid_include',
  'repo_unreachable',
  'invalid_json',
  'unsupported_content_encoding',
] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/**
 * The one table from an error code to its HTTP status and problem title
 * (a title names the kind, so it is the same for every occurrence).
 */
export const PROBLEMS: Readonly<Record<DomainErrorCode | HttpErrorCode, { status: number; title: string }>> = {
  invalid_target: { status: 400, title: 'Invalid target' },
  path_outside_roots: { status: 403, title: 'Path outside the repo roots' },
  repo_not_found: { status: 404, title: 'Repository not found' },
  repo_read_only: { status: 403, title: 'Repository is read-only' },
  kaizen_dir_conflict: { status: 409, title: 'Cannot write the manifest' },
  schedule_exists: { status: 409, title: 'Schedule already exists' },
  schedule_not_found: { status: 404, title: 'Schedule not found' },
  schedule_invalid: { status: 422, title: 'Schedule manifest is invalid' },
  invalid_timezone: { status: 400, title: 'Invalid timezone' },
  invalid_agent_name: { status: 400, title: 'Invalid agent name' },
  unknown_agent: { status: 404, title: 'Unknown agent' },
  invalid_window: { status: 400, title: 'Invalid window' },
  window_too_large: { status: 400, title: 'Window too large' },
  invalid_run: { status: 400, title: 'Invalid run' },
  run_mismatch: { status: 400, title: 'Run does not match' },
  hub_unreachable: { status: 502, title: 'State Hub unreachable' },
  hub_bad_response: { status: 502, title: 'Bad answer from the State Hub' },
  // The service's own configuration is at fault, not the request.
  roster_file_invalid: { status: 500, title: 'Roster file unusable' },
  overloaded: { status: 503, title: 'Service unavailable' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  rate_limited: { status: 429, title: 'Too many requests' },
  writes_disabled: { status: 403, title: 'Writes are disabled' },
  invalid_now: { status: 400, title: 'Invalid now' },
  invalid_include: { status: 400, title: 'Invalid include' },
  repo_unreachable: { status: 404, title: 'Repo unreachable' },
  invalid_json: { status: 400, title: 'Invalid JSON body' },
  unsupported_content_encoding: { status: 415, title: 'Unsupported content encoding' },
};

/** An error the HTTP layer itself raises; mapped through PROBLEMS like a domain error. */
export class HttpError extends Error {
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The problem document for a domain or HTTP-layer error: status and title from PROBLEMS. */
export function fromCodedError(err: DomainError | HttpError): ProblemDocument {
  const { status, title } = PROBLEMS[err.code];
  return problemDocument(status, err.code, err.message, title, err.details);
}

/** Sends a problem+json answer, bypassing the route's success serializer. */
export function sendProblem(reply: FastifyReply, doc: ProblemDocument): FastifyReply {
  return reply
    .code(doc.status)
    .type('application/problem+json')
    .serializer((payload: unknown) => JSON.stringify(payload))
    .send({ ...doc, instance: reply.request.url.split('?')[0] });
}
