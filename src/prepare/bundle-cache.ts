import { createHash } from 'node:crypto';
import { FingerprintCache } from '../repo/fingerprint.js';
import type { RepoView } from '../repo/files.js';
import type { RepoRoots } from '../repo/roots.js';
import { TurnBatch } from './turn-batch.js';
import { buildBundle, bundleFingerprint, type BundleSources, type BundleViews } from './bundle.js';
import { EventTemplate, buildPreparedEvent, type BundleFormat, type SerialisedEvent } from './event.js';
import { renderMarkdown } from './markdown.js';
import type { RunClaim } from './run.js';

export type Include = 'pointers' | 'event';

export interface RenderedBundle {
  format: BundleFormat;
  /** UTF-8 bytes, encoded once so a cached bundle is written as is. */
  body: Buffer;
  /** Strong validator of `body`. */
  etag: string;
  /** Epoch ms after which the body is stale even if no file changed (date or next run moved). */
  validUntil: number;
  /** The event announcing this body, serialised, when events are emitted (its occurred_at is the render's, its repo the directory name). */
  event?: EventTemplate;
}

/** hit: served from the cache; miss: rendered (and kept unless a file was racy); bypass: never cacheable (explicit `now`, include=event). */
export type CacheOutcome = 'hit' | 'miss' | 'bypass';

export interface Prepared {
  bundle: RenderedBundle;
  cache: CacheOutcome;
  /** The kaizen.schedule.prepared event for this answer, ready for the bus (events emitted), occurring now. */
  event?: SerialisedEvent;
}

export interface EventOptions {
  prepareCommandTemplate: string;
  /** KAIZEN_HOST_NAME, carried in every event. */
  host: string;
  /** Build an event for every bundle, not only for include=event (KAIZEN_NATS_URL is set). */
  emit: boolean;
}

export interface RenderOptions {
  format: BundleFormat;
  include: ReadonlySet<Include>;
  /** An explicit instant (tests, replays); without it the current time is used. */
  now?: Date;
  /** The run the call names (checked against the schedule, echoed in the bundle and event). */
  run?: RunClaim;
  /** Fleet slug for the event's `repo` (default: the directory name). */
  repo?: string;
}

const etagOf = (body: Buffer): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;

const closeView = (view: RepoView): void => view.close();

const nextUtcMidnight = (t: number): number => (Math.floor(t / 86_400_000) + 1) * 86_400_000;

/**
 * Renders prepare bundles. The result for a (repo, agent, format, include) is
 * kept while every object that went into it is unchanged (bundleFingerprint), and
 * until the UTC date or the agent's next run moves on. Calls that arrive in
 * the same event-loop turn are answered together and share that look (see
 * TurnBatch), so a burst of prepare calls costs one look at the disk while an
 * edited file still shows in the very next response.
 */
export class PreparedBundles {
  private readonly cache = new FingerprintCache<RenderedBundle>('bundles');
  private readonly batch = new TurnBatch();

  constructor(
    private readonly roots: RepoRoots,
    private readonly sources: BundleSources,
    private readonly events: EventOptions,
  ) {}

  /** Resolves `target` inside the repo roots and renders the bundle, batched with this turn's other calls. */
  async prepare(target: string, agent: string, options: RenderOptions): Promise<Prepared> {
    // The job's synchronous part (resolve, fingerprint) runs inside the batch;
    // only a long metrics summary continues after it, in slices.
    return await this.batch.run(() => {
      const repoRoot = this.batch.memoize(`target\u0000${target}`, () => this.roots.resolveRepo(target));
      return this.render(repoRoot, agent, options);
    });
  }

  /**
   * Renders with views of the repo and the packaged prompts: within a batch,
   * one view per repo and one of the packaged prompts, shared by the batch's
   * calls (closed when it ends), so they all look at the same opened objects
   * and a batch over many repos reads a packaged prompt once. buildBundle
   * reads everything before its first await, so no read outlives the batch.
   */
  async render(repoRoot: string, agent: string, options: RenderOptions): Promise<Prepared> {
    if (this.batch.active) {
      const repo = this.batch.memoize(`views\u0000${repoRoot}`, () => this.roots.open(repoRoot), closeView);
      const packaged = this.batch.memoize('packaged', () => this.sources.agents.openPackaged(), closeView);
      return this.renderWith({ repo, packaged }, agent, options);
    }
    const repo = this.roots.open(repoRoot);
    try {
      const packaged = this.sources.agents.openPackaged();
      try {
        return await this.renderWith({ repo, packaged }, agent, options);
      } finally {
        packaged.close();
      }
    } finally {
      repo.close();
    }
  }

  private async renderWith(views: BundleViews, agent: string, options: RenderOptions): Promise<Prepared> {
    const repoRoot = views.repo.root;
    // An explicit `now`, an event (which carries its own timestamp) or a named run (one call per run) is never cached.
    const cacheable = options.now === undefined && !options.include.has('event') && options.run === undefined;
    const key = `${repoRoot}\u0000${agent}\u0000${options.format}\u0000${options.include.has('pointers')}`;
    const started = Date.now();
    // The signature is of the objects the views opened; a miss below reads
    // those same descriptors, so the entry stored under it is what was read.
    const signature = cacheable ? this.batch.memoize(`inputs\u0000${repoRoot}\u0000${agent}`, () => bundleFingerprint(views, agent)) : undefined;
    const cached = this.cache.get(key, signature);
    if (cached && started < cached.validUntil) return this.answer(cached, 'hit', options, started);

    if (signature === undefined) return this.answer(await this.build(views, agent, options, started, key, signature), cacheable ? 'miss' : 'bypass', options, started);
    // Identical cacheable calls of one batch share one render, as they would
    // share its cache entry: the render may outlast the batch while a long
    // metrics history is summarised in slices.
    let built = false;
    const rendered = await this.batch.memoize(`render\u0000${key}`, () => {
      built = true;
      return this.build(views, agent, options, started, key, signature);
    });
    return this.answer(rendered, built ? 'miss' : 'hit', options, started);
  }

  /**
   * The answer, with its event when there is one: a body served again is
   * announced again, occurring now, under the fleet slug this call gave.
   */
  private answer(rendered: RenderedBundle, cache: CacheOutcome, options: RenderOptions, started: number): Prepared {
    if (!rendered.event) return { bundle: rendered, cache };
    return { bundle: rendered, cache, event: rendered.event.serialise(cache === 'hit' ? started : undefined, options.repo) };
  }

  private async build(views: BundleViews, agent: string, options: RenderOptions, started: number, key: string, signature: string | undefined): Promise<RenderedBundle> {
    const now = options.now ?? new Date(started);
    const bundle = await buildBundle(views, agent, this.sources, {
      now,
      inlinePointers: options.include.has('pointers'),
      ...(options.run ? { run: options.run } : {}),
    });
    let text = options.format === 'markdown' ? renderMarkdown(bundle) : JSON.stringify(bundle);
    // The event announces the bundle as rendered (include=event embeds it in the JSON after the fact).
    const embed = options.include.has('event');
    const event =
      embed || this.events.emit
        ? buildPreparedEvent(bundle, {
            format: options.format,
            bytes: Buffer.byteLength(text),
            occurredAt: now,
            prepareCommandTemplate: this.events.prepareCommandTemplate,
            host: this.events.host,
            // A cached entry serves calls with any slug: it keeps the default and answer() applies the call's.
            ...(embed && options.repo !== undefined ? { repo: options.repo } : {}),
          })
        : undefined;
    if (event && embed) text = JSON.stringify({ ...bundle, event });
    const body = Buffer.from(text);
    const nextRun = bundle.schedule?.next_run ? Date.parse(bundle.schedule.next_run) : Infinity;
    const rendered: RenderedBundle = {
      format: options.format,
      body,
      etag: etagOf(body),
      validUntil: Math.min(nextUtcMidnight(now.getTime()), nextRun),
      ...(event && this.events.emit ? { event: new EventTemplate(event) } : {}),
    };
    this.cache.set(key, signature, rendered);
    return rendered;
  }
}
