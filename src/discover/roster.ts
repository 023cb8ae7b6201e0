// typebox/type's namespace lets the CLI bundle keep only the builders used (see config.ts).
import * as Type from 'typebox/type';
import { compileCheck } from '../schema/check.js';
import type { RosterRepo, SkippedRepo } from './types.js';

/**
 * Printable text: slugs and domains end up in logs, task names and terminals.
 * Refused: C0 and C1 controls (U+009B is a one-byte CSI to many terminals),
 * and the bidi controls (overrides U+202A-U+202E, isolates U+2066-U+2069,
 * marks U+200E/U+200F/U+061C) that make a name display as another, plus the
 * line and paragraph separators U+2028/U+2029 and the invisible characters
 * that do the same (soft hyphen U+00AD, U+180E, zero-width space, non-joiner
 * and joiner U+200B-U+200D, word joiner and invisible operators
 * U+2060-U+2064, BOM U+FEFF): `alp<U+200B>ha` shows as `alpha`.
 */
export const PRINTABLE = '^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff]+$';

/**
 * A slug: printable, and a name a URL path segment can carry: not `.` or
 * `..` (a browser resolves those as path steps, so the console could not
 * link the repo), not only white space, no lone surrogate (no UTF-8 for it).
 */
export const SLUG = '^(?!\\.\\.?$)(?!\\s+$)[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff\\ud800-\\udfff]+$';

/**
 * One repo object of the State Hub roster. Unknown members are allowed (the
 * hub returns more than the resolver needs); `host_paths` may be absent or
 * null for a repo checked out nowhere yet, which the resolver then reports as
 * unreachable on this host.
 */
export const RosterEntrySchema = Type.Object(
  {
    slug: Type.String({ minLength: 1, maxLength: 200, pattern: SLUG }),
    domain: Type.Optional(Type.Union([Type.String({ maxLength: 200, pattern: PRINTABLE }), Type.Null()])),
    host_paths: Type.Optional(Type.Union([Type.Record(Type.String(), Type.String({ maxLength: 4096 })), Type.Null()])),
  },
  { additionalProperties: true },
);
const rosterEntry = compileCheck(RosterEntrySchema);

/**
 * Most entries a roster document (hub answer or roster file) may hold; more
 * and the whole roster is refused. Ten times a large fleet: a hub answering
 * millions of entries (a 5 MiB array of zeros holds 2.6 million) would
 * otherwise cost seconds of CPU and a skip per entry.
 */
export const MAX_ROSTER_ENTRIES = 10_000;

/** Thrown by parseRoster for a roster over MAX_ROSTER_ENTRIES; each source maps it to its own error code. */
export class RosterTooLarge extends Error {
  constructor(readonly entries: number) {
    super(`the roster holds ${entries} entries; the limit is ${MAX_ROSTER_ENTRIES}`);
  }
}

export interface ParsedRoster {
  entries: number;
  repos: RosterRepo[];
  skipped: SkippedRepo[];
}

/** The roster array inside a document: a bare array, or one held under `repos` or `items`. */
export function rosterArray(document: unknown): unknown[] | undefined {
  if (Array.isArray(document)) return document;
  if (document !== null && typeof document === 'object') {
    for (const key of ['repos', 'items'] as const) {
      const value = (document as Record<string, unknown>)[key];
      if (Array.isArray(value)) return value;
    }
  }
  return undefined;
}

function entryLabel(entry: unknown, index: number): string {
  if (entry !== null && typeof entry === 'object') {
    const slug = (entry as Record<string, unknown>).slug;
    if (typeof slug === 'string' && new RegExp(PRINTABLE).test(slug) && slug.length <= 200) return slug;
  }
  return `roster[${index}]`;
}

/**
 * Checks every entry of a roster document. Malformed entries and repeated
 * slugs are reported as skipped rather than failing the whole roster; a
 * document that holds no roster array at all returns undefined, one with
 * more than MAX_ROSTER_ENTRIES entries throws RosterTooLarge before any
 * entry is looked at.
 */
export function parseRoster(document: unknown, maxEntries = MAX_ROSTER_ENTRIES): ParsedRoster | undefined {
  const items = rosterArray(document);
  if (!items) return undefined;
  if (items.length > maxEntries) throw new RosterTooLarge(items.length);
  const repos: RosterRepo[] = [];
  const skipped: SkippedRepo[] = [];
  const seen = new Set<string>();
  items.forEach((entry, index) => {
    if (!rosterEntry.check(entry)) {
      const problems = rosterEntry
        .problems(entry)
        .slice(0, 3)
        .map((e) => `${e.path || '/'} ${e.message}`);
      skipped.push({
        repo: entryLabel(entry, index),
        reason: 'roster_entry_invalid',
        detail: `roster entry ${index} is not a repo object {slug, domain, host_paths}: ${problems.join('; ')}`,
      });
      return;
    }
    if (seen.has(entry.slug)) {
      skipped.push({ repo: entry.slug, reason: 'roster_entry_duplicate', detail: `roster entry ${index} repeats slug '${entry.slug}'; the first one is used` });
      return;
    }
    seen.add(entry.slug);
    repos.push({
      slug: entry.slug,
      ...(typeof entry.domain === 'string' ? { domain: entry.domain } : {}),
      host_paths: entry.host_paths ?? {},
    });
  });
  return { entries: items.length, repos, skipped };
}
