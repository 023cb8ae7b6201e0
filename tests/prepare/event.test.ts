import { describe, expect, it } from 'vitest';
import type { Bundle } from '../../src/prepare/bundle.js';
import { EventTemplate, buildPreparedEvent, type EventContext } from '../../src/prepare/event.js';
import { renderPrepareCommand as prepareCommand } from '../../src/runs/prepare-command.js';

/** SPEC section 5, in its order. */
const EVENT_FIELDS = ['event', 'version', 'occurred_at', 'repo', 'root', 'agent', 'cadence', 'prepare_command', 'bundle', 'session_close'];
const BUNDLE_FIELDS = ['format', 'agent_prompt_found', 'has_memory', 'has_metrics', 'pointers', 'bytes'];
const RFC3339_NO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const MARKERS = {
  prompt: 'PROMPT-CONTENT-MARKER-31aa',
  memory: 'MEMORY-CONTENT-MARKER-82bb',
  scope: 'SCOPE-CONTENT-MARKER-47cc',
  todo: 'TODO-CONTENT-MARKER-19dd',
  metrics: 'METRICS-CONTENT-MARKER-60ee',
};

const ROOT = '/srv/fleet/billing-api';
const NOW = new Date('2026-03-04T10:00:00.789Z');

/** A full bundle as buildBundle returns it (literal, so the test pins the event to the Bundle type, not to file reading). */
const full: Bundle = {
  agent: 'coach',
  project: 'billing-api',
  generated: '2026-03-04',
  agent_prompt: `# Coach\n${MARKERS.prompt}\n`,
  agent_prompt_found: true,
  memory: `${MARKERS.memory}\n`,
  metrics_summary: { executions: 3, note: MARKERS.metrics },
  pointers: { scope: `${ROOT}/SCOPE.md`, todo: `${ROOT}/TODO.md` },
  session_close: [
    'kaizen-agentic metrics record coach --success --time <seconds> --quality <0-1>',
    'Update memory: kaizen-agentic memory show coach',
  ],
  root: ROOT,
  prompt_source: 'installed',
  metrics_source: 'summary_json',
  schedule: {
    agent: 'coach',
    cadence: 'weekly',
    cron: '0 9 * * 1',
    cron_source: 'manifest',
    timezone: 'Europe/Berlin',
    enabled: true,
    next_run: '2026-03-09T09:00:00+01:00',
  },
  pointer_contents: {
    scope: { path: `${ROOT}/SCOPE.md`, text: `${MARKERS.scope}\n`, bytes: 29, truncated: false },
    todo: { path: `${ROOT}/TODO.md`, text: `${MARKERS.todo}\n`, bytes: 28, truncated: false },
  },
  sizes: { agent_prompt: 35, memory: 29, metrics_summary: 52 },
  warnings: [],
};

/** A repo with nothing but the packaged prompt, and no schedule entry for the agent. */
const bare: Bundle = {
  ...full,
  agent: 'optimization',
  project: 'bare',
  root: '/srv/fleet/bare',
  agent_prompt: '# Optimization\n',
  memory: null,
  metrics_summary: null,
  pointers: {},
  session_close: ['kaizen-agentic metrics record optimization --success --time <seconds> --quality <0-1>', 'Update memory: kaizen-agentic memory show optimization'],
  prompt_source: 'packaged',
  metrics_source: null,
  schedule: null,
  sizes: { agent_prompt: 15, memory: 0, metrics_summary: 0 },
};
delete bare.pointer_contents;

const ctx = (over: Partial<EventContext> = {}): EventContext => ({
  format: 'json',
  bytes: 1234,
  occurredAt: NOW,
  prepareCommandTemplate: 'kaizen-agentic schedule prepare {agent} --target {root}',
  ...over,
});

describe('buildPreparedEvent', () => {
  it('has exactly the SPEC section 5 fields, in order', () => {
    const event = buildPreparedEvent(full, ctx());
    expect(Object.keys(event)).toEqual(EVENT_FIELDS);
    expect(Object.keys(event.bundle)).toEqual(BUNDLE_FIELDS);
  });

  it('fills every field from the bundle and the context', () => {
    const root = ROOT;
    expect(buildPreparedEvent(full, ctx())).toEqual({
      event: 'kaizen.schedule.prepared',
      version: '1',
      occurred_at: '2026-03-04T10:00:00Z',
      repo: 'billing-api',
      root,
      agent: 'coach',
      cadence: 'weekly',
      prepare_command: `kaizen-agentic schedule prepare coach --target ${root}`,
      bundle: {
        format: 'json',
        agent_prompt_found: true,
        has_memory: true,
        has_metrics: true,
        pointers: ['scope', 'todo'],
        bytes: 1234,
      },
      session_close: [
        'kaizen-agentic metrics record coach --success --time <seconds> --quality <0-1>',
        'Update memory: kaizen-agentic memory show coach',
      ],
    });
  });

  it('writes occurred_at as RFC 3339 in UTC without milliseconds', () => {
    for (const at of ['2026-03-04T10:00:00.789Z', '2026-03-04T10:00:00.000Z', '2026-12-31T23:59:59.999+02:00']) {
      const { occurred_at } = buildPreparedEvent(full, ctx({ occurredAt: new Date(at) }));
      expect(occurred_at).toMatch(RFC3339_NO_MILLIS);
      // truncated, not rounded, to the second
      expect(occurred_at).toBe(new Date(at).toISOString().slice(0, 19) + 'Z');
    }
  });

  it('fills prepare_command from a custom template, every placeholder', () => {
    const root = ROOT;
    const event = buildPreparedEvent(full, ctx({ prepareCommandTemplate: 'cd {root} && run-agent --name={agent} --log=/var/log/{agent}.log' }));
    expect(event.prepare_command).toBe(`cd ${root} && run-agent --name=coach --log=/var/log/coach.log`);
    // a template without placeholders is used as it is
    expect(buildPreparedEvent(full, ctx({ prepareCommandTemplate: 'make prepare' })).prepare_command).toBe('make prepare');
  });

  it('carries host, after the seed fields, when the service names it', () => {
    const event = buildPreparedEvent(full, ctx({ host: 'runner-07' }));
    expect(Object.keys(event)).toEqual([...EVENT_FIELDS, 'host']);
    expect(event.host).toBe('runner-07');
  });

  it('takes the fleet slug for repo when given, the directory name otherwise', () => {
    expect(buildPreparedEvent(full, ctx({ repo: 'acme/billing' })).repo).toBe('acme/billing');
    expect(buildPreparedEvent(bare, ctx()).repo).toBe('bare');
  });

  it('mirrors the bundle: markdown format, no memory / metrics / pointers, no schedule entry', () => {
    const event = buildPreparedEvent(bare, ctx({ format: 'markdown', bytes: 0 }));
    expect(event.cadence).toBeNull();
    expect(event.bundle).toEqual({ format: 'markdown', agent_prompt_found: true, has_memory: false, has_metrics: false, pointers: [], bytes: 0 });
    expect(event.session_close).toEqual(bare.session_close);
    expect(event.agent).toBe('optimization');
  });

  it('lists only the pointers that exist', () => {
    const todoOnly: Bundle = { ...full, pointers: { todo: full.pointers.todo! } };
    expect(buildPreparedEvent(todoOnly, ctx()).bundle.pointers).toEqual(['todo']);
  });

  it('carries no prompt, memory, metrics or pointer contents', () => {
    // the bundle itself does hold them (the route builds the event from such a bundle)...
    const bundleText = JSON.stringify(full);
    for (const marker of Object.values(MARKERS)) expect(bundleText).toContain(marker);
    // ...the event does not
    const eventText = JSON.stringify(buildPreparedEvent(full, ctx({ format: 'markdown' })));
    for (const marker of Object.values(MARKERS)) expect(eventText).not.toContain(marker);
    expect(eventText).not.toContain('"agent_prompt"');
    expect(eventText).not.toContain('"memory"');
    expect(eventText).not.toContain('"metrics_summary"');
    expect(eventText).not.toContain('"pointer_contents"');
  });
});

describe('EventTemplate', () => {
  const withRun: Bundle = { ...full, run: { run_id: '27f93d6e-ea89-5151-8184-9c198da45d8b', scheduled_for: '2026-03-09T09:00:00+01:00' } };

  it('serialises the event exactly as JSON.stringify does, with the run id beside it for Nats-Msg-Id', () => {
    for (const bundle of [full, bare, withRun]) {
      const event = buildPreparedEvent(bundle, ctx({ host: 'runner-07' }));
      const serialised = new EventTemplate(event).serialise();
      expect(serialised.json).toBe(JSON.stringify(event));
      expect(serialised.runId).toBe(event.run_id);
    }
    expect(new EventTemplate(buildPreparedEvent(full, ctx())).serialise()).not.toHaveProperty('runId');
  });

  it('announces a cached event again at another instant and under the slug of the call, the rest unchanged', () => {
    const event = buildPreparedEvent(withRun, ctx());
    const template = new EventTemplate(event);
    const later = Date.parse('2026-03-05T11:12:13.999Z');
    const odd = 'acme/"quoted" \\ slug ü';
    expect(JSON.parse(template.serialise(later, odd).json)).toEqual({ ...event, occurred_at: '2026-03-05T11:12:13Z', repo: odd });
    // instants in other seconds, and back: each call gets its own second
    expect(JSON.parse(template.serialise(later + 1_000).json).occurred_at).toBe('2026-03-05T11:12:14Z');
    expect(JSON.parse(template.serialise(later - 999).json).occurred_at).toBe('2026-03-05T11:12:13Z');
    expect(JSON.parse(template.serialise(undefined, 'acme/x').json)).toEqual({ ...event, repo: 'acme/x' });
  });
});

describe('prepareCommand', () => {
  it('replaces {agent} and {root} everywhere', () => {
    expect(prepareCommand('{agent}:{root}:{agent}:{root}', 'coach', '/srv/r')).toBe('coach:/srv/r:coach:/srv/r');
  });

  it('inserts a root holding $ sequences literally, shell-quoted', () => {
    // String.prototype.replaceAll gives $&, $` and $' special meaning in a replacement string
    for (const root of ['/srv/a$&b', '/srv/p$`q', '/srv/$$money']) {
      expect(prepareCommand('prepare {agent} --target {root} # done', 'coach', root)).toBe(`prepare coach --target '${root}' # done`);
    }
    expect(prepareCommand('prepare {agent} --target {root}', 'coach', "/srv/x$'y")).toBe(`prepare coach --target '/srv/x$'\\''y'`);
  });

  it('leaves ordinary paths unquoted, as the CLI printed them', () => {
    expect(prepareCommand('prepare {agent} --target {root}', 'coach', '/home/me/repo-1')).toBe('prepare coach --target /home/me/repo-1');
  });

  it('does not expand placeholders that come from the inserted values', () => {
    expect(prepareCommand('{root} {agent}', 'coach', '/srv/{agent}')).toBe("'/srv/{agent}' coach");
  });
});
