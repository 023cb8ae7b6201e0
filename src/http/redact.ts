/**
 * Query parameters whose value is (or may be) a credential. Matched against
 * the decoded name, case-insensitively; over-matching only costs readability.
 */
const SECRET_PARAM = /token|secret|passw|^pwd$|key|auth|credential|signature|^sig$|session|^code$/i;

export const REDACTED = '[redacted]';

/** Headers pino must never print, should a request or its headers ever be logged. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
];

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * The URL as the client sent it, with the value of every token-looking query
 * parameter (`access_token`, `token`, `api_key`, `password`, ...) replaced by
 * `[redacted]`, for the access log. Path and other parameters are kept as sent.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url.slice(q + 1);
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    return SECRET_PARAM.test(decodedName(name)) ? `${name}=${REDACTED}` : part;
  });
  return `${url.slice(0, q + 1)}${parts.join('&')}`;
}
