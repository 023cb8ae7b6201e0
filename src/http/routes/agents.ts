import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requirePrompt } from '../../agents/lookup.js';
import type { Services } from '../../services.js';
import { AgentSourceSchema as Source } from '../../agents/registry.js';
import { AgentName, Target, problem } from '../schemas/common.js';
const AgentInfo = Type.Object({ name: Type.String(), source: Source });

export const agentRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get('/v1/agents', {
    schema: {
      tags: ['agents'],
      summary: 'List known agents',
      description: 'Agents packaged with the service; with `target`, also those installed in that repo (`<repo>/agents/agent-<name>.md`), which override packaged ones of the same name.',
      querystring: Type.Object({ target: Type.Optional(Target) }),
      response: {
        200: Type.Object({ agents: Type.Array(AgentInfo) }),
        400: problem('Invalid query'),
        403: problem('target resolves outside the repo roots (path_outside_roots)', 403),
        404: problem('target is not a repository directory (repo_not_found)'),
      },
    },
  }, async (request) => {
    const { target } = request.query;
    const repoRoot = target === undefined ? undefined : services.roots.resolveRepo(target);
    return { agents: services.agents.list(repoRoot) };
  });

  app.get('/v1/agents/:name', {
    schema: {
      tags: ['agents'],
      summary: "Show one agent's prompt",
      description: 'The markdown prompt of an agent; with `target`, a prompt installed in that repo takes precedence over the packaged one.',
      params: Type.Object({ name: AgentName }),
      querystring: Type.Object({ target: Type.Optional(Target) }),
      response: {
        200: Type.Object({ name: Type.String(), source: Source, bytes: Type.Integer(), prompt: Type.String() }),
        400: problem('Malformed agent name (invalid_agent_name) or query'),
        403: problem('target resolves outside the repo roots (path_outside_roots)', 403),
        404: problem('No such agent (unknown_agent, with known_agents and a hint) or repo (repo_not_found)'),
      },
    },
  }, async (request) => {
    const { target } = request.query;
    const repoRoot = target === undefined ? undefined : services.roots.resolveRepo(target);
    const prompt = requirePrompt(services.agents, request.params.name, repoRoot);
    return { name: prompt.name, source: prompt.source, bytes: prompt.bytes, prompt: prompt.text };
  });

};
