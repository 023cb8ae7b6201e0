import type { Static } from 'typebox';
import * as Type from 'typebox/type';
import { AGENT_NAME_PATTERN } from '../agents/name.js';
import { CadenceSchema } from '../manifest/entries.js';

/**
 * The filters a discover takes, each once: the HTTP query, the console's form
 * and the CLI's flags are all built from this table, so a new filter is added
 * here and used in `discoverFleet`.
 */
export const DISCOVER_FILTERS = {
  domain: Type.String({ minLength: 1, maxLength: 200, description: 'Only repos of this roster domain (passed to the State Hub too); scanned repos have no domain' }),
  cadence: { ...CadenceSchema, description: 'Only entries of this cadence' },
  agent: Type.String({ pattern: AGENT_NAME_PATTERN.source, maxLength: 64, description: 'Only runs of this agent', examples: ['coach'] }),
};

export type DiscoverFilterName = keyof typeof DISCOVER_FILTERS;
export type DiscoverFilters = { [K in DiscoverFilterName]?: Static<(typeof DISCOVER_FILTERS)[K]> };
export const DISCOVER_FILTER_NAMES = Object.keys(DISCOVER_FILTERS) as DiscoverFilterName[];

/** The filters set in `source` (a parsed query, CLI options), and nothing else. */
export function pickFilters(source: object): DiscoverFilters {
  const values = source as Readonly<Record<string, unknown>>;
  const filters: Record<string, unknown> = {};
  for (const name of DISCOVER_FILTER_NAMES) if (values[name] !== undefined && values[name] !== '') filters[name] = values[name];
  return filters as DiscoverFilters;
}
