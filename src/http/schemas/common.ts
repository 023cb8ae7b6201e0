import { Type, type TSchema } from 'typebox';
import { CADENCES, DIAGNOSTIC_CODES } from '../../manifest/types.js';

export const Cadence = Type.Union(CADENCES.map((c) => Type.Literal(c)));

export const CronSource = Type.Union([Type.Literal('manifest'), Type.Literal('cadence_default')], {
  description: "Whether `cron` is the entry's own or the cadence default",
});

/** The members of a manifest entry with its effective cron and zone resolved. */
export const resolvedEntryProperties = {
  agent: Type.String(),
  cadence: Cadence,
  cron: Type.String(),
  cron_source: CronSource,
  timezone: Type.String({ description: "The manifest's zone, else the service default" }),
  enabled: Type.Boolean(),
};

export const Diagnostic = Type.Object(
  {
    severity: Type.Union([Type.Literal('error'), Type.Literal('warning')]),
    code: Type.Union(DIAGNOSTIC_CODES.map((c) => Type.Literal(c)), {
      description: 'Stable machine-readable code; see the README for the full list.',
    }),
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

export const ValidationReport = Type.Object({
  valid: Type.Boolean(),
  errors: Type.Array(Diagnostic),
  warnings: Type.Array(Diagnostic),
  truncated: Type.Optional(Type.Boolean({ description: 'More than 100 errors or warnings were found; the first 100 of each are listed' })),
});

/** RFC 9457 problem details, plus a stable `code` and route-specific members. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable machine-readable error code.' }),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Diagnostic)),
    warnings: Type.Optional(Type.Array(Diagnostic)),
    valid: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true, description: 'application/problem+json error document.' },
);

/** Documents an error status: a problem+json body, described for the reader. */
export const problem = (description: string): TSchema => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
} as unknown as TSchema);

export const Target = Type.String({
  minLength: 1,
  maxLength: 4096,
  description: 'Repository path: absolute, or relative to the first repo root. Must resolve inside the repo roots.',
});

// Longer than any agent name on purpose: the route's own check answers a bad
// name with the specific invalid_agent_name code rather than a schema error.
export const AgentName = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Agent name: letters, digits, - and _, starting with a letter or digit.',
});
