/** Reads what a real nats-server stored in the KAIZEN_SCHEDULE stream. */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export interface StoredEvent {
  seq: number;
  subject: string;
  /** The Nats-Msg-Id header, when the publisher set one. */
  msgId: string | undefined;
  data: Record<string, unknown>;
}

/** Every message of the stream, in stream order (an empty list when the stream does not exist yet). */
export async function storedEvents(url: string, stream = 'KAIZEN_SCHEDULE'): Promise<StoredEvent[]> {
  const nc = await connect({ servers: url, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    let info;
    try {
      info = await jsm.streams.info(stream);
    } catch {
      return [];
    }
    const out: StoredEvent[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq });
      if (!msg) continue;
      out.push({ seq, subject: msg.subject, msgId: msg.header?.get('Nats-Msg-Id') || undefined, data: msg.json<Record<string, unknown>>() });
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** The stream's configuration as the server holds it. */
export async function streamConfig(url: string, stream = 'KAIZEN_SCHEDULE') {
  const nc = await connect({ servers: url, reconnect: false });
  try {
    return (await (await jetstreamManager(nc)).streams.info(stream)).config;
  } finally {
    await nc.close();
  }
}

/** Polls until the stream holds `count` messages (hang guard: `timeoutMs`, generous), then returns them. */
export async function waitForEvents(url: string, count: number, timeoutMs = 30_000): Promise<StoredEvent[]> {
  const deadline = Date.now() + timeoutMs;
  let seen: StoredEvent[] = [];
  while (Date.now() < deadline) {
    seen = await storedEvents(url).catch(() => []);
    if (seen.length >= count) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`hang guard: expected ${count} stored events within ${timeoutMs} ms, found ${seen.length}`);
}

export async function deleteStream(url: string, stream = 'KAIZEN_SCHEDULE'): Promise<void> {
  const nc = await connect({ servers: url, reconnect: false });
  try {
    await (await jetstreamManager(nc)).streams.delete(stream);
  } finally {
    await nc.close();
  }
}
