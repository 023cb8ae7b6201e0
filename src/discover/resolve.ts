import path from 'node:path';
import { nextRuns } from '../manifest/cron.js';
import { resolveEntry, type ScheduleDefaults } from '../manifest/entries.js';
import type { RepoManifests } from '../manifest/repo-manifests.js';
import type { RepoRoots } from '../repo/roots.js';
import { formatInZone } from '../manifest/timezone.js';
import { DomainError, isDomainError } from '../errors.js';
import { renderPrepareCommand, type CommandRun } from '../runs/prepare-command.js';
import { runId } from '../runs/run-id.js';
import { mapInSlices } from '../concurrency/slices.js';
import type { Slots } from '../concurrency/slots.js';
import { SkipLog, type DiscoverLogger } from './skip-log.js';
import type { DiscoverResult, RosterRepo, RosterSource, ScheduledRun, SkipReason, SkippedRepo } from './types.js';
import { Slicer, WINDOW_LIMITS, firesInWindow, latestInWindow, tooManyRuns, type DueWindow } from './window.js';
import type { DiscoverFilters } from './filters.js';

export type { DiscoverLogger } from './skip-log.js';

/**
 * Most skipped entries one answer lists (sorted by repo, the first ones);
 * `counts.skipped` and `skipped_by_reason` still count them all, and
 * `skipped_truncated` says the list was cut.
 */
export const MAX_SKIPPED_LISTED = 100;

export interface DiscoverDeps {
  roster: RosterSource;
  roots: RepoRoots;
  manifests: RepoManifests;
  defaults: ScheduleDefaults;
  /** Key into each repo's `host_paths`. */
  hostName: string;
  /** Template of `prepare_command`, with `{agent}` and `{root}` placeholders. */
  prepareCommand: string;
  /** Remembers what was logged across calls; without it every call logs its skips (capped). */
  skipLog?: SkipLog;
  /** Builds `prepare_url`; the HTTP layer owns the route, so it passes this in. */
  prepareUrl: PrepareUrl;
  /** Bounds the passes over the fleet running at once (API, console and CLI share it); see DISCOVER_SLOTS. */
  slots?: Slots;
}

/**
 * Discover passes at once, and calls that may wait for one. A pass over a
 * 10,000-repo roster holds tens of MB (the roster, every resolved entry, the
 * answer); 40 distinct concurrent calls took the process from 130 to 950 MB.
 * Identical calls share a pass anyway (single flight); past the queue a call
 * is `503 overloaded`.
 */
export const DISCOVER_SLOTS = { running: 2, waiting: 16 };

const overloaded = (): never => {
  throw new DomainError('overloaded', `${DISCOVER_SLOTS.running} discover passes are running and ${DISCOVER_SLOTS.waiting} more are waiting; retry shortly.`);
};

export interface DiscoverOptions extends DiscoverFilters {
  /** Reference instant for `next_run`. */
  now: Date;
  /** A due window (SPEC 4.1): one run per fire time in it instead of one per entry. */
  window?: DueWindow;
  /** Base of `prepare_url`: the public URL of this service, without a trailing slash. */
  baseUrl: string;
  log: DiscoverLogger;
}

type RepoOutcome =
  | { kind: 'runs'; runs: ScheduledRun[]; repo: string; root: string }
  | { kind: 'not_opted_in'; repo: string; root: string }
  | { kind: 'skipped'; skip: SkippedRepo; root?: string };

/** What discover made of one roster repo (or malformed roster entry), for the operator console. */
export interface RepoReport {
  slug: string;
  domain?: string;
  /** scheduled: a valid manifest (its runs may be none after filters or when every entry is disabled). */
  status: 'scheduled' | 'not_opted_in' | 'skipped';
  /** Real path of the checkout, when it resolved inside the roots. */
  root?: string;
  /** The repo's runs, after the filters. */
  runs: ScheduledRun[];
  skip?: SkippedRepo;
}

export interface FleetReport {
  result: DiscoverResult;
  /** Every roster repo and malformed entry, sorted by slug (skips not capped: the console pages them). */
  repos: RepoReport[];
}

/** The run a windowed `prepare_url` names, with the slug its id was derived from. */
export interface UrlRun extends CommandRun {
  repo: string;
}

/** The URL of the prepare bundle for `agent` in `root` (and, in a window, `run`), under `baseUrl`. */
export type PrepareUrl = (baseUrl: string, agent: string, root: string, run?: UrlRun) => string;

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `discover_kaizen_scheduled_repos`: one run per enabled `(repo, agent)` of
 * every roster repo checked out on this host inside the repo roots with a
 * valid manifest. Reads only; the same inputs give the same runs. Fails (via
 * the roster source) only when the roster itself cannot be had; every
 * per-repo problem becomes an entry of `skipped` (the first
 * MAX_SKIPPED_LISTED listed) and a log line when it is news (see SkipLog).
 */
/** A repo's path on this host; own properties only, so a host named "constructor" finds no Object.prototype. */
const hostPathOf = (repo: RosterRepo, hostName: string): string | undefined => (Object.hasOwn(repo.host_paths, hostName) ? repo.host_paths[hostName] : undefined);

/**
 * Which roster entry owns each checkout (real root) that several name (a
 * symlinked directory on a scan, two hub slugs with one path): the one whose
 * path for this host is the real path itself, else the first in the roster.
 * Decided over the whole roster, so a domain filter cannot hand the runs of
 * one checkout to two entries in two calls. The others are skipped, so a
 * checkout's agents are never started twice under two run ids.
 */
function checkoutOwners(deps: DiscoverDeps, roster: readonly RosterRepo[], examined: readonly RosterRepo[], outcomes: readonly RepoOutcome[]): Map<string, RosterRepo> {
  const rootOf = new Map<RosterRepo, string>();
  outcomes.forEach((outcome, i) => {
    if (outcome.root !== undefined && outcome.kind !== 'skipped') rootOf.set(examined[i]!, outcome.root);
  });
  const contested = new Set(rootOf.values());
  const owners = new Map<string, RosterRepo>();
  const hostPath = (repo: RosterRepo) => hostPathOf(repo, deps.hostName);
  for (const repo of roster) {
    let root = rootOf.get(repo);
    if (root === undefined && examined.length !== roster.length) {
      // Outside the filter: where it leads, only to see whether it names a checkout in the answer.
      const where = hostPath(repo);
      try {
        root = where && path.isAbsolute(where) ? deps.roots.resolveRepo(where) : undefined;
      } catch {
        root = undefined;
      }
    }
    if (root === undefined || !contested.has(root)) continue;
    const owner = owners.get(root);
    if (owner === undefined || (hostPath(owner) !== root && hostPath(repo) === root)) owners.set(root, repo);
  }
  return owners;
}

export async function discover(deps: DiscoverDeps, options: DiscoverOptions): Promise<DiscoverResult> {
  return (await discoverFleet(deps, options)).result;
}

/** discover, plus the outcome per roster repo (the console lists repos that emit no run too). */
export async function discoverFleet(deps: DiscoverDeps, options: DiscoverOptions): Promise<FleetReport> {
  return deps.slots ? deps.slots.run(() => discoverPass(deps, options), overloaded) : discoverPass(deps, options);
}

async function discoverPass(deps: DiscoverDeps, options: DiscoverOptions): Promise<FleetReport> {
  const roster = await deps.roster.load(options.domain === undefined ? {} : { domain: options.domain });
  const repos = options.domain === undefined ? roster.repos : roster.repos.filter((r) => r.domain === options.domain);

  const outcomes = await mapInSlices(repos, (repo) => examineRepo(deps, options, repo));

  const runs: ScheduledRun[] = [];
  const skipped: SkippedRepo[] = [...roster.skipped];
  const usable: string[] = [];
  const reports: RepoReport[] = roster.skipped.map((skip) => ({ slug: skip.repo, status: 'skipped', runs: [], skip }));
  let notOptedIn = 0;
  let optedIn = 0;
  const owners = checkoutOwners(deps, roster.repos, repos, outcomes);
  outcomes.forEach((found, i) => {
    const { slug, domain } = repos[i]!;
    const owner = found.root !== undefined && found.kind !== 'skipped' ? owners.get(found.root) : undefined;
    const outcome: RepoOutcome =
      owner !== undefined && owner !== repos[i]
        ? {
            kind: 'skipped',
            root: found.root,
            skip: { repo: slug, reason: 'roster_entry_duplicate', detail: `its path for this host is the checkout '${owner.slug}' names too; its runs are listed once, under '${owner.slug}'` },
          }
        : found;
    const base = { slug, ...(domain !== undefined ? { domain } : {}), ...(outcome.root !== undefined ? { root: outcome.root } : {}) };
    if (outcome.kind === 'runs') {
      optedIn++;
      usable.push(outcome.repo);
      runs.push(...outcome.runs);
      reports.push({ ...base, status: 'scheduled', runs: outcome.runs });
    } else if (outcome.kind === 'not_opted_in') {
      notOptedIn++;
      usable.push(outcome.repo);
      reports.push({ ...base, status: 'not_opted_in', runs: [] });
    } else {
      skipped.push(outcome.skip);
      reports.push({ ...base, status: 'skipped', runs: [], skip: outcome.skip });
    }
  });

  runs.sort((a, b) => byCodeUnits(a.repo, b.repo) || byCodeUnits(a.agent, b.agent));
  const scheduled = options.window ? await windowRuns(deps, options, options.window, runs) : runs;
  skipped.sort((a, b) => byCodeUnits(a.repo, b.repo) || byCodeUnits(a.reason, b.reason));
  reports.sort((a, b) => byCodeUnits(a.slug, b.slug));
  (deps.skipLog ?? new SkipLog()).report(skipped, usable, roster.source, options.log);
  const byReason: Partial<Record<SkipReason, number>> = {};
  for (const skip of skipped) byReason[skip.reason] = (byReason[skip.reason] ?? 0) + 1;

  const result: DiscoverResult = {
    generated_at: new Date().toISOString(),
    source: roster.source,
    host_name: deps.hostName,
    ...(options.window
      ? { window: { from: options.window.from.toISOString(), to: options.window.to.toISOString(), catchup: options.window.catchup } }
      : {}),
    scheduled_runs: scheduled,
    skipped: skipped.slice(0, MAX_SKIPPED_LISTED),
    skipped_truncated: skipped.length > MAX_SKIPPED_LISTED,
    skipped_by_reason: byReason,
    counts: {
      roster_entries: roster.entries,
      repos: repos.length,
      opted_in: optedIn,
      not_opted_in: notOptedIn,
      skipped: skipped.length,
      scheduled_runs: scheduled.length,
      ...(roster.prefiltered ? { hub_flagged: roster.entries } : {}),
    },
  };
  return { result, repos: reports };
}

function examineRepo(deps: DiscoverDeps, options: DiscoverOptions, repo: RosterRepo): RepoOutcome {
  const skip = (reason: SkippedRepo['reason'], detail: string, extra: Partial<SkippedRepo> = {}, root?: string): RepoOutcome => ({
    kind: 'skipped',
    skip: { repo: repo.slug, reason, detail, ...extra },
    ...(root !== undefined ? { root } : {}),
  });

  // Own properties only: a host named "constructor" must not find Object.prototype.
  const hostPath = hostPathOf(repo, deps.hostName);
  if (!hostPath) return skip('repo_unreachable', `no host_paths entry for this host ('${deps.hostName}')`);
  if (!path.isAbsolute(hostPath)) return skip('repo_unreachable', `the path for this host is not absolute: '${hostPath}'`);

  let root: string;
  try {
    root = deps.roots.resolveRepo(hostPath);
  } catch (err) {
    if (isDomainError(err, 'path_outside_roots')) {
      return skip('repo_outside_roots', `the path for this host does not resolve inside the configured repo roots`);
    }
    return skip('repo_unreachable', `no repository directory at the path for this host ('${hostPath}')`);
  }

  let loaded;
  try {
    loaded = deps.manifests.load(root);
  } catch (err) {
    if (isDomainError(err, 'path_outside_roots')) {
      return skip('repo_outside_roots', 'the schedule file is a link that leaves the repository');
    }
    return skip('repo_unreachable', isDomainError(err) ? err.message : 'the schedule file could not be read');
  }
  // A manifest that is there but cannot be used (unreadable, a directory, a link loop) is not "not opted in".
  if (loaded.status === 'missing') return loaded.unusable ? skip('repo_unreachable', loaded.unusable, {}, root) : { kind: 'not_opted_in', repo: repo.slug, root };
  const { result } = loaded;
  if (!result.manifest) {
    const n = result.errors.length;
    return skip('schedule_invalid', `the manifest has ${n} error${n === 1 ? '' : 's'}: ${result.errors[0]?.message ?? 'invalid'}`, { errors: result.errors }, root);
  }

  const manifest = result.manifest;
  const runs: ScheduledRun[] = [];
  for (const entry of manifest.entries) {
    if (!entry.enabled) continue;
    if (options.cadence !== undefined && entry.cadence !== options.cadence) continue;
    if (options.agent !== undefined && entry.agent !== options.agent) continue;
    const resolved = resolveEntry(manifest, entry, deps.defaults);
    const next = nextRuns(resolved.cron, resolved.timezone, options.now, 1)[0];
    const nextRun = next ? { run_id: runId(repo.slug, resolved.agent, next), scheduled_for: formatInZone(next, resolved.timezone) } : undefined;
    runs.push({
      repo: repo.slug,
      root,
      agent: resolved.agent,
      cadence: resolved.cadence,
      cron: resolved.cron,
      cron_source: resolved.cron_source,
      timezone: resolved.timezone,
      enabled: true,
      prepare_command: renderPrepareCommand(deps.prepareCommand, resolved.agent, root, nextRun),
      prepare_url: deps.prepareUrl(options.baseUrl, resolved.agent, root),
      next_run: nextRun?.scheduled_for ?? null,
      run_id: nextRun?.run_id ?? null,
    });
  }
  return { kind: 'runs', runs, repo: repo.slug, root };
}

/**
 * Expands each entry's run into one run per fire time in the window (or the
 * latest one), sorted by fire time, then repo, then agent. Counts while it
 * enumerates and stops at WINDOW_LIMITS.maxRuns + 1: a `* * * * *` entry is
 * refused after that many fires, not after enumerating a month of minutes.
 */
async function windowRuns(deps: DiscoverDeps, options: DiscoverOptions, window: DueWindow, entries: ScheduledRun[]): Promise<ScheduledRun[]> {
  const cap = WINDOW_LIMITS.maxRuns;
  const slicer = new Slicer();
  const due: Array<{ at: Date; entry: ScheduledRun }> = [];
  let densest: { entry: ScheduledRun; fires: number } | undefined;
  for (const entry of entries) {
    const fires =
      window.catchup === 'latest'
        ? [await latestInWindow(entry.cron, entry.timezone, window, slicer)].filter((d): d is Date => d !== undefined)
        : await firesInWindow(entry.cron, entry.timezone, window, cap + 1 - due.length, slicer);
    for (const at of fires) due.push({ at, entry });
    if (!densest || fires.length > densest.fires) densest = { entry, fires: fires.length };
    if (due.length > cap) {
      const busiest = densest.fires > 1 ? ` ${densest.entry.repo}/${densest.entry.agent} ('${densest.entry.cron}') alone fires ${densest.fires} times or more.` : '';
      throw tooManyRuns(
        `The window ${window.from.toISOString()} .. ${window.to.toISOString()} holds more than ${cap} runs (counting stopped at ${cap + 1}).${busiest} ` +
          'Narrow it: a shorter window (consecutive windows partition the fire times), catchup=latest (one run per repo and agent), or the agent, cadence and domain filters.',
      );
    }
  }
  due.sort((a, b) => a.at.getTime() - b.at.getTime() || byCodeUnits(a.entry.repo, b.entry.repo) || byCodeUnits(a.entry.agent, b.entry.agent));
  return due.map(({ at, entry }) => {
    const run = { repo: entry.repo, run_id: runId(entry.repo, entry.agent, at), scheduled_for: formatInZone(at, entry.timezone) };
    return {
      ...entry,
      prepare_command: renderPrepareCommand(deps.prepareCommand, entry.agent, entry.root, run),
      prepare_url: deps.prepareUrl(options.baseUrl, entry.agent, entry.root, run),
      scheduled_for: run.scheduled_for,
      run_id: run.run_id,
    };
  });
}
