import { hkdfSync, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'kaizen_session';
/** How long a console sign-in lasts. */
export const SESSION_TTL_S = 12 * 60 * 60;

/**
 * The key that signs console cookies (session and CSRF secret), derived from
 * the API tokens with HKDF: every replica configured with the same tokens
 * accepts the same cookies, and changing the token set signs everyone out.
 * The key is never stored or logged, and a cookie does not reveal a token.
 * Without tokens there is no session; the key only signs the CSRF cookie and
 * is random per process.
 */
export function cookieSecret(tokens: readonly string[]): Buffer {
  if (tokens.length === 0) return randomBytes(32);
  const material = [...tokens].sort().join('\n');
  return Buffer.from(hkdfSync('sha256', material, 'kaizen-schedule console', 'cookie signing v1', 32));
}

/** The (unsigned) cookie value of a new session: its expiry and a random id. */
export function newSessionValue(nowMs: number): string {
  return `v1.${Math.floor(nowMs / 1000) + SESSION_TTL_S}.${randomBytes(12).toString('base64url')}`;
}

/** True when an (already signature-checked) session value has not expired. */
export function sessionValid(value: string, nowMs: number): boolean {
  const m = /^v1\.(\d{1,12})\.[A-Za-z0-9_-]{16}$/.exec(value);
  return m !== null && Number(m[1]) * 1000 > nowMs;
}
