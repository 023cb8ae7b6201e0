import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';

/** Files of one repo: relative path -> content. */
export type RepoFiles = Record<string, string>;

export interface TempDir {
  /** Real path (symlinks resolved) of the temp directory. */
  dir: string;
  cleanup(): void;
}

export function tempDir(prefix = 'kaizen-test-'): TempDir {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFiles(base: string, files: RepoFiles): void {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(base, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** A symbolic link at `at` (its parent directories made) pointing to `target`, which may be relative. */
export function link(target: string, at: string): void {
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(target, at);
}

/** A repo root in a temp directory holding the given repos (name -> files). */
export function tempFleet(repos: Record<string, RepoFiles>): TempDir {
  const root = tempDir('kaizen-fleet-');
  for (const [name, files] of Object.entries(repos)) {
    mkdirSync(path.join(root.dir, name), { recursive: true });
    writeFiles(path.join(root.dir, name), files);
  }
  return root;
}

/**
 * Configuration as the service would load it from `env`, quiet by default and
 * without load shedding: a busy CI machine must not turn test requests into
 * 503s (tests/http/plugins/limits.test.ts turns it on where it is the subject).
 */
export function testConfig(env: Record<string, string> = {}, overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ LOG_LEVEL: 'silent', KAIZEN_MAX_EVENT_LOOP_DELAY_MS: '0', ...env }), ...overrides };
}

export async function testApp(env: Record<string, string> = {}, overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const app = await buildApp(testConfig(env, overrides), { logger: false });
  await app.ready();
  return app;
}

export const VALID_MANIFEST = `version: "1"
timezone: Europe/Berlin
agents:
  coach:
    cadence: weekly
    cron: "0 9 * * 1"
    enabled: true
  optimization:
    cadence: weekly
    cron: "0 10 * * 1"
  tdd-workflow:
    cadence: monthly
    enabled: false
`;
