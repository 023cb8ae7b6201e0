import type { FastifyInstance } from 'fastify';
import type { VNode } from 'preact';
import { Type, type Static, type TLiteral, type TOptional, type TUnion } from 'typebox';
import type { RepoReport } from '../../discover/resolve.js';
import type { DiscoverCounts, ScheduledRun } from '../../discover/types.js';
import { DISCOVER_FILTERS, pickFilters, type DiscoverFilterName } from '../../discover/filters.js';
import { CADENCES } from '../../manifest/types.js';
import { parseNow } from '../now.js';
import { fleet, link, repoHref, sendPage, signOutCsrf, type ConsoleContext } from './context.js';
import { plural, relativeTime, wallTime } from './format.js';
import { Layout } from './layout.js';
import { Timeline } from './timeline.js';

/** The fleet filters as a GET form sends them: an empty field means "any". */
export const FleetQuery = Type.Object({
  ...(Object.fromEntries(Object.entries(DISCOVER_FILTERS).map(([name, schema]) => [name, Type.Optional(Type.Union([Type.Literal(''), schema]))])) as {
    [K in DiscoverFilterName]: TOptional<TUnion<[TLiteral<''>, (typeof DISCOVER_FILTERS)[K]]>>;
  }),
  now: Type.Optional(Type.String({ format: 'date-time' })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
});
type FleetQuery = Static<typeof FleetQuery>;

/**
 * Repos per page. Counts and filters cover the whole fleet; the table and the
 * timeline show a page of it, so a thousand-repo fleet is a page a phone can
 * load and the server renders in a fraction of the discover it comes from.
 */
export const REPOS_PER_PAGE = 100;

const COUNT_LABELS: ReadonlyArray<[keyof DiscoverCounts, string]> = [
  ['roster_entries', 'Roster entries'],
  ['repos', 'Repos examined'],
  ['opted_in', 'Opted in'],
  ['not_opted_in', 'Not opted in'],
  ['skipped', 'Skipped'],
  ['scheduled_runs', 'Scheduled runs'],
];

/** Status as text (and a class for colour): never colour alone. */
export function statusOf(repo: RepoReport): { label: string; kind: 'scheduled' | 'idle' | 'skipped' | 'invalid'; detail?: string } {
  if (repo.status === 'scheduled') {
    return repo.runs.length > 0 ? { label: `scheduled · ${plural(repo.runs.length, 'agent')}`, kind: 'scheduled' } : { label: 'nothing enabled', kind: 'idle', detail: 'valid manifest; no entry is enabled' };
  }
  if (repo.status === 'not_opted_in') return { label: 'not opted in', kind: 'idle', detail: 'no .kaizen/schedule.yml' };
  const skip = repo.skip!;
  if (skip.reason === 'schedule_invalid') {
    return { label: `invalid · ${plural(skip.errors?.length ?? 0, 'diagnostic')}`, kind: 'invalid', detail: skip.detail };
  }
  return { label: `skipped · ${skip.reason}`, kind: 'skipped', detail: skip.detail };
}

/** Roster entries without a usable slug have no page of their own. */
const hasPage = (repo: RepoReport): boolean => !(repo.skip && (repo.skip.reason === 'roster_entry_invalid' || repo.skip.reason === 'roster_entry_duplicate'));

// Per-row pieces are plain functions, not components: at a thousand repos a
// component per row costs preact a measurable instantiation each.
function nextRun(run: ScheduledRun, now: Date): VNode {
  if (!run.next_run) return <span class="muted">never</span>;
  return (
    <>
      <time datetime={run.next_run}>{wallTime(run.next_run)}</time> <span class="muted">{relativeTime(Date.parse(run.next_run), now.getTime())}</span>
    </>
  );
}

function repoRows(repo: RepoReport, now: Date, nowParam: string | undefined): VNode {
  const status = statusOf(repo);
  const name = hasPage(repo) ? <a href={repoHref(repo.slug, nowParam)}>{repo.slug}</a> : <span>{repo.slug}</span>;
  const head = (
    <th scope="rowgroup" rowSpan={Math.max(repo.runs.length, 1)}>
      {name}
      {repo.domain !== undefined && <div class="muted">{repo.domain}</div>}
    </th>
  );
  const statusCell = (
    <td rowSpan={Math.max(repo.runs.length, 1)}>
      <span class={`status status-${status.kind}`}>{status.label}</span>
    </td>
  );
  if (repo.runs.length === 0) {
    return (
      <tbody>
        <tr>
          {head}
          {statusCell}
          <td colSpan={5}>{status.detail}</td>
        </tr>
      </tbody>
    );
  }
  return (
    <tbody>
      {repo.runs.map((run, i) => (
        <tr>
          {i === 0 && head}
          {i === 0 && statusCell}
          <td>{run.agent}</td>
          <td>{run.cadence}</td>
          <td>
            <code>{run.cron}</code> <span class="muted">{run.cron_source === 'manifest' ? 'manifest' : 'cadence default'}</span>
          </td>
          <td>{run.timezone}</td>
          <td>{nextRun(run, now)}</td>
        </tr>
      ))}
    </tbody>
  );
}

interface FleetViewProps {
  query: FleetQuery;
  now: Date;
  repos: RepoReport[];
  counts: DiscoverCounts;
  source: string;
  hostName: string;
  zone: string;
  domains: string[];
  agents: string[];
  signOut: { signOutCsrf?: string };
}

function FleetView(p: FleetViewProps): VNode {
  const { query, now } = p;
  const filtered = Boolean(query.cadence || query.agent);
  // With a cadence or agent filter only the repos with matching runs (and the problems) stay listed.
  const listed = filtered ? p.repos.filter((r) => r.runs.length > 0 || r.status === 'skipped') : p.repos;
  const pages = Math.max(1, Math.ceil(listed.length / REPOS_PER_PAGE));
  const page = Math.min(query.page ?? 1, pages);
  const first = (page - 1) * REPOS_PER_PAGE;
  const shown = listed.slice(first, first + REPOS_PER_PAGE);
  const pageLink = (n: number): string => link('/', query.now, { domain: query.domain, cadence: query.cadence, agent: query.agent, page: n === 1 ? undefined : String(n) });
  const pager =
    pages > 1 ? (
      <nav class="pager" aria-label="Pages of repos">
        {page > 1 && <a href={pageLink(page - 1)} rel="prev">← Previous</a>}{' '}
        <span>{`Page ${page} of ${pages}`}</span>{' '}
        {page < pages && <a href={pageLink(page + 1)} rel="next">Next →</a>}
      </nav>
    ) : null;
  return (
    <Layout title="Fleet" section="fleet" {...p.signOut}>
      <h1>Fleet</h1>
      <p class="muted">
        Roster from <strong>{p.source}</strong>, paths for host <code>{p.hostName}</code>, as of{' '}
        <time datetime={now.toISOString()}>{now.toISOString()}</time>.
      </p>
      <form class="filters" method="get" action="/" role="search" aria-label="Filter the fleet">
        <div>
          <label for="f-domain">Domain</label>
          <input id="f-domain" name="domain" list="domains" value={query.domain ?? ''} maxLength={200} />
          <datalist id="domains">{p.domains.map((d) => <option value={d} />)}</datalist>
        </div>
        <div>
          <label for="f-cadence">Cadence</label>
          <select id="f-cadence" name="cadence">
            <option value="">any</option>
            {CADENCES.map((c) => (
              <option value={c} selected={query.cadence === c}>{c}</option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-agent">Agent</label>
          <input id="f-agent" name="agent" list="agents" value={query.agent ?? ''} maxLength={64} />
          <datalist id="agents">{p.agents.map((a) => <option value={a} />)}</datalist>
        </div>
        {query.now !== undefined && <input type="hidden" name="now" value={query.now} />}
        <button type="submit">Filter</button>
        <a href={link('/', query.now)}>Clear filters</a>
      </form>
      <h2 id="counts">Counts</h2>
      <dl class="counts" aria-labelledby="counts">
        {COUNT_LABELS.map(([key, label]) => (
          <div>
            <dt>{label}</dt>
            <dd data-count={key}>{p.counts[key]}</dd>
          </div>
        ))}
      </dl>
      <h2>Next 7 days</h2>
      <Timeline rows={shown.filter((r) => r.runs.length > 0)} now={now} zone={p.zone} />
      <h2 id="repos">Repos</h2>
      {pager}
      <div class="scroll">
        <table aria-labelledby="repos">
          <caption>
            {listed.length > shown.length ? `Repos ${first + 1}–${first + shown.length} of ${listed.length}` : plural(listed.length, 'repo')}
            {"; next runs in each repo's own time zone"}
          </caption>
          <thead>
            <tr>
              <th scope="col">Repo</th>
              <th scope="col">Status</th>
              <th scope="col">Agent</th>
              <th scope="col">Cadence</th>
              <th scope="col">Cron (source)</th>
              <th scope="col">Time zone</th>
              <th scope="col">Next run</th>
            </tr>
          </thead>
          {shown.map((repo) => repoRows(repo, now, query.now))}
        </table>
      </div>
      {pager}
    </Layout>
  );
}

const uniqueSorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

export function fleetPage(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{ Querystring: FleetQuery }>('/', { schema: { hide: true, querystring: FleetQuery } }, async (request, reply) => {
    const query = request.query;
    const now = parseNow(query.now);
    const { result, repos } = await fleet(ctx, request, { ...pickFilters(query), now });
    return sendPage(
      reply,
      <FleetView
        query={query}
        now={now}
        repos={repos}
        counts={result.counts}
        source={result.source}
        hostName={result.host_name}
        zone={ctx.services.defaults.timezone}
        domains={uniqueSorted(repos.flatMap((r) => (r.domain === undefined ? [] : [r.domain])))}
        agents={uniqueSorted(result.scheduled_runs.map((r) => r.agent))}
        signOut={signOutCsrf(ctx, reply)}
      />,
    );
  });
}
