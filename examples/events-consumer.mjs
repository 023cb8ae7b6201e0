#!/usr/bin/env node
// A durable pull consumer of kaizen.schedule.prepared: prints one line per
// prepared run (repo, agent, run id) and acknowledges it. Being durable, it
// resumes where it stopped: events published while it was away are printed
// when it comes back, and an acknowledged one is never printed again.
//
//   node examples/events-consumer.mjs [nats-url] [consumer-name]
//
// Defaults: nats://127.0.0.1:4222 and "kaizen-example". Stop with Ctrl-C.
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const [url = 'nats://127.0.0.1:4222', durable = 'kaizen-example'] = process.argv.slice(2);
const STREAM = 'KAIZEN_SCHEDULE';

const nc = await connect({ servers: url, maxReconnectAttempts: -1 });
const jsm = await jetstreamManager(nc);

// The service creates the stream on its first connection; wait for it.
for (;;) {
  try {
    await jsm.streams.info(STREAM);
    break;
  } catch {
    process.stderr.write(`waiting for the ${STREAM} stream...\n`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// Creating a durable consumer that already exists with the same settings is a no-op.
await jsm.consumers.add(STREAM, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: 'kaizen.schedule.prepared' });
const consumer = await jetstream(nc).consumers.get(STREAM, durable);
const messages = await consumer.consume();
process.stderr.write(`consuming ${STREAM} as ${durable}\n`);

const stop = () => messages.stop();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

for await (const msg of messages) {
  const event = msg.json();
  const runId = event.run_id ?? '-';
  process.stdout.write(`${event.occurred_at} ${event.host ?? '-'} repo=${event.repo} agent=${event.agent} run_id=${runId}\n`);
  msg.ack();
}
await nc.drain();
