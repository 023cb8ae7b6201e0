import { fireTimesBetween } from '../manifest/cron.js';
import type { ResolvedEntry } from '../manifest/entries.js';
import { formatInZone } from '../manifest/timezone.js';
import { isUuid, parseInstant, runId } from '../runs/run-id.js';
import { DomainError } from '../errors.js';

/** The run a prepare call names: what discover handed out as `run_id` and `scheduled_for`. */
export interface RunClaim {
  runId: string;
  scheduledFor: Date;
  /** The fleet slug the id was derived from (discover's `repo`); default: the repo's directory name. */
  repo?: string;
}

import type { NamedRun } from './bundle-schema.js';
export type { NamedRun };

const invalidRun = (detail: string): DomainError => new DomainError('invalid_run', detail);
const mismatch = (detail: string): DomainError => new DomainError('run_mismatch', detail);

/** Reads the `run_id` / `scheduled_for` pair of a query; undefined when neither is given. */
export function parseRunClaim(rawId: string | undefined, rawScheduledFor: string | undefined, repo?: string): RunClaim | undefined {
  if (rawId === undefined && rawScheduledFor === undefined) return undefined;
  if (rawId === undefined || rawScheduledFor === undefined) {
    throw invalidRun('run_id and scheduled_for name a run together; pass both (as discover emits them in prepare_url) or neither.');
  }
  if (!isUuid(rawId)) throw invalidRun(`run_id must be a UUID such as discover emits; got '${rawId.slice(0, 64)}'.`);
  const scheduledFor = parseInstant(rawScheduledFor);
  if (!scheduledFor) throw invalidRun("scheduled_for must be an RFC 3339 instant with Z or an offset, e.g. 2026-12-01T09:00:00+01:00.");
  return { runId: rawId.toLowerCase(), scheduledFor, ...(repo !== undefined ? { repo } : {}) };
}

/**
 * Checks that a claimed run belongs to this repo's entry for `agent`: the id
 * is the one derived from (repo, agent, scheduled_for), and scheduled_for is
 * a fire time of the entry's cron in its zone. Throws `run_mismatch` (400)
 * otherwise, so a stale or hand-edited URL cannot prepare a run that never was.
 */
export function checkRun(entry: ResolvedEntry | null, agent: string, claim: RunClaim, project: string): NamedRun {
  const repo = claim.repo ?? project;
  const expected = runId(repo, agent, claim.scheduledFor);
  if (expected !== claim.runId) {
    throw mismatch(`run_id ${claim.runId} is not the id of ${agent} in '${repo}' scheduled for ${claim.scheduledFor.toISOString()}; pass the run_id and scheduled_for (and repo) discover emitted together.`);
  }
  if (!entry) throw mismatch(`the repo's manifest has no schedule entry for ${agent}, so no run of it is scheduled.`);
  // Discover never hands out a disabled agent's runs; a URL naming one is stale or made up.
  if (!entry.enabled) throw mismatch(`${agent} is disabled in the repo's manifest (enabled: false), so no run of it is scheduled.`);
  const t = claim.scheduledFor.getTime();
  const [fire] = fireTimesBetween(entry.cron, entry.timezone, new Date(t - 1), claim.scheduledFor, 1);
  if (fire?.getTime() !== t) {
    throw mismatch(`${claim.scheduledFor.toISOString()} is not a fire time of ${agent}'s cron '${entry.cron}' in ${entry.timezone}.`);
  }
  return { run_id: claim.runId, scheduled_for: formatInZone(claim.scheduledFor, entry.timezone) };
}
