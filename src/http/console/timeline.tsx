import type { VNode } from 'preact';
import type { ScheduledRun } from '../../discover/types.js';
import { fireTimesBetween, nextRuns } from '../../manifest/cron.js';
import { formatInZone } from '../../manifest/timezone.js';
import { plural, wallTime } from './format.js';

/** Layout of the timeline, in SVG user units. */
const GEOMETRY = { width: 1200, label: 190, right: 12, header: 36, row: 18, days: 7 } as const;
/** Marks drawn per (repo, agent) at most: a cron that fires every minute must not produce 10,000 circles. */
export const MAX_MARKS_PER_AGENT = 56;

export interface TimelineRow {
  slug: string;
  runs: readonly ScheduledRun[];
}

interface Day {
  start: number;
  end: number;
  label: string;
  hours: number;
}

const MIDNIGHT = '0 0 * * *';
const HOUR_MS = 3_600_000;

/**
 * The local days of `zone` from the one holding `now`, as instants: taken
 * from the same cron engine as every fire time, so a DST day is 23 or 25
 * hours wide, as it is on the wall.
 */
export function localDays(zone: string, now: Date, count: number): Day[] {
  const before = nextRuns(MIDNIGHT, zone, new Date(now.getTime() - 36 * HOUR_MS), 3).filter((d) => d.getTime() <= now.getTime());
  const first = before.at(-1) ?? now;
  const bounds = [first, ...nextRuns(MIDNIGHT, zone, first, count)];
  const days: Day[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i]!.getTime();
    const end = bounds[i + 1]!.getTime();
    const wall = wallTime(formatInZone(bounds[i]!, zone), { year: false, offset: false });
    days.push({ start, end, label: wall.slice(0, wall.indexOf(',')), hours: Math.round((end - start) / HOUR_MS) });
  }
  return days;
}

interface Fire {
  at: number;
  label: string;
}

/** Fire times of one (cron, zone) in the window, shared by every repo that uses the pair. */
function firesFor(cache: Map<string, Fire[]>, run: ScheduledRun, now: Date, end: number): Fire[] {
  const key = `${run.cron}\u0000${run.timezone}`;
  let fires = cache.get(key);
  if (!fires) {
    // The due-window enumeration (from < t <= to), so the marks are the runs a window over these days would emit.
    fires = fireTimesBetween(run.cron, run.timezone, now, new Date(end), MAX_MARKS_PER_AGENT)
      .map((d) => ({ at: d.getTime(), label: wallTime(formatInZone(d, run.timezone)) }));
    cache.set(key, fires);
  }
  return fires;
}

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}\u2026` : text);
const px = (n: number): string => n.toFixed(1);

export interface TimelineProps {
  rows: readonly TimelineRow[];
  now: Date;
  /** Zone whose midnights draw the day lines. */
  zone: string;
}

/** The next seven days as an SVG drawn on the server: a row per repo, a mark per run, day lines and now. */
export function Timeline({ rows, now, zone }: TimelineProps): VNode {
  const { width, label, right, header, row, days: dayCount } = GEOMETRY;
  const days = localDays(zone, now, dayCount);
  // The cron engine stops at local 9999-12-31 (four-digit years), and so do the day lines.
  if (days.length === 0) {
    return (
      <figure class="timeline-figure">
        <figcaption>{`No timeline: schedules are computed up to 9999-12-31 only, so no whole day from now on can be drawn.`}</figcaption>
      </figure>
    );
  }
  const start = days[0]!.start;
  const end = days.at(-1)!.end;
  const x = (t: number): number => label + ((t - start) / (end - start)) * (width - label - right);
  const fires = new Map<string, Fire[]>();
  const drawn = rows
    .map((r) => ({ slug: r.slug, marks: r.runs.flatMap((run) => firesFor(fires, run, now, end).map((f) => ({ run, fire: f }))) }))
    .filter((r) => r.marks.length > 0);
  const height = header + Math.max(drawn.length, 1) * row + 8;
  const nowX = x(now.getTime());
  return (
    <figure class="timeline-figure">
      <figcaption>
        {`Runs of ${plural(drawn.length, 'repo')} in the next ${plural(days.length, 'day')}; day lines at midnight ${zone}.`}
      </figcaption>
      <div class="timeline">
        <svg xmlns="http://www.w3.org/2000/svg" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="timeline-title">
          <title id="timeline-title">{`Timeline: ${drawn.length} repos with runs between ${new Date(start).toISOString()} and ${new Date(end).toISOString()}`}</title>
          {days.map((d) => (
            <g>
              <line class="day" x1={px(x(d.start))} x2={px(x(d.start))} y1="0" y2={height} />
              <text class="day-label" x={px((x(d.start) + x(d.end)) / 2)} y="14" text-anchor="middle">
                {d.label}
              </text>
              {d.hours !== 24 && (
                <text class="day-label" x={px((x(d.start) + x(d.end)) / 2)} y="28" text-anchor="middle">
                  {`${d.hours} h (clock change)`}
                </text>
              )}
            </g>
          ))}
          <line class="day" x1={px(x(end))} x2={px(x(end))} y1="0" y2={height} />
          {/* One path for every row's guide line: a thousand <line>s cost more to render than they show. */}
          <path class="row" d={drawn.map((_, i) => `M${label} ${px(header + i * row + row / 2)}H${width - right}`).join('')} />
          {drawn.map((r, i) => {
            const y = header + i * row + row / 2;
            const shown = clip(r.slug, 28);
            return (
              <g class="repo-row">
                <text class="repo-label" x="4" y={px(y + 4)}>
                  {shown !== r.slug && <title>{r.slug}</title>}
                  {shown}
                </text>
                {r.marks.map(({ run, fire }) => (
                  <circle class={`mark cadence-${run.cadence}`} cx={px(x(fire.at))} cy={px(y)} r="5">
                    <title>{`${run.agent} · ${fire.label} ${run.timezone}`}</title>
                  </circle>
                ))}
              </g>
            );
          })}
          <line class="now" x1={px(nowX)} x2={px(nowX)} y1="30" y2={height} />
          <text class="now-label" x={px(nowX + 3)} y="34">now</text>
        </svg>
      </div>
      <ul class="legend" aria-label="Mark colours">
        {(['daily', 'weekly', 'monthly'] as const).map((c) => (
          <li>
            <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true"><circle class={`cadence-${c}`} cx="6" cy="6" r="5" /></svg> {c}
          </li>
        ))}
      </ul>
    </figure>
  );
}
