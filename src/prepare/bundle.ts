import path from 'node:path';
import { requirePrompt } from '../agents/lookup.js';
import { MAX_PROMPT_BYTES, type AgentRegistry } from '../agents/registry.js';
import { resolveEntry, upcomingRuns, type ScheduleDefaults } from '../manifest/entries.js';
import type { RepoManifests } from '../manifest/repo-manifests.js';
import { locateRepoFile, readRepoFile, type LocatedFile, type RepoFile } from '../repo/files.js';
import { ServiceError } from '../shared/errors.js';
import { summarizeExecutionsInSlices, type ComputedSummary } from './metrics.js';
import { checkRun, type RunClaim } from './run.js';

/** Per-file read caps: far above real files, low enough to bound a request's memory. */
export const LIMITS = {
  memory: 256 * 1024,
  summary: 256 * 1024,
  executions: 8 * 1024 * 1024,
  pointer: 64 * 1024,
} as const;

const POINTERS = [
  { label: 'scope', file: 'SCOPE.md' },
  { label: 'todo', file: 'TODO.md' },
] as const;

// The bundle's shape is one TypeBox schema (bundle-schema.ts); the types come from it.
export type { Bundle, InlinedPointer, ScheduleInfo } from './bundle-schema.js';
import type { Bundle, ScheduleInfo } from './bundle-schema.js';

export interface BundleSources {
  agents: AgentRegistry;
  manifests: RepoManifests;
  defaults: ScheduleDefaults;
}

export interface BundleOptions {
  now: Date;
  /** Inline SCOPE.md / TODO.md (capped) besides pointing at them. */
  inlinePointers: boolean;
  /** The run the call names; checked against the agent's entry (`run_mismatch` when it does not belong). */
  run?: RunClaim;
}

export const sessionClose = (agent: string): string[] => [
  `kaizen-agentic metrics record ${agent} --success --time <seconds> --quality <0-1>`,
  `Update memory: kaizen-agentic memory show ${agent}`,
];

/** Why a present file was not used, for the bundle's warnings; undefined when it was read or is absent. */
function unusable(file: RepoFile | LocatedFile, what: string): string | undefined {
  switch (file.status) {
    case 'outside':
      return `${what} is a link leading out of the repo and was ignored`;
    case 'too_large':
      return `${what} is ${file.bytes} bytes, over the ${file.limit}-byte limit, and was ignored`;
    case 'not_a_file':
      return `${what} is not a regular file and was ignored`;
    default:
      return undefined;
  }
}

async function metricsFor(repoRoot: string, agent: string, warnings: string[]): Promise<Pick<Bundle, 'metrics_summary' | 'metrics_source'>> {
  const dir = path.join('.kaizen', 'metrics', agent);
  const summaryFile = readRepoFile(repoRoot, path.join(dir, 'summary.json'), LIMITS.summary);
  if (summaryFile.status === 'ok') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(summaryFile.text);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return { metrics_summary: parsed as Record<string, unknown>, metrics_source: 'summary_json' };
    }
    warnings.push(`${dir}/summary.json is not a JSON object; the summary was computed from executions.jsonl instead`);
  } else {
    const why = unusable(summaryFile, `${dir}/summary.json`);
    if (why) warnings.push(why);
  }

  const executions = readRepoFile(repoRoot, path.join(dir, 'executions.jsonl'), LIMITS.executions);
  if (executions.status === 'ok') {
    const summary: ComputedSummary = await summarizeExecutionsInSlices(executions.text);
    if (summary.skipped_lines > 0) warnings.push(`${dir}/executions.jsonl: ${summary.skipped_lines} unreadable line(s) skipped`);
    return { metrics_summary: { ...summary }, metrics_source: 'executions_jsonl' };
  }
  const why = unusable(executions, `${dir}/executions.jsonl`);
  if (why) warnings.push(why);
  return { metrics_summary: null, metrics_source: null };
}

function scheduleFor(repoRoot: string, agent: string, sources: BundleSources, now: Date, warnings: string[]): ScheduleInfo | null {
  let loaded;
  try {
    loaded = sources.manifests.load(repoRoot);
  } catch (err) {
    if (!(err instanceof ServiceError && err.code === 'path_outside_roots')) throw err;
    warnings.push('.kaizen/schedule.yml is a link leading out of the repo and was ignored');
    return null;
  }
  if (loaded.status === 'missing') return null;
  const manifest = loaded.result.manifest;
  if (!manifest) {
    warnings.push(`.kaizen/schedule.yml is invalid (${loaded.result.errors.length} error(s)); see GET /v1/schedule/validation`);
    return null;
  }
  const entry = manifest.entries.find((e) => e.agent === agent);
  if (!entry) return null;
  const resolved = resolveEntry(manifest, entry, sources.defaults);
  return { ...resolved, next_run: upcomingRuns(resolved, now, 1)[0] ?? null };
}

/**
 * Assembles the bundle for `agent` in the repo at `repoRoot` (a real path
 * inside the roots) from local files only. It never writes: a GET must not
 * change a checkout, which may be mounted read-only. Throws `unknown_agent`
 * (404) when no prompt exists for the agent. Asynchronous only because a long
 * executions.jsonl is summarised in slices (see summarizeExecutionsInSlices).
 */
export async function buildBundle(repoRoot: string, agent: string, sources: BundleSources, options: BundleOptions): Promise<Bundle> {
  const prompt = requirePrompt(sources.agents, agent, repoRoot);
  const warnings: string[] = [];
  if (prompt.source === 'packaged') {
    const installed = locateRepoFile(repoRoot, path.join('agents', `agent-${agent}.md`));
    if (installed.status !== 'missing') {
      const file = `agents/agent-${agent}.md`;
      const why = installed.status === 'ok' ? `${file} is over the ${MAX_PROMPT_BYTES}-byte limit and was ignored` : unusable(installed, file);
      warnings.push(`${why}; the packaged prompt was used instead`);
    }
  }

  const memoryFile = readRepoFile(repoRoot, path.join('.kaizen', 'agents', agent, 'memory.md'), LIMITS.memory);
  const memory = memoryFile.status === 'ok' ? memoryFile.text : null;
  const memoryWarning = unusable(memoryFile, `.kaizen/agents/${agent}/memory.md`);
  if (memoryWarning) warnings.push(memoryWarning);

  const metrics = await metricsFor(repoRoot, agent, warnings);

  const pointers: Bundle['pointers'] = {};
  const contents: NonNullable<Bundle['pointer_contents']> = {};
  for (const { label, file } of POINTERS) {
    const located = locateRepoFile(repoRoot, file);
    if (located.status === 'missing') continue;
    if (located.status !== 'ok') {
      warnings.push(unusable(located, file)!);
      continue;
    }
    pointers[label] = located.path;
    if (!options.inlinePointers) continue;
    const read = readRepoFile(repoRoot, file, LIMITS.pointer, true);
    if (read.status !== 'ok') continue;
    contents[label] = { path: read.path, text: read.text, bytes: read.size, truncated: read.truncated };
    if (read.truncated) warnings.push(`${file} is ${read.size} bytes; only the first ${LIMITS.pointer} were inlined`);
  }

  const schedule = scheduleFor(repoRoot, agent, sources, options.now, warnings);
  const run = options.run ? checkRun(schedule, agent, options.run, path.basename(repoRoot)) : undefined;

  const summaryBytes = metrics.metrics_summary ? Buffer.byteLength(JSON.stringify(metrics.metrics_summary)) : 0;
  return {
    agent,
    project: path.basename(repoRoot),
    generated: options.now.toISOString().slice(0, 10),
    agent_prompt: prompt.text,
    agent_prompt_found: true,
    memory,
    ...metrics,
    pointers,
    session_close: sessionClose(agent),
    root: repoRoot,
    prompt_source: prompt.source,
    schedule,
    ...(run ? { run } : {}),
    ...(options.inlinePointers ? { pointer_contents: contents } : {}),
    sizes: { agent_prompt: prompt.bytes, memory: memoryFile.status === 'ok' ? memoryFile.bytes : 0, metrics_summary: summaryBytes },
    warnings,
  };
}
