import type { SerialisedEvent } from '../prepare/event.js';

/** The JetStream stream the fleet's schedule events live in (created when missing). */
export const STREAM_NAME = 'KAIZEN_SCHEDULE';
export const STREAM_SUBJECTS = ['kaizen.schedule.>'] as const;
export const PREPARED_SUBJECT = 'kaizen.schedule.prepared';
/**
 * The created stream's duplicate window: a prepare retried for the same run
 * within it is stored once. A day covers a runner retrying a daily run; the
 * server keeps one message id per event in the window.
 */
export const DUPLICATE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** How long one publish waits for JetStream's acknowledgement before it counts as failed and is retried. */
export const PUBLISH_TIMEOUT_MS = 2_000;
/** On shutdown, how long the outbox gets to empty (inside the process's shutdown grace). */
export const FLUSH_DEADLINE_MS = 5_000;

/** What goes on the bus: the SPEC 5 payload as JSON (serialised once per cached bundle); its run id, when the prepare named a run, is the dedupe key. */
export type OutgoingEvent = SerialisedEvent;

/** The slice of a pino logger the events module uses (the core never imports Fastify). */
export interface EventLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}
