import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import { assertAgentName } from '../../agents/lookup.js';
import type { EventEmission } from '../../events/emission.js';
import { BundleSchema } from '../../prepare/bundle-schema.js';
import type { BundleFormat, SerialisedEvent } from '../../prepare/event.js';
import { PreparedBundles, type Include } from '../../prepare/bundle-cache.js';
import { parseRunClaim } from '../../prepare/run.js';
import { SLUG } from '../../discover/roster.js';
import type { Services } from '../../services.js';
import { HttpError } from '../problem.js';
import { AgentName, Now, StringEnum, Target, problem } from '../schemas/common.js';
import { parseNow } from '../now.js';
import { PREPARE_ROUTE } from '../paths.js';

/** The core's bundle, plus the event payload include=event adds to the JSON. */
const PreparedBundleSchema = Type.Object(
  {
    ...BundleSchema.properties,
    event: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'kaizen.schedule.prepared payload (include=event)' })),
  },
  { description: 'Orientation bundle for one scheduled run' },
);

const INCLUDES: readonly Include[] = ['pointers', 'event'];
/** Shared by every call without `include` (most of them): nothing to allocate per request. */
const NO_INCLUDES: ReadonlySet<Include> = new Set();

function parseInclude(list: string): ReadonlySet<Include> {
  const include = new Set<Include>();
  for (const raw of list.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    if (!(INCLUDES as readonly string[]).includes(item)) {
      throw new HttpError('invalid_include', `include accepts ${INCLUDES.join(', ')}; got '${item}'.`);
    }
    include.add(item as Include);
  }
  return include;
}

/**
 * Picks the format: explicit `format` wins, else the higher q of the two types
 * Accept names (ties: the first named); JSON when it names neither, never a 406.
 * Not @fastify/accepts: its negotiator lets a wildcard (`text/*`, any type)
 * pick markdown and skips `text/markdown; charset=utf-8`, changing answers.
 */
export function negotiateFormat(format: BundleFormat | undefined, accept: string | undefined): BundleFormat {
  if (format) return format;
  if (!accept) return 'json';
  let best: { type: BundleFormat; q: number } = { type: 'json', q: -1 };
  for (const range of accept.split(',')) {
    const [media = '', ...params] = range.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    const type: BundleFormat | undefined = media === 'text/markdown' ? 'markdown' : media === 'application/json' ? 'json' : undefined;
    if (type && q > best.q) best = { type, q };
  }
  return best.type;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

const PREPARED_EVENT = 'kaizenPreparedEvent';
interface EventCarrier {
  [PREPARED_EVENT]?: SerialisedEvent | null;
}

export const prepareRoutes: FastifyPluginAsyncTypebox<{ services: Services; events?: EventEmission }> = async (app, { services, events }) => {
  const { roots, agents, defaults, manifests, config } = services;
  const bundles = new PreparedBundles(roots, { agents, defaults, manifests }, { prepareCommandTemplate: config.prepareCommand, host: config.hostName, emit: events !== undefined });
  // The event of a 200 answer, handed to the outbox once the response is sent (it never delays the answer).
  // It rides on the request (a decorated field, not a WeakMap: weak keys cost the GC for every request).
  if (events) app.decorateRequest(PREPARED_EVENT, null);
  const emitAfterResponse = events
    ? (request: { method: string }, reply: { statusCode: number }, done: () => void) => {
        const event = (request as typeof request & EventCarrier)[PREPARED_EVENT];
        // A HEAD (a runner reading the ETag) receives no bundle, so it prepared no run.
        if (event && reply.statusCode === 200 && request.method === 'GET') events.emit(event);
        done();
      }
    : undefined;

  app.get(PREPARE_ROUTE, {
    ...(emitAfterResponse ? { onResponse: emitAfterResponse } : {}),
    schema: {
      tags: ['prepare'],
      summary: 'Prepare the orientation bundle for a scheduled run',
      description:
        "Assembles the agent's prompt (repo-installed over packaged), the repo's agent memory, a metrics summary (summary.json, else computed from executions.jsonl), SCOPE.md/TODO.md pointers, the agent's schedule entry with its next run, and session-close commands. JSON or markdown: `format` wins; without it `Accept: text/markdown` selects markdown. `include=pointers` inlines SCOPE.md/TODO.md (64 KiB each at most); `include=event` adds the kaizen.schedule.prepared payload to JSON. Responses carry a strong ETag; `If-None-Match` answers 304. Reads only, never writes.",
      params: Type.Object({ agent: AgentName }),
      querystring: Type.Object({
        target: Target,
        format: Type.Optional(StringEnum(['json', 'markdown'])),
        include: Type.Optional(Type.String({ maxLength: 64, description: 'Comma-separated: pointers, event' })),
        now: Type.Optional(Now('Instant the bundle is prepared for (default: now); sets `generated` and the next run')),
        run_id: Type.Optional(Type.String({ maxLength: 64, description: "The run's id from discover (with scheduled_for): checked, then echoed as `run` and in the event" })),
        scheduled_for: Type.Optional(Type.String({ maxLength: 64, description: "The run's fire time from discover (RFC 3339), with run_id" })),
        repo: Type.Optional(
          Type.String({ minLength: 1, maxLength: 200, pattern: SLUG, description: "The fleet slug discover reported (default: the repo's directory name); the run_id is derived from it and the event carries it" }),
        ),
      }),
      response: {
        200: {
          description: 'The bundle',
          content: {
            'application/json': { schema: PreparedBundleSchema },
            'text/markdown': { schema: Type.String({ description: 'The bundle in the seed markdown layout' }) },
          },
        } as unknown as TSchema,
        304: Type.Null({ description: 'Not modified: the If-None-Match ETag still matches' }),
        400: problem('Malformed agent name (invalid_agent_name), include value or query; run_id without scheduled_for or either malformed (invalid_run); a run that does not belong to this entry (run_mismatch)'),
        403: problem('target resolves outside the repo roots (path_outside_roots)', 403),
        404: problem('No such agent (unknown_agent, with known_agents and a hint) or repo (repo_not_found)'),
      },
    },
  }, async (request, reply) => {
    const { agent } = request.params;
    assertAgentName(agent);
    const include = request.query.include === undefined ? NO_INCLUDES : parseInclude(request.query.include);
    const format = negotiateFormat(request.query.format, request.headers.accept);
    if (include.has('event') && format === 'markdown') {
      throw new HttpError('invalid_include', 'include=event applies to JSON bundles; ask for format=json.');
    }
    const now = request.query.now === undefined ? undefined : parseNow(request.query.now);
    const { repo } = request.query;
    const run = parseRunClaim(request.query.run_id, request.query.scheduled_for, repo);
    const { bundle, cache, event } = await bundles.prepare(request.query.target, agent, { format, include, now, run, repo });
    const { body, etag } = bundle;
    if (events && event) (request as unknown as EventCarrier)[PREPARED_EVENT] = event;

    services.metrics.bundlePrepared(format, cache);
    reply.header('etag', etag).header('vary', 'Accept').header('cache-control', 'no-cache');
    if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send(undefined as unknown as null);
    return reply
      .type(format === 'markdown' ? 'text/markdown; charset=utf-8' : 'application/json; charset=utf-8')
      .send(body);
  });
};
