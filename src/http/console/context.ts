import type { LRUCache } from 'lru-cache';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { discoverFleet, type DiscoverDeps, type DiscoverOptions, type FleetReport } from '../../discover/resolve.js';
import type { PreparedBundles } from '../../prepare/bundle-cache.js';
import type { Services } from '../../services.js';
import { renderPage } from './layout.js';

/** What every console page is built from: the same core objects the API routes use. */
export interface ConsoleContext {
  services: Services;
  deps: DiscoverDeps;
  bundles: PreparedBundles;
  /** Base of the API links the console shows (KAIZEN_PUBLIC_URL, else the listen address). */
  baseUrl: string;
  /** True when KAIZEN_API_TOKENS is set: pages need a signed-in session. */
  auth: boolean;
  /** Cookies' `secure`: always behind an https KAIZEN_PUBLIC_URL (TLS ends at the proxy), else when the request is TLS. */
  secure: true | 'auto';
  /** Session values signed out in this process; sessions are stateless otherwise (see session.ts). */
  signedOut: LRUCache<string, true>;
}

export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(renderPage(page));
}

/** The CSRF token for the header's sign-out form, when there is a session to end. */
export const signOutCsrf = (ctx: ConsoleContext, reply: FastifyReply): { signOutCsrf?: string } =>
  ctx.auth ? { signOutCsrf: reply.generateCsrf() } : {};

/** An internal link that keeps the page's explicit `now`, so a pinned view stays pinned. */
export function link(path: string, now: string | undefined, params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, v);
  if (now !== undefined) query.set('now', now);
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

export const repoHref = (slug: string, now: string | undefined): string => link(`/ui/repos/${encodeURIComponent(slug)}`, now);

/** The fleet through discover itself; the console's skip lines are the API's. */
export function fleet(ctx: ConsoleContext, request: FastifyRequest, options: Pick<DiscoverOptions, 'domain' | 'cadence' | 'agent' | 'now'>): Promise<FleetReport> {
  return discoverFleet(ctx.deps, { ...options, baseUrl: ctx.baseUrl, log: request.log });
}
