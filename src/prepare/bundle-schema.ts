import type { Static, TSchema } from 'typebox';
// typebox/type's namespace lets the CLI bundle keep only the builders used (see config.ts).
import * as Type from 'typebox/type';
import { AgentSourceSchema } from '../agents/registry.js';
import { ResolvedEntrySchema } from '../manifest/entries.js';
import { StringEnum } from '../schema/check.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** SCOPE.md or TODO.md inlined (include=pointers). */
export const InlinedPointerSchema = Type.Object({
  path: Type.String(),
  text: Type.String(),
  bytes: Type.Integer({ description: 'Size of the whole file, which `text` holds only the start of when `truncated`' }),
  truncated: Type.Boolean({ description: 'The file was longer than the cap and `text` holds its start only' }),
});

export const ScheduleInfoSchema = Type.Object({
  ...ResolvedEntrySchema.properties,
  // Null only for a cron with no fire time left (croner looks years ahead).
  next_run: Nullable(Type.String({ description: 'ISO-8601 instant with the zone offset' })),
});
export type ScheduleInfo = Static<typeof ScheduleInfoSchema>;

/** A checked run as the bundle echoes it (prepare with run_id + scheduled_for). */
export const NamedRunSchema = Type.Object(
  {
    run_id: Type.String({ format: 'uuid', examples: ['27f93d6e-ea89-5151-8184-9c198da45d8b'] }),
    scheduled_for: Type.String({ description: 'The fire time, ISO-8601 with the entry zone offset', examples: ['2026-12-07T09:00:00+01:00'] }),
  },
  { description: 'The run the call named with run_id and scheduled_for, checked against the schedule' },
);
export type NamedRun = Static<typeof NamedRunSchema>;

/**
 * The orientation bundle: the one definition of its shape, for the core's type
 * and the route's OpenAPI schema. `agent` … `session_close` are the seed's JSON
 * keys, kept so existing consumers work (`metrics_source` sits beside the
 * summary it describes); the rest is what the service adds.
 */
export const BundleSchema = Type.Object(
  {
    agent: Type.String(),
    project: Type.String({ description: 'Repo directory name' }),
    generated: Type.String({ description: 'UTC date, YYYY-MM-DD' }),
    agent_prompt: Type.String(),
    agent_prompt_found: Type.Literal(true, { description: 'Always true here: an unknown agent is a 404' }),
    memory: Nullable(Type.String()),
    metrics_summary: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'summary.json as found, or computed from executions.jsonl' })),
    pointers: Type.Object({ scope: Type.Optional(Type.String()), todo: Type.Optional(Type.String()) }),
    session_close: Type.Array(Type.String()),
    root: Type.String({ description: 'Real path of the repo' }),
    prompt_source: AgentSourceSchema,
    metrics_source: Nullable(StringEnum(['summary_json', 'executions_jsonl'])),
    schedule: Nullable(ScheduleInfoSchema),
    run: Type.Optional(NamedRunSchema),
    pointer_contents: Type.Optional(Type.Object({ scope: Type.Optional(InlinedPointerSchema), todo: Type.Optional(InlinedPointerSchema) })),
    sizes: Type.Object({ agent_prompt: Type.Integer(), memory: Type.Integer(), metrics_summary: Type.Integer() }),
    warnings: Type.Array(Type.String()),
  },
  { description: 'Orientation bundle for one scheduled run' },
);
export type Bundle = Static<typeof BundleSchema>;
