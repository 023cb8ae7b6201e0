import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { NOW_DETAIL, ServiceError } from '../../shared/errors.js';
import { fromServiceError, problemDocument, sendProblem, type ProblemDocument } from '../problem.js';

/** Maps Fastify's own client errors to stable codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string; title: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', title: 'Payload too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', title: 'Unsupported media type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length', title: 'Invalid content length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', title: 'Invalid JSON body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', title: 'Invalid JSON body' },
};

/** Codes for client errors raised by plugins (e.g. the static files behind /docs). */
const CLIENT_ERROR_CODES: Record<number, string> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
};

function toProblem(error: FastifyError): ProblemDocument | undefined {
  if (error instanceof ServiceError) return fromServiceError(error);
  if (error.validation) {
    const invalidParams = error.validation.map((v) => ({
      in: error.validationContext ?? 'request',
      path: v.instancePath || '/',
      message: v.message ?? 'is invalid',
    }));
    // A bad `now` gets its own code whichever check caught it (the schema's
    // date-time format or the route's parse), so callers can rely on one.
    if (error.validationContext === 'querystring' && invalidParams.every((p) => p.path === '/now')) {
      return problemDocument(400, 'invalid_now', NOW_DETAIL, 'Invalid now', { invalid_params: invalidParams });
    }
    return problemDocument(400, 'invalid_request', `Invalid request: ${error.message}`, 'Invalid request', { invalid_params: invalidParams });
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) return problemDocument(known.status, known.code, error.message, known.title);
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return problemDocument(400, 'invalid_json', 'The request body is not valid JSON.', 'Invalid JSON body');
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return problemDocument(error.statusCode, CLIENT_ERROR_CODES[error.statusCode] ?? 'client_error', error.message);
  }
  return undefined;
}

/**
 * Fastify's `frameworkErrors` option: a path that is not valid percent-encoding
 * or a path parameter over `maxParamLength` is refused by the router before
 * any hook or error handler runs, and Fastify would answer with its own JSON
 * (no problem+json, no x-request-id, the raw path echoed in the message).
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  const doc =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? problemDocument(414, 'uri_too_long', 'A path parameter is longer than the router accepts.', 'URI too long')
      : error.code === 'FST_ERR_BAD_URL'
        ? problemDocument(400, 'bad_url', 'The request path is not valid percent-encoding.', 'Bad request')
        : problemDocument(400, 'bad_request', 'The request could not be routed.', 'Bad request');
  sendProblem(reply, doc);
}

/**
 * Every error leaves as RFC 9457 problem+json with a stable `code`. Unexpected
 * errors are logged in full and answered with a generic 500 that names the
 * request id — never a stack trace or a path of the service's own install.
 */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const doc = toProblem(error);
    if (doc) {
      if (doc.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, doc);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(
      reply,
      problemDocument(500, 'internal_error', `An unexpected error occurred; the service log has the details under request id ${request.id}.`, 'Internal server error'),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problemDocument(404, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`, 'Not found')),
  );
}, { name: 'errors' });
