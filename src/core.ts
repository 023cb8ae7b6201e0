import { AgentRegistry, type AgentInfo } from './agents/registry.js';
import type { CoreConfig } from './config/config.js';
import { DISCOVER_SLOTS, discover, type DiscoverDeps, type DiscoverOptions, type PrepareUrl } from './discover/resolve.js';
import { Slots } from './concurrency/slots.js';
import { SkipLog } from './discover/skip-log.js';
import { createRosterSource } from './discover/sources.js';
import type { DiscoverResult, RosterSource } from './discover/types.js';
import { listEntries, type ListedEntry, type ScheduleDefaults } from './manifest/entries.js';
import { writeScaffold, type InitResult } from './manifest/init.js';
import { loadManifestFile, type RepoManifest } from './manifest/load.js';
import { RepoManifests } from './manifest/repo-manifests.js';
import { canonicalTimeZone, isValidTimeZone, suggestTimeZone } from './manifest/timezone.js';
import { SCHEDULE_RELATIVE_PATH, type Diagnostic, type Manifest, type ValidationResult } from './manifest/types.js';
import { validateManifest } from './manifest/validate.js';
import { PreparedBundles, type Prepared, type RenderOptions } from './prepare/bundle-cache.js';
import { RepoRoots } from './repo/roots.js';
import { DomainError } from './errors.js';

/** A repo's entries as `GET /v1/schedule` and `kaizen-schedule list` show them. */
export interface ScheduleListing {
  root: string;
  path: string;
  timezone: string;
  entries: ListedEntry[];
  warnings: Diagnostic[];
}

export interface ListRequest {
  now: Date;
  runs: number;
  all: boolean;
}

/**
 * The core objects and operations every front end shares: the HTTP app and
 * the command line call these, so both give the same answers from the same
 * code. `repoRoot` arguments are real paths already confined (by
 * `roots.resolveRepo` for the service, by the CLI's one-repo root for the CLI).
 */
export interface Core<C extends CoreConfig = CoreConfig> {
  config: C;
  roots: RepoRoots;
  agents: AgentRegistry;
  /** Validated manifests per repo, re-read when their files change. */
  manifests: RepoManifests;
  defaults: ScheduleDefaults;
  /** Where discover gets the fleet roster: State Hub, roster file or a scan. */
  roster: RosterSource;
  /** What the resolver reads from; the skip log remembers across calls what was already logged. */
  discoverDeps: DiscoverDeps;
  /** Prepare bundles (no events), cached while their files are unchanged. */
  bundles: PreparedBundles;

  /** Validates manifest text; agents installed in `repoRoot` count as known. */
  validateText(text: string, repoRoot?: string): ValidationResult;
  /** Validates the manifest file at `relative` in `dir` (reads confined to `dir`); agents installed in `repoRoot` count as known. */
  validateFile(dir: string, relative: string, repoRoot?: string): RepoManifest;
  /** Validates the repo's manifest; throws `schedule_not_found` when it has none. */
  validateRepo(repoRoot: string, initHint: string): { path: string; result: ValidationResult };
  /** The repo's entries with their next runs; throws `schedule_not_found` / `schedule_invalid`. */
  list(repoRoot: string, request: ListRequest, initHint: string): ScheduleListing;
  /** Writes the default manifest (atomic; `schedule_exists` unless `force`). */
  init(repoRoot: string, timezone: string | undefined, force: boolean): InitResult;
  /** Known agents, with the repo's installed ones when given. */
  listAgents(repoRoot?: string): AgentInfo[];
  /** The prepare bundle for `agent` in the repo, rendered as bytes. */
  prepare(repoRoot: string, agent: string, options: RenderOptions): Promise<Prepared>;
  /** `discover_kaizen_scheduled_repos` over the configured roster. */
  discover(options: DiscoverOptions): Promise<DiscoverResult>;
}

/**
 * The answer for a repo without a manifest; `hint` says how to create one in
 * the caller's terms, `unusable` why a file there was passed over.
 */
export const scheduleNotFound = (root: string, hint: string, unusable?: string): DomainError =>
  new DomainError('schedule_not_found', `The repo has no ${unusable ? 'usable ' : ''}${SCHEDULE_RELATIVE_PATH}.`, {
    valid: false,
    errors: [
      unusable
        ? { severity: 'error', code: 'schedule_not_found', message: `${unusable} (in ${root})`, path: '', hint: 'make it a regular file the service can read, inside the repo' }
        : { severity: 'error', code: 'schedule_not_found', message: `no ${SCHEDULE_RELATIVE_PATH} in ${root}`, path: '', hint },
    ],
    warnings: [],
  });

/** The validation answer both front ends give: `{valid, errors, warnings}` (and `truncated` when diagnostics were cut). */
export function validationReport(result: ValidationResult): ValidationReport {
  return { valid: result.valid, errors: result.errors, warnings: result.warnings, ...(result.truncated ? { truncated: true as const } : {}) };
}

export type ValidationReport = {
  valid: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  truncated?: true;
};

/** Throws `invalid_timezone` (with a did-you-mean hint) unless `timezone` is an IANA zone name. */
export function checkTimezone(timezone: string): void {
  if (!isValidTimeZone(timezone)) {
    const hint = suggestTimeZone(timezone);
    throw new DomainError('invalid_timezone', `'${timezone}' is not an IANA time zone name.`, hint ? { hint } : {});
  }
}

/** What the core links to but does not own: the service's route URLs (src/http/paths.ts). */
export interface RouteLinks {
  prepareUrl: PrepareUrl;
}

/** The composition root: builds the core once per process from the configuration. */
export function createCore<C extends CoreConfig>(config: C, links: RouteLinks): Core<C> {
  const roots = new RepoRoots(config.repoRoots);
  const agents = new AgentRegistry(config.packagedAgentsDir);
  const manifests = new RepoManifests(agents);
  const defaults: ScheduleDefaults = { timezone: config.defaultTimezone, cadenceCrons: config.cadenceCrons };
  const roster = createRosterSource(config, roots);
  const discoverDeps: DiscoverDeps = {
    roster,
    roots,
    manifests,
    defaults,
    hostName: config.hostName,
    prepareCommand: config.prepareCommand,
    skipLog: new SkipLog(),
    prepareUrl: links.prepareUrl,
    slots: new Slots(DISCOVER_SLOTS),
  };
  // Without an event sink: the HTTP app's prepare route keeps its own, which emits events.
  const bundles = new PreparedBundles(roots, { agents, defaults, manifests }, { prepareCommandTemplate: config.prepareCommand, host: config.hostName, emit: false });

  function validateRepo(repoRoot: string, initHint: string): { path: string; result: ValidationResult } {
    const loaded = manifests.load(repoRoot);
    if (loaded.status === 'missing') throw scheduleNotFound(repoRoot, initHint, loaded.unusable);
    return { path: loaded.path, result: loaded.result };
  }

  function validManifest(repoRoot: string, initHint: string): { manifest: Manifest; warnings: Diagnostic[]; path: string } {
    const { path, result } = validateRepo(repoRoot, initHint);
    if (!result.manifest) {
      const n = result.errors.length;
      throw new DomainError('schedule_invalid', `The manifest has ${n} error${n === 1 ? '' : 's'}; fix them before listing.`, {
        valid: false,
        errors: result.errors,
        warnings: result.warnings,
      });
    }
    return { manifest: result.manifest, warnings: result.warnings, path };
  }

  return {
    config,
    roots,
    agents,
    manifests,
    defaults,
    roster,
    bundles,
    validateText: (text, repoRoot) => validateManifest(text, { knownAgents: agents.knownNames(repoRoot) }),
    validateFile: (dir, relative, repoRoot) => loadManifestFile(dir, relative, { knownAgents: agents.knownNames(repoRoot) }),
    validateRepo,
    list(repoRoot, { now, runs, all }, initHint) {
      const { manifest, warnings, path } = validManifest(repoRoot, initHint);
      return {
        root: repoRoot,
        path,
        timezone: manifest.timezone ?? defaults.timezone,
        entries: listEntries(manifest, defaults, { now, runs, includeDisabled: all }),
        warnings,
      };
    },
    init(repoRoot, timezone = defaults.timezone, force) {
      checkTimezone(timezone);
      // Intl accepts any case; the file gets the zone as the IANA database spells it.
      return writeScaffold(repoRoot, canonicalTimeZone(timezone), force);
    },
    listAgents: (repoRoot) => agents.list(repoRoot),
    prepare: (repoRoot, agent, options) => bundles.render(repoRoot, agent, options),
    discoverDeps,
    discover: (options) => discover(discoverDeps, options),
  };
}
