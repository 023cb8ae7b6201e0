// The alternative users have today: one process per prepare call. It uses the
// service's own core (built into dist/) so the work per call is the same and
// only the process start-up differs. argv: repo, agent, packaged agents dir.
import path from 'node:path';
import { AgentRegistry } from '../dist/src/agents/registry.js';
import { loadCoreConfig } from '../dist/src/config/config.js';
import { RepoManifests } from '../dist/src/manifest/repo-manifests.js';
import { buildBundle } from '../dist/src/prepare/bundle.js';
import { renderMarkdown } from '../dist/src/prepare/markdown.js';
import { RepoRoots } from '../dist/src/repo/roots.js';

const [repo, agent, agentsDir] = process.argv.slice(2);
// The defaults a CLI run would read from the environment.
const config = loadCoreConfig(process.env, { repoRoots: [path.dirname(repo)] });
const agents = new AgentRegistry(agentsDir);
const roots = new RepoRoots([path.dirname(repo)]);
const views = { repo: roots.open(roots.resolveRepo(repo)), packaged: agents.openPackaged() };
const bundle = await buildBundle(views, agent, { agents, manifests: new RepoManifests(agents), defaults: { timezone: config.defaultTimezone, cadenceCrons: config.cadenceCrons } }, { now: new Date(), inlinePointers: false });
process.stdout.write(renderMarkdown(bundle));
