import { renderPrepareCommand } from '../runs/prepare-command.js';
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
    occurred_at: ctx.occurredAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
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

/** The same event, occurring at another instant (a cached bundle served again). */
export function reissueEvent<T extends PreparedEvent>(event: T, occurredAt: Date): T {
  return { ...event, occurred_at: occurredAt.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}
