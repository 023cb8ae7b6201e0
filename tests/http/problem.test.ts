import { describe, expect, it } from 'vitest';
import type { FastifyError, FastifyRequest } from 'fastify';
import { DOMAIN_ERROR_CODES, DomainError } from '../../src/errors.js';
import { toProblem } from '../../src/http/plugins/errors.js';
import { HTTP_ERROR_CODES, HttpError, PROBLEMS } from '../../src/http/problem.js';

/** The statuses the routes answered before the core's errors lost theirs: the contract. */
const STATUSES: Record<string, number> = {
  invalid_target: 400,
  path_outside_roots: 403,
  repo_not_found: 404,
  repo_read_only: 403,
  kaizen_dir_conflict: 409,
  schedule_exists: 409,
  schedule_not_found: 404,
  schedule_invalid: 422,
  invalid_timezone: 400,
  invalid_agent_name: 400,
  unknown_agent: 404,
  invalid_window: 400,
  window_too_large: 400,
  invalid_run: 400,
  run_mismatch: 400,
  hub_unreachable: 502,
  hub_bad_response: 502,
  roster_file_invalid: 500,
  overloaded: 503,
  unauthorized: 401,
  rate_limited: 429,
  writes_disabled: 403,
  invalid_now: 400,
  invalid_include: 400,
  repo_unreachable: 404,
  invalid_json: 400,
  unsupported_content_encoding: 415,
};

const noRequest = {} as FastifyRequest;

describe('the code -> status table', () => {
  it.each([...DOMAIN_ERROR_CODES])('domain code %s has a status and a title', (code) => {
    expect(PROBLEMS[code], `${code} is missing from PROBLEMS in src/http/problem.ts`).toBeDefined();
    expect(PROBLEMS[code].status).toBeGreaterThanOrEqual(400);
    expect(PROBLEMS[code].title).not.toBe('');
  });

  it('holds exactly the domain and HTTP-layer codes, each with the status it always had', () => {
    expect(Object.keys(PROBLEMS).sort()).toEqual([...DOMAIN_ERROR_CODES, ...HTTP_ERROR_CODES].sort());
    expect(Object.fromEntries(Object.entries(PROBLEMS).map(([code, p]) => [code, p.status]))).toEqual(STATUSES);
  });

  it('maps a domain error to problem+json: status and title from the table, details as members', () => {
    const err = new DomainError('unknown_agent', "No agent named 'x'.", { known_agents: ['coach'], hint: 'coach' });
    expect(toProblem(err as unknown as FastifyError, noRequest)).toEqual({
      type: 'https://kaizen-schedule.dev/problems/unknown_agent',
      title: 'Unknown agent',
      status: 404,
      detail: "No agent named 'x'.",
      code: 'unknown_agent',
      known_agents: ['coach'],
      hint: 'coach',
    });
  });

  it('maps an HTTP-layer error through the same table', () => {
    const doc = toProblem(new HttpError('rate_limited', 'slow down') as unknown as FastifyError, noRequest);
    expect(doc).toMatchObject({ status: 429, code: 'rate_limited', title: 'Too many requests', detail: 'slow down' });
  });
});
