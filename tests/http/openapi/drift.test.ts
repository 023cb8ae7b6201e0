import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPENAPI_PATH, generateOpenApi } from '../../../scripts/generate-openapi.js';
import { testApp } from '../../helpers/fleet.js';
import { ROOT } from '../../helpers/paths.js';

describe('OpenAPI document', () => {
  it('matches the committed openapi/openapi.json (run `npm run openapi` after changing routes)', async () => {
    const committed = readFileSync(OPENAPI_PATH, 'utf8');
    expect(await generateOpenApi()).toBe(committed);
  });

  it('is served at /openapi.json and documents every route with a summary, tags and error responses', async () => {
    const app = await testApp();
    const res = await app.inject('/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { summary?: string; tags?: string[]; responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe('3.1.0');
    // The version is the package's, so a release cannot ship a stale one.
    expect((doc as unknown as { info: { version: string } }).info.version).toBe((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    for (const [route, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(op.summary, `${method} ${route} summary`).toBeTruthy();
        expect(op.tags?.length, `${method} ${route} tags`).toBeGreaterThan(0);
        if (route.startsWith('/v1/')) {
          expect(Object.keys(op.responses).some((s) => s.startsWith('4')), `${method} ${route} documents errors`).toBe(true);
        }
      }
    }
    await app.close();
  });

  it('serves Swagger UI at /docs', async () => {
    const app = await testApp();
    const res = await app.inject('/docs/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
    await app.close();
  });
});
