import { randomUUID } from 'node:crypto';
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config/config.js';
import { startEventEmission, type EventEmission } from '../events/emission.js';
import { FLUSH_DEADLINE_MS } from '../events/types.js';
import { logDestination } from '../observability/log.js';
import { createServices, type Services } from '../services.js';
import { consolePlugin } from './console/index.js';
import { authPlugin } from './plugins/auth.js';
import { clientErrors, errorsPlugin, frameworkErrors } from './plugins/errors.js';
import { requestBodyPlugin } from './plugins/request-body.js';
import { limitsPlugin } from './plugins/limits.js';
import { metricsPlugin } from './plugins/prometheus.js';
import { REDACTED, REDACTED_LOG_PATHS, urlRedactor } from './redact.js';
import { openapiPlugin } from './plugins/openapi.js';
import { ROUTE_LINKS } from './paths.js';
import { agentRoutes } from './routes/agents.js';
import { discoverRoutes } from './routes/discover.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { prepareRoutes } from './routes/prepare.js';
import { scheduleRoutes } from './routes/schedule.js';

export interface BuildOptions {
  /** Override the pino logger settings (tests pass `false`). */
  logger?: FastifyServerOptions['logger'];
  /** Override REQUEST_TIMEOUT.ms (tests use a short one). */
  requestTimeoutMs?: number;
}

/**
 * Node's bound on receiving a whole request, headers and body. Node enforces
 * it from a periodic sweep of the open connections, every 30 s by default;
 * here every second (a loop over the open sockets, cheap), so a stalled
 * upload is answered 408 within a second of the bound.
 */
const REQUEST_TIMEOUT = { ms: 30_000, checkEveryMs: 1_000 };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const ajvValidators = AjvCompiler();
/**
 * Ajv as Fastify configures it, with one difference by request part: query
 * strings and path parameters are text, so their values are coerced to the
 * schema's types (and a repeated parameter to a list); a JSON body already
 * has types, so it is checked as sent: `{"force": "true"}` or
 * `{"manifest": ["..."]}` is a 400, not quietly turned into `true` or text.
 */
const validatorsByPart: NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator'] = (externalSchemas, ajvOptions) => {
  const coercing = ajvValidators(externalSchemas, ajvOptions);
  const exact = ajvValidators(externalSchemas, { ...ajvOptions, customOptions: { ...ajvOptions?.customOptions, coerceTypes: false } } as typeof ajvOptions);
  return (route) => {
    if (route.httpPart === 'body') return exact(route);
    const validate = coercing(route);
    return route.httpPart === 'querystring' ? wholeNumbersAsWritten(validate, route.schema) : validate;
  };
};

type Validate = ReturnType<ReturnType<typeof ajvValidators>>;
const WHOLE_NUMBER = /^-?[0-9]+$/;

/**
 * Ajv coerces query text to an integer through Number(), so `0x3`, `1e1`,
 * `+3`, `3.0` or an empty value all pass as numbers; a query's whole numbers
 * are digits. Checked on the raw text, before coercion, for the integer
 * parameters of the route only (no work on routes without any).
 */
function wholeNumbersAsWritten(validate: Validate, schema: unknown): Validate {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const integers = Object.keys(properties).filter((key) => properties[key]!.type === 'integer');
  if (integers.length === 0) return validate;
  const checked = ((data: Record<string, unknown> | undefined) => {
    for (const key of integers) {
      const raw = data?.[key];
      if (typeof raw === 'string' && !WHOLE_NUMBER.test(raw)) {
        checked.errors = [{ keyword: 'type', instancePath: `/${key}`, schemaPath: `#/properties/${key}/type`, params: { type: 'integer' }, message: 'must be integer' }];
        return false;
      }
    }
    const ok = validate(data);
    checked.errors = validate.errors;
    return ok;
  }) as Validate;
  return checked;
}

/** Builds the service without listening; `server.ts` and the tests both start here. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  // Credentials never reach the log: header paths are censored by pino
  // whatever logger options a caller passes; URLs are redacted below.
  const redact = { paths: REDACTED_LOG_PATHS, censor: REDACTED };
  // The service's own stdout (tests pass their own stream or none).
  const destination = options.logger === undefined ? logDestination() : undefined;
  const logger =
    options.logger === false
      ? false
      : { level: config.logLevel, ...(destination ? { stream: destination.stream } : {}), ...(typeof options.logger === 'object' ? options.logger : {}), redact };
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT.ms;
  const app = Fastify({
    logger,
    // Honour a caller's well-formed x-request-id so logs line up across services.
    // genReqId reads the header itself: with requestIdHeader set, Fastify would
    // take any incoming value as is and never call genReqId for it.
    requestIdHeader: false,
    // One that holds an API token is replaced too: the id is on every log line and echoed back.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) && !config.apiTokens.some((t) => incoming.includes(t)) ? incoming : randomUUID();
    },
    // One access-log line per request (in onResponse below) instead of two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    // Malformed percent-encoding and over-long path parameters, refused by the router itself.
    frameworkErrors,
    // And what Node's HTTP parser refuses before the router sees it.
    clientErrorHandler: clientErrors,
    // Draining is answered by the limits plugin, as problem+json with Retry-After.
    return503OnClosing: false,
    requestTimeout,
    // Given to the http server's constructor too: its headersTimeout defaults from
    // the requestTimeout it was built with (Fastify sets requestTimeout afterwards),
    // and while it stayed at 60 s the sweep timed out no request before then.
    http: { requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: REQUEST_TIMEOUT.checkEveryMs },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    schemaController: { compilersFactory: { buildValidator: validatorsByPart } },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const services: Services = createServices(config, ROUTE_LINKS);
  // The roster source may hold a keep-alive pool to the State Hub.
  app.addHook('onClose', async () => {
    await services.roster.close?.();
  });
  // Events (SPEC 5) only with KAIZEN_NATS_URL: the NATS client is imported then, not otherwise.
  const events: EventEmission | undefined = config.nats
    ? await startEventEmission(config.nats, {
        clientName: `kaizen-schedule@${config.hostName}`,
        log: app.log.child({ component: 'events' }),
        observer: (depth) => services.metrics.eventCounters(depth),
      })
    : undefined;
  // For a shutdown cut short (second signal, timeout): how many events it leaves unsent.
  app.decorate('unsentEvents', () => events?.depth() ?? 0);
  if (events) {
    // onClose runs once in-flight requests are answered, so their events are in the outbox.
    app.addHook('onClose', async () => {
      const { unsent } = await events.close(FLUSH_DEADLINE_MS);
      if (unsent > 0) app.log.warn({ unsent }, 'events not sent before shutdown');
      else app.log.info('event outbox flushed');
    });
  }
  // Last: what the hooks above logged goes out too.
  if (destination) app.addHook('onClose', (_app, done) => {
    destination.flush();
    done();
  });

  // Per-request hooks are callback-style: an async hook costs a promise and a
  // microtask hop on every request, which shows at prepare-burst rates.
  // Set when the request arrives rather than in an onSend hook: headers set
  // then are kept by every later reply (errors included), and it saves a hook phase.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  const redactUrl = urlRedactor(config.apiTokens);
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      { method: request.method, url: redactUrl(request.url), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request completed',
    );
    done();
  });

  await app.register(errorsPlugin);
  await app.register(requestBodyPlugin);
  await app.register(limitsPlugin, { maxEventLoopDelayMs: config.maxEventLoopDelayMs, rateLimitPerMinute: config.rateLimitPerMinute });
  await app.register(metricsPlugin, { metrics: services.metrics });
  await app.register(openapiPlugin);
  await app.register(authPlugin, { tokens: config.apiTokens });
  const { roster } = services;
  const extraChecks: ReadinessCheck[] = roster.readiness ? [{ name: 'state_hub', run: () => roster.readiness!() }] : [];
  if (events) extraChecks.push({ name: 'nats', required: false, run: async () => events.readiness() });
  await app.register(healthRoutes, { services, extraChecks, draining: () => app.draining() });
  await app.register(agentRoutes, { services });
  await app.register(scheduleRoutes, { services });
  await app.register(prepareRoutes, { services, ...(events ? { events } : {}) });
  await app.register(discoverRoutes, { services });
  await app.register(consolePlugin, { services });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Events still in the outbox (0 without KAIZEN_NATS_URL). */
    unsentEvents(): number;
  }
}
