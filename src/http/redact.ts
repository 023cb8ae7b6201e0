/**
 * Query parameters whose value is (or may be) a credential. Matched against
 * the decoded name, case-insensitively; over-matching only costs readability.
 */
const SECRET_PARAM = /token|secret|passw|^pwd$|key|auth|credential|signature|^sig$|session|^code$|bearer|jwt|^pat$/i;

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

/** Characters decodedName would change. */
const ENCODED = /[%+]/;

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** Whether a percent-encoded value, decoded, holds one of `secrets` (escapes vary: %2f, %2F, a needless %74). */
function holdsSecret(value: string, secrets: readonly string[]): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return false;
  }
  return secrets.some((secret) => secret !== '' && decoded.includes(secret));
}

/**
 * The URL as the client sent it, with the value of every token-looking query
 * parameter (`access_token`, `token`, `api_key`, `password`, ...) replaced by
 * `[redacted]`, for the access log, and every occurrence of one of `secrets`
 * (the configured API tokens). Path and other parameters are kept as sent.
 */
export function redactUrl(url: string, secrets: readonly string[] = []): string {
  return urlRedactor(secrets)(url);
}

/**
 * `redactUrl` for a fixed list of secrets, their encoded forms worked out
 * once: the access log calls it on every request. A name is decoded only when
 * it has something to decode, and the URL is rebuilt only when a parameter
 * was redacted.
 */
export function urlRedactor(secrets: readonly string[]): (url: string) => string {
  const forms = [...new Set(secrets.flatMap((secret) => [secret, encodeURIComponent(secret)]))].filter((form) => form !== '');
  return (url) => {
    let redacted = url;
    const q = url.indexOf('?');
    if (q >= 0) {
      const parts = url.slice(q + 1).split('&');
      let changed = false;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        const eq = part.indexOf('=');
        const name = eq < 0 ? part : part.slice(0, eq);
        if (SECRET_PARAM.test(ENCODED.test(name) ? decodedName(name) : name) || (secrets.length > 0 && part.includes('%') && holdsSecret(part.slice(eq + 1), secrets))) {
          parts[i] = `${name}=${REDACTED}`;
          changed = true;
        }
      }
      if (changed) redacted = `${url.slice(0, q + 1)}${parts.join('&')}`;
    }
    // The service's own tokens are known: wherever a client put one (another
    // parameter's value, the path), as sent or percent-encoded, it goes.
    for (const form of forms) if (redacted.includes(form)) redacted = redacted.split(form).join(REDACTED);
    return redacted;
  };
}
