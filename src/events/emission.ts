/**
 * Event emission as the rest of the service sees it. No NATS import here: the
 * client is loaded by `startEventEmission` only when KAIZEN_NATS_URL is set.
 */
import type { NatsConfig } from '../config/config.js';
import { Outbox, type FlushResult, type OutboxObserver } from './outbox.js';
import type { EventLog, OutgoingEvent } from './types.js';

export interface EventEmission {
  /** Queues the event for publishing; returns at once whatever NATS is doing. */
  emit(event: OutgoingEvent): void;
  /** For /readyz: shown, never failing readiness (prepare works without events). */
  readiness(): { ok: boolean; detail: string };
  /** Events waiting or in flight (what a shutdown cut short would leave unsent). */
  depth(): number;
  /** Flushes the outbox within `deadlineMs`, then closes the connection; reports what was left unsent. */
  close(deadlineMs: number): Promise<FlushResult>;
}

export interface EmissionDeps {
  /** Name the connection shows in the server's monitoring (`kaizen-schedule@<host>`). */
  clientName: string;
  log: EventLog;
  /** Counts published, failed and dropped events; `depth` is read when metrics are scraped. */
  observer: (depth: () => number) => OutboxObserver;
}

export async function startEventEmission(config: NatsConfig, deps: EmissionDeps): Promise<EventEmission> {
  const { createNatsSink } = await import('./nats.js');
  const sink = createNatsSink(config, deps.clientName, deps.log);
  const counters = deps.observer(() => outbox.depth);
  // One log line when publishing starts failing and one when it recovers, not one per event.
  let failing = false;
  const observer: OutboxObserver = {
    published(count) {
      if (failing) {
        failing = false;
        deps.log.info({ depth: outbox.depth }, 'publishing events again');
      }
      counters.published(count);
    },
    failed(count, error) {
      if (!failing) {
        failing = true;
        deps.log.warn({ err: error instanceof Error ? error.message : String(error), depth: outbox.depth }, 'publishing events failed; retrying with backoff');
      }
      counters.failed(count, error);
    },
    dropped(count) {
      counters.dropped(count);
    },
  };
  const outbox: Outbox<OutgoingEvent> = new Outbox(sink, observer, { size: config.outboxSize });

  return {
    emit: (event) => outbox.add(event),
    depth: () => outbox.depth,
    readiness() {
      const { connected, server } = sink.connection();
      const waiting = `${outbox.depth} event(s) in the outbox`;
      return connected ? { ok: true, detail: `connected to ${server}; ${waiting}` } : { ok: false, detail: `not connected; ${waiting}` };
    },
    async close(deadlineMs) {
      const result = await outbox.close(deadlineMs);
      await sink.close();
      return result;
    },
  };
}
