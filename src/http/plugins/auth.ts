import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../problem.js';
import { problem } from '../schemas/common.js';

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * True when `presented` is one of `tokens`. Tokens are compared as SHA-256
 * digests with timingSafeEqual against every token (no early exit), so
 * neither the time taken nor the length leaks which bytes matched.
 */
export function tokenMatcher(tokens: readonly string[]): (presented: string) => boolean {
  const accepted = tokens.map(digest);
  return (presented) => {
    const d = digest(presented);
    let ok = false;
    for (const token of accepted) ok = timingSafeEqual(d, token) || ok;
    return ok;
  };
}

const unauthorized = (detail: string): HttpError => new HttpError('unauthorized', detail);

/**
 * Bearer-token guard for every /v1 route when KAIZEN_API_TOKENS is set (tokens
 * compared by tokenMatcher). Every /v1 route
 * documents the scheme and its 401 whether or not tokens are configured, so
 * the OpenAPI document does not depend on configuration.
 */
/** RFC 9110 11.6.1: every 401 names the scheme it wants; the console's 401s use these too. */
export const BEARER_CHALLENGE = 'Bearer realm="kaizen-schedule"';
export const INVALID_TOKEN_CHALLENGE = 'Bearer realm="kaizen-schedule", error="invalid_token"';

export const authPlugin = fp(async (app: FastifyInstance, opts: { tokens: readonly string[] }) => {
  const matches = tokenMatcher(opts.tokens);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return;
    const schema = (route.schema ??= {}) as Record<string, unknown>;
    schema.security = [{ bearerAuth: [] }];
    schema.response = { ...(schema.response as object), 401: problem('Missing or invalid bearer token (unauthorized); only when KAIZEN_API_TOKENS is set', 401) };
  });

  if (opts.tokens.length === 0) return;
  app.addHook('onRequest', (request, reply, done) => {
    // The matched route, not the raw URL: encoded forms of /v1 cannot slip past.
    if (!request.routeOptions.url?.startsWith('/v1/')) return done();
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      reply.header('www-authenticate', BEARER_CHALLENGE);
      return done(unauthorized('This route requires an Authorization: Bearer <token> header.'));
    }
    if (!matches(match[1]!)) {
      reply.header('www-authenticate', INVALID_TOKEN_CHALLENGE);
      return done(unauthorized('The bearer token is not valid.'));
    }
    done();
  });
}, { name: 'auth' });
