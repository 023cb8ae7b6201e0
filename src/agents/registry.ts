import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { Static } from 'typebox';
import { StringEnum } from '../schema/check.js';
import { isValidAgentName } from './name.js';
import { RepoView, inRepo, whyUnusable, type InputSpec, type RepoRef } from '../repo/files.js';

/** Where a prompt comes from: packaged with the service, or installed in the repo. */
export const AgentSourceSchema = StringEnum(['packaged', 'installed']);
export type AgentSource = Static<typeof AgentSourceSchema>;

export interface AgentInfo {
  name: string;
  source: AgentSource;
}

export interface AgentPrompt extends AgentInfo {
  text: string;
  bytes: number;
  /** Absolute path of the file the prompt came from. */
  path: string;
}

/** Prompts larger than this are refused; real ones are a few KiB. */
export const MAX_PROMPT_BYTES = 256 * 1024;
const FILE_PATTERN = /^agent-(.+)\.md$/;
/** Where a repo installs its prompts, relative to the repo (and the packaged directory's own layout). */
export const INSTALLED_AGENTS_DIR = 'agents';

/** The prompt file of `name`, relative to the directory that holds prompts. */
export const promptFile = (name: string): string => `agent-${name}.md`;
/** The installed prompt of `name`, as an input of a repo view. */
export const installedPromptInput = (name: string): InputSpec => ({ relative: `${INSTALLED_AGENTS_DIR}/${promptFile(name)}`, kind: 'file' });

function promptFiles(names: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of names) {
    const name = FILE_PATTERN.exec(file)?.[1];
    if (name && isValidAgentName(name)) found.set(name, file);
  }
  return found;
}

/**
 * Known agents: prompts packaged with the service (`agents/agent-<name>.md`)
 * and prompts installed in a repo (`<repo>/agents/agent-<name>.md`), the
 * latter overriding the former for that repo. Every prompt is read through a
 * RepoView, confined to the repo or to the packaged directory.
 */
export class AgentRegistry {
  private readonly packagedFiles: Map<string, string>;
  /** Real path: prompt reads are confined to it like repo reads are to a repo. */
  readonly packagedDir: string;
  /**
   * The packaged directory, opened and verified once: it ships with the
   * service, and a descriptor kept open saves an open and a /proc lookup on
   * every prepare batch. Held for the life of the process.
   */
  private readonly packagedFd: number;

  /** The packaged directory is listed once: it ships with the service. */
  constructor(packagedDir: string) {
    this.packagedDir = realpathSync(path.resolve(packagedDir));
    const view = RepoView.open(this.packagedDir);
    this.packagedFd = view.detachRoot();
    this.packagedFiles = promptFiles(view.list(''));
    view.close();
  }

  /** A view of the packaged prompts; the caller closes it (the directory itself stays open). */
  openPackaged(): RepoView {
    return RepoView.over(this.packagedDir, this.packagedFd);
  }

  private installedFiles(repo: RepoView): Map<string, string> {
    // Only prompts that would actually be served count as installed: a link
    // out of the repo, a directory or an oversized file must not make a name
    // "known" that prepare would then answer with 404. An agents/ that is a
    // link out of the repo lists as empty.
    const usable = new Map<string, string>();
    for (const [name, file] of promptFiles(repo.list(INSTALLED_AGENTS_DIR))) {
      const opened = repo.open(installedPromptInput(name).relative, 'file');
      if (opened.status === 'ok' && opened.stat.size <= MAX_PROMPT_BYTES) usable.set(name, file);
    }
    return usable;
  }

  /** Every known agent, sorted by name; with a repo, its installed ones override. */
  list(repo?: RepoRef): AgentInfo[] {
    const byName = new Map<string, AgentSource>();
    for (const name of this.packagedFiles.keys()) byName.set(name, 'packaged');
    if (repo) for (const name of inRepo(repo, (view) => this.installedFiles(view)).keys()) byName.set(name, 'installed');
    return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, source]) => ({ name, source }));
  }

  knownNames(repo?: RepoRef): Set<string> {
    return new Set(this.list(repo).map((a) => a.name));
  }

  /**
   * Why a prompt installed in the repo for `name` was passed over (a link out
   * of the repo, too large, not a file, hard-linked), or undefined when there
   * is none or it is used.
   */
  ignoredInstalledPrompt(name: string, repo: RepoView): string | undefined {
    const file = installedPromptInput(name).relative;
    const installed = repo.open(file, 'file');
    if (installed.status === 'ok') return installed.stat.size > MAX_PROMPT_BYTES ? `${file} is over the ${MAX_PROMPT_BYTES}-byte limit and was ignored` : undefined;
    return whyUnusable(installed, file);
  }

  /**
   * The prompt for `name` (already checked against the name pattern by the
   * caller), or undefined when no readable prompt exists. `packaged` is a
   * view of the packaged directory to read through (one is opened otherwise).
   */
  readPrompt(name: string, repo?: RepoRef, packaged?: RepoView): AgentPrompt | undefined {
    if (!isValidAgentName(name)) return undefined;
    if (repo) {
      const installed = inRepo(repo, (view) => view.read(installedPromptInput(name).relative, MAX_PROMPT_BYTES));
      if (installed.status === 'ok') return { name, source: 'installed', text: installed.text, bytes: installed.bytes, path: installed.path };
    }
    if (!this.packagedFiles.has(name)) return undefined;
    const read = (view: RepoView) => view.read(promptFile(name), MAX_PROMPT_BYTES);
    let file;
    if (packaged) {
      file = read(packaged);
    } else {
      const view = this.openPackaged();
      try {
        file = read(view);
      } finally {
        view.close();
      }
    }
    if (file.status !== 'ok') return undefined;
    return { name, source: 'packaged', text: file.text, bytes: file.bytes, path: file.path };
  }
}
