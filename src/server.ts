import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { buildApp } from './http/app.js';

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

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

// On SIGTERM/SIGINT: stop accepting, answer new requests on open connections
// with 503, let in-flight ones finish, exit 0 (or 1 past the grace period).
closeWithGrace({ delay: SHUTDOWN_GRACE_MS, logger: { error: (msg: string) => app.log.error(msg) } }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an unexpected error');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
});

try {
  await app.listen({ host: config.host, port: config.port });
  app.log.info({ repoRoots: config.repoRoots, docs: '/docs' }, 'kaizen-schedule ready');
} catch (err) {
  app.log.error({ err }, 'failed to start');
  process.exit(1);
}
