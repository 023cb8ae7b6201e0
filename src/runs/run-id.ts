import { createHash } from 'node:crypto';

/**
 * Namespace of every `run_id` (UUID v5, RFC 9562 section 5.5). Fixed for the
 * life of the service: changing it would give every run a new id and make
 * orchestrators start runs they already started.
 */
export const RUN_ID_NAMESPACE = '65934522-efa5-45be-b866-00dcf7e16a61';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

/** A UUID version 5: SHA-1 over the namespace's 16 bytes and the UTF-8 name, version and variant bits set. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The UTC instant as it enters a run's name: second precision, `Z`, e.g. `2026-12-01T08:00:00Z`. */
export const utcSecond = (instant: Date): string => instant.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The name a run's id is derived from: repo slug, agent and UTC instant, one
 * per line (`<repo>\n<agent>\n<YYYY-MM-DDTHH:MM:SSZ>`). Neither slugs nor agent
 * names can hold a line break, so the name is unambiguous.
 */
export const runName = (repo: string, agent: string, scheduledFor: Date): string => `${repo}\n${agent}\n${utcSecond(scheduledFor)}`;

/** The `run_id` of `(repo, agent)` firing at `scheduledFor`: the same on every replica, restart and call. */
export const runId = (repo: string, agent: string, scheduledFor: Date): string => uuidV5(RUN_ID_NAMESPACE, runName(repo, agent, scheduledFor));

// RFC 3339 date-time: full date, time with optional fraction, and Z or an offset.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 instant (with `Z` or an offset; no bare local times,
 * which would mean something different in every zone). Undefined when the
 * text is not one or names a day that does not exist (2026-02-30).
 */
export function parseInstant(value: string): Date | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  // Date.parse rolls 02-30 over to 03-02; check the fields survive a round trip.
  // (Not Date.UTC: it reads years 0-99 as 1900-1999.)
  const wall = new Date(0);
  wall.setUTCFullYear(y, mo - 1, d);
  wall.setUTCHours(h, mi, s);
  if (wall.getUTCFullYear() !== y || wall.getUTCMonth() !== mo - 1 || wall.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  const parsed = Date.parse(value.toUpperCase());
  return Number.isNaN(parsed) ? undefined : new Date(parsed);
}
