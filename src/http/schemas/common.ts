import { Type, type TSchema } from 'typebox';
import { DIAGNOSTIC_CODES } from '../../manifest/types.js';
import { StringEnum } from '../../schema/check.js';
import { EXAMPLE_NOW, EXAMPLE_VALID_REPORT, PROBLEM_EXAMPLES, VALIDATION_PROBLEM_EXAMPLE } from './examples.js';

export { StringEnum };
export { CadenceSchema as Cadence, CronSourceSchema as CronSource } from '../../manifest/entries.js';

export const Diagnostic = Type.Object(
  {
    severity: StringEnum(['error', 'warning']),
    code: StringEnum(DIAGNOSTIC_CODES, { description: 'Stable machine-readable code; see the README for the full list.' }),
    message: Type.String(),
    path: Type.String({ description: 'JSON Pointer into the manifest; empty for the whole document.' }),
    line: Type.Optional(Type.Integer({ minimum: 1 })),
    column: Type.Optional(Type.Integer({ minimum: 1 })),
    hint: Type.Optional(Type.String()),
    related: Type.Optional(
      Type.Object({ path: Type.String(), line: Type.Integer(), column: Type.Integer() }, { description: 'The other location, e.g. the first of two duplicate keys.' }),
    ),
  },
  { description: 'One problem found in a manifest.' },
);

const reportProperties = {
  valid: Type.Boolean(),
  errors: Type.Array(Diagnostic),
  warnings: Type.Array(Diagnostic),
  truncated: Type.Optional(Type.Boolean({ description: 'More than 100 errors or warnings were found; the first 100 of each are listed' })),
};

export const ValidationReport = Type.Object(reportProperties, { examples: [EXAMPLE_VALID_REPORT] });

const problemProperties = {
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String({ description: 'Stable machine-readable error code.' }),
  instance: Type.Optional(Type.String()),
};

/** RFC 9457 problem details, plus a stable `code` and route-specific members. */
export const Problem = Type.Object(problemProperties, { additionalProperties: true, description: 'application/problem+json error document.' });

/** A problem that carries a manifest's diagnostics (schedule_invalid, schedule_not_found). */
export const ValidationProblem = Type.Object(
  { ...problemProperties, ...reportProperties },
  { additionalProperties: true, description: 'application/problem+json with the validation report members.' },
);

/**
 * Documents an error status: a problem+json body, described for the reader,
 * with an example that is one the service really sends for that status.
 */
export const problem = (description: string, status?: keyof typeof PROBLEM_EXAMPLES): TSchema => ({
  description,
  content: { 'application/problem+json': { schema: Problem, ...(status ? { example: PROBLEM_EXAMPLES[status] } : {}) } },
} as unknown as TSchema);

/** Documents a status answered with the diagnostics. */
export const validationProblem = (description: string): TSchema => ({
  description,
  content: { 'application/problem+json': { schema: ValidationProblem, example: VALIDATION_PROBLEM_EXAMPLE } },
} as unknown as TSchema);

/** `now` query parameters: an instant, pre-filled in Swagger UI. */
export const Now = (description: string) => Type.String({ format: 'date-time', description, examples: [EXAMPLE_NOW] });

export const Target = Type.String({
  minLength: 1,
  maxLength: 4096,
  description: 'Repository path: absolute, or relative to the first repo root. Must resolve inside the repo roots.',
  examples: ['billing-api'],
});

// Longer than any agent name on purpose: the route's own check answers a bad
// name with the specific invalid_agent_name code rather than a schema error.
export const AgentName = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Agent name: letters, digits, - and _, starting with a letter or digit.',
  examples: ['coach'],
});
