import { createHash } from 'node:crypto';
import path from 'node:path';
import { FingerprintCache, fingerprint } from '../repo/fingerprint.js';
import { buildBundle, type BundleSources } from './bundle.js';
import { buildPreparedEvent, type BundleFormat } from './event.js';
import { renderMarkdown } from './markdown.js';

export type Include = 'pointers' | 'event';

export interface RenderedBundle {
  format: BundleFormat;
  body: string;
  /** Strong validator of `body`. */
  etag: string;
  /** Epoch ms after which the body is stale even if no file changed (date or next run moved). */
  validUntil: number;
}

export interface RenderOptions {
  format: BundleFormat;
  include: ReadonlySet<Include>;
  /** An explicit instant (tests, replays); without it the current time is used. */
  now?: Date;
}

const etagOf = (body: string): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;

const nextUtcMidnight = (t: number): number => (Math.floor(t / 86_400_000) + 1) * 86_400_000;

/**
 * Renders prepare bundles. The result for a (repo, agent, format, include) is
 * kept while every file that went into it is unchanged (one stat each), and
 * until the UTC date or the agent's next run moves on, so a burst of prepare
 * calls costs a few stats each while an edited file still shows in the very
 * next response.
 */
export class PreparedBundles {
  private readonly cache = new FingerprintCache<RenderedBundle>(5_000);

  constructor(
    private readonly sources: BundleSources,
    private readonly prepareCommandTemplate: string,
  ) {}

  /** Every file a bundle for `agent` in `repoRoot` is built from. */
  private inputs(repoRoot: string, agent: string): string[] {
    const kaizen = path.join(repoRoot, '.kaizen');
    return [
      ...this.sources.agents.promptPaths(agent, repoRoot),
      path.join(kaizen, 'agents', agent, 'memory.md'),
      path.join(kaizen, 'metrics', agent, 'summary.json'),
      path.join(kaizen, 'metrics', agent, 'executions.jsonl'),
      path.join(repoRoot, 'SCOPE.md'),
      path.join(repoRoot, 'TODO.md'),
      path.join(kaizen, 'schedule.yml'),
      path.join(repoRoot, 'agents'),
    ];
  }

  render(repoRoot: string, agent: string, options: RenderOptions): RenderedBundle {
    // An explicit `now` or an event (which carries its own timestamp) is never cached.
    const cacheable = options.now === undefined && !options.include.has('event');
    const key = `${repoRoot}\u0000${agent}\u0000${options.format}\u0000${options.include.has('pointers')}`;
    const started = Date.now();
    const signature = cacheable ? fingerprint(this.inputs(repoRoot, agent), started) : undefined;
    const cached = this.cache.get(key, signature);
    if (cached && started < cached.validUntil) return cached;

    const now = options.now ?? new Date(started);
    const bundle = buildBundle(repoRoot, agent, this.sources, { now, inlinePointers: options.include.has('pointers') });
    let body: string;
    if (options.format === 'markdown') {
      body = renderMarkdown(bundle);
    } else {
      body = JSON.stringify(bundle);
      if (options.include.has('event')) {
        const event = buildPreparedEvent(bundle, { format: 'json', bytes: Buffer.byteLength(body), occurredAt: now, prepareCommandTemplate: this.prepareCommandTemplate });
        body = JSON.stringify({ ...bundle, event });
      }
    }
    const nextRun = bundle.schedule?.next_run ? Date.parse(bundle.schedule.next_run) : Infinity;
    const rendered: RenderedBundle = { format: options.format, body, etag: etagOf(body), validUntil: Math.min(nextUtcMidnight(now.getTime()), nextRun) };
    this.cache.set(key, signature, rendered);
    return rendered;
  }
}
