import type { Static } from 'typebox';
// typebox/type's namespace lets the CLI bundle keep only the builders used (see config.ts).
import * as Type from 'typebox/type';
import { StringEnum } from '../schema/check.js';
import { nextRuns } from './cron.js';
import { formatInZone } from './timezone.js';
import { CADENCES, type Cadence, type Manifest, type ManifestEntry } from './types.js';

export interface ScheduleDefaults {
  /** Zone for manifests that declare none. */
  timezone: string;
  /** Cron per cadence for entries that declare none. */
  cadenceCrons: Readonly<Record<Cadence, string>>;
}

export const CadenceSchema = StringEnum(CADENCES);

export const CronSourceSchema = StringEnum(['manifest', 'cadence_default'], {
  description: "Whether `cron` is the entry's own or the cadence default",
});

/** An entry with its effective cron and zone resolved, ready to list or emit. */
export const ResolvedEntrySchema = Type.Object({
  agent: Type.String(),
  cadence: CadenceSchema,
  cron: Type.String(),
  cron_source: CronSourceSchema,
  timezone: Type.String({ description: "The manifest's zone, else the service default" }),
  enabled: Type.Boolean(),
});
export type ResolvedEntry = Static<typeof ResolvedEntrySchema>;

/** An entry as `GET /v1/schedule` lists it. */
export const ListedEntrySchema = Type.Object({
  ...ResolvedEntrySchema.properties,
  next_runs: Type.Array(Type.String({ description: 'ISO-8601 instant with the zone offset' })),
});
export type ListedEntry = Static<typeof ListedEntrySchema>;

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
