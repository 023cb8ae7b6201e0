import type { Static } from 'typebox';
import type { Cadence, Diagnostic } from '../manifest/types.js';
import { StringEnum } from '../schema/check.js';

/** Where the roster came from, in order of precedence. */
export const RosterSourceNameSchema = StringEnum(['state_hub', 'roster_file', 'scan'], { description: 'Where the roster came from' });
export type RosterSourceName = Static<typeof RosterSourceNameSchema>;

/** One repository as a roster lists it. */
export interface RosterRepo {
  slug: string;
  /** Scope used by the `domain` filter; scanned repos have none. */
  domain?: string;
  /** Host name -> checkout path on that host. */
  host_paths: Readonly<Record<string, string>>;
}

export type SkipReason =
  | 'roster_entry_invalid'
  | 'roster_entry_duplicate'
  | 'repo_unreachable'
  | 'repo_outside_roots'
  | 'schedule_invalid';

export const SKIP_REASONS: readonly SkipReason[] = [
  'roster_entry_invalid',
  'roster_entry_duplicate',
  'repo_unreachable',
  'repo_outside_roots',
  'schedule_invalid',
];

/** A repo (or roster entry) the resolver could not use, and why. */
export interface SkippedRepo {
  /** The slug, or `roster[<index>]` for an entry without a usable one. */
  repo: string;
  reason: SkipReason;
  detail: string;
  /** The manifest's error diagnostics, for `schedule_invalid`. */
  errors?: Diagnostic[];
}

/** A roster as a source delivers it: the usable repos plus the entries it had to drop. */
export interface Roster {
  source: RosterSourceName;
  /** Number of entries the roster held, malformed ones included. */
  entries: number;
  repos: RosterRepo[];
  skipped: SkippedRepo[];
  /** The hub pre-filtered the roster with its schedule flag (SPEC 4.2); each manifest still decides. */
  prefiltered?: boolean;
}

export interface RosterQuery {
  /** Passed to sources that can filter upstream; the resolver filters again. */
  domain?: string;
}

/** A provider of the fleet roster (State Hub, roster file or a scan of the roots). */
export interface RosterSource {
  readonly name: RosterSourceName;
  /** Fetches the roster; throws a DomainError when it cannot be had. */
  load(query: RosterQuery): Promise<Roster>;
  /** Readiness probe, for sources that depend on something remote. */
  readiness?(): Promise<{ ok: boolean; detail?: string }>;
  /** Releases connections; called when the service closes. */
  close?(): Promise<void>;
}

/** One `(repo, agent)` run the orchestrator should schedule. */
export interface ScheduledRun {
  repo: string;
  root: string;
  agent: string;
  cadence: Cadence;
  cron: string;
  cron_source: 'manifest' | 'cadence_default';
  timezone: string;
  enabled: true;
  prepare_command: string;
  prepare_url: string;
  /** Next fire time after `now`, ISO-8601 with the zone's offset; null if the cron never fires. */
  next_run: string | null;
  /** Id of the run at `scheduled_for` (windowed) or at `next_run` (plain discover); null when there is none. */
  run_id: string | null;
  /** Windowed discover only: the fire time this run is for, ISO-8601 with the zone's offset. */
  scheduled_for?: string;
}

export interface DiscoverCounts {
  /** Entries in the roster as delivered, malformed ones included. */
  roster_entries: number;
  /** Repos examined (well-formed, unique and matching the domain filter). */
  repos: number;
  /** Repos with a valid manifest. */
  opted_in: number;
  /** Repos without `.kaizen/schedule.yml`: not skipped, just not participating. */
  not_opted_in: number;
  skipped: number;
  scheduled_runs: number;
  /** With KAIZEN_HUB_SCHEDULE_FLAG: repos the hub pre-filtered in with kaizen_schedule_enabled=true (the manifest still decides). */
  hub_flagged?: number;
}

export interface DiscoverResult {
  generated_at: string;
  source: RosterSourceName;
  host_name: string;
  /** The due window answered, when one was asked for. */
  window?: { from: string; to: string; catchup: 'all' | 'latest' };
  scheduled_runs: ScheduledRun[];
  /** The first MAX_SKIPPED_LISTED skips, sorted by repo. */
  skipped: SkippedRepo[];
  /** True when `skipped` lists only some of `counts.skipped`. */
  skipped_truncated: boolean;
  /** Every skip counted by reason, listed or not. */
  skipped_by_reason: Partial<Record<SkipReason, number>>;
  counts: DiscoverCounts;
}
