/**
 * Examples the OpenAPI document shows (Swagger UI pre-fills requests with
 * them). Each is true of the bundled example fleet, the default repo root:
 * tests/http/openapi/responses.test.ts sends them and compares the answers.
 */

/** A manifest for `POST /v1/schedule/validate`, valid against the packaged agents. */
export const EXAMPLE_MANIFEST = `version: "1"
timezone: Europe/Berlin
agents:
  coach:
    cadence: weekly
    cron: "0 9 * * 1"
  optimization:
    cadence: weekly
    cron: "0 10 * * 1"
  tdd-workflow:
    cadence: monthly
    enabled: false
`;

export const EXAMPLE_NOW = '2026-12-01T08:00:00Z';

export const EXAMPLE_VALID_REPORT = { valid: true, errors: [], warnings: [] };

const TYPE = 'https://kaizen-schedule.dev/problems/';

export const VALIDATION_PROBLEM_EXAMPLE = {
  type: `${TYPE}schedule_invalid`,
  title: 'Schedule manifest is invalid',
  status: 422,
  detail: "The manifest has 1 error: agent 'coach': invalid cadence 'hourly' (expected daily, weekly or monthly).",
  code: 'schedule_invalid',
  valid: false,
  errors: [
    {
      severity: 'error',
      code: 'invalid_cadence',
      message: "agent 'coach': invalid cadence 'hourly' (expected daily, weekly or monthly)",
      path: '/agents/coach/cadence',
      line: 4,
      column: 14,
      hint: 'use daily, weekly or monthly; put finer timing in cron',
    },
  ],
  warnings: [],
  instance: '/v1/schedule/validate',
};

/** The detail of a 415; the route's accepted media types are appended. */
export const UNSUPPORTED_MEDIA_TYPE_DETAIL = 'This route does not accept the request body\'s Content-Type';

export const PROBLEM_EXAMPLES = {
  401: {
    type: `${TYPE}unauthorized`,
    title: 'Unauthorized',
    status: 401,
    detail: 'This route requires an Authorization: Bearer <token> header.',
    code: 'unauthorized',
  },
  403: {
    type: `${TYPE}path_outside_roots`,
    title: 'Path outside the repo roots',
    status: 403,
    detail: 'The target does not resolve inside any configured repo root.',
    code: 'path_outside_roots',
  },
  413: {
    type: `${TYPE}payload_too_large`,
    title: 'Payload too large',
    status: 413,
    detail: 'Request body is too large',
    code: 'payload_too_large',
    instance: '/v1/schedule/validate',
  },
  415: {
    type: `${TYPE}unsupported_media_type`,
    title: 'Unsupported media type',
    status: 415,
    detail: `${UNSUPPORTED_MEDIA_TYPE_DETAIL} (application/x-www-form-urlencoded); send application/yaml, text/yaml, text/plain or application/json.`,
    code: 'unsupported_media_type',
    accepted: ['application/yaml', 'text/yaml', 'text/plain', 'application/json'],
    instance: '/v1/schedule/validate',
  },
} as const;
