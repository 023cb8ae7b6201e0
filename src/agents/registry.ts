import { readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Static } from 'typebox';
import { StringEnum } from '../shared/schema-check.js';
import { isValidAgentName } from '../manifest/types.js';
import { locateRepoFile, readRepoFile } from '../repo/files.js';
import { isInside } from '../repo/roots.js';

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

function promptFiles(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return found;
  }
  for (const file of names) {
    const name = FILE_PATTERN.exec(file)?.[1];
    if (name && isValidAgentName(name)) found.set(name, file);
  }
  return found;
}

/**
 * Known agents: prompts packaged with the service (`agents/agent-<name>.md`)
 * and prompts installed in a repo (`<repo>/agents/agent-<name>.md`), the
 * latter overriding the former for that repo.
 */
export class AgentRegistry {
  private readonly packagedFiles: Map<string, string>;
  /** Real path: prompt reads are confined to it like repo reads are to a repo. */
  private readonly packagedDir: string;

  /** The packaged directory is listed once: it ships with the service. */
  constructor(packagedDir: string) {
    this.packagedDir = realpathSync(path.resolve(packagedDir));
    this.packagedFiles = promptFiles(this.packagedDir);
  }


  private installedFiles(repoRoot: string): Map<string, string> {
    const dir = path.join(repoRoot, 'agents');
    try {
      // A repo's agents/ that is a link out of the repo is ignored entirely.
      if (!isInside(realpathSync(dir), repoRoot)) return new Map();
    } catch {
      return new Map();
    }
    // Only prompts that would actually be served count as installed: a link
    // out of the repo, a directory or an oversized file must not make a name
    // "known" that prepare would then answer with 404.
    const usable = new Map<string, string>();
    for (const [name, file] of promptFiles(dir)) {
      const located = locateRepoFile(repoRoot, path.join('agents', file));
      if (located.status === 'ok' && statSync(located.real).size <= MAX_PROMPT_BYTES) usable.set(name, file);
    }
    return usable;
  }

  /** Every known agent, sorted by name; with a repo, its installed ones override. */
  list(repoRoot?: string): AgentInfo[] {
    const byName = new Map<string, AgentSource>();
    for (const name of this.packagedFiles.keys()) byName.set(name, 'packaged');
    if (repoRoot) for (const name of this.installedFiles(repoRoot).keys()) byName.set(name, 'installed');
    return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, source]) => ({ name, source }));
  }

  knownNames(repoRoot?: string): Set<string> {
    return new Set(this.list(repoRoot).map((a) => a.name));
  }

  /** The files `readPrompt` may read for `name`, in precedence order (for cache validation). */
  promptPaths(name: string, repoRoot: string): string[] {
    const file = `agent-${name}.md`;
    return [path.join(repoRoot, 'agents', file), path.join(this.packagedDir, file)];
  }

  /**
   * The prompt for `name` (already checked against the name pattern by the
   * caller), or undefined when no readable prompt exists.
   */
  readPrompt(name: string, repoRoot?: string): AgentPrompt | undefined {
    if (!isValidAgentName(name)) return undefined;
    const file = `agent-${name}.md`;
    if (repoRoot) {
      const installed = readRepoFile(repoRoot, path.join('agents', file), MAX_PROMPT_BYTES);
      if (installed.status === 'ok') return { name, source: 'installed', text: installed.text, bytes: installed.bytes, path: installed.path };
    }
    if (!this.packagedFiles.has(name)) return undefined;
    const packaged = readRepoFile(this.packagedDir, file, MAX_PROMPT_BYTES);
    if (packaged.status !== 'ok') return undefined;
    return { name, source: 'packaged', text: packaged.text, bytes: packaged.bytes, path: packaged.path };
  }
}
