import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError } from '../../errors.js';
import { invalidNowProblem, isNowOnly } from '../now.js';
import { HttpError, fromCodedError, problemDocument, sendProblem, type ProblemDocument } from '../problem.js';
import { UNSUPPORTED_MEDIA_TYPE_DETAIL } from '../schemas/examples.js';

/** Maps Fastify's own client errors to stable codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string; title: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', title: 'Payload too large' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length', title: 'Invalid content length' },
  // The console's forms (@fastify/csrf-protection).
  FST_CSRF_MISSING_SECRET: { status: 403, code: 'csrf_invalid', title: 'Form expired or forged' },
  FST_CSRF_INVALID_TOKEN: { status: 403, code: 'csrf_invalid', title: 'Form expired or forged' },
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

type SchemaError = NonNullable<FastifyError['validation']>[number];

const TYPE_WORDS: Record<string, string> = {
  boolean: 'true or false',
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

const FORMAT_WORDS: Record<string, string> = {
  'date-time': 'an ISO-8601 date-time with Z or an offset, e.g. 2026-11-30T08:00:00Z',
};

/**
 * One schema error in the caller's words: the parameter as they named it
 * (`cadence`, `body.manifest`) and what it must be, never Ajv's schema paths.
 */
export function describeSchemaError(v: SchemaError, context: string | undefined): string {
  const member = v.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
  const params = v.params as Record<string, unknown>;
  const prefix = context === 'body' ? 'body' : '';
  const name = [prefix, member].filter(Boolean).join('.') || (context === 'body' ? 'the body' : 'the query');
  const list = (values: unknown[]) => values.map(String).join(', ');
  switch (v.keyword) {
    case 'enum':
      return `${name} must be one of ${list(params.allowedValues as unknown[])}`;
    case 'const':
      return `${name} must be ${String(params.allowedValue)}`;
    case 'type': {
      const types = String(params.type).split(',');
      return `${name} must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')}`;
    }
    case 'required':
      return `${[prefix, member, String(params.missingProperty)].filter(Boolean).join('.')} is required`;
    case 'additionalProperties':
      return `${name} has an unknown member '${String(params.additionalProperty)}'`;
    case 'minimum':
      return `${name} must be at least ${String(params.limit)}`;
    case 'maximum':
      return `${name} must be at most ${String(params.limit)}`;
    case 'minLength':
      return params.limit === 1 ? `${name} must not be empty` : `${name} must be at least ${String(params.limit)} characters long`;
    case 'maxLength':
      return `${name} must be at most ${String(params.limit)} characters long`;
    case 'pattern':
      return `${name} must match ${String(params.pattern)}`;
    case 'format':
      return `${name} must be ${FORMAT_WORDS[String(params.format)] ?? `a valid ${String(params.format)}`}`;
    case 'anyOf':
    case 'oneOf':
      return `${name} is not in any of the accepted forms`;
    default:
      return `${name} ${v.message ?? 'is invalid'}`;
  }
}

/** The media types a route's body may be sent as: its documented `content` keys, else JSON. */
function acceptedMediaTypes(request: FastifyRequest): string[] {
  const body = (request.routeOptions.schema as { body?: { content?: Record<string, unknown> } } | undefined)?.body;
  return body?.content ? Object.keys(body.content) : ['application/json'];
}

const orList = (items: string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);

/** The problem document for a client error, or undefined for an unexpected one (the console renders the same mapping as a page). */
export function toProblem(error: FastifyError, request: FastifyRequest): ProblemDocument | undefined {
  if (error instanceof DomainError || error instanceof HttpError) return fromCodedError(error);
  if (error.validation) {
    // An anyOf failure comes with one error per branch; the summary says it.
    const anyOf = error.validation.find((v) => v.keyword === 'anyOf' || v.keyword === 'oneOf');
    const errors = anyOf ? error.validation.filter((v) => v === anyOf || !v.instancePath.startsWith(anyOf.instancePath)) : error.validation;
    const invalidParams = errors.map((v) => ({
      in: error.validationContext ?? 'request',
      path: v.instancePath || '/',
      message: describeSchemaError(v, error.validationContext),
    }));
    if (error.validationContext === 'querystring' && isNowOnly(invalidParams)) return invalidNowProblem(invalidParams);
    return problemDocument(400, 'invalid_request', `Invalid request: ${invalidParams.map((p) => p.message).join('; ')}.`, 'Invalid request', { invalid_params: invalidParams });
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const accepted = acceptedMediaTypes(request);
    // Echoed only when it looks like a media type: the header is the client's.
    const sent = request.headers['content-type']?.split(';')[0]?.trim();
    const echo = sent && sent.length <= 100 && /^[\w.+-]+\/[\w.+-]+$/.test(sent) ? ` (${sent})` : '';
    return problemDocument(
      415,
      'unsupported_media_type',
      `${UNSUPPORTED_MEDIA_TYPE_DETAIL}${echo}; send ${orList(accepted)}.`,
      'Unsupported media type',
      { accepted },
    );
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

/** What Node's HTTP parser refuses, by its error code; anything else it refuses is `bad_request`. */
const PARSER_ERRORS: Record<string, { status: number; code: string; title: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'headers_too_large', title: 'Request headers too large', detail: 'The request line and headers are larger than the server accepts.' },
  HPE_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length', title: FASTIFY_CODES.FST_ERR_CTP_INVALID_CONTENT_LENGTH!.title, detail: 'Content-Length must be one decimal number of bytes.' },
  HPE_UNEXPECTED_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length', title: FASTIFY_CODES.FST_ERR_CTP_INVALID_CONTENT_LENGTH!.title, detail: 'Content-Length must be given once, and not with Transfer-Encoding.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', title: STATUS_CODES[408]!, detail: 'The request did not arrive in time.' },
};

/**
 * Fastify's `clientErrorHandler` option: a request Node's HTTP parser refuses
 * (headers too large, a malformed Content-Length or chunk, no HTTP at all)
 * never reaches a route or a hook, and Fastify would answer with its own JSON.
 * This answers it as every other error, then closes the connection: after a
 * parse error the rest of its bytes cannot be trusted. The raw packet is not
 * logged (it may hold credentials).
 */
export function clientErrors(this: FastifyInstance, error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // A pipelined request before this one, received whole, is still being
  // answered on the socket (Node's http keeps its response there): writing
  // now would cut into that answer. It goes out whole and closes the
  // connection, which is all a client can be told after bytes that are not
  // HTTP. (When the broken bytes are that request's own body, it gets the 400.)
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (inFlight && !inFlight.writableFinished && inFlight.req.complete) {
    inFlight.shouldKeepAlive = false;
    inFlight.once('close', () => socket.destroy());
    this.log.info({ parserError: error.code }, 'request refused by the HTTP parser after a pipelined one; closing once that is answered');
    return;
  }
  const known = PARSER_ERRORS[error.code ?? ''];
  const doc = known ? problemDocument(known.status, known.code, known.detail, known.title) : problemDocument(400, 'bad_request', 'The request is not valid HTTP/1.1.', 'Bad request');
  const body = JSON.stringify(doc);
  const id = randomUUID();
  this.log.info({ request_id: id, statusCode: doc.status, parserError: error.code }, 'request refused by the HTTP parser');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${doc.status} ${STATUS_CODES[doc.status] ?? 'Error'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${id}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
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
    const doc = toProblem(error, request);
    if (doc) {
      // A 503 is load, not a fault: it says when to come back instead.
      if (doc.status === 503) reply.header('retry-after', '1');
      else if (doc.status >= 500) request.log.error({ err: error }, 'request failed');
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
