#!/usr/bin/env node
/**
 * `kaizen-schedule`: the seed's `schedule init|validate|list|prepare` command
 * line, plus discover, agents and serve, on the same core as the HTTP
 * service (src/core.ts) — no HTTP in between. Everything `serve` alone needs
 * (Fastify and the rest of the app) is loaded only by `serve`.
 */
import { readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig, loadCoreConfig } from '../config/config.js';
import { colourAllowed } from '../config/terminal.js';
import { createCore, validationReport, type Core, type ValidationReport } from '../core.js';
import { CATCHUPS, parseWindow, type Catchup } from '../discover/window.js';
import { publicBaseUrl } from '../config/public-url.js';
import { fileTooLarge } from '../manifest/load.js';
import { AGENT_NAME_RULE } from '../agents/name.js';
import { DISCOVER_FILTERS, DISCOVER_FILTER_NAMES, pickFilters, type DiscoverFilterName, type DiscoverFilters } from '../discover/filters.js';
import { compileCheck } from '../schema/check.js';
import type { TSchema } from 'typebox';
import { MAX_MANIFEST_BYTES, SCHEDULE_RELATIVE_PATH } from '../manifest/types.js';
import type { BundleFormat } from '../prepare/event.js';
import type { Include } from '../prepare/bundle-cache.js';
import { parseRunClaim } from '../prepare/run.js';
import { parseInstant } from '../runs/run-id.js';
import { NOW_DETAIL, isDomainError, type DomainErrorCode } from '../errors.js';
import { packageVersion } from '../config/package-root.js';
// The one place the service's route paths live; Fastify-free, so the CLI links to the same URLs.
import { ROUTE_LINKS } from '../http/paths.js';
import { formatAgents, formatDiscover, formatGithub, formatListing, formatText, paint, type Paint } from './output.js';

/** Exit statuses (SPEC 9): 1 is a failed check or action, 2 a wrong invocation. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** How the CLI tells a user to create a missing manifest. */
const INIT_HINT = 'create one with kaizen-schedule init';

/** Core error codes that mean the command was called with a bad value. */
/** The CLI's own mapping of the core's error kinds: a wrong argument is a usage error (2), anything else a failure (1). */
const EXIT_FOR: Readonly<Record<DomainErrorCode, number>> = {
  invalid_agent_name: EXIT.usage,
  invalid_timezone: EXIT.usage,
  invalid_target: EXIT.usage,
  invalid_window: EXIT.usage,
  window_too_large: EXIT.usage,
  invalid_run: EXIT.usage,
  run_mismatch: EXIT.usage,
  path_outside_roots: EXIT.failed,
  repo_not_found: EXIT.failed,
  repo_read_only: EXIT.failed,
  kaizen_dir_conflict: EXIT.failed,
  schedule_exists: EXIT.failed,
  schedule_not_found: EXIT.failed,
  schedule_invalid: EXIT.failed,
  unknown_agent: EXIT.failed,
  hub_unreachable: EXIT.failed,
  hub_bad_response: EXIT.failed,
  roster_file_invalid: EXIT.failed,
  overloaded: EXIT.failed,
};

/** A planned exit: the message (if any) has been written already or is written by the handler. */
class Exit extends Error {
  constructor(readonly status: number, message = '') {
    super(message);
  }
}

const out = (text: string | Buffer): void => {
  // Once the reader has gone (EPIPE) there is nowhere to write.
  if (!process.stdout.destroyed) process.stdout.write(text);
};
const err = (text: string): void => {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
};
const stdoutPaint = (): Paint => paint(colourAllowed(process.stdout));
const stderrPaint = (): Paint => paint(colourAllowed(process.stderr));

/** A path the user can click: relative to the working directory when inside it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * The repo a repo verb works on (`--target`, default the working directory),
 * as a real path, and a core confined to it: it is the one root, so no link
 * out of it is followed. The core reads the same environment as the service
 * (default zone, cadence crons, prepare command) but not KAIZEN_REPO_ROOTS.
 */
function repoCore(target: string | undefined): { core: Core; repoRoot: string } {
  const requested = path.resolve(target ?? '.');
  let repoRoot: string;
  try {
    repoRoot = realpathSync.native(requested);
    if (!statSync(repoRoot).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new Exit(EXIT.usage, `--target ${target ?? '.'}: not a directory`);
  }
  return { core: createCore(withConfig(() => loadCoreConfig(undefined, { repoRoots: [repoRoot] })), ROUTE_LINKS), repoRoot };
}

function withConfig<T>(load: () => T): T {
  try {
    return load();
  } catch (e) {
    if (e instanceof ConfigError) throw new Exit(EXIT.usage, `invalid configuration: ${e.message}`);
    throw e;
  }
}

/** `--now`: an RFC 3339 instant, as the service's `now` takes it (seconds and a zone required, no 24:00). */
function parseNow(value: string): Date {
  const parsed = parseInstant(value);
  if (!parsed) throw new InvalidArgumentError(NOW_DETAIL);
  return parsed;
}

function parseInclude(value: string): Include[] {
  if (value !== 'pointers') throw new InvalidArgumentError("Allowed choices are pointers.");
  return [value];
}

function parseRuns(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 10) throw new InvalidArgumentError('must be a whole number from 1 to 10.');
  return n;
}

/** Why a filter value is refused, where the schema's own words would be Ajv's. */
const FILTER_RULES: Partial<Record<DiscoverFilterName, string>> = { agent: `${AGENT_NAME_RULE}.` };

/** One flag per discover filter, from its schema: a closed set becomes choices, any other value is checked against the schema. */
function filterOptions(): Option[] {
  return DISCOVER_FILTER_NAMES.map((name) => {
    const schema: TSchema & { description?: string; enum?: string[] } = DISCOVER_FILTERS[name];
    const summary = (schema.description ?? '').split(/[;(]/)[0]!.trim();
    const option = new Option(`--${name} <${name}>`, summary.charAt(0).toLowerCase() + summary.slice(1));
    if (schema.enum) return option.choices(schema.enum);
    const check = compileCheck(schema);
    return option.argParser((value: string) => {
      if (!check.check(value)) throw new InvalidArgumentError(FILTER_RULES[name] ?? `${check.problems(value).map((p) => p.message).join('; ')}.`);
      return value;
    });
  });
}

const formatOption = (choices: string[], fallback: string) =>
  new Option('--format <format>', 'output format').choices(choices).default(fallback);
const targetOption = () => new Option('--target <path>', 'the repository (default: the current directory)');

// ---- validate ---------------------------------------------------------------

type ValidateFormat = 'text' | 'json' | 'github';

interface Checked {
  name: string;
  report: ValidationReport;
}

/** A manifest named on the command line: inside its repo's `.kaizen/` when it has that layout, else on its own. */
function checkFile(core: Core, file: string, agentsRepo: string): Checked {
  const absolute = path.resolve(file);
  const name = shown(absolute);
  let dir: string;
  try {
    dir = realpathSync.native(path.dirname(absolute));
  } catch {
    return { name, report: { valid: false, errors: [MISSING_FILE], warnings: [] } };
  }
  // <repo>/.kaizen/schedule.yml: the repo's installed agents count, and reads stay inside that repo.
  const inRepo = path.basename(absolute) === 'schedule.yml' && path.basename(dir) === '.kaizen';
  let loaded;
  try {
    loaded = inRepo
      ? core.validateFile(path.dirname(dir), SCHEDULE_RELATIVE_PATH, path.dirname(dir))
      : core.validateFile(dir, path.basename(absolute), agentsRepo);
  } catch (e) {
    // A file refused (a link out of its repo, a hard link) is that file's error; the other files are still checked.
    if (!isDomainError(e)) throw e;
    return { name, report: { valid: false, errors: [{ ...MISSING_FILE, message: e.message }], warnings: [] } };
  }
  if (loaded.status === 'missing') return { name, report: { valid: false, errors: [{ ...MISSING_FILE, message: loaded.unusable ?? MISSING_FILE.message }], warnings: [] } };
  return { name, report: validationReport(loaded.result) };
}

const MISSING_FILE = { severity: 'error', code: 'schedule_not_found', message: 'no such file', path: '' } as const;

/** Standard input, read up to one byte past the manifest cap (so an endless pipe cannot fill memory). */
function checkStdin(core: Core, repoRoot: string): Checked {
  const name = '<stdin>';
  const chunks: Buffer[] = [];
  let total = 0;
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        // A non-blocking pipe with nothing in it yet: wait a moment instead of spinning.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_MANIFEST_BYTES) {
      // Reading stopped at the cap: how much more would come is unknown (an endless pipe).
      return { name, report: { valid: false, errors: [fileTooLarge(name, undefined, MAX_MANIFEST_BYTES)], warnings: [] } };
    }
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return { name, report: validationReport(core.validateText(Buffer.concat(chunks).toString('utf8'), repoRoot)) };
}

function validateCommand(files: string[], options: { target?: string; file?: string; format: ValidateFormat }): void {
  const { core, repoRoot } = repoCore(options.target);
  const names = [...(options.file === undefined ? [] : [options.file]), ...files];
  // An empty argument (an unset shell variable, say) would resolve to the working directory.
  if (names.includes('')) throw new Exit(EXIT.usage, 'validate: an empty file name was given');
  const checked: Checked[] = [];
  if (names.length === 0) {
    const name = shown(path.join(repoRoot, SCHEDULE_RELATIVE_PATH));
    try {
      checked.push({ name, report: validationReport(core.validateRepo(repoRoot, INIT_HINT).result) });
    } catch (e) {
      if (!isDomainError(e, 'schedule_not_found')) throw e;
      checked.push({ name, report: e.details as ValidationReport });
    }
  } else {
    for (const name of names) checked.push(name === '-' ? checkStdin(core, repoRoot) : checkFile(core, name, repoRoot));
  }

  const p = stdoutPaint();
  for (const { name, report } of checked) {
    if (options.format === 'json') out(JSON.stringify(report) + '\n');
    else if (options.format === 'github') out(formatGithub(name, report));
    else out(formatText(name, report, p));
  }
  if (checked.some((c) => !c.report.valid)) throw new Exit(EXIT.failed);
}

// ---- list, init, agents, prepare --------------------------------------------

function listCommand(options: { target?: string; all?: boolean; runs: number; now?: Date; format: 'text' | 'json' }): void {
  const { core, repoRoot } = repoCore(options.target);
  const listing = core.list(repoRoot, { now: options.now ?? new Date(), runs: options.runs, all: options.all === true }, INIT_HINT);
  if (options.format === 'json') {
    out(JSON.stringify(listing) + '\n');
    return;
  }
  if (listing.warnings.length > 0) {
    err(formatText(shown(listing.path), { valid: true, errors: [], warnings: listing.warnings }, stderrPaint()).trimEnd().split('\n').slice(0, -1).join('\n'));
  }
  out(formatListing(listing, options.all === true, stdoutPaint()));
}

function initCommand(options: { target?: string; timezone?: string; force?: boolean }): void {
  const { core, repoRoot } = repoCore(options.target);
  try {
    const result = core.init(repoRoot, options.timezone, options.force === true);
    out(`${result.overwritten ? 'Overwrote' : 'Created'} ${shown(result.path)}; check it with: kaizen-schedule validate\n`);
  } catch (e) {
    // As the seed did: an existing manifest is left alone, said so, and is not a failure.
    if (isDomainError(e, 'schedule_exists')) {
      out(`${shown(path.join(repoRoot, SCHEDULE_RELATIVE_PATH))} already exists; left unchanged (use --force to overwrite it)\n`);
      return;
    }
    throw e;
  }
}

function agentsCommand(options: { target?: string; format: 'text' | 'json' }): void {
  const { core, repoRoot } = repoCore(options.target);
  const agents = core.listAgents(repoRoot);
  out(options.format === 'json' ? JSON.stringify({ agents }) + '\n' : formatAgents(agents, stdoutPaint()));
}

interface PrepareOptions {
  target?: string;
  format: BundleFormat;
  include?: Include[];
  now?: Date;
  runId?: string;
  scheduledFor?: string;
  repo?: string;
}

async function prepareCommand(agent: string, options: PrepareOptions): Promise<void> {
  const { core, repoRoot } = repoCore(options.target);
  const include = new Set<Include>(options.include ?? []);
  const { repo } = options;
  // The run discover named (its run_id and scheduled_for), checked as GET /v1/prepare checks it.
  const run = parseRunClaim(options.runId, options.scheduledFor, repo);
  const { bundle } = await core.prepare(repoRoot, agent, {
    format: options.format,
    include,
    ...(options.now ? { now: options.now } : {}),
    ...(run ? { run } : {}),
    ...(repo !== undefined ? { repo } : {}),
  });
  // The very bytes GET /v1/prepare answers with.
  out(bundle.body);
}

// ---- discover, serve --------------------------------------------------------

interface DiscoverCommandOptions extends DiscoverFilters {
  now?: Date;
  from?: string;
  to?: string;
  catchup?: Catchup;
  format: 'json' | 'text';
}

async function discoverCommand(options: DiscoverCommandOptions): Promise<void> {
  const now = options.now ?? new Date();
  const { from, to, catchup } = options;
  const window = parseWindow({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(catchup !== undefined ? { catchup } : {}) }, now);
  // Discover reads the environment exactly as the service does.
  const config = withConfig(() => loadConfig());
  const core = createCore(config, ROUTE_LINKS);
  try {
    const result = await core.discover({
      ...pickFilters(options),
      now,
      ...(window ? { window } : {}),
      // No request to take an origin from: the public URL, else the service's own listen address.
      baseUrl: publicBaseUrl(config, null),
      // Skipped repos are part of the answer; the CLI does not log them a second time.
      log: { warn: () => {} },
    });
    out(options.format === 'json' ? JSON.stringify(result) + '\n' : formatDiscover(result, stdoutPaint()));
  } finally {
    await core.roster.close?.();
  }
}

async function serveCommand(): Promise<void> {
  // Loads Fastify and the app only now; the module starts the service as `npm start` does.
  await import(new URL('../server.js', import.meta.url).href);
}

// ---- the program --------------------------------------------------------------

function program(): Command {
  const cli = new Command('kaizen-schedule')
    .description('Validate, list, scaffold and prepare scheduled agent runs (.kaizen/schedule.yml); discover them across a fleet; serve the HTTP API.')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run kaizen-schedule --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .addHelpText(
      'after',
      `
"kaizen-schedule schedule <command> ..." works too, as the Python tool's "kaizen-agentic schedule ..." did.

Exit status: 0 success (init on an existing manifest included), 1 an invalid or
missing manifest, an unknown agent or a failed write, 2 a usage error.`,
    );

  cli
    .command('validate')
    .description(`check a manifest (default: ${SCHEDULE_RELATIVE_PATH} in the target repo); files may be named as arguments`)
    .argument('[files...]', 'manifest files to check (pre-commit passes them); - reads standard input')
    .addOption(targetOption())
    .option('--file <path>', 'a manifest file to check instead of the target\'s; - reads standard input')
    .addOption(formatOption(['text', 'json', 'github'], 'text'))
    .action((files: string[], options) => validateCommand(files, options));

  cli
    .command('list')
    .description("the repo's scheduled agents with cadence, cron, zone and next runs")
    .addOption(targetOption())
    .option('--all', 'include disabled entries')
    .addOption(new Option('--runs <n>', 'fire times per entry (1-10)').argParser(parseRuns).default(1))
    .addOption(new Option('--now <iso>', 'compute fire times after this instant (default: now)').argParser(parseNow))
    .addOption(formatOption(['text', 'json'], 'text'))
    .action((options) => listCommand(options));

  cli
    .command('init')
    .description(`write the default ${SCHEDULE_RELATIVE_PATH} (coach and optimization weekly, tdd-workflow monthly and off)`)
    .addOption(targetOption())
    .option('--timezone <zone>', 'IANA zone of the manifest (default: KAIZEN_DEFAULT_TIMEZONE, else Europe/Berlin)')
    .option('--force', 'overwrite an existing manifest')
    .action((options) => initCommand(options));

  cli
    .command('prepare')
    .description('print the orientation bundle for one scheduled run (the same bytes as GET /v1/prepare)')
    .argument('<agent>', 'the agent to prepare')
    .addOption(targetOption())
    .addOption(formatOption(['markdown', 'json'], 'markdown'))
    .addOption(new Option('--include <what>', 'also inline SCOPE.md/TODO.md (pointers)').argParser(parseInclude))
    .addOption(new Option('--now <iso>', 'prepare for this instant (default: now)').argParser(parseNow))
    .option('--run-id <id>', "the run's run_id, as discover emits it (with --scheduled-for)")
    .option('--scheduled-for <iso>', "the run's scheduled_for, as discover emits it (with --run-id)")
    .option('--repo <slug>', "the repo's roster slug, for the run id and event (default: the directory name)")
    .action((agent: string, options) => prepareCommand(agent, options));

  const discoverCli = cli
    .command('discover')
    .description('the scheduled (repo, agent) runs of the fleet, read from the same environment as the service');
  for (const option of filterOptions()) discoverCli.addOption(option);
  discoverCli
    .addOption(new Option('--now <iso>', 'compute next runs after this instant (default: now)').argParser(parseNow))
    .option('--from <iso>', 'the due window: every fire time after this instant (the previous tick)')
    .option('--to <iso>', 'the end of the due window, inclusive (default: now)')
    .addOption(new Option('--catchup <mode>', 'each fire time of the window, or only the latest per (repo, agent)').choices([...CATCHUPS]))
    .addOption(formatOption(['json', 'text'], 'json'))
    .action((options) => discoverCommand(options));

  cli
    .command('agents')
    .description('known agents: packaged with the service and installed in the target repo')
    .addOption(targetOption())
    .addOption(formatOption(['text', 'json'], 'text'))
    .action((options) => agentsCommand(options));

  cli.command('serve').description('run the HTTP service (as npm start), configured by the environment').action(serveCommand);
  return cli;
}

/** The message and exit status for an error a command raised. */
function report(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander has printed it
  if (e instanceof Exit) {
    if (e.message) err(`kaizen-schedule: ${e.message}`);
    return e.status;
  }
  if (isDomainError(e)) {
    const lines = [`kaizen-schedule: ${e.message}`];
    const errors = e.details.errors as ValidationReport['errors'] | undefined;
    if (e.code === 'schedule_invalid' && errors) {
      lines.push(formatText(SCHEDULE_RELATIVE_PATH, { valid: false, errors, warnings: (e.details.warnings as ValidationReport['warnings']) ?? [] }, stderrPaint()).trimEnd());
    }
    if (e.code === 'schedule_not_found') {
      // The diagnostic says why a file that is there was passed over, and how to fix that; init is for one that is not there.
      const [diagnostic] = errors ?? [];
      lines.push(diagnostic?.hint !== undefined && diagnostic.hint !== INIT_HINT ? `${diagnostic.message}\nhint: ${diagnostic.hint}` : `hint: ${INIT_HINT}`);
    }
    if (Array.isArray(e.details.known_agents)) lines.push(`known agents: ${(e.details.known_agents as string[]).join(', ') || '(none)'}`);
    if (typeof e.details.hint === 'string') lines.push(`hint: ${e.details.hint}`);
    err(lines.join('\n'));
    return EXIT_FOR[e.code];
  }
  err(`kaizen-schedule: ${e instanceof Error ? e.message : String(e)}`);
  return EXIT.failed;
}

export async function main(argv: string[]): Promise<number> {
  // `kaizen-schedule schedule validate ...`: the Python tool's command group, with only the program renamed.
  const args = argv[0] === 'schedule' ? argv.slice(1) : argv;
  try {
    await program().parseAsync(args, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    return report(e);
  }
}

// A reader that stops early (`| head`, `| true`) only ends the output: the
// status stays what the command decided. Any other write error (a full disk)
// is one line on stderr and a failure.
let outputFailed = false;
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE' || process.stdout.destroyed) return;
  if (!outputFailed) err(`kaizen-schedule: cannot write the output (${e.code ?? e.message})`);
  outputFailed = true;
  process.exitCode = EXIT.failed;
});
const status = await main(process.argv.slice(2));
process.exitCode = outputFailed ? EXIT.failed : status;
