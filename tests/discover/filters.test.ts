import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISCOVER_FILTER_NAMES, pickFilters } from '../../src/discover/filters.js';
import { FleetQuery } from '../../src/http/console/fleet.js';
import { ROOT } from '../helpers/paths.js';

describe('the discover filters', () => {
  it('pickFilters keeps the filters that are set and nothing else', () => {
    expect(pickFilters({ agent: 'coach', domain: undefined, cadence: '', now: new Date(0), from: 'x', format: 'json' })).toStrictEqual({ agent: 'coach' });
  });

  it('are each a query parameter of GET /v1/discover and a field of the console form', () => {
    const doc = JSON.parse(readFileSync(path.join(ROOT, 'openapi/openapi.json'), 'utf8')) as {
      paths: Record<string, { get: { parameters: Array<{ name: string; in: string; required?: boolean }> } }>;
    };
    const query = doc.paths['/v1/discover']!.get.parameters.filter((p) => p.in === 'query');
    expect(DISCOVER_FILTER_NAMES.length).toBeGreaterThan(0);
    for (const name of DISCOVER_FILTER_NAMES) {
      expect(query.find((p) => p.name === name), name).toMatchObject({ required: false });
      expect(Object.keys(FleetQuery.properties), name).toContain(name);
    }
  });
});
