import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// The namespace of typebox/type, unlike the package root's `Type`, lets the
// CLI bundle keep only the few builders used here (start-up time).
import type { Static, TObject } from 'typebox';
import * as Type from 'typebox/type';
import { compileCheck } from '../schema/check.js';
import { DEFAULT_CADENCE_CRONS, checkCron } from '../manifest/cron.js';
import { DEFAULT_TIMEZONE, canonicalTimeZone, isValidTimeZone } from '../manifest/timezone.js';
import type { Cadence } from '../manifest/types.js';
import { packageRoot } from './package-root.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** The words a flag variable takes, any case; the first four mean true. */
const TRUE_WORDS = /^(true|1|yes|on)$/i;
const FLAG_WORDS = /^(true|1|yes|on|false|0|no|off)$/i;
/** A whole number as written in the environment: digits only (no sign, exponent, hex or blanks). */
const DIGITS = /^[0-9]+$/;

/**
 * The variable kinds readEnv converts from their string: a whole number in a
 * range, and a flag (true/false, yes/no, on/off, 1/0). With `default`, the
 * variable is filled in when unset, so the schema is the one place a default
 * lives.
 */
const WholeNumber = (options: { minimum: number; maximum: number; default: number }) => Type.Integer(options);
const Flag = () => Type.Boolean({ default: false });

/**
 * The environment the core reads: what the service and every CLI verb share.
 * Every variable may be unset; those with a default read as it.
 */
const CoreEnvSchema = Type.Object({
  LOG_LEVEL: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)), { default: 'info' }),
  KAIZEN_REPO_ROOTS: Type.Optional(Type.String({ minLength: 1 })),
  KAIZEN_STATE_HUB_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
  KAIZEN_ROSTER_FILE: Type.Optional(Type.String({ minLength: 1 })),
  KAIZEN_HOST_NAME: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  // 0 is taken as 1 ms (an undici timeout of 0 would mean none).
  KAIZEN_HUB_TIMEOUT_MS: WholeNumber({ minimum: 0, maximum: 999_999, default: 5000 }),
  KAIZEN_HUB_SCHEDULE_FLAG: Flag(),
  KAIZEN_DEFAULT_TIMEZONE: Type.String({ minLength: 1, default: DEFAULT_TIMEZONE }),
  KAIZEN_PREPARE_COMMAND: Type.String({ minLength: 1, default: 'kaizen-agentic schedule prepare {agent} --target {root}' }),
  KAIZEN_CRON_DAILY: Type.String({ minLength: 1, default: DEFAULT_CADENCE_CRONS.daily }),
  KAIZEN_CRON_WEEKLY: Type.String({ minLength: 1, default: DEFAULT_CADENCE_CRONS.weekly }),
  KAIZEN_CRON_MONTHLY: Type.String({ minLength: 1, default: DEFAULT_CADENCE_CRONS.monthly }),
});
type CoreEnv = Static<typeof CoreEnvSchema>;

/** The variables only the HTTP server reads: the CLI's repo verbs never look at them. */
const ServerEnvSchema = Type.Object({
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  PORT: WholeNumber({ minimum: 0, maximum: 65_535, default: 3000 }),
  KAIZEN_PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
  KAIZEN_ENABLE_WRITE: Flag(),
  KAIZEN_API_TOKENS: Type.Optional(Type.String()),
  KAIZEN_RATE_LIMIT_PER_MINUTE: WholeNumber({ minimum: 0, maximum: 9_999_999, default: 0 }),
  KAIZEN_MAX_EVENT_LOOP_DELAY_MS: WholeNumber({ minimum: 0, maximum: 999_999, default: 1000 }),
  /**
   * Long enough for connections already in the kernel's accept queue (and
   * requests already on kept-alive connections) to be read and answered before
   * the listener closes, with room for a loaded machine; a load balancer that
   * needs seconds to notice a failing /readyz wants a larger value.
   */
  KAIZEN_SHUTDOWN_DELAY_MS: WholeNumber({ minimum: 0, maximum: 999_999, default: 1000 }),
  KAIZEN_NATS_URL: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  /** About 1 KB of memory an event: 10 MB by default, 100 MB at most. */
  KAIZEN_NATS_OUTBOX_SIZE: WholeNumber({ minimum: 1, maximum: 100_000, default: 10_000 }),
});
type ServerEnv = Static<typeof ServerEnvSchema>;
type Env = CoreEnv & ServerEnv;

export type LogLevel = (typeof LOG_LEVELS)[number];

/** What the core (manifests, agents, prepare, discover) needs; the CLI loads only this for its repo verbs. */
export interface CoreConfig {
  logLevel: LogLevel;
  /** Absolute directories every repo path must lie in. */
  repoRoots: string[];
  stateHubUrl?: string;
  rosterFile?: string;
  hostName: string;
  hubTimeoutMs: number;
  /** Ask the hub for flagged repos only (`kaizen_schedule_enabled=true`, SPEC 4.2). */
  hubScheduleFlag: boolean;
  defaultTimezone: string;
  cadenceCrons: Record<Cadence, string>;
  prepareCommand: string;
  /** Where packaged agent prompts live (not an environment variable). */
  packagedAgentsDir: string;
}

/** What only the HTTP server needs. */
export interface ServerConfig {
  host: string;
  port: number;
  publicUrl?: string;
  enableWrite: boolean;
  apiTokens: string[];
  /** Requests a minute per client on /v1 routes; 0 means no limit. */
  rateLimitPerMinute: number;
  /** Event-loop delay past which requests are shed with 503; 0 turns shedding off. */
  maxEventLoopDelayMs: number;
  /** After SIGTERM: how long to keep accepting (answering 503 shutting_down, readiness failing) before closing the listener. */
  shutdownDelayMs: number;
  /** Event emission to NATS JetStream (SPEC section 5); absent without KAIZEN_NATS_URL. */
  nats?: NatsConfig;
}

export interface NatsConfig {
  /** Server URLs without credentials (safe to log and show). */
  servers: string[];
  /** Credentials taken from the URLs' user-info: `user:password@` or `token@`. */
  user?: string;
  pass?: string;
  token?: string;
  /** Events the outbox holds while NATS is unreachable; past it the oldest are dropped. */
  outboxSize: number;
}

const NATS_SCHEMES = new Set(['nats:', 'tls:']);

export type Config = CoreConfig & ServerConfig;

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export const defaultRepoRoots = (): string[] => [path.join(packageRoot(), 'examples', 'fleet')];

const HUMAN_RULES: Partial<Record<keyof Env, string>> = {
  PORT: 'must be a port number',
  LOG_LEVEL: `must be one of ${LOG_LEVELS.join(', ')}`,
  KAIZEN_STATE_HUB_URL: 'must be an http:// or https:// URL',
  KAIZEN_PUBLIC_URL: 'must be an http:// or https:// URL',
  KAIZEN_HUB_TIMEOUT_MS: 'must be a whole number of milliseconds',
  KAIZEN_ENABLE_WRITE: 'must be true or false',
  KAIZEN_HUB_SCHEDULE_FLAG: 'must be true or false',
  KAIZEN_RATE_LIMIT_PER_MINUTE: 'must be a whole number (0 turns the limit off)',
  KAIZEN_MAX_EVENT_LOOP_DELAY_MS: 'must be a whole number of milliseconds (0 turns load shedding off)',
  KAIZEN_SHUTDOWN_DELAY_MS: 'must be a whole number of milliseconds',
  KAIZEN_NATS_OUTBOX_SIZE: 'must be a whole number of events from 1 to 100000 (each held costs about 1 KB of memory)',
};

/**
 * KAIZEN_NATS_URL: comma-separated `nats://` or `tls://` URLs. Credentials may
 * ride in the user-info and are split off, so the URLs can be logged; every
 * URL that carries some must carry the same.
 */
function parseNatsUrls(value: string, outboxSize: number): NatsConfig {
  const servers: string[] = [];
  let credentials: string | undefined;
  for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new ConfigError('KAIZEN_NATS_URL', `${JSON.stringify(redactUserInfo(item))} is not a valid URL`);
    }
    if (!NATS_SCHEMES.has(url.protocol) || !url.hostname) {
      throw new ConfigError('KAIZEN_NATS_URL', `${JSON.stringify(redactUserInfo(item))} must be a nats:// or tls:// URL with a host`);
    }
    if ((url.pathname && url.pathname !== '/') || url.search || url.hash) {
      throw new ConfigError('KAIZEN_NATS_URL', `${JSON.stringify(redactUserInfo(item))} must be a plain server URL, without path, query or fragment`);
    }
    const userInfo = url.username || url.password ? `${url.username}:${url.password}` : undefined;
    if (userInfo !== undefined) {
      if (credentials !== undefined && credentials !== userInfo) throw new ConfigError('KAIZEN_NATS_URL', 'the URLs carry different credentials');
      credentials = userInfo;
    }
    servers.push(`${url.protocol}//${url.host}`);
  }
  if (servers.length === 0) throw new ConfigError('KAIZEN_NATS_URL', 'names no server');
  const nats: NatsConfig = { servers, outboxSize };
  if (credentials !== undefined) {
    let user: string;
    let pass: string;
    try {
      [user = '', pass = ''] = credentials.split(':').map(decodeURIComponent);
    } catch {
      throw new ConfigError('KAIZEN_NATS_URL', 'the credentials in the URL are not valid percent-encoding (write a % in a password as %25)');
    }
    if (pass === '') nats.token = user;
    else Object.assign(nats, { user, pass });
  }
  return nats;
}

/**
 * A URL with whatever may be user info masked: everything after the scheme
 * up to the last `@` (a password may hold `/`, `?` or `#`, and a value may
 * have no scheme at all).
 */
const redactUserInfo = (text: string): string => (text.includes('@') ? text.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`) : text);

interface Property {
  type?: string;
  default?: unknown;
}

/**
 * The variables of `schema`, converted and checked against it: an empty
 * string means unset (as with most shells' `VAR= cmd`), an unset variable
 * takes its schema default, a whole number or flag is converted from its
 * string here and nowhere else.
 */
function readEnv<T extends TObject>(schema: T, env: NodeJS.ProcessEnv): Static<T> {
  const values: Record<string, unknown> = {};
  let set = false;
  for (const [key, property] of Object.entries(schema.properties as Record<string, Property>)) {
    const value = env[key];
    if (value === undefined || value === '') {
      if (property.default !== undefined) values[key] = property.default;
      continue;
    }
    set = true;
    if (property.type === 'integer') {
      if (!DIGITS.test(value)) throw invalid(key as keyof Env, value, 'must be a whole number');
      values[key] = Number(value);
    } else if (property.type === 'boolean') {
      if (!FLAG_WORDS.test(value)) throw invalid(key as keyof Env, value, 'must be true or false');
      values[key] = TRUE_WORDS.test(value);
    } else {
      values[key] = value;
    }
  }
  // Defaults alone always match: skip compiling the check (CLI start-up).
  const firstError = set ? compileCheck(schema).problems(values)[0] : undefined;
  if (firstError) {
    const variable = firstError.path.replace(/^\//, '') as keyof Env;
    throw invalid(variable, env[variable] ?? '', firstError.message);
  }
  return values as Static<T>;
}

/** A ConfigError for a bad value; one that may hold credentials is never echoed. */
function invalid(variable: keyof Env, value: string, fallback: string): ConfigError {
  // URLs are echoed with any user:password@ masked; a NATS URL not at all.
  const got = variable === 'KAIZEN_NATS_URL' ? '' : ` (got ${JSON.stringify(redactUserInfo(value))})`;
  return new ConfigError(variable, `${HUMAN_RULES[variable] ?? fallback}${got}`);
}

/** A base URL (hub, public URL): parseable, without query, fragment or credentials. */
function checkBaseUrl(variable: keyof Env, value: string | undefined): void {
  if (value === undefined) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, `${JSON.stringify(redactUserInfo(value))} is not a valid URL`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(variable, 'must be a plain base URL, without query, fragment or credentials');
  }
}

export interface CoreConfigOverrides {
  /**
   * Roots to use instead of KAIZEN_REPO_ROOTS (which is then not read): the
   * CLI confines itself to the one repo it works on.
   */
  repoRoots?: string[];
}

/**
 * Reads and validates the core part of the configuration. Throws a
 * ConfigError naming the offending variable; nothing else reads the
 * environment.
 */
export function loadCoreConfig(env: NodeJS.ProcessEnv = process.env, overrides: CoreConfigOverrides = {}): CoreConfig {
  const e = readEnv(CoreEnvSchema, env);

  const repoRoots = overrides.repoRoots
    ? overrides.repoRoots.map((r) => path.resolve(r))
    : e.KAIZEN_REPO_ROOTS
      ? e.KAIZEN_REPO_ROOTS.split(':').filter(Boolean).map((r) => path.resolve(r))
      : defaultRepoRoots();
  if (repoRoots.length === 0) throw new ConfigError('KAIZEN_REPO_ROOTS', 'names no directory');
  for (const root of repoRoots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      throw new ConfigError('KAIZEN_REPO_ROOTS', `${root} is not an existing directory`);
    }
  }

  const timezone = e.KAIZEN_DEFAULT_TIMEZONE;
  if (!isValidTimeZone(timezone)) {
    throw new ConfigError('KAIZEN_DEFAULT_TIMEZONE', `${JSON.stringify(timezone)} is not an IANA time zone`);
  }
  // Spelled as manifests' zones are (Intl accepts europe/berlin; answers should not echo it).
  const defaultTimezone = canonicalTimeZone(timezone);

  const cadenceCrons = { ...DEFAULT_CADENCE_CRONS };
  for (const cadence of ['daily', 'weekly', 'monthly'] as const) {
    const variable = `KAIZEN_CRON_${cadence.toUpperCase()}` as `KAIZEN_CRON_${Uppercase<Cadence>}`;
    const value = e[variable];
    if (value === DEFAULT_CADENCE_CRONS[cadence]) continue;
    const problem = checkCron(value);
    if (problem) throw new ConfigError(variable, `invalid cron ${JSON.stringify(value)}: ${problem.message}`);
    cadenceCrons[cadence] = value.trim();
  }

  checkBaseUrl('KAIZEN_STATE_HUB_URL', e.KAIZEN_STATE_HUB_URL);

  if (e.KAIZEN_ROSTER_FILE && !existsSync(e.KAIZEN_ROSTER_FILE)) {
    throw new ConfigError('KAIZEN_ROSTER_FILE', `${e.KAIZEN_ROSTER_FILE} does not exist`);
  }

  return {
    logLevel: e.LOG_LEVEL,
    repoRoots,
    ...(e.KAIZEN_STATE_HUB_URL ? { stateHubUrl: e.KAIZEN_STATE_HUB_URL.replace(/\/+$/, '') } : {}),
    ...(e.KAIZEN_ROSTER_FILE ? { rosterFile: path.resolve(e.KAIZEN_ROSTER_FILE) } : {}),
    hostName: e.KAIZEN_HOST_NAME ?? os.hostname(),
    hubTimeoutMs: Math.max(1, e.KAIZEN_HUB_TIMEOUT_MS),
    hubScheduleFlag: e.KAIZEN_HUB_SCHEDULE_FLAG,
    defaultTimezone,
    cadenceCrons,
    prepareCommand: e.KAIZEN_PREPARE_COMMAND,
    packagedAgentsDir: path.join(packageRoot(), 'agents'),
  };
}

/** Reads and validates the HTTP server's part of the configuration (listen address, auth, limits). */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const e = readEnv(ServerEnvSchema, env);

  checkBaseUrl('KAIZEN_PUBLIC_URL', e.KAIZEN_PUBLIC_URL);

  const apiTokens = (e.KAIZEN_API_TOKENS ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  // Set but empty of tokens (", ") must not silently leave every route open.
  if (e.KAIZEN_API_TOKENS !== undefined && apiTokens.length === 0) {
    throw new ConfigError('KAIZEN_API_TOKENS', 'is set but holds no token; unset it to run without authentication');
  }
  if (apiTokens.some((t) => t.length < 16)) {
    throw new ConfigError('KAIZEN_API_TOKENS', 'every token must be at least 16 characters long');
  }

  return {
    host: e.HOST,
    port: e.PORT,
    ...(e.KAIZEN_PUBLIC_URL ? { publicUrl: e.KAIZEN_PUBLIC_URL.replace(/\/+$/, '') } : {}),
    enableWrite: e.KAIZEN_ENABLE_WRITE,
    apiTokens,
    rateLimitPerMinute: e.KAIZEN_RATE_LIMIT_PER_MINUTE,
    maxEventLoopDelayMs: e.KAIZEN_MAX_EVENT_LOOP_DELAY_MS,
    shutdownDelayMs: e.KAIZEN_SHUTDOWN_DELAY_MS,
    ...(e.KAIZEN_NATS_URL ? { nats: parseNatsUrls(e.KAIZEN_NATS_URL, e.KAIZEN_NATS_OUTBOX_SIZE) } : {}),
  };
}

/**
 * Reads and validates the service's whole configuration once, at start-up:
 * the core part, then the server part.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return { ...loadCoreConfig(env), ...loadServerConfig(env) };
}
