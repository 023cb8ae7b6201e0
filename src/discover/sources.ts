import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { yamlLimitBroken } from '../manifest/yaml.js';
import { errnoOf } from '../repo/fd.js';
import type { CoreConfig } from '../config/config.js';
import { SCHEDULE_RELATIVE_PATH } from '../manifest/types.js';
import type { RepoRoots } from '../repo/roots.js';
import { DomainError } from '../errors.js';
import { MAX_HUB_RESPONSE_BYTES, StateHubClient } from './hub.js';
import { RosterTooLarge, parseRoster } from './roster.js';
import type { Roster, RosterQuery, RosterRepo, RosterSource } from './types.js';

/** Roster files larger than this are refused, like hub answers. */
export const MAX_ROSTER_FILE_BYTES = MAX_HUB_RESPONSE_BYTES;

const READINESS_TTL_MS = 5_000;

/** Roster source 1: the State Hub's `GET /repos/`. */
export class StateHubRosterSource implements RosterSource {
  readonly name = 'state_hub' as const;

  constructor(readonly client: StateHubClient) {}

  async load(query: RosterQuery): Promise<Roster> {
    const document = await this.client.fetchRoster(query.domain);
    let parsed;
    try {
      parsed = parseRoster(document);
    } catch (err) {
      if (!(err instanceof RosterTooLarge)) throw err;
      throw new DomainError('hub_bad_response', `Cannot discover without a roster: ${err.message} (${this.client.origin}).`, {
        roster_entries: err.entries,
      });
    }
    if (!parsed) {
      throw new DomainError(
        'hub_bad_response',
        `Cannot discover without a roster: the State Hub (${this.client.origin}) answered JSON that is not a roster (expected an array of repos, or an object holding one under "repos" or "items").`,
      );
    }
    return { source: this.name, ...parsed, ...(this.client.scheduleFlag ? { prefiltered: true } : {}) };
  }

  private probe?: { at: number; result: Promise<{ ok: boolean; detail?: string }> };

  /**
   * Whether discover could get a roster now: the hub is read exactly as
   * discover reads it (status, content type, the whole body within the
   * deadline, a roster inside), so a hub that drips its body or answers an
   * HTML page is not ready. Shared by concurrent callers and reused for a few
   * seconds, so an unauthenticated /readyz cannot be turned into a flood of
   * roster requests against the hub.
   */
  readiness(): Promise<{ ok: boolean; detail?: string }> {
    const now = Date.now();
    if (!this.probe || now - this.probe.at > READINESS_TTL_MS) {
      this.probe = {
        at: now,
        result: this.load({}).then(
          () => ({ ok: true }),
          (err: unknown) => ({ ok: false, detail: err instanceof DomainError ? err.message : 'the State Hub could not be read' }),
        ),
      };
    }
    return this.probe.result;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

const rosterFileError = (detail: string): DomainError =>
  new DomainError('roster_file_invalid', `Cannot discover without a roster: ${detail}`);

/** Reads the whole file if it is a regular file within the size cap. */
function readCapped(file: string, limit: number): string {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO at the path cannot hang the event loop on open; fstat refuses it below.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    throw rosterFileError('the roster file (KAIZEN_ROSTER_FILE) cannot be opened.');
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw rosterFileError('KAIZEN_ROSTER_FILE is not a regular file.');
    if (stat.size > limit) throw rosterFileError(`the roster file is ${stat.size} bytes; the limit is ${limit}.`);
    const buffer = Buffer.allocUnsafe(stat.size + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    if (filled > limit) throw rosterFileError(`the roster file exceeds the limit of ${limit} bytes.`);
    return buffer.toString('utf8', 0, filled);
  } finally {
    closeSync(fd);
  }
}

/**
 * Roster source 2: a YAML or JSON file of the same repo objects the hub
 * returns. Read on every call, so edits apply without a restart.
 */
export class RosterFileSource implements RosterSource {
  readonly name = 'roster_file' as const;

  constructor(private readonly file: string, private readonly maxBytes = MAX_ROSTER_FILE_BYTES) {}

  async load(): Promise<Roster> {
    // A byte-order mark (editors on Windows write one) is not part of the text.
    const text = readCapped(this.file, this.maxBytes).replace(/^\uFEFF/, '');
    const json = /\.json$/i.test(this.file);
    const broken = json ? undefined : yamlLimitBroken(text);
    if (broken) throw rosterFileError(`the roster file is refused: ${broken}.`);
    let document: unknown;
    try {
      // JSON is valid YAML, but JSON.parse gives the clearer error for .json files.
      document = json ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
    } catch (err) {
      // V8's JSON messages quote the text around the fault; only its position is passed on.
      const message = err instanceof Error ? err.message.split('\n')[0]! : 'parse error';
      const reason = json ? (/position \d+/.exec(message)?.[0] ?? (message.includes('end of JSON') ? 'it ends early' : 'parse error')) : message;
      throw rosterFileError(`the roster file is not valid ${json ? 'JSON' : 'YAML'} (${reason}).`);
    }
    let parsed;
    try {
      parsed = parseRoster(document);
    } catch (err) {
      if (err instanceof RosterTooLarge) throw rosterFileError(`${err.message}.`);
      throw err;
    }
    if (!parsed) {
      throw rosterFileError('the roster file holds no roster (expected a list of repos, or a mapping holding one under "repos" or "items").');
    }
    return { source: this.name, ...parsed };
  }
}

/**
 * Roster source 3: every immediate sub-directory of the repo roots that holds
 * `.kaizen/schedule.yml`, its slug being the directory name. Hidden entries
 * are ignored. A symlink whose target leaves the roots is listed anyway (its
 * lexical path), so the resolver reports it as `repo_outside_roots` instead
 * of the scan silently looking outside.
 */
export class ScanRosterSource implements RosterSource {
  readonly name = 'scan' as const;

  constructor(private readonly roots: RepoRoots, private readonly hostName: string) {}

  async load(): Promise<Roster> {
    const repos: RosterRepo[] = [];
    for (const root of this.roots.roots) {
      let names: string[];
      try {
        names = readdirSync(root).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.startsWith('.')) continue;
        const dir = path.join(root, name);
        if (this.isCandidate(dir)) repos.push({ slug: name, host_paths: { [this.hostName]: dir } });
      }
    }
    // Not capped: these are directories the operator put under the roots, not a remote document.
    const parsed = parseRoster(repos, Infinity)!;
    return { source: this.name, ...parsed };
  }

  private isCandidate(dir: string): boolean {
    try {
      const entry = lstatSync(dir);
      if (entry.isSymbolicLink()) {
        const real = realpathSync(dir);
        if (!this.roots.contains(real)) return true;
      } else if (!entry.isDirectory()) {
        return false;
      }
      // lstat: the manifest itself is not followed here; the loader confines it.
      lstatSync(path.join(dir, SCHEDULE_RELATIVE_PATH));
      return true;
    } catch (err) {
      // Unreadable is not absent: listed, so the resolver reports it (repo_unreachable) instead of it vanishing.
      return errnoOf(err) === 'EACCES';
    }
  }
}

/** The roster source the configuration selects: hub, else roster file, else scan. */
export function createRosterSource(config: CoreConfig, roots: RepoRoots): RosterSource {
  if (config.stateHubUrl) {
    return new StateHubRosterSource(new StateHubClient({
        baseUrl: config.stateHubUrl,
        timeoutMs: config.hubTimeoutMs,
        userAgent: 'kaizen-schedule (discover)',
        scheduleFlag: config.hubScheduleFlag,
      }));
  }
  if (config.rosterFile) return new RosterFileSource(config.rosterFile);
  return new ScanRosterSource(roots, config.hostName);
}
