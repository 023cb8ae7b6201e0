/**
 * Writes openapi/openapi.json from the route schemas. The document does not
 * depend on configuration, so it is generated against the bundled example
 * fleet; tests/http/openapi/drift.test.ts fails when the committed file drifts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { buildApp } from '../src/http/app.js';
import { packageRoot } from '../src/config/package-root.js';

export async function generateOpenApi(): Promise<string> {
  const app = await buildApp(loadConfig({}), { logger: false });
  await app.ready();
  const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  return text;
}

export const OPENAPI_PATH = path.join(packageRoot(), 'openapi', 'openapi.json');

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  writeFileSync(OPENAPI_PATH, await generateOpenApi());
  process.stdout.write(`wrote ${path.relative(process.cwd(), OPENAPI_PATH)}\n`);
}
