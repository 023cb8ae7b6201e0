import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ServiceError } from '../errors.js';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [member: string]: unknown;
}

const TYPE_BASE = 'https://kaizen-schedule.dev/problems/';

export function problemDocument(
  status: number,
  code: string,
  detail: string,
  title = STATUS_CODES[status] ?? 'Error',
  extra: Record<string, unknown> = {},
): ProblemDocument {
  return { type: `${TYPE_BASE}${code}`, title, status, detail, code, ...extra };
}

export const fromServiceError = (err: ServiceError): ProblemDocument =>
  problemDocument(err.status, err.code, err.message, err.title, err.extra);

/** Sends a problem+json answer, bypassing the route's success serializer. */
export function sendProblem(reply: FastifyReply, doc: ProblemDocument): FastifyReply {
  return reply
    .code(doc.status)
    .type('application/problem+json')
    .serializer((payload: unknown) => JSON.stringify(payload))
    .send({ ...doc, instance: reply.request.url.split('?')[0] });
}
