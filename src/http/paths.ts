import type { PrepareUrl } from '../discover/resolve.js';

/**
 * Route paths the service emits in its answers, defined once here: the route
 * registers this path and discover's `prepare_url` is built from it. No
 * Fastify in this module, so the CLI (whose discover prints the same URLs)
 * takes the builder from here too.
 */
export const PREPARE_ROUTE = '/v1/prepare/:agent';

/** `prepare_url`: the prepare route under `baseUrl`, for the repo (and, in a window, the run). */
export const prepareUrl: PrepareUrl = (baseUrl, agent, root, run) =>
  `${baseUrl}${PREPARE_ROUTE.replace(':agent', encodeURIComponent(agent))}?target=${encodeURIComponent(root)}` +
  (run ? `&repo=${encodeURIComponent(run.repo)}&run_id=${run.run_id}&scheduled_for=${encodeURIComponent(run.scheduled_for)}` : '');

/** What the core takes from the HTTP layer: how to link to its routes. */
export const ROUTE_LINKS = { prepareUrl } as const;
