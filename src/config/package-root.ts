import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;
let version: string | undefined;

/**
 * The service's install directory (the one holding its package.json), found by
 * walking up from this module: the same answer from src/ under tsx and from
 * dist/ in production, where packaged agents and examples sit beside it.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'kaizen-schedule') return (cached = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('kaizen-schedule: cannot locate the package root');
    dir = parent;
  }
}

/** The version in the service's package.json: the CLI's --version and the OpenAPI document's info.version. */
export function packageVersion(): string {
  return (version ??= (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version);
}
