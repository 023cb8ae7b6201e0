import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../../services.js';
import { boundedCache } from '../../cache/bounded.js';
import { toProblem } from '../plugins/errors.js';
import { problemDocument, sendProblem, type ProblemDocument } from '../problem.js';
import { ASSETS } from './assets.js';
import { sendPage, type ConsoleContext } from './context.js';
import { fleetPage } from './fleet.js';
import { Layout } from './layout.js';
import { repoPage } from './repo.js';
import { cookieSecret, SESSION_COOKIE, sessionValid } from './session.js';
import { PUBLIC, signInPages } from './sign-in.js';
import { validatePage } from './validate.js';
import { BEARER_CHALLENGE } from '../plugins/auth.js';

/** No script and no inline style anywhere: the pages work without JavaScript. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * The operator console (SPEC §10): server-rendered pages over the same core
 * the API routes use. Registered encapsulated, so its cookie, form parser,
 * CSRF check, headers and HTML error pages apply to its routes only.
 */
export async function consolePlugin(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { config } = services;
  const auth = config.apiTokens.length > 0;
  const ctx: ConsoleContext = {
    services,
    // The core's own resolver inputs and bundle cache: the pages and the API share them.
    deps: services.discoverDeps,
    bundles: services.bundles,
    // Not the request's Host header: no URL the service shows is built from a client header.
    baseUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
    auth,
    // The service speaks plain HTTP behind a proxy and trusts no forwarded header, so 'auto' alone never sees HTTPS.
    secure: config.publicUrl?.startsWith('https://') ? true : 'auto',
    signedOut: boundedCache<string, true>('signedOutSessions'),
  };

  await app.register(cookie, { secret: cookieSecret(config.apiTokens) });
  await app.register(formbody);
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'kaizen_csrf',
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, signed: true, secure: ctx.secure },
    getToken: (request) => (request.body as { _csrf?: string } | undefined)?._csrf,
  });

  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.headers(SECURITY_HEADERS);
    // Pages show fleet data: never kept by a shared cache (the stylesheet sets its own).
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  if (auth) {
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.console?.public) return;
      const raw = request.cookies[SESSION_COOKIE];
      const unsigned = raw === undefined ? undefined : request.unsignCookie(raw);
      if (unsigned?.valid && unsigned.value !== null && sessionValid(unsigned.value, Date.now()) && !ctx.signedOut.has(unsigned.value)) return;
      if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect('/ui/sign-in', 303);
      reply.header('www-authenticate', BEARER_CHALLENGE);
      return sendPage(reply, <Layout title="Sign in first" section="error"><h1>Sign in first</h1><p><a href="/ui/sign-in">Sign in</a></p></Layout>, 401);
    });
  }

  const errorPage = (reply: FastifyReply, doc: ProblemDocument, requestId: string) =>
    sendPage(
      reply,
      <Layout title={doc.title} section="error">
        <h1>{doc.title}</h1>
        <p class="notice bad">{doc.detail}</p>
        <p class="muted">
          Status {doc.status}, code <code>{doc.code}</code>, request id <code>{requestId}</code>.
        </p>
        <p><a href="/">Back to the fleet</a></p>
      </Layout>,
      doc.status,
    );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const doc = toProblem(error, request) ?? problemDocument(500, 'internal_error', `An unexpected error occurred; the service log has the details under request id ${request.id}.`, 'Internal server error');
    // A 503 (discover passes all taken) is load, not a fault: it says when to come back, as the API does.
    if (doc.status === 503) reply.header('retry-after', '1');
    else if (doc.status >= 500) request.log.error({ err: error }, 'console page failed');
    return errorPage(reply, doc, request.id);
  });

  // An unknown console address from a browser gets a console page (with the console's headers); an API client still gets problem+json.
  await app.register(async (ui) => {
    ui.setNotFoundHandler((request, reply) => {
      const doc = problemDocument(404, 'not_found', `No console page at ${request.url.split('?')[0]}.`, 'Not found');
      return request.headers.accept?.includes('text/html') ? errorPage(reply, doc, request.id) : sendProblem(reply, doc);
    });
  }, { prefix: '/ui' });

  for (const asset of ASSETS) {
    app.get(asset.path, { schema: { hide: true }, config: PUBLIC }, async (_request, reply) =>
      reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').header('etag', asset.etag).send(asset.bytes),
    );
  }

  signInPages(app, ctx);
  fleetPage(app, ctx);
  repoPage(app, ctx);
  validatePage(app, ctx);
}
