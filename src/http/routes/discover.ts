import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DISCOVER_SLOTS, MAX_SKIPPED_LISTED } from '../../discover/resolve.js';
import { SharedDiscover } from '../../discover/single-flight.js';
import { MAX_ROSTER_ENTRIES } from '../../discover/roster.js';
import { RosterSourceNameSchema, SKIP_REASONS } from '../../discover/types.js';
import { CATCHUPS, WINDOW_LIMITS, parseWindow } from '../../discover/window.js';
import { DISCOVER_FILTERS, pickFilters, type DiscoverFilterName } from '../../discover/filters.js';
import type { Services } from '../../services.js';
import { Cadence, CronSource, Diagnostic, Now, StringEnum, problem } from '../schemas/common.js';
import { isDomainError } from '../../errors.js';
import { publicBaseUrl } from '../../config/public-url.js';
import { parseNow } from '../now.js';

const ScheduledRun = Type.Object({
  repo: Type.String({ description: 'The roster slug (the directory name for a scanned repo)' }),
  root: Type.String({ description: 'Real path of the checkout on this host' }),
  agent: Type.String(),
  cadence: Cadence,
  cron: Type.String({ description: "The entry's cron, else the cadence default" }),
  cron_source: CronSource,
  timezone: Type.String({ description: "The manifest's zone, else the service default" }),
  enabled: Type.Literal(true),
  prepare_command: Type.String({ description: 'KAIZEN_PREPARE_COMMAND with {agent} and {root} filled in (shell-quoted when needed)' }),
  prepare_url: Type.String({ description: "This service's URL for the run's prepare bundle" }),
  next_run: Type.Union([Type.String(), Type.Null()], { description: 'Next fire time after `now`, ISO-8601 with the zone offset' }),
  run_id: Type.Union([Type.String({ format: 'uuid', examples: ['27f93d6e-ea89-5151-8184-9c198da45d8b'] }), Type.Null()], {
    description: "UUID v5 over repo, agent and the UTC instant of the run (scheduled_for in a window, else next_run): the orchestrator's idempotency key",
  }),
  scheduled_for: Type.Optional(
    Type.String({ description: 'Windowed discover: the fire time this run is for, ISO-8601 with the zone offset', examples: ['2026-12-07T09:00:00+01:00'] }),
  ),
});

const Skipped = Type.Object({
  repo: Type.String({ description: 'The slug, or roster[<index>] for an entry without a usable one' }),
  reason: StringEnum(SKIP_REASONS),
  detail: Type.String(),
  errors: Type.Optional(Type.Array(Diagnostic, { description: 'The manifest diagnostics, for schedule_invalid' })),
});

const DiscoverResponse = Type.Object({
  generated_at: Type.String({ format: 'date-time' }),
  source: RosterSourceNameSchema,
  host_name: Type.String({ description: 'The host whose host_paths entry was used (KAIZEN_HOST_NAME)' }),
  window: Type.Optional(
    Type.Object(
      {
        from: Type.String({ format: 'date-time', examples: ['2026-12-07T08:00:00.000Z'] }),
        to: Type.String({ format: 'date-time', examples: ['2026-12-07T08:15:00.000Z'] }),
        catchup: StringEnum(CATCHUPS),
      },
      { description: "The due window answered (from < scheduled_for <= to); the next tick's from is this to" },
    ),
  ),
  scheduled_runs: Type.Array(ScheduledRun, { description: 'Sorted by repo, then agent; in a window by scheduled_for, then repo, then agent' }),
  skipped: Type.Array(Skipped, { maxItems: MAX_SKIPPED_LISTED, description: `Repos and roster entries that could not be used, sorted by repo; the first ${MAX_SKIPPED_LISTED} only` }),
  skipped_truncated: Type.Boolean({ description: `True when more than ${MAX_SKIPPED_LISTED} were skipped and \`skipped\` lists only the first ones; counts.skipped has them all` }),
  skipped_by_reason: Type.Object(Object.fromEntries(SKIP_REASONS.map((r) => [r, Type.Optional(Type.Integer())])), {
    additionalProperties: false,
    description: 'Every skip counted by reason, listed or not',
  }),
  counts: Type.Object({
    roster_entries: Type.Integer({ description: 'Entries in the roster, malformed ones included' }),
    repos: Type.Integer({ description: 'Repos examined (well-formed, unique, matching the domain filter)' }),
    opted_in: Type.Integer({ description: 'Repos with a valid manifest' }),
    not_opted_in: Type.Integer({ description: 'Repos without .kaizen/schedule.yml (not listed in skipped); always 0 on a scan, which finds repos by their manifest' }),
    skipped: Type.Integer(),
    scheduled_runs: Type.Integer(),
    hub_flagged: Type.Optional(Type.Integer({ description: 'With KAIZEN_HUB_SCHEDULE_FLAG: repos the State Hub pre-filtered in (kaizen_schedule_enabled=true); the manifest still decides' })),
  }),
});

/** Every discover filter as an optional query parameter. */
const FILTER_PARAMS = Object.fromEntries(Object.entries(DISCOVER_FILTERS).map(([name, schema]) => [name, Type.Optional(schema)])) as {
  [K in DiscoverFilterName]: ReturnType<typeof Type.Optional<(typeof DISCOVER_FILTERS)[K]>>;
};

export const discoverRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  const { config, roster, metrics } = services;
  const shared = new SharedDiscover(services.discoverDeps);
  // The calls of one flight share one answer object: serialise it once and send
  // the same bytes to each, so 100 concurrent polls hold one body, not 100.
  const bodies = new WeakMap<object, Buffer>();

  app.get('/v1/discover', {
    schema: {
      tags: ['discover'],
      summary: 'Discover the scheduled (repo, agent) runs of the fleet',
      description:
        '`discover_kaizen_scheduled_repos`: reads the roster (State Hub `GET /repos/` when KAIZEN_STATE_HUB_URL is set, else the KAIZEN_ROSTER_FILE, else a scan of the repo roots), ' +
        "takes each repo's checkout path for this host, confines it to the repo roots and validates its `.kaizen/schedule.yml`. " +
        'Emits one run per enabled entry; repos without a manifest are counted as not opted in; unusable repos and malformed roster entries are listed in `skipped` with a reason ' +
        '(`repo_unreachable`, `repo_outside_roots`, `schedule_invalid` with diagnostics, `roster_entry_invalid`, `roster_entry_duplicate`). ' +
        'When the roster cannot be had the whole call fails: 502 `hub_unreachable` or `hub_bad_response`, 500 `roster_file_invalid`. Reads only; idempotent. ' +
        `With \`from\` (and \`to\`, default now) it answers a due window: one run per fire time with from < scheduled_for <= to (catchup=latest: the latest per repo and agent), each with \`scheduled_for\` and a deterministic \`run_id\` (UUID v5), sorted by scheduled_for, then repo, then agent; at most ${WINDOW_LIMITS.maxDays} days and ${WINDOW_LIMITS.maxRuns} runs.`,
      querystring: Type.Object({
        ...FILTER_PARAMS,
        now: Type.Optional(Now('Compute next_run after this instant (default: the current time); also the default of `to`')),
        from: Type.Optional(
          Type.String({ maxLength: 64, description: 'Start of a due window, exclusive (RFC 3339 with Z or an offset): usually the previous tick', examples: ['2026-12-07T08:00:00Z'] }),
        ),
        to: Type.Optional(Type.String({ maxLength: 64, description: 'End of the due window, inclusive (default: now)', examples: ['2026-12-07T08:15:00Z'] })),
        catchup: Type.Optional(
          StringEnum(CATCHUPS, { description: 'all (default): every fire time in the window; latest: at most one per (repo, agent), the latest' }),
        ),
      }),
      response: {
        200: DiscoverResponse,
        400: problem(
          `Malformed query (invalid_request, invalid_now); an unparsable window instant, to before from, or to/catchup without from (invalid_window); a window over ${WINDOW_LIMITS.maxDays} days or an answer over ${WINDOW_LIMITS.maxRuns} runs (window_too_large, the detail says how to narrow it)`,
        ),
        500: problem('The roster file cannot be read or holds no roster (roster_file_invalid)'),
        502: problem(`The State Hub is down or timed out (hub_unreachable), or answered non-2xx, a redirect, a non-JSON media type, invalid JSON, a non-roster, more than ${MAX_ROSTER_ENTRIES} roster entries or an oversized body (hub_bad_response)`),
        503: problem(`${DISCOVER_SLOTS.running} passes over the fleet are running and ${DISCOVER_SLOTS.waiting} more calls wait for one (overloaded, with Retry-After); identical calls share a pass and never count twice`),
      },
    },
  }, async (request, reply) => {
    const { from, to, catchup } = request.query;
    const now = parseNow(request.query.now);
    const window = parseWindow({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(catchup !== undefined ? { catchup } : {}) }, now);
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await shared.run({
        ...pickFilters(request.query),
        now,
        ...(window ? { window } : {}),
        baseUrl: publicBaseUrl(config, app.server.address()),
        log: request.log,
      });
      metrics.discoverFinished(result.source, 'ok', seconds());
      if (result.source === 'state_hub') metrics.hubCall('ok');
      for (const [reason, n] of Object.entries(result.skipped_by_reason)) metrics.repoSkipped(reason, n);
      let body = bodies.get(result);
      if (!body) {
        body = Buffer.from(reply.serialize(result) as string);
        bodies.set(result, body);
      }
      return reply.type('application/json; charset=utf-8').send(body);
    } catch (err) {
      metrics.discoverFinished(roster.name, 'error', seconds());
      if (isDomainError(err, 'hub_unreachable', 'hub_bad_response')) metrics.hubCall(err.code);
      throw err;
    }
  });
};
