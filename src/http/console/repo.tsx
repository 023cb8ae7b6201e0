import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { Type, type Static } from 'typebox';
import { assertAgentName } from '../../agents/lookup.js';
import type { RepoReport } from '../../discover/resolve.js';
import { listEntries, type ListedEntry } from '../../manifest/entries.js';
import { MAX_MANIFEST_BYTES, SCHEDULE_RELATIVE_PATH, type ValidationResult } from '../../manifest/types.js';
import { validateManifest } from '../../manifest/validate.js';
import { readRepoFile } from '../../repo/files.js';
import { DomainError, isDomainError } from '../../errors.js';
import { parseNow } from '../now.js';
import { HttpError } from '../problem.js';
import { fleet, link, sendPage, signOutCsrf, type ConsoleContext } from './context.js';
import { plural, relativeTime, wallTime } from './format.js';
import { statusOf } from './fleet.js';
import { Layout } from './layout.js';
import { Source } from './source.js';

const RepoParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 200 }) });
const BundleParams = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 200 }), agent: Type.String({ minLength: 1, maxLength: 64 }) });
const NowQuery = Type.Object({ now: Type.Optional(Type.String({ format: 'date-time' })) });
type NowQuery = Static<typeof NowQuery>;

const RUNS_PER_AGENT = 10;

/** The roster repo named `slug`, as discover sees it now; 404 when the roster has none. */
async function findRepo(ctx: ConsoleContext, request: FastifyRequest, slug: string, now: Date): Promise<RepoReport> {
  const { repos } = await fleet(ctx, request, { now });
  const repo = repos.find((r) => r.slug === slug);
  if (!repo) throw new DomainError('repo_not_found', 'The roster has no repo with this slug.');
  return repo;
}

type ManifestView =
  | { kind: 'none'; note: string }
  | { kind: 'text'; text: string; result: ValidationResult };

/** The manifest text and its validation from one read, so the lines and the diagnostics agree. */
function readManifest(ctx: ConsoleContext, root: string): ManifestView {
  const file = readRepoFile(root, SCHEDULE_RELATIVE_PATH, MAX_MANIFEST_BYTES);
  switch (file.status) {
    case 'ok':
      return { kind: 'text', text: file.text, result: validateManifest(file.text, { knownAgents: ctx.services.agents.knownNames(root) }) };
    case 'too_large':
      return { kind: 'none', note: `${SCHEDULE_RELATIVE_PATH} is ${file.bytes} bytes, over the ${file.limit}-byte limit; it is not shown.` };
    case 'outside':
      return { kind: 'none', note: `${SCHEDULE_RELATIVE_PATH} is a link that leaves the repository; it is not read.` };
    default:
      return { kind: 'none', note: `The repo has no ${SCHEDULE_RELATIVE_PATH}.` };
  }
}

interface Bundle {
  agent: string;
  markdown?: string;
  error?: string;
}

function RunsTable({ entries, now }: { entries: ListedEntry[]; now: Date }): VNode {
  return (
    <div class="scroll">
      <table>
        <caption>{`Next ${RUNS_PER_AGENT} runs of each agent, in the repo's time zone`}</caption>
        <thead>
          <tr>
            <th scope="col">Agent</th>
            <th scope="col">Cadence</th>
            <th scope="col">Cron (source)</th>
            <th scope="col">Time zone</th>
            <th scope="col">Next runs</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr>
              <th scope="row">{e.agent}</th>
              <td>{e.cadence}</td>
              <td>
                <code>{e.cron}</code> <span class="muted">{e.cron_source === 'manifest' ? 'manifest' : 'cadence default'}</span>
              </td>
              <td>{e.timezone}</td>
              <td>
                {e.enabled ? (
                  <ol class="runs">
                    {e.next_runs.map((r) => (
                      <li>
                        <time datetime={r}>{wallTime(r)}</time> <span class="muted">{relativeTime(Date.parse(r), now.getTime())}</span>
                      </li>
                    ))}
                  </ol>
                ) : (
                  <span class="status status-idle">disabled</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface RepoViewProps {
  repo: RepoReport;
  manifest?: ManifestView;
  entries: ListedEntry[];
  bundles: Bundle[];
  now: Date;
  nowParam: string | undefined;
  signOut: { signOutCsrf?: string };
}

function RepoView({ repo, manifest, entries, bundles, now, nowParam, signOut }: RepoViewProps): VNode {
  const status = statusOf(repo);
  const diagnostics = manifest?.kind === 'text' ? [...manifest.result.errors, ...manifest.result.warnings] : [];
  return (
    <Layout title={repo.slug} section="repo" {...signOut}>
      <p><a href={link('/', nowParam)}>← Fleet</a></p>
      <h1>{repo.slug}</h1>
      <dl>
        <dt>Status</dt>
        <dd>
          <span class={`status status-${status.kind}`}>{status.label}</span> {status.detail}
        </dd>
        {repo.domain !== undefined && (
          <>
            <dt>Domain</dt>
            <dd>{repo.domain}</dd>
          </>
        )}
        {repo.root !== undefined && (
          <>
            <dt>Checkout</dt>
            <dd><code>{repo.root}</code></dd>
          </>
        )}
      </dl>
      <h2>Manifest</h2>
      {manifest === undefined && <p>The checkout could not be used, so its manifest is not read.</p>}
      {manifest?.kind === 'none' && <p>{manifest.note}</p>}
      {manifest?.kind === 'text' && (
        <>
          <p class={`notice ${manifest.result.valid ? 'ok' : 'bad'}`}>
            {manifest.result.valid ? 'Valid' : 'Invalid'}: {plural(manifest.result.errors.length, 'error')}, {plural(manifest.result.warnings.length, 'warning')}.
          </p>
          <Source text={manifest.text} diagnostics={diagnostics} caption={SCHEDULE_RELATIVE_PATH} />
        </>
      )}
      {entries.length > 0 && (
        <>
          <h2>Upcoming runs</h2>
          <RunsTable entries={entries} now={now} />
          <h2>Prepare bundles</h2>
          {bundles.map((b) => (
            <section aria-labelledby={`bundle-${b.agent}`}>
              <h3 id={`bundle-${b.agent}`}>{b.agent}</h3>
              <p>
                <a href={link(`/ui/repos/${encodeURIComponent(repo.slug)}/bundles/${encodeURIComponent(b.agent)}`, nowParam)}>JSON bundle</a>
              </p>
              {b.markdown !== undefined ? (
                <details>
                  <summary>{`Markdown bundle for ${b.agent}`}</summary>
                  <pre>{b.markdown}</pre>
                </details>
              ) : (
                <p class="notice bad">{b.error}</p>
              )}
            </section>
          ))}
        </>
      )}
    </Layout>
  );
}

export function repoPage(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{ Params: Static<typeof RepoParams>; Querystring: NowQuery }>(
    '/ui/repos/:slug',
    { schema: { hide: true, params: RepoParams, querystring: NowQuery } },
    async (request, reply) => {
      const nowParam = request.query.now;
      const now = parseNow(nowParam);
      const repo = await findRepo(ctx, request, request.params.slug, now);
      const manifest = repo.root === undefined ? undefined : readManifest(ctx, repo.root);
      const valid = manifest?.kind === 'text' ? manifest.result.manifest : undefined;
      const entries = valid ? listEntries(valid, ctx.services.defaults, { now, runs: RUNS_PER_AGENT, includeDisabled: true }) : [];
      const bundles: Bundle[] = [];
      for (const entry of entries) {
        try {
          const { bundle } = await ctx.bundles.prepare(repo.root!, entry.agent, { format: 'markdown', include: new Set(), ...(nowParam ? { now } : {}) });
          bundles.push({ agent: entry.agent, markdown: bundle.body.toString('utf8') });
        } catch (err) {
          if (!isDomainError(err)) throw err;
          bundles.push({ agent: entry.agent, error: err.message });
        }
      }
      return sendPage(reply, <RepoView repo={repo} manifest={manifest} entries={entries} bundles={bundles} now={now} nowParam={nowParam} signOut={signOutCsrf(ctx, reply)} />);
    },
  );

  // The JSON bundle behind the page's link: the prepare route's bundle, under the console's session.
  app.get<{ Params: Static<typeof BundleParams>; Querystring: NowQuery }>(
    '/ui/repos/:slug/bundles/:agent',
    { schema: { hide: true, params: BundleParams, querystring: NowQuery } },
    async (request, reply) => {
      const { slug, agent } = request.params;
      assertAgentName(agent);
      const now = parseNow(request.query.now);
      const repo = await findRepo(ctx, request, slug, now);
      if (repo.root === undefined) throw new HttpError('repo_unreachable', 'The repo has no usable checkout on this host.');
      const { bundle } = await ctx.bundles.prepare(repo.root, agent, { format: 'json', include: new Set(), ...(request.query.now ? { now } : {}) });
      return reply.type('application/json; charset=utf-8').header('etag', bundle.etag).send(bundle.body);
    },
  );
}
