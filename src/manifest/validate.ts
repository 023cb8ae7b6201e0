import { isMap, isScalar, type Node, type Pair, type ParsedNode } from 'yaml';
import { didYouMean } from '../text/suggest.js';
import { cadenceMismatch, checkCron } from './cron.js';
import { Collector, escapePointer, pointer, show } from './diagnostics.js';
import { eachPair, mergeBudget, type MergeBudget } from './merge.js';
import { canonicalTimeZone, isValidTimeZone, suggestTimeZone } from './timezone.js';
import { isValidAgentName } from '../agents/name.js';
import { CADENCES, MAX_MANIFEST_BYTES, TOO_LARGE_HINT, type Cadence, type ManifestEntry, type ValidationResult } from './types.js';
import { parseManifestYaml, pyIntegerOf, type Deref } from './yaml.js';

// The semantic checks of a parsed manifest. YAML reading and its limits are in
// yaml.ts, the merge-key and duplicate walk in merge.ts, the diagnostics cap in
// diagnostics.ts.

export interface ValidateOptions {
  /** Agents a manifest may name (packaged plus repo-installed). */
  knownAgents: ReadonlySet<string>;
}

const TOP_LEVEL_KEYS = ['version', 'timezone', 'agents'] as const;
const ENTRY_KEYS = ['cadence', 'cron', 'enabled'] as const;
// No real manifest schedules more agents than this; past it the (warning-only)
// cron/cadence check is skipped so a 64 KiB file of distinct crons stays cheap.
const MAX_MISMATCH_CHECKS = 32;

/**
 * Whether a version node means "1" as the Python tool read it: it compared
 * `str(version)` with "1", so the string "1" and the integer 1 in any YAML 1.1
 * spelling (0x1, 01, 0b1, +1, 1_) pass, and 1.0 or true do not.
 */
function isVersionOne(node: Node | null): boolean {
  if (!isScalar(node)) return false;
  if (typeof node.value === 'string') return node.value === '1';
  return pyIntegerOf(node) === 1;
}

function checkVersion(c: Collector, r: Deref, pair: Pair | undefined, root: Node): void {
  if (!pair) {
    c.error('missing_version', "missing required key 'version'", '', root, { hint: 'add version: "1" at the top' });
    return;
  }
  const node = r(pair.value);
  if (!isVersionOne(node)) {
    const value = isScalar(node) ? node.value : node;
    c.error('unsupported_version', `unsupported version ${show(isScalar(node) && typeof value === 'number' ? node.source : value)} (expected "1")`, '/version', node ?? (pair.key as Node), {
      hint: 'write version: "1"',
    });
  }
}

function checkTimezone(c: Collector, r: Deref, pair: Pair | undefined): string | undefined {
  if (!pair) return undefined;
  const node = r(pair.value);
  const value = isScalar(node) ? node.value : node;
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string' || !isValidTimeZone(value)) {
    const suggestion = typeof value === 'string' ? suggestTimeZone(value) : undefined;
    c.error('invalid_timezone', `invalid timezone ${show(value)} (expected an IANA zone name such as Europe/Berlin)`, '/timezone', node ?? (pair.key as Node), {
      hint: suggestion ?? 'see the IANA time zone database, e.g. Europe/Berlin or UTC',
    });
    return undefined;
  }
  return canonicalTimeZone(value);
}

function checkEntry(
  c: Collector,
  r: Deref,
  mismatchBudget: { left: number },
  merges: MergeBudget,
  agent: string,
  keyNode: Node | null,
  valueNode: Node | null,
  options: ValidateOptions,
): ManifestEntry | undefined {
  const base = pointer('agents', agent);
  let ok = true;
  if (!isValidAgentName(agent)) {
    c.error('invalid_agent_name', `invalid agent name '${agent}' (letters, digits, '-' and '_', starting with a letter or digit, at most 64 characters)`, base, keyNode);
    ok = false;
  } else if (!options.knownAgents.has(agent)) {
    const hint = c.full() ? undefined : didYouMean(agent, options.knownAgents);
    c.error('unknown_agent', `agent '${agent}' is neither packaged with the service nor installed in the repo`, base, keyNode, {
      hint: hint ?? `install agents/agent-${agent}.md in the repo, or use one of: ${[...options.knownAgents].sort().join(', ')}`,
    });
    ok = false;
  }

  const settings = valueNode && isScalar(valueNode) && valueNode.value === null ? null : valueNode;
  if (settings !== null && !isMap(settings)) {
    c.error('agent_settings_not_mapping', `agent '${agent}': settings must be a mapping with at least a cadence, not ${show(isScalar(settings) ? settings.value : settings)}`, base, settings, {
      hint: 'write e.g. { cadence: weekly }',
    });
    return undefined;
  }

  let cadence: Cadence | undefined;
  let cron: string | undefined;
  let enabled = true;
  let cronNode: Node | null = null;
  const pairs = new Map<string, Pair>();
  if (settings) {
    eachPair(c, r, settings, base, merges, (key, pair, kNode) => {
      if ((ENTRY_KEYS as readonly string[]).includes(key)) {
        pairs.set(key, pair);
        return;
      }
      c.warn('unknown_key', `agent '${agent}': unknown key '${key}' is ignored`, `${base}/${escapePointer(key)}`, kNode, {
        hint: didYouMean(key, ENTRY_KEYS) ?? `known keys are ${ENTRY_KEYS.join(', ')}`,
      });
    });
  }

  const cadencePair = pairs.get('cadence');
  const cadenceNode = r(cadencePair?.value);
  const cadenceValue = isScalar(cadenceNode) ? cadenceNode.value : cadenceNode;
  if (!cadencePair || cadenceValue === null || cadenceValue === undefined) {
    c.error('missing_cadence', `agent '${agent}': missing required key 'cadence'`, cadencePair ? `${base}/cadence` : base, cadencePair ? (cadencePair.key as Node) : keyNode, {
      hint: `add cadence: ${CADENCES.join(' | ')}`,
    });
    ok = false;
  } else if (typeof cadenceValue !== 'string' || !(CADENCES as readonly string[]).includes(cadenceValue)) {
    const hint = typeof cadenceValue === 'string' ? didYouMean(cadenceValue, CADENCES) : undefined;
    c.error('invalid_cadence', `agent '${agent}': invalid cadence ${show(cadenceValue)} (expected daily, weekly or monthly)`, `${base}/cadence`, cadenceNode, {
      hint: hint ?? 'use daily, weekly or monthly; put finer timing in cron',
    });
    ok = false;
  } else {
    cadence = cadenceValue as Cadence;
  }

  const cronPair = pairs.get('cron');
  if (cronPair) {
    cronNode = r(cronPair.value);
    const value = isScalar(cronNode) ? cronNode.value : cronNode;
    if (value !== null && value !== undefined) {
      const problem = typeof value === 'string' ? checkCron(value) : { message: `expected a quoted string, found ${show(value)}` };
      if (problem) {
        const shown = typeof value === 'string' ? ` '${value}'` : '';
        c.error('invalid_cron', `agent '${agent}': invalid cron${shown}: ${problem.message}`, `${base}/cron`, cronNode, {
          hint: problem.hint ?? 'five fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1"',
        });
        ok = false;
      } else {
        cron = (value as string).trim();
      }
    }
  }

  const enabledPair = pairs.get('enabled');
  if (enabledPair) {
    const node = r(enabledPair.value);
    const value = isScalar(node) ? node.value : node;
    if (typeof value === 'boolean') {
      enabled = value;
    } else {
      const looksBoolean = typeof value === 'string' && /^(true|false|yes|no|on|off)$/i.test(value.trim());
      c.error('invalid_enabled', `agent '${agent}': enabled must be a boolean, not ${show(value)}`, `${base}/enabled`, node ?? (enabledPair.key as Node), {
        hint: looksBoolean ? `remove the quotes: enabled: ${(value as string).trim().toLowerCase()}` : 'use enabled: true or enabled: false',
      });
      ok = false;
    }
  }

  if (cron && cadence && mismatchBudget.left-- > 0) {
    const mismatch = cadenceMismatch(cron, cadence);
    if (mismatch) {
      c.warn('cron_cadence_mismatch', `agent '${agent}': cron '${cron}' ${mismatch}`, `${base}/cron`, cronNode, {
        hint: 'align the cadence with the cron, or the cron with the cadence',
      });
    }
  }

  return ok && cadence ? { agent, cadence, ...(cron ? { cron } : {}), enabled } : undefined;
}

/**
 * Validates manifest text and returns every problem it finds, each with a JSON
 * Pointer and (when the node is known) a 1-based line and column.
 */
export function validateManifest(text: string, options: ValidateOptions): ValidationResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MANIFEST_BYTES) {
    const c = new Collector();
    c.error('file_too_large', `manifest is ${bytes} bytes; the limit is ${MAX_MANIFEST_BYTES} bytes`, '', undefined, { hint: TOO_LARGE_HINT });
    return c.result();
  }

  const { doc, c, deref: r } = parseManifestYaml(text);
  if (c.errors.length > 0 || !doc || !r) return c.result();
  const mismatchBudget = { left: MAX_MISMATCH_CHECKS };
  const merges = mergeBudget();

  const root = r(doc.contents);
  if (!isMap(root)) {
    const empty = root === null || (isScalar(root) && root.value === null);
    c.error('not_a_mapping', empty ? 'the manifest is empty' : `the manifest must be a mapping, not ${show(isScalar(root) ? root.value : root)}`, '', root, {
      hint: 'start from the scaffold: version, timezone and agents',
    });
    return c.result();
  }

  const top = new Map<string, Pair>();
  eachPair(c, r, root, '', merges, (key, pair, keyNode) => {
    if ((TOP_LEVEL_KEYS as readonly string[]).includes(key)) top.set(key, pair);
    else
      c.warn('unknown_key', `unknown top-level key '${key}' is ignored`, pointer(key), keyNode, {
        hint: didYouMean(key, TOP_LEVEL_KEYS) ?? `known keys are ${TOP_LEVEL_KEYS.join(', ')}`,
      });
  });

  checkVersion(c, r, top.get('version'), root);
  const timezone = checkTimezone(c, r, top.get('timezone'));

  const agentsPair = top.get('agents');
  const entries: ManifestEntry[] = [];
  if (!agentsPair) {
    c.error('missing_agents', "missing required key 'agents'", '', root, { hint: 'add agents: with at least one agent, e.g. coach: { cadence: weekly }' });
  } else {
    const agents = r(agentsPair.value);
    if (agents === null || (isScalar(agents) && agents.value === null) || (isMap(agents) && agents.items.length === 0)) {
      c.error('no_agents', 'no agents are declared under agents', '/agents', agents ?? (agentsPair.key as Node), {
        hint: 'declare at least one agent, e.g. coach: { cadence: weekly }',
      });
    } else if (!isMap(agents)) {
      c.error('agents_not_mapping', `agents must be a mapping of agent name to settings, not ${show(isScalar(agents) ? agents.value : agents)}`, '/agents', agents, {
        hint: 'write agents: then one indented line per agent, e.g. coach: { cadence: weekly }',
      });
    } else {
      eachPair(c, r, agents, '/agents', merges, (name, pair, keyNode) => {
        const entry = checkEntry(c, r, mismatchBudget, merges, name, keyNode, r(pair.value) as ParsedNode | null, options);
        if (entry) entries.push(entry);
      });
    }
  }
  return c.result(entries, timezone);
}
