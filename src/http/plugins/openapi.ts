import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { packageVersion } from '../../config/package-root.js';

const DESCRIPTION =
  'Validates, lists, discovers and prepares scheduled coding-agent runs declared in `.kaizen/schedule.yml` across a fleet of repositories. It never runs cron and never calls an LLM.';

/** OpenAPI 3.1 generated from the route schemas, served at /openapi.json, with Swagger UI at /docs. */
export const openapiPlugin = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      // The document versions with the package it describes.
      info: { title: 'kaizen-schedule', version: packageVersion(), description: DESCRIPTION },
      tags: [
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'agents', description: 'Packaged and repo-installed agent prompts' },
        { name: 'schedule', description: 'Validate, list and scaffold .kaizen/schedule.yml' },
        { name: 'prepare', description: 'Orientation bundles for scheduled runs' },
        { name: 'discover', description: 'The fleet resolver: which (repo, agent) runs exist' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'One of KAIZEN_API_TOKENS; required on /v1 routes when tokens are configured.' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: true } });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}, { name: 'openapi' });
