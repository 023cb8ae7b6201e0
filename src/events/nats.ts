/**
 * The NATS JetStream side of event emission. Loaded with a dynamic import only
 * when KAIZEN_NATS_URL is set, so a service without it never loads the client.
 */
import { jetstreamManager, JetStreamApiCodes, JetStreamApiError, StorageType } from '@nats-io/jetstream';
import { connect, createInbox, headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { NatsConfig } from '../config/config.js';
import { sleep, type OutboxSink } from './outbox.js';
import { DUPLICATE_WINDOW_MS, PREPARED_SUBJECT, PUBLISH_TIMEOUT_MS, STREAM_NAME, STREAM_SUBJECTS, type EventLog, type OutgoingEvent } from './types.js';

const RETRY_MS = { initial: 250, max: 5_000 };
/** At shutdown, the longest wait for a pending handshake or the connection's drain. */
const CLOSE_WAIT_MS = 1_000;

const utf8 = new TextDecoder();

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export interface NatsSink extends OutboxSink<OutgoingEvent> {
  /** For /readyz: whether a connection is up, and to which server. */
  connection(): { connected: boolean; server?: string };
  close(): Promise<void>;
}

/**
 * Connects in the background (the first connection is retried with backoff;
 * after that the client reconnects by itself, forever), makes sure the stream
 * exists after every (re)connect, and publishes with the run id as
 * `Nats-Msg-Id` so the stream stores one event per run.
 */
export function createNatsSink(config: NatsConfig, clientName: string, log: EventLog): NatsSink {
  let nc: NatsConnection | undefined;
  let replies: AckInbox | undefined;
  let connected = false;
  let streamReady = false;
  let server: string | undefined;
  /** A stream other than KAIZEN_SCHEDULE that takes the subject, once found (logged once). */
  let foreignStream: string | undefined;
  let stopped = false;
  const stop = new AbortController();
  /** Aborted at shutdown: the connect loop stops backing off and retries at its shortest interval. */
  const hurry = new AbortController();
  /** Wakes ready() callers when the connection comes back. */
  let wake: (() => void) | undefined;
  let woken = new Promise<void>((resolve) => (wake = resolve));
  const signalChange = () => {
    wake?.();
    woken = new Promise<void>((resolve) => (wake = resolve));
  };

  const auth = config.token !== undefined ? { token: config.token } : config.user !== undefined ? { user: config.user, pass: config.pass ?? '' } : {};

  async function connectLoop(): Promise<void> {
    let delay = RETRY_MS.initial;
    while (!stopped) {
      try {
        const conn = await connect({
          servers: config.servers,
          ...auth,
          name: clientName,
          timeout: 5_000,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          reconnectJitter: 250,
        });
        if (stopped) {
          await conn.close();
          return;
        }
        nc = conn;
        replies = subscribeAcks(conn);
        connected = true;
        server = conn.getServer();
        log.info({ server }, 'connected to NATS; publishing kaizen.schedule.prepared events');
        signalChange();
        // Fire and forget: follows the connection's status until the connection closes, which ends the loop.
        void watch(conn);
        return;
      } catch (err) {
        log.warn({ err: describe(err), retryInMs: delay }, 'NATS unreachable; events wait in the outbox');
        // Hurrying cuts the current backoff short once; after that each retry
        // still waits the shortest interval (connect to a closed port fails at once).
        await sleep(delay, hurry.signal.aborted ? stop.signal : AbortSignal.any([stop.signal, hurry.signal]));
        delay = hurry.signal.aborted ? RETRY_MS.initial : Math.min(delay * 2, RETRY_MS.max);
      }
    }
  }

  async function watch(conn: NatsConnection): Promise<void> {
    for await (const status of conn.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        log.warn({ server: status.server }, 'NATS connection lost; events wait in the outbox');
      } else if (status.type === 'reconnect') {
        connected = true;
        streamReady = false;
        server = status.server;
        log.info({ server }, 'NATS connection back');
        signalChange();
      }
    }
  }

  /** Creates the stream when it is missing; an existing stream's settings are the operator's and left alone. */
  async function ensureStream(conn: NatsConnection): Promise<void> {
    const jsm = await jetstreamManager(conn, { timeout: PUBLISH_TIMEOUT_MS });
    try {
      await jsm.streams.info(STREAM_NAME);
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.StreamNotFound) throw err;
      try {
        await jsm.streams.add({
          name: STREAM_NAME,
          subjects: [...STREAM_SUBJECTS],
          storage: StorageType.File,
          duplicate_window: nanos(DUPLICATE_WINDOW_MS),
        });
        log.info({ stream: STREAM_NAME, subjects: STREAM_SUBJECTS }, 'created the JetStream stream');
      } catch (addErr) {
        // Another host may have created it in the meantime.
        if (await jsm.streams.info(STREAM_NAME).then(() => true, () => false)) return;
        // Or the operator's own stream already takes the subject (`kaizen.>`,
        // say): JetStream refuses overlapping subjects, and that stream stores
        // the events just as well, under its own settings.
        const other = await jsm.streams.find(PREPARED_SUBJECT).catch(() => undefined);
        if (!other) throw addErr;
        if (other !== foreignStream) {
          foreignStream = other;
          log.warn({ stream: other, subject: PREPARED_SUBJECT }, `another stream already takes the subject; publishing into it instead of ${STREAM_NAME} (its duplicate window and limits apply)`);
        }
      }
    }
  }

  const connecting = connectLoop();

  return {
    async ready(signal) {
      let delay = RETRY_MS.initial;
      while (!signal.aborted && !stopped) {
        if (connected && streamReady) return;
        if (connected && nc) {
          try {
            await ensureStream(nc);
            streamReady = true;
            return;
          } catch (err) {
            log.warn({ err: describe(err), stream: STREAM_NAME }, 'cannot check or create the JetStream stream; retrying');
            await sleep(delay, signal);
            delay = Math.min(delay * 2, RETRY_MS.max);
            continue;
          }
        }
        await Promise.race([woken, sleep(RETRY_MS.max, signal)]);
      }
      throw new Error('stopped');
    },

    async publishBatch(events) {
      if (!nc || !connected || !replies) throw new Error('not connected');
      const conn = nc;
      const inbox = replies;
      return new Promise<Array<true | Error>>((resolve) => {
        const first = inbox.next;
        inbox.next += events.length;
        const window: AckWindow = { first, results: new Array<true | Error | undefined>(events.length), open: events.length, done: () => undefined };
        window.done = () => {
          clearTimeout(timer);
          if (inbox.window === window) inbox.window = undefined;
          let failed = false;
          for (let i = 0; i < events.length; i++) {
            if (window.results[i] === undefined) window.results[i] = new Error(`no acknowledgement within ${PUBLISH_TIMEOUT_MS} ms`);
            if (window.results[i] !== true) failed = true;
          }
          if (failed) streamReady = false; // check the stream again before the retry
          resolve(window.results as Array<true | Error>);
        };
        // One timer per window, not per event.
        const timer = setTimeout(window.done, PUBLISH_TIMEOUT_MS);
        inbox.window = window;
        for (let i = 0; i < events.length; i++) {
          const event = events[i]!;
          const reply = `${inbox.prefix}${first + i}`;
          try {
            if (event.runId !== undefined) {
              const h = headers();
              h.set('Nats-Msg-Id', event.runId);
              conn.publish(PREPARED_SUBJECT, event.json, { reply, headers: h });
            } else {
              conn.publish(PREPARED_SUBJECT, event.json, { reply });
            }
          } catch (err) {
            window.results[i] = err instanceof Error ? err : new Error(String(err));
            if (--window.open === 0) window.done();
          }
        }
      });
    },

    hurry: () => hurry.abort(),

    connection: () => ({ connected, ...(server ? { server } : {}) }),

    async close() {
      stopped = true;
      stop.abort();
      signalChange();
      // A handshake still pending is left to fail on its own (connectLoop closes a late connection).
      await Promise.race([connecting, pause(CLOSE_WAIT_MS)]);
      if (nc && !nc.isClosed()) {
        // drain() flushes what the client still buffers; close() when there is no server to flush to.
        const conn = nc;
        await Promise.race([(connected ? conn.drain() : conn.close()).catch(() => undefined), pause(CLOSE_WAIT_MS)]);
        if (!conn.isClosed()) await conn.close().catch(() => undefined);
      }
    },
  };
}

/**
 * Where JetStream acknowledges this connection's publishes: one subscription
 * on `<inbox>.*`, one reply subject per event, numbered. This is JetStream's
 * publish protocol (a publish with a reply subject is answered with a PubAck)
 * without `JetStreamClient.publish`'s promise, timer and request bookkeeping
 * per event. The outbox has one window in flight at a time, so an ack is
 * matched by its number's offset in that window: no map, no closure per event.
 */
interface AckInbox {
  /** `<inbox>.`, so a reply subject is the prefix and a number. */
  prefix: string;
  next: number;
  window: AckWindow | undefined;
}

interface AckWindow {
  first: number;
  results: Array<true | Error | undefined>;
  open: number;
  done(): void;
}

function subscribeAcks(conn: NatsConnection): AckInbox {
  const inbox: AckInbox = { prefix: `${createInbox()}.`, next: 0, window: undefined };
  conn.subscribe(`${inbox.prefix}*`, {
    callback: (_err, msg) => {
      const window = inbox.window;
      if (!window) return; // late, after its window timed out
      const i = Number(msg.subject.slice(inbox.prefix.length)) - window.first;
      if (!(i >= 0 && i < window.results.length) || window.results[i] !== undefined) return;
      const h = msg.headers;
      window.results[i] = pubAckOutcome(msg.data, h?.hasError ? (h.code === 503 ? 'no stream takes the subject (503)' : `${h.code} ${h.description}`.trim()) : undefined);
      if (--window.open === 0) window.done();
    },
  });
  return inbox;
}

/** A PubAck names the stream and sequence (`duplicate: true` when the run id was already stored); anything else is a failure. */
function pubAckOutcome(data: Uint8Array, statusError: string | undefined): true | Error {
  if (statusError !== undefined) return new Error(`JetStream did not store the event: ${statusError}`);
  const text = utf8.decode(data);
  // The common answer, {"stream":"…","seq":N}, without a JSON parse per event; anything naming an error is parsed below.
  if (text.includes('"seq":') && !text.includes('"error"')) return true;
  try {
    const ack = JSON.parse(text) as { seq?: unknown; error?: { description?: string } };
    if (ack.error) return new Error(`JetStream refused the event: ${ack.error.description ?? 'error'}`);
    if (typeof ack.seq === 'number') return true;
  } catch {
    // not JSON: fall through
  }
  return new Error('unexpected answer to a JetStream publish');
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
