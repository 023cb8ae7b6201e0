import { NOW_DETAIL } from '../errors.js';
import { HttpError, fromCodedError, type ProblemDocument } from './problem.js';

const invalidNow = (): HttpError => new HttpError('invalid_now', NOW_DETAIL);

/** `now` query values: ISO-8601 instants; anything else is a 400 rather than "Invalid Date". */
export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw invalidNow();
  return parsed;
}

/**
 * A bad `now` gets its own code whichever check caught it (the schema's
 * date-time format or parseNow), so callers can rely on one: true when every
 * schema error of the query is about `now`.
 */
export const isNowOnly = (invalidParams: ReadonlyArray<{ path: string }>): boolean => invalidParams.every((p) => p.path === '/now');

export const invalidNowProblem = (invalidParams: unknown[]): ProblemDocument => ({ ...fromCodedError(invalidNow()), invalid_params: invalidParams });
