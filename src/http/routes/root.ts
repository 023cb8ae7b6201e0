import type { FastifyPluginAsync } from 'fastify';

/**
 * `GET /` sends a person somewhere useful: Swagger UI for now (the operator
 * console will take this over). A relative Location, so no URL is built from
 * the request's Host header.
 */
export const rootRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/docs', 302));
};
