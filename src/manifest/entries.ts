import { DEFAULT_CADENCE_CRONS, nextRuns } from './cron.js';
import { formatInZone } from './timezone.js';
import type { Cadence, Manifest, ManifestEntry } from './types.js';

export interface ScheduleDefaults {
  /** Zone for manifests that declare none. */
  timezone: string;
  /** Cron per cadence for entries that declare none. */
  cadenceCrons: Readonly<Record<Cadence, string>>;
}

export const DEFAULT_SCHEDULE_DEFAULTS: ScheduleDefaults = {
  timezone: 'Europe/Berlin',
  cadenceCrons: DEFAULT_CADENCE_CRONS,
};

/** An entry with its effective cron and zone resolved, ready to list or emit. */
export interface ResolvedEntry {
  agent: string;
  cadence: Cadence;
  cron: string;
  cron_source: 'manifest' | 'cadence_default';
  timezone: string;
  enabled: boolean;
}

export interface ListedEntry extends ResolvedEntry {
  next_runs: string[];
}

export function resolveEntry(manifest: Manifest, entry: ManifestEntry, defaults: ScheduleDefaults): ResolvedEntry {
  return {
    agent: entry.agent,
    cadence: entry.cadence,
    cron: entry.cron ?? defaults.cadenceCrons[entry.cadence],
    cron_source: entry.cron ? 'manifest' : 'cadence_default',
    timezone: manifest.timezone ?? defaults.timezone,
    enabled: entry.enabled,
  };
}

/** The next `count` fire times of a resolved entry after `now`, ISO-8601 with the zone's offset. */
export function upcomingRuns(entry: ResolvedEntry, now: Date, count: number): string[] {
  return nextRuns(entry.cron, entry.timezone, now, count).map((run) => formatInZone(run, entry.timezone));
}

export interface ListOptions {
  now: Date;
  runs: number;
  includeDisabled: boolean;
}

/** The manifest's entries (enabled only unless asked), each with its next fire times. */
export function listEntries(manifest: Manifest, defaults: ScheduleDefaults, options: ListOptions): ListedEntry[] {
  return manifest.entries
    .filter((entry) => options.includeDisabled || entry.enabled)
    .map((entry) => {
      const resolved = resolveEntry(manifest, entry, defaults);
      return { ...resolved, next_runs: upcomingRuns(resolved, options.now, options.runs) };
    });
}
