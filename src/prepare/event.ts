import { renderPrepareCommand } from '../runs/prepare-command.js';
import { utcSecond } from '../runs/run-id.js';
import type { Bundle } from './bundle.js';

export type BundleFormat = 'json' | 'markdown';

/** Payload of the `kaizen.schedule.prepared` event (SPEC section 5): metadata and a command, never repo contents. */
export interface PreparedEvent {
  event: 'kaizen.schedule.prepared';
  version: '1';
  occurred_at: string;
  repo: string;
  root: string;
  agent: string;
  cadence: string | null;
  prepare_command: string;
  bundle: {
    format: BundleFormat;
    agent_prompt_found: boolean;
    has_memory: boolean;
    has_metrics: boolean;
    pointers: string[];
    bytes: number;
  };
  session_close: string[];
  /** The run the prepare call named (SPEC 4.1); `Nats-Msg-Id` is this id, so retried prepares of one run are stored once. */
  run_id?: string;
  /** Fire time of that run, ISO-8601 with the entry zone's offset. */
  scheduled_for?: string;
  /** The service's KAIZEN_HOST_NAME, so events from many runner hosts in one stream can be told apart. */
  host?: string;
}

export interface EventContext {
  format: BundleFormat;
  /** Size of the rendered bundle the event announces. */
  bytes: number;
  occurredAt: Date;
  prepareCommandTemplate: string;
  /** Fleet slug of the repo (as discover reports it); defaults to the bundle's project name. */
  repo?: string;
  /** The host name the service resolves `host_paths` with. */
  host?: string;
}

export function buildPreparedEvent(bundle: Bundle, ctx: EventContext): PreparedEvent {
  return {
    event: 'kaizen.schedule.prepared',
    version: '1',
    occurred_at: utcSecond(ctx.occurredAt),
    repo: ctx.repo ?? bundle.project,
    root: bundle.root,
    agent: bundle.agent,
    cadence: bundle.schedule?.cadence ?? null,
    prepare_command: renderPrepareCommand(ctx.prepareCommandTemplate, bundle.agent, bundle.root, bundle.run),
    bundle: {
      format: ctx.format,
      agent_prompt_found: bundle.agent_prompt_found,
      has_memory: bundle.memory !== null,
      has_metrics: bundle.metrics_summary !== null,
      pointers: Object.keys(bundle.pointers),
      bytes: ctx.bytes,
    },
    session_close: bundle.session_close,
    ...(bundle.run ? { run_id: bundle.run.run_id, scheduled_for: bundle.run.scheduled_for } : {}),
    ...(ctx.host !== undefined ? { host: ctx.host } : {}),
  };
}

/** An event as it goes on the bus: its JSON, and the run id that is its `Nats-Msg-Id`. */
export interface SerialisedEvent {
  json: string;
  runId?: string;
}

const OCCURRED_MARK = JSON.stringify('\u0000occurred_at\u0000');
const REPO_MARK = JSON.stringify('\u0000repo\u0000');

/** occurred_at of the last instant asked for: calls within one second share the text. */
let lastSecond = NaN;
let lastSecondText = '';
function occurredAtJson(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondText = JSON.stringify(utcSecond(new Date(ms)));
  }
  return lastSecondText;
}

/**
 * An event serialised once (a cached bundle's), to be announced again and
 * again: only `occurred_at` and `repo` change between its calls, so they are
 * spliced into the JSON rather than the whole payload rebuilt and serialised
 * per prepare.
 */
export class EventTemplate {
  private readonly head: string;
  private readonly middle: string;
  private readonly tail: string;
  private readonly occurredAt: string;
  private readonly repo: string;
  private readonly runId: string | undefined;

  constructor(event: PreparedEvent) {
    // occurred_at and repo come right after the two constant fields, so the
    // first occurrence of each mark is that field (no other value precedes them).
    const text = JSON.stringify({ ...event, occurred_at: JSON.parse(OCCURRED_MARK) as string, repo: JSON.parse(REPO_MARK) as string });
    const at = text.indexOf(OCCURRED_MARK);
    const rest = text.slice(at + OCCURRED_MARK.length);
    const slug = rest.indexOf(REPO_MARK);
    this.head = text.slice(0, at);
    this.middle = rest.slice(0, slug);
    this.tail = rest.slice(slug + REPO_MARK.length);
    this.occurredAt = JSON.stringify(event.occurred_at);
    this.repo = JSON.stringify(event.repo);
    this.runId = event.run_id;
  }

  /** The event as built, or occurring at `occurredAtMs` and/or under the fleet slug `repo`. */
  serialise(occurredAtMs?: number, repo?: string): SerialisedEvent {
    const json = `${this.head}${occurredAtMs === undefined ? this.occurredAt : occurredAtJson(occurredAtMs)}${this.middle}${repo === undefined ? this.repo : JSON.stringify(repo)}${this.tail}`;
    return this.runId === undefined ? { json } : { json, runId: this.runId };
  }
}
