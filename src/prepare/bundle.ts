import path from 'node:path';
import { requirePrompt } from '../agents/lookup.js';
import { installedPromptInput, promptFile, type AgentRegistry } from '../agents/registry.js';
import { resolveEntry, upcomingRuns, type ScheduleDefaults } from '../manifest/entries.js';
import { MANIFEST_INPUTS, type RepoManifests } from '../manifest/repo-manifests.js';
import { whyUnusable, type InputSpec, type RepoView } from '../repo/files.js';
import { isDomainError } from '../errors.js';
import { summarizeExecutionsInSlices, type ComputedSummary } from './execution-summary.js';
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
const metricsDir = (agent: string): string => `.kaizen/metrics/${agent}`;

/**
 * Every repo file and directory a bundle for `agent` is built from: the one
 * table both the reads below and the bundle cache's fingerprint use, so a
 * file cannot be read without being part of the fingerprint. (The manifest
 * and the installed agents come in through MANIFEST_INPUTS, which the
 * manifest cache fingerprints the same way.)
 */
export function bundleInputs(agent: string) {
  return {
    prompt: installedPromptInput(agent),
    memory: { relative: `.kaizen/agents/${agent}/memory.md`, kind: 'file' },
    summary: { relative: `${metricsDir(agent)}/summary.json`, kind: 'file' },
    executions: { relative: `${metricsDir(agent)}/executions.jsonl`, kind: 'file' },
    scope: { relative: POINTERS[0].file, kind: 'file' },
    todo: { relative: POINTERS[1].file, kind: 'file' },
  } as const satisfies Record<string, InputSpec>;
}

/** The views a bundle is read through: the repo, and the packaged prompts. */
export interface BundleViews {
  repo: RepoView;
  packaged: RepoView;
}

/**
 * The bundle cache's signature: the identities of every object the bundle's
 * inputs resolve to in `views` (opened here, and read later through the same
 * descriptors), or undefined when one is too fresh to trust.
 */
export function bundleFingerprint(views: BundleViews, agent: string): string | undefined {
  const repo = views.repo.fingerprint([...Object.values(bundleInputs(agent)), ...MANIFEST_INPUTS]);
  const packaged = views.packaged.fingerprint([{ relative: promptFile(agent), kind: 'file' }]);
  return repo === undefined || packaged === undefined ? undefined : `${repo}\n${packaged}`;
}

// The bundle's shape is one TypeBox schema (bundle-schema.ts); the types come from it.
export type { Bundle } from './bundle-schema.js';
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

/**
 * The metrics, read now; a history to summarise comes back as its text, for
 * the summary to be computed after every file was read (see buildBundle).
 */
function readMetrics(repo: RepoView, agent: string, warnings: string[]): Pick<Bundle, 'metrics_summary' | 'metrics_source'> | { executions: string } {
  const dir = metricsDir(agent);
  const inputs = bundleInputs(agent);
  const summaryFile = repo.read(inputs.summary.relative, LIMITS.summary);
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
    const why = whyUnusable(summaryFile, `${dir}/summary.json`);
    if (why) warnings.push(why);
  }

  const executions = repo.read(inputs.executions.relative, LIMITS.executions);
  if (executions.status === 'ok') return { executions: executions.text };
  const why = whyUnusable(executions, `${dir}/executions.jsonl`);
  if (why) warnings.push(why);
  return { metrics_summary: null, metrics_source: null };
}

function scheduleFor(repo: RepoView, agent: string, sources: BundleSources, now: Date, warnings: string[]): ScheduleInfo | null {
  let loaded;
  try {
    loaded = sources.manifests.load(repo);
  } catch (err) {
    if (!isDomainError(err, 'path_outside_roots')) throw err;
    warnings.push('.kaizen/schedule.yml is a link leading out of the repo and was ignored');
    return null;
  }
  if (loaded.status === 'missing') {
    if (loaded.unusable) warnings.push(loaded.unusable);
    return null;
  }
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
 * Assembles the bundle for `agent` from the repo `views.repo` holds (a real
 * path inside the roots), reading local files only through the views, and
 * only the files in `bundleInputs`. It never writes: a GET must not change a
 * checkout, which may be mounted read-only. Throws `unknown_agent` (404) when
 * no prompt exists for the agent.
 *
 * Every read happens before the first await, while the caller's batch (which
 * owns the views' descriptors) is still running; only the summary of a long
 * executions.jsonl continues after it, in slices (summarizeExecutionsInSlices),
 * on text already read.
 */
export async function buildBundle(views: BundleViews, agent: string, sources: BundleSources, options: BundleOptions): Promise<Bundle> {
  const { repo } = views;
  const inputs = bundleInputs(agent);
  const prompt = requirePrompt(sources.agents, agent, repo, views.packaged);
  const warnings: string[] = [];
  if (prompt.source === 'packaged') {
    const ignored = sources.agents.ignoredInstalledPrompt(agent, repo);
    if (ignored) warnings.push(`${ignored}; the packaged prompt was used instead`);
  }

  const memoryFile = repo.read(inputs.memory.relative, LIMITS.memory);
  const memory = memoryFile.status === 'ok' ? memoryFile.text : null;
  const memoryWarning = whyUnusable(memoryFile, inputs.memory.relative);
  if (memoryWarning) warnings.push(memoryWarning);

  const metricsRead = readMetrics(repo, agent, warnings);
  // Where the summary's own warning goes, so the order stays the order of the inputs.
  const metricsWarningAt = warnings.length;

  const pointers: Bundle['pointers'] = {};
  const contents: NonNullable<Bundle['pointer_contents']> = {};
  for (const { label, file } of POINTERS) {
    const { relative } = inputs[label];
    const located = repo.open(relative, 'file');
    if (located.status === 'missing') continue;
    if (located.status !== 'ok') {
      warnings.push(whyUnusable(located, file)!);
      continue;
    }
    pointers[label] = located.path;
    if (!options.inlinePointers) continue;
    const read = repo.read(relative, LIMITS.pointer, true);
    if (read.status !== 'ok') continue;
    contents[label] = { path: read.path, text: read.text, bytes: read.size, truncated: read.truncated };
    if (read.truncated) warnings.push(`${file} is ${read.size} bytes; only the first ${LIMITS.pointer} were inlined`);
  }

  const schedule = scheduleFor(repo, agent, sources, options.now, warnings);
  const run = options.run ? checkRun(schedule, agent, options.run, path.basename(repo.root)) : undefined;

  // Nothing is read past this point: the views may be closed once it awaits.
  let metrics: Pick<Bundle, 'metrics_summary' | 'metrics_source'>;
  if ('executions' in metricsRead) {
    const summary: ComputedSummary = await summarizeExecutionsInSlices(metricsRead.executions);
    if (summary.skipped_lines > 0) warnings.splice(metricsWarningAt, 0, `${metricsDir(agent)}/executions.jsonl: ${summary.skipped_lines} unreadable line(s) skipped`);
    metrics = { metrics_summary: { ...summary }, metrics_source: 'executions_jsonl' };
  } else {
    metrics = metricsRead;
  }

  const summaryBytes = metrics.metrics_summary ? Buffer.byteLength(JSON.stringify(metrics.metrics_summary)) : 0;
  return {
    agent,
    project: path.basename(repo.root),
    generated: options.now.toISOString().slice(0, 10),
    agent_prompt: prompt.text,
    agent_prompt_found: true,
    memory,
    ...metrics,
    pointers,
    session_close: sessionClose(agent),
    root: repo.root,
    prompt_source: prompt.source,
    schedule,
    ...(run ? { run } : {}),
    ...(options.inlinePointers ? { pointer_contents: contents } : {}),
    sizes: { agent_prompt: prompt.bytes, memory: memoryFile.status === 'ok' ? memoryFile.bytes : 0, metrics_summary: summaryBytes },
    warnings,
  };
}
