import type { Bundle } from './bundle.js';
import { LOW_SUCCESS_RATE, SLOW_AVERAGE_S } from './execution-summary.js';

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** "Label: command" keeps the label as prose and puts only the command in a code span. */
function sessionCloseLine(line: string): string {
  const labelled = /^([A-Z][A-Za-z ]*): (.+)$/.exec(line);
  return labelled ? `${labelled[1]}: \`${labelled[2]}\`` : `\`${line}\``;
}

/**
 * The `## Performance Summary` block, or undefined when there is nothing to
 * summarise. Works on computed summaries and on summary.json files alike, so
 * it reads each figure defensively.
 */
export function performanceSummary(summary: Record<string, unknown> | null): string | undefined {
  if (!summary) return undefined;
  const executions = num(summary.executions);
  if (!executions) return undefined;
  const successes = num(summary.successes);
  const rate = num(summary.success_rate) ?? (successes !== undefined ? successes / executions : undefined);
  const avgTime = num(summary.avg_time_s);
  const avgQuality = num(summary.avg_quality);
  const lastRun = typeof summary.last_run === 'string' ? summary.last_run : undefined;

  const lines = ['## Performance Summary'];
  lines.push(`- Executions: ${executions}${successes !== undefined ? ` (${successes} successful)` : ''}`);
  if (rate !== undefined) lines.push(`- Success rate: ${(rate * 100).toFixed(1)}%`);
  if (avgTime !== undefined) lines.push(`- Average time: ${avgTime.toFixed(1)} s`);
  if (avgQuality !== undefined) lines.push(`- Average quality: ${avgQuality.toFixed(2)}`);
  if (lastRun) lines.push(`- Last run: ${lastRun}`);
  if (rate !== undefined && rate < LOW_SUCCESS_RATE) {
    lines.push(`- **Flag:** success rate is below ${LOW_SUCCESS_RATE * 100}%; look at why recent runs failed before adding scope.`);
  }
  if (avgTime !== undefined && avgTime > SLOW_AVERAGE_S) {
    lines.push(`- **Flag:** average time is above ${SLOW_AVERAGE_S} s; keep this run small and focused.`);
  }
  return `${lines.join('\n')}\n`;
}

/** Renders a bundle in the seed's markdown layout, headings in the seed's order. */
export function renderMarkdown(bundle: Bundle): string {
  const { agent } = bundle;
  const out: string[] = [`# Scheduled Run Orientation: ${agent}`, `Project: ${bundle.project}`, `Generated: ${bundle.generated}`];
  if (bundle.run) out.push(`Run: ${bundle.run.run_id} (scheduled for ${bundle.run.scheduled_for})`);
  out.push('');

  const performance = performanceSummary(bundle.metrics_summary);
  if (performance) out.push(performance);

  out.push('## Agent Prompt', bundle.agent_prompt.trimEnd(), '');

  out.push('## Project Memory');
  out.push(bundle.memory ? bundle.memory.trimEnd() : `(none yet; create it with: kaizen-agentic memory init ${agent})`);
  out.push('');

  out.push('## Repo Pointers');
  const labels = Object.keys(bundle.pointers) as Array<keyof Bundle['pointers']>;
  if (labels.length === 0) out.push('- (no SCOPE.md / TODO.md found)');
  for (const label of labels) out.push(`- ${label}: ${bundle.pointers[label]}`);
  for (const label of labels) {
    const inlined = bundle.pointer_contents?.[label];
    if (!inlined) continue;
    out.push('', `### ${label === 'scope' ? 'SCOPE.md' : 'TODO.md'}${inlined.truncated ? ' (truncated)' : ''}`, '', inlined.text.trimEnd());
  }
  out.push('');

  out.push('## Session Close');
  for (const line of bundle.session_close) out.push(`- ${sessionCloseLine(line)}`);
  return `${out.join('\n')}\n`;
}
