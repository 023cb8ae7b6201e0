/** Display helpers for the console: times as an operator reads them. */

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):\d{2}(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO-8601 instant carrying its zone's offset (as the core formats fire
 * times) as wall-clock text in that zone: "Mon 7 Dec 2026, 09:00 (UTC+01:00)".
 * Read off the string itself, so the wall time is the zone's, not the server's.
 */
export function wallTime(iso: string, { year = true, offset = true } = {}): string {
  const m = ISO_WITH_OFFSET.exec(iso);
  if (!m) return iso;
  const [, y, mo, d, h, mi, off] = m;
  // setUTCFullYear, not Date.UTC: that reads the years 0-99 as 1900-1999.
  const day = new Date(0);
  day.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  const weekday = WEEKDAYS[day.getUTCDay()]!;
  const date = `${weekday} ${Number(d)} ${MONTHS[Number(mo) - 1]!}${year ? ` ${y}` : ''}`;
  const zone = off === 'Z' || off === '+00:00' ? 'UTC' : `UTC${off}`;
  return `${date}, ${h}:${mi}${offset ? ` (${zone})` : ''}`;
}

/** "in 45 min", "in 3 h", "in 2 d 4 h"; "now" within a minute; "5 min ago" for the past. */
export function relativeTime(target: number, now: number): string {
  const diffMin = Math.round((target - now) / 60_000);
  const abs = Math.abs(diffMin);
  if (abs < 1) return 'now';
  let text: string;
  if (abs < 60) text = `${abs} min`;
  else if (abs < 48 * 60) text = `${Math.round(abs / 60)} h`;
  else {
    const days = Math.floor(abs / 1440);
    const hours = Math.round((abs - days * 1440) / 60);
    text = hours === 0 || hours === 24 ? `${days + (hours === 24 ? 1 : 0)} d` : `${days} d ${hours} h`;
  }
  return diffMin > 0 ? `in ${text}` : `${text} ago`;
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
