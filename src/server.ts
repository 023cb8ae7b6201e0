import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from './http/app.js';
import { publicBaseUrl } from './config/public-url.js';
import { FLUSH_DEADLINE_MS } from './events/types.js';

/**
 * How long in-flight requests get to finish once the listener is closed.
 * Past it their connections are cut, so a client that never finishes its
 * request cannot hold up the event outbox's flush, which comes next.
 */
const IN_FLIGHT_GRACE_MS = 10_000;
/** Past this the process exits anyway (code 1), saying how many events it leaves unsent. */
const FLUSH_MARGIN_MS = 1_000;

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`kaizen-schedule: invalid configuration: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

const config = configOrExit();
const app = await buildApp(config);

// On SIGTERM/SIGINT: fail readiness and answer new requests 503 shutting_down
// at once, but keep the listener open for KAIZEN_SHUTDOWN_DELAY_MS so that
// connections already in the accept queue, or kept alive, get that answer
// instead of a reset; then close the listener, let in-flight requests
// finish, and exit 0 (or 1 past the grace period).
const exitingEarly = (msg: string) => {
  const unsent = app.unsentEvents();
  app.log.error(unsent > 0 ? { unsent } : {}, msg);
};
closeWithGrace(
  {
    delay: config.shutdownDelayMs + IN_FLIGHT_GRACE_MS + FLUSH_DEADLINE_MS + FLUSH_MARGIN_MS,
    logger: { error: (msg: string) => app.log.error(msg) },
    onSecondSignal: (signal: string) => exitingEarly(`second ${signal}, exiting`),
    onTimeout: (ms: number) => exitingEarly(`killed by timeout (${ms}ms)`),
  },
  async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an unexpected error');
    else app.log.info({ signal, delayMs: config.shutdownDelayMs }, 'shutting down');
    app.drain();
    if (!err) await sleep(config.shutdownDelayMs);
    // The HTTP server's own 'close' (all connections gone), not app.close(),
    // which goes on to flush the outbox: that flush is not a request.
    const connectionsGone = once(app.server, 'close').then(() => true);
    const closing = app.close();
    const inTime = await Promise.race([connectionsGone, sleep(IN_FLIGHT_GRACE_MS, false, { ref: false })]);
    if (!inTime) {
      app.log.warn({ graceMs: IN_FLIGHT_GRACE_MS }, 'requests still open after the grace; closing their connections');
      app.server.closeAllConnections();
    }
    await closing;
  },
);

try {
  await app.listen({ host: config.host, port: config.port });
  // Emitted URLs never come from a request header; say where they point.
  const publicUrl = publicBaseUrl(config, app.server.address());
  app.log.info({ repoRoots: config.repoRoots, docs: '/docs', publicUrl, publicUrlFrom: config.publicUrl ? 'KAIZEN_PUBLIC_URL' : 'listen address' }, 'kaizen-schedule ready');
  if (!config.publicUrl && /^(0\.0\.0\.0|::)$/.test(config.host)) {
    app.log.warn({ publicUrl }, 'listening on a wildcard address without KAIZEN_PUBLIC_URL: prepare_url names that address; set KAIZEN_PUBLIC_URL to the URL clients reach this service at');
  }
} catch (err) {
  app.log.error({ err }, 'failed to start');
  process.exit(1);
}
