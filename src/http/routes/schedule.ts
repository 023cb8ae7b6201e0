import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type, type Static, type TSchema } from 'typebox';
import { ListedEntrySchema } from '../../manifest/entries.js';
import { MANIFEST_JSON_SCHEMA } from '../../manifest/json-schema.js';
import { SCHEDULE_RELATIVE_PATH, type ValidationResult } from '../../manifest/types.js';
import { checkTimezone, validationReport } from '../../core.js';
import type { Services } from '../../services.js';
import { parseNow } from '../now.js';
import { HttpError, problemDocument, sendProblem } from '../problem.js';
import { Diagnostic, Now, Target, ValidationReport, problem, validationProblem } from '../schemas/common.js';
import { EXAMPLE_MANIFEST } from '../schemas/examples.js';


const MAX_VALIDATE_BODY = 256 * 1024;

/** Accepted as YAML text; the x- spellings are older names the documented ones replace. */
const YAML_MEDIA_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/x-yaml'];

const ManifestText = Type.String({ description: 'The manifest as YAML text', examples: [EXAMPLE_MANIFEST] });
const ManifestJson = Type.Object(
  { manifest: Type.String({ description: 'The manifest as YAML text' }) },
  { additionalProperties: false, examples: [{ manifest: EXAMPLE_MANIFEST }] },
);

/**
 * The validate body, per media type: Swagger UI offers each in its
 * Content-Type list with a manifest that validates, and a 415 lists them.
 */
const ValidateBody = {
  content: {
    'application/yaml': { schema: ManifestText },
    'text/yaml': { schema: ManifestText },
    'text/plain': { schema: ManifestText },
    'application/json': { schema: ManifestJson },
  },
} as const;

/** Answers a validation: 200 when valid, 422 problem+json with the diagnostics otherwise. */
function sendReport(reply: FastifyReply, result: ValidationResult): FastifyReply | ValidationReportBody {
  const report = validationReport(result);
  if (result.valid) return report;
  const n = result.errors.length;
  return sendProblem(
    reply,
    problemDocument(422, 'schedule_invalid', `The manifest has ${n} error${n === 1 ? '' : 's'}: ${result.errors[0]!.message}${n > 1 ? ' (and more)' : ''}.`, 'Schedule manifest is invalid', report),
  );
}
type ValidationReportBody = { valid: boolean; errors: ValidationResult['errors']; warnings: ValidationResult['warnings'] };

/** How the service tells a caller to create a missing manifest. */
const INIT_HINT = 'create one with POST /v1/schedule/init';

export const scheduleRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  const { roots, config } = services;

  // Manifests arrive as YAML text; JSON bodies use the default parser, text/plain Fastify's own.
  app.addContentTypeParser(YAML_MEDIA_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post('/v1/schedule/validate', {
    bodyLimit: MAX_VALIDATE_BODY,
    schema: {
      tags: ['schedule'],
      summary: 'Validate a manifest sent in the body',
      description:
        'Send the YAML text as `application/yaml`, `text/yaml` or `text/plain` (the older names `application/x-yaml` and `text/x-yaml` are read too), or JSON `{"manifest": "<yaml text>"}`. Returns every problem found, each with a JSON Pointer and line/column. 200 when valid, 422 (problem+json with `errors`/`warnings`) when not, so `curl --fail` works. With `target`, agents installed in that repo count as known.',
      querystring: Type.Object({ target: Type.Optional(Target) }),
      body: ValidateBody,
      response: {
        200: ValidationReport,
        400: problem('Malformed request'),
        403: problem('target resolves outside the repo roots', 403),
        404: problem('target is not a repository directory'),
        413: problem('Body larger than 256 KiB', 413),
        415: problem('Unsupported content type; `accepted` lists the media types this route takes', 415),
        422: validationProblem('The manifest is invalid (schedule_invalid); `errors` and `warnings` hold the diagnostics'),
      },
    },
  }, async (request, reply) => {
    const { target } = request.query;
    const repoRoot = target === undefined ? undefined : roots.resolveRepo(target);
    // Each media type's schema was checked; x-yaml bodies arrive as text too.
    const body = request.body as string | Static<typeof ManifestJson>;
    const text = typeof body === 'string' ? body : body.manifest;
    return sendReport(reply, services.validateText(text, repoRoot));
  });

  app.get('/v1/schedule/validation', {
    schema: {
      tags: ['schedule'],
      summary: "Validate a repo's manifest",
      description: `Validates \`${SCHEDULE_RELATIVE_PATH}\` in the repo. 200 when valid, 422 with diagnostics when not, 404 (schedule_not_found) when the repo has none.`,
      querystring: Type.Object({ target: Target }),
      response: {
        200: ValidationReport,
        400: problem('Malformed request'),
        403: problem('target resolves outside the repo roots', 403),
        404: validationProblem('No such repo (repo_not_found) or no manifest in it (schedule_not_found, with the diagnostic)'),
        422: validationProblem('The manifest is invalid (schedule_invalid)'),
      },
    },
  }, async (request, reply) => {
    const repoRoot = roots.resolveRepo(request.query.target);
    return sendReport(reply, services.validateRepo(repoRoot, INIT_HINT).result);
  });

  app.get('/v1/schedule', {
    schema: {
      tags: ['schedule'],
      summary: "List a repo's scheduled agents with their next runs",
      description:
        'Entries of a valid manifest (enabled only unless `all=true`), each with its effective cron (`cron_source` says whether it is the manifest\'s or the cadence default), zone and next `runs` fire times after `now`, correct across DST changes.',
      querystring: Type.Object({
        target: Target,
        all: Type.Optional(Type.Boolean({ default: false, description: 'Include disabled entries' })),
        now: Type.Optional(Now('Compute fire times after this instant (default: the current time)')),
        runs: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, default: 1, description: 'Fire times per entry' })),
      }),
      response: {
        200: Type.Object({
          root: Type.String({ description: 'Real path of the repo' }),
          path: Type.String({ description: 'Path of the manifest' }),
          timezone: Type.String({ description: "The manifest's zone, else the service default" }),
          entries: Type.Array(ListedEntrySchema),
          warnings: Type.Array(Diagnostic),
        }),
        400: problem('Malformed query'),
        403: problem('target resolves outside the repo roots', 403),
        404: validationProblem('No such repo (repo_not_found) or no manifest in it (schedule_not_found)'),
        422: validationProblem('The manifest is invalid; `errors` holds the diagnostics'),
      },
    },
  }, async (request) => {
    const { target, all = false, runs = 1 } = request.query;
    const now = parseNow(request.query.now);
    return services.list(roots.resolveRepo(target), { now, runs, all }, INIT_HINT);
  });

  // Init takes JSON only: without the YAML and text parsers the routes above
  // use, any other body is Fastify's media-type error, answered 415 with
  // `accepted` (a YAML body would otherwise be a string that fails the schema, a 400).
  await app.register(async (scope) => {
    const writes = scope.withTypeProvider<TypeBoxTypeProvider>();
    writes.removeContentTypeParser([...YAML_MEDIA_TYPES, 'text/plain']);
    writes.post('/v1/schedule/init', {
      schema: {
        tags: ['schedule'],
        summary: 'Write the default manifest into a repo',
        description:
          'Scaffolds `.kaizen/schedule.yml` (coach and optimization weekly, tdd-workflow monthly and disabled). Disabled unless the service runs with KAIZEN_ENABLE_WRITE=true. Never overwrites an existing manifest unless `force` is true; the write is atomic.',
        body: Type.Object(
          {
            target: Target,
            timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone (default: KAIZEN_DEFAULT_TIMEZONE, Europe/Berlin unless set)' })),
            force: Type.Optional(Type.Boolean({ default: false })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ path: Type.String(), overwritten: Type.Boolean(), manifest: Type.String() }),
          400: problem('Malformed body or invalid timezone (invalid_timezone)'),
          403: problem('Writes are disabled (writes_disabled) or target is outside the roots (path_outside_roots)'),
          404: problem('target is not a repository directory'),
          409: problem('A manifest exists and force is not set (schedule_exists), or .kaizen is not a directory (kaizen_dir_conflict)'),
          415: problem('The body is not application/json; `accepted` lists it', 415),
        },
      },
    }, async (request, reply) => {
      if (!config.enableWrite) {
        throw new HttpError('writes_disabled', 'The scaffold endpoint is off; start the service with KAIZEN_ENABLE_WRITE=true to enable it.');
      }
      const { target, timezone, force = false } = request.body;
      // The zone is checked before the target, so a bad zone is a 400 whatever the path.
      if (timezone !== undefined) checkTimezone(timezone);
      const result = services.init(roots.resolveRepo(target), timezone, force);
      request.log.info({ path: result.path, overwritten: result.overwritten }, 'schedule_initialized');
      return reply.code(201).send(result);
    });
  });

  app.get('/v1/schema/schedule.json', {
    schema: {
      tags: ['schedule'],
      summary: 'JSON Schema of the manifest',
      description: 'For editors (e.g. the YAML language server) to check `.kaizen/schedule.yml` while it is written.',
      response: {
        200: {
          description: 'A JSON Schema (2020-12) document',
          content: { 'application/schema+json': { schema: Type.Object({}, { additionalProperties: true }) } },
        } as unknown as TSchema,
      },
    },
  }, async (_request, reply) => reply.type('application/schema+json').serializer(JSON.stringify).send(MANIFEST_JSON_SCHEMA));
};
