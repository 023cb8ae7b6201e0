import type { AgentInfo } from '../agents/registry.js';
import type { ScheduleListing, ValidationReport } from '../core.js';
import type { DiscoverResult } from '../discover/types.js';
import type { Diagnostic } from '../manifest/types.js';

/** ANSI styling, or none (not a terminal, or NO_COLOR). */
export interface Paint {
  error(text: string): string;
  warning(text: string): string;
  ok(text: string): string;
  dim(text: string): string;
}

const sgr = (code: string) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const plain = (text: string) => text;

export const paint = (colour: boolean): Paint =>
  colour ? { error: sgr('31'), warning: sgr('33'), ok: sgr('32'), dim: sgr('2') } : { error: plain, warning: plain, ok: plain, dim: plain };

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Diagnostics in the order a reader fixes them: by position, errors before warnings on the same spot. */
function byPosition(report: ValidationReport): Diagnostic[] {
  return [...report.errors, ...report.warnings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/**
 * `path:line:column: error|warning code: message (hint)` per diagnostic, the
 * format compilers print and editors and CI problem matchers parse, then one
 * summary line. Without a known position the line is `path: error …`.
 */
/** C0 and C1 controls (ESC, CSI U+009B, line breaks…): what a terminal or a log reader acts on rather than shows. */
const isControl = (ch: string): boolean => ch < ' ' || (ch >= '\u007f' && ch <= '\u009f');

/** A file name as a line of output can carry it: quoted (JSON, with C1 controls escaped too) when it holds a control character. */
const printable = (file: string): string =>
  [...file].some(isControl) ? JSON.stringify(file).replace(/[\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : file;

/** Text from a manifest (an agent name in a message, say) with its controls written as \u escapes, never sent raw to a terminal. */
const shownText = (text: string): string => ([...text].some(isControl) ? [...text].map((ch) => (isControl(ch) ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch)).join('') : text);

export function formatText(name: string, report: ValidationReport, p: Paint): string {
  const file = printable(name);
  const lines = byPosition(report).map((d) => {
    const where = d.line === undefined ? file : `${file}:${d.line}:${d.column ?? 1}`;
    const severity = d.severity === 'error' ? p.error('error') : p.warning('warning');
    return `${where}: ${severity} ${d.code}: ${shownText(d.message)}${d.hint ? ` (${shownText(d.hint)})` : ''}`;
  });
  const counts = `${plural(report.errors.length, 'error')}, ${plural(report.warnings.length, 'warning')}${report.truncated ? ' (truncated: only the first of each are listed)' : ''}`;
  lines.push(report.valid ? `${file}: ${p.ok('valid')} (${counts})` : `${file}: ${p.error('invalid')}: ${counts}`);
  return lines.join('\n') + '\n';
}

/**
 * Workflow-command message escaping: %, CR and LF (what @actions/core does),
 * and `##[` (the runner's older command syntax, taken anywhere in a line).
 */
export const escapeData = (text: string): string => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/##\[/g, '#%23[');

/** Workflow-command property escaping: the message escapes plus `:` and `,`, which delimit properties. */
export const escapeProperty = (text: string): string => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * GitHub Actions workflow commands (`::error file=…,line=…,col=…,title=<code>::<message>`),
 * which the runner turns into annotations on the changed lines, then a plain
 * summary line for the log.
 */
export function formatGithub(file: string, report: ValidationReport): string {
  const lines = byPosition(report).map((d) => {
    const props = [`file=${escapeProperty(file)}`];
    if (d.line !== undefined) props.push(`line=${d.line}`, `col=${d.column ?? 1}`);
    props.push(`title=${escapeProperty(d.code)}`);
    return `::${d.severity} ${props.join(',')}::${escapeData(`${d.message}${d.hint ? ` (${d.hint})` : ''}`)}`;
  });
  const counts = `${plural(report.errors.length, 'error')}, ${plural(report.warnings.length, 'warning')}`;
  // A plain log line, so it must not read as a workflow command whatever the
  // file is called (the runner skips leading white space before `::` and
  // acts on `##[` anywhere): the name is written as a command property is.
  lines.push(`${escapeProperty(printable(file)).replace(/#/g, '%23')}: ${report.valid ? 'valid' : 'invalid'} (${counts})`);
  return lines.join('\n') + '\n';
}

/** Left-aligned columns separated by two spaces; the header dimmed. */
function table(header: string[], rows: string[][], p: Paint): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [p.dim(line(header)), ...rows.map(line)].join('\n') + '\n';
}

/** `list`: agent, cadence, cron and where it comes from, zone, next runs. */
export function formatListing(listing: ScheduleListing, all: boolean, p: Paint): string {
  if (listing.entries.length === 0) return `${listing.path}: no ${all ? '' : 'enabled '}entries\n`;
  const header = ['AGENT', 'CADENCE', 'CRON', 'SOURCE', 'ZONE', ...(all ? ['ENABLED'] : []), 'NEXT RUNS'];
  const rows = listing.entries.map((e) => [
    e.agent,
    e.cadence,
    e.cron,
    e.cron_source === 'manifest' ? 'manifest' : 'cadence default',
    e.timezone,
    ...(all ? [e.enabled ? 'yes' : 'no'] : []),
    e.next_runs.join(', ') || '-',
  ]);
  return table(header, rows, p);
}

/** `discover --format text`: the runs, then what was skipped and the counts. */
export function formatDiscover(result: DiscoverResult, p: Paint): string {
  // A due window's runs carry the fire time they are for; plain ones their next run.
  const windowed = result.scheduled_runs.some((r) => r.scheduled_for !== undefined);
  const rows = result.scheduled_runs.map((r) => [r.repo, r.agent, r.cadence, r.cron, r.timezone, (windowed ? r.scheduled_for : r.next_run) ?? '-']);
  let out = rows.length > 0 ? table(['REPO', 'AGENT', 'CADENCE', 'CRON', 'ZONE', windowed ? 'SCHEDULED FOR' : 'NEXT RUN'], rows, p) : 'no scheduled runs\n';
  for (const s of result.skipped) out += `${p.warning('skipped')} ${s.repo}: ${s.reason}: ${s.detail}\n`;
  const c = result.counts;
  out += p.dim(`${plural(c.scheduled_runs, 'run')} from ${c.opted_in} of ${plural(c.repos, 'repo')} (roster: ${result.source}, host ${result.host_name}); ${c.not_opted_in} not opted in, ${c.skipped} skipped`) + '\n';
  return out;
}

export function formatAgents(agents: AgentInfo[], p: Paint): string {
  return table(['AGENT', 'SOURCE'], agents.map((a) => [a.name, a.source]), p);
}
