import { boundedCache } from '../cache/bounded.js';
import { didYouMean } from '../text/suggest.js';

/** The zone of manifests that declare none, unless KAIZEN_DEFAULT_TIMEZONE says otherwise. */
export const DEFAULT_TIMEZONE = 'Europe/Berlin';

// Bounded: a hostile client could otherwise grow these without limit.
const validity = boundedCache<string, boolean>('timeZoneChecks');

/** True when the runtime's ICU knows `zone` as an IANA time zone. */
export function isValidTimeZone(zone: string): boolean {
  let known = validity.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    validity.set(zone, known);
  }
  return known;
}

let zoneNames: string[] | undefined;
const names = (): string[] => (zoneNames ??= [...Intl.supportedValuesOf('timeZone'), 'UTC']);
let byLowerCase: Map<string, string> | undefined;

/**
 * The zone as the IANA database spells it: Intl accepts `europe/berlin`, and
 * the service should not echo that back. (Intl's own canonical form is not
 * used: ICU turns Asia/Kolkata into the legacy Asia/Calcutta.)
 */
export function canonicalTimeZone(zone: string): string {
  byLowerCase ??= new Map(names().map((n) => [n.toLowerCase(), n]));
  return byLowerCase.get(zone.toLowerCase()) ?? zone;
}
export function suggestTimeZone(zone: string): string | undefined {
  return didYouMean(zone, names());
}

const formatters = boundedCache<string, Intl.DateTimeFormat>('timeZoneFormatters');
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      // With the era, so year 0 (1 BC) is not read back as year 1.
      era: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** The zone's UTC offset at that instant, in milliseconds (LMT offsets have seconds). */
  offsetMs: number;
}

function wallClock(instantMs: number, zone: string): WallClock {
  const parts: Record<string, number> = {};
  let bc = false;
  for (const p of formatterFor(zone).formatToParts(instantMs)) {
    if (p.type === 'era') bc = p.value === 'BC';
    else if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  // Astronomical year numbering, as ISO 8601 has it: 1 BC is year 0.
  if (bc) parts.year = 1 - parts.year!;
  // Not Date.UTC: it maps years 0-99 to 1900-1999, which skewed the offset of
  // early instants by 1900 years (`+16655040:53`).
  const wallDate = new Date(0);
  wallDate.setUTCFullYear(parts.year!, parts.month! - 1, parts.day!);
  wallDate.setUTCHours(parts.hour!, parts.minute!, parts.second!, 0);
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
    offsetMs: wallDate.getTime() - Math.floor(instantMs / 1000) * 1000,
  };
}

/** The zone's UTC offset at an instant, in milliseconds (wall clock minus UTC). */
export function zoneOffsetMs(instantMs: number, zone: string): number {
  return wallClock(instantMs, zone).offsetMs;
}

/** ISO-8601 with the zone's UTC offset at that instant, e.g. 2026-11-30T09:00:00+01:00. */
export function formatInZone(instant: Date, zone: string): string {
  let wall = wallClock(instant.getTime(), zone);
  const offsetMin = Math.round(wall.offsetMs / 60000);
  if (offsetMin * 60000 !== wall.offsetMs) {
    // RFC 3339 offsets have no seconds, and an LMT one does (Berlin before
    // 1893: +00:53:28). Written to the minute, the wall time moves with it, so
    // the text still names the instant (run ids and prepare checks parse it).
    const shifted = new Date(Math.floor(instant.getTime() / 1000) * 1000 + offsetMin * 60000);
    wall = {
      year: shifted.getUTCFullYear(),
      month: shifted.getUTCMonth() + 1,
      day: shifted.getUTCDate(),
      hour: shifted.getUTCHours(),
      minute: shifted.getUTCMinutes(),
      second: shifted.getUTCSeconds(),
      offsetMs: offsetMin * 60000,
    };
  }
  const sign = offsetMin < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.trunc(offsetMin / 60))}:${pad(offsetMin % 60)}`;
  return (
    `${wall.year < 0 ? `-${pad(wall.year, 6)}` : pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}` +
    `T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}${offset}`
  );
}
