import { AGENT_NAME_RULE, isValidAgentName } from './name.js';
import { DomainError } from '../errors.js';
import { didYouMean } from '../text/suggest.js';
import { withRepoView, type RepoRef, type RepoView } from '../repo/files.js';
import type { AgentPrompt, AgentRegistry } from './registry.js';

export function assertAgentName(name: string): void {
  if (!isValidAgentName(name)) {
    throw new DomainError('invalid_agent_name', `${AGENT_NAME_RULE[0]!.toUpperCase()}${AGENT_NAME_RULE.slice(1)}.`);
  }
}

/** The agent's prompt, or a 404 `unknown_agent` listing the known agents with a did-you-mean hint. */
export function requirePrompt(registry: AgentRegistry, name: string, repoRoot?: RepoRef, packaged?: RepoView): AgentPrompt {
  assertAgentName(name);
  // One view for both looks, so the 404's list matches what the read saw.
  if (typeof repoRoot === 'string') return withRepoView(repoRoot, (view) => requirePrompt(registry, name, view, packaged));
  const prompt = registry.readPrompt(name, repoRoot, packaged);
  if (prompt) return prompt;
  const known = registry.list(repoRoot).map((a) => a.name);
  const hint = didYouMean(name, known);
  // A prompt file that is there but unusable is named, so "no such agent" does not hide it.
  const ignored = repoRoot ? registry.ignoredInstalledPrompt(name, repoRoot) : undefined;
  throw new DomainError('unknown_agent', `No agent named '${name}' is packaged with the service${repoRoot ? ' or installed in the repo' : ''}${ignored ? ` (${ignored})` : ''}.`, {
    known_agents: known,
    ...(hint ? { hint } : {}),
  });
}
