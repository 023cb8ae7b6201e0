import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { DEFAULT_CADENCE_CRONS } from '../../src/manifest/cron.js';
import { packageRoot } from '../../src/config/package-root.js';
import { tempDir, tempFleet } from '../helpers/fleet.js';

const ROOT = packageRoot();

/** The ConfigError `loadConfig(env)` throws (fails when it does not throw one). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('serves the bundled example fleet on 127.0.0.1:3000 in Europe/Berlin with writes off', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      logLevel: 'info',
      repoRoots: [path.join(ROOT, 'examples', 'fleet')],
      hubTimeoutMs: 5000,
      shutdownDelayMs: 1000,
      defaultTimezone: 'Europe/Berlin',
      cadenceCrons: DEFAULT_CADENCE_CRONS,
      prepareCommand: 'kaizen-agentic schedule prepare {agent} --target {root}',
      enableWrite: false,
      apiTokens: [],
      packagedAgentsDir: path.join(ROOT, 'agents'),
    });
    expect(config.stateHubUrl).toBeUndefined();
    expect(config.rosterFile).toBeUndefined();
    expect(config.publicUrl).toBeUndefined();
    expect(config.hostName.length).toBeGreaterThan(0);
  });

  it('reads KAIZEN_ENABLE_WRITE case-insensitively, with yes/no and on/off', () => {
    for (const on of ['true', 'TRUE', 'True', '1', 'yes', 'on', 'ON']) expect(loadConfig({ KAIZEN_ENABLE_WRITE: on }).enableWrite, on).toBe(true);
    for (const off of ['false', 'FALSE', '0', 'no', 'off']) expect(loadConfig({ KAIZEN_ENABLE_WRITE: off }).enableWrite, off).toBe(false);
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '', KAIZEN_REPO_ROOTS: '', KAIZEN_DEFAULT_TIMEZONE: '', KAIZEN_ENABLE_WRITE: '' });
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', defaultTimezone: 'Europe/Berlin', enableWrite: false });
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ SOMETHING_ELSE: 'x', KAIZEN_UNKNOWN: 'y' }).port).toBe(3000);
  });
});

describe('loadConfig reads every variable', () => {
  it('takes valid values', () => {
    const a = tempFleet({});
    const b = tempDir('kaizen-root-b-');
    const roster = tempDir('kaizen-roster-');
    try {
      const rosterFile = path.join(roster.dir, 'roster.yml');
      // Only its existence is checked at start-up.
      writeFileSync(rosterFile, '[]\n');
      const config = loadConfig({
        HOST: '0.0.0.0',
        PORT: '8080',
        LOG_LEVEL: 'debug',
        KAIZEN_REPO_ROOTS: `${a.dir}:${b.dir}`,
        KAIZEN_STATE_HUB_URL: 'https://hub.example.com/api/',
        KAIZEN_ROSTER_FILE: rosterFile,
        KAIZEN_HOST_NAME: 'build-01',
        KAIZEN_HUB_TIMEOUT_MS: '1500',
        KAIZEN_SHUTDOWN_DELAY_MS: '5000',
        KAIZEN_DEFAULT_TIMEZONE: 'America/New_York',
        KAIZEN_PREPARE_COMMAND: 'run {agent} in {root}',
        KAIZEN_PUBLIC_URL: 'https://schedule.example.com/',
        KAIZEN_ENABLE_WRITE: 'true',
        KAIZEN_API_TOKENS: ' token-aaaaaaaaaaaaaaaa , token-bbbbbbbbbbbbbbbb ',
        KAIZEN_CRON_DAILY: '0 6 * * *',
        KAIZEN_CRON_WEEKLY: ' 30 7 * * 2 ',
        KAIZEN_CRON_MONTHLY: '0 8 1 * *',
      });
      expect(config).toMatchObject({
        host: '0.0.0.0',
        port: 8080,
        logLevel: 'debug',
        repoRoots: [a.dir, b.dir],
        stateHubUrl: 'https://hub.example.com/api',
        rosterFile,
        hostName: 'build-01',
        hubTimeoutMs: 1500,
        shutdownDelayMs: 5000,
        defaultTimezone: 'America/New_York',
        prepareCommand: 'run {agent} in {root}',
        publicUrl: 'https://schedule.example.com',
        enableWrite: true,
        apiTokens: ['token-aaaaaaaaaaaaaaaa', 'token-bbbbbbbbbbbbbbbb'],
        cadenceCrons: { daily: '0 6 * * *', weekly: '30 7 * * 2', monthly: '0 8 1 * *' },
      });
    } finally {
      a.cleanup();
      b.cleanup();
      roster.cleanup();
    }
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('KAIZEN_ENABLE_WRITE=%s is %s', (value, expected) => {
    expect(loadConfig({ KAIZEN_ENABLE_WRITE: value }).enableWrite).toBe(expected);
  });

  it('PORT=0 (any free port) and the edges of the range', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });

  it('spells KAIZEN_DEFAULT_TIMEZONE as the IANA database does, as manifests are', () => {
    for (const [written, canonical] of [
      ['europe/berlin', 'Europe/Berlin'],
      ['AMERICA/NEW_YORK', 'America/New_York'],
      ['utc', 'UTC'],
      ['Asia/Kolkata', 'Asia/Kolkata'],
    ]) {
      expect(loadConfig({ KAIZEN_DEFAULT_TIMEZONE: written! }).defaultTimezone, written).toBe(canonical);
    }
  });

  it('relative roots are made absolute', () => {
    expect(loadConfig({ KAIZEN_REPO_ROOTS: path.relative(process.cwd(), path.join(ROOT, 'examples', 'fleet')) }).repoRoots).toEqual([path.join(ROOT, 'examples', 'fleet')]);
  });
});

describe('a bad value throws a ConfigError naming the variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_LEVEL', 'INFO'],
    ['KAIZEN_REPO_ROOTS', '/nonexistent'],
    ['KAIZEN_REPO_ROOTS', ':::'],
    ['KAIZEN_DEFAULT_TIMEZONE', 'Mars/Base'],
    ['KAIZEN_DEFAULT_TIMEZONE', 'Europe/Berln'],
    ['KAIZEN_HUB_TIMEOUT_MS', '-1'],
    ['KAIZEN_HUB_TIMEOUT_MS', '5s'],
    ['KAIZEN_SHUTDOWN_DELAY_MS', '1s'],
    ['KAIZEN_ENABLE_WRITE', 'maybe'],
    ['KAIZEN_ENABLE_WRITE', 'enabled'],
    ['KAIZEN_API_TOKENS', ' , '],
    ['KAIZEN_STATE_HUB_URL', 'http://['],
    ['KAIZEN_STATE_HUB_URL', 'http://hub.example/api?x=1'],
    ['KAIZEN_PUBLIC_URL', 'https://user:pass@svc.example'],
    ['KAIZEN_CRON_WEEKLY', 'bad'],
    ['KAIZEN_CRON_WEEKLY', '0 0 9 * * 1'],
    ['KAIZEN_CRON_WEEKLY', '@weekly'],
    ['KAIZEN_CRON_DAILY', '61 9 * * *'],
    ['KAIZEN_CRON_MONTHLY', '0 9 L * *'],
    ['KAIZEN_API_TOKENS', 'short'],
    ['KAIZEN_API_TOKENS', 'long-enough-token-1234,short'],
    ['KAIZEN_STATE_HUB_URL', 'ftp://hub'],
    ['KAIZEN_STATE_HUB_URL', 'hub.example.com'],
    ['KAIZEN_PUBLIC_URL', 'not a url'],
    ['KAIZEN_ROSTER_FILE', '/nonexistent/roster.yml'],
    ['KAIZEN_RATE_LIMIT_PER_MINUTE', '0x10'],
    ['KAIZEN_MAX_EVENT_LOOP_DELAY_MS', '1e3'],
    ['KAIZEN_HUB_TIMEOUT_MS', ' 5'],
    ['KAIZEN_HUB_TIMEOUT_MS', '1000000'],
    ['KAIZEN_HUB_SCHEDULE_FLAG', 'enabled'],
  ])('%s=%j', (variable, value) => {
    const err = configError({ [variable]: value });
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}:`)).toBe(true);
    expect(err.name).toBe('ConfigError');
  });

  it('says what a number must be, whether the text or the range is wrong', () => {
    expect(configError({ PORT: '70000' }).message).toBe('PORT: must be a port number (got "70000")');
    expect(configError({ PORT: 'abc' }).message).toBe('PORT: must be a port number (got "abc")');
    expect(configError({ KAIZEN_SHUTDOWN_DELAY_MS: '1s' }).message).toBe('KAIZEN_SHUTDOWN_DELAY_MS: must be a whole number of milliseconds (got "1s")');
  });

  it('a root that is a file, not a directory', () => {
    const err = configError({ KAIZEN_REPO_ROOTS: path.join(ROOT, 'package.json') });
    expect(err.variable).toBe('KAIZEN_REPO_ROOTS');
  });

  it('never echoes an API token in the message', () => {
    expect(configError({ KAIZEN_API_TOKENS: 'sekrit' }).message).not.toContain('sekrit');
  });
});

describe('KAIZEN_NATS_URL and KAIZEN_NATS_OUTBOX_SIZE', () => {
  it('are off by default: no NATS configuration at all', () => {
    expect(loadConfig({}).nats).toBeUndefined();
  });

  it('take several servers, with the outbox size defaulting to 10,000', () => {
    expect(loadConfig({ KAIZEN_NATS_URL: 'nats://n1.example:4222, tls://n2.example:4443' }).nats).toEqual({
      servers: ['nats://n1.example:4222', 'tls://n2.example:4443'],
      outboxSize: 10_000,
    });
    expect(loadConfig({ KAIZEN_NATS_URL: 'nats://n1.example', KAIZEN_NATS_OUTBOX_SIZE: '50' }).nats?.outboxSize).toBe(50);
  });

  it('split credentials off the URLs (user:password or a token), so the servers can be logged', () => {
    expect(loadConfig({ KAIZEN_NATS_URL: 'nats://svc:p%40ss@n1.example:4222,nats://n2.example:4222' }).nats).toEqual({
      servers: ['nats://n1.example:4222', 'nats://n2.example:4222'],
      user: 'svc',
      pass: 'p@ss',
      outboxSize: 10_000,
    });
    expect(loadConfig({ KAIZEN_NATS_URL: 'nats://s3cr3t-token@n1.example:4222' }).nats).toMatchObject({ servers: ['nats://n1.example:4222'], token: 's3cr3t-token' });
  });

  it('refuse what is not a NATS server URL, without echoing credentials', () => {
    for (const bad of ['http://n1.example:4222', 'n1.example:4222', 'nats://', 'nats://n1.example:4222/path', ',']) {
      expect(configError({ KAIZEN_NATS_URL: bad }).variable, bad).toBe('KAIZEN_NATS_URL');
    }
    const err = configError({ KAIZEN_NATS_URL: 'http://svc:hunter2@n1.example:4222' });
    expect(err.message).not.toContain('hunter2');
    expect(configError({ KAIZEN_NATS_URL: 'nats://a:one@n1.example,nats://a:two@n2.example' }).message).toMatch(/different credentials/);
    expect(configError({ KAIZEN_NATS_URL: 'nats://a:hunter2@n1.example/' + 'x'.repeat(5000) }).message).not.toContain('hunter2');
  });

  it('refuse credentials that are not valid percent-encoding, naming the variable and not the secret', () => {
    const err = configError({ KAIZEN_NATS_URL: 'nats://alice:s3%cret@n1.example:4222' });
    expect(err.variable).toBe('KAIZEN_NATS_URL');
    expect(err.message).toMatch(/percent-encoding.*%25/);
    expect(err.message).not.toContain('s3%cret');
  });

  it('never echo a password in the State Hub or public URL, whatever else is wrong with it', () => {
    for (const variable of ['KAIZEN_STATE_HUB_URL', 'KAIZEN_PUBLIC_URL']) {
      for (const bad of ['http://user:s3cr3t@h:1 /x', 'ftp://user:s3cr3t@h', 'http://user:s3cr3t@[::1', 'http://u:s3cr3t@x@h/', 'http://user:s3cr3t/et@hub:8000', 'http://user:s3cr3t#x@hub', 'http://user:s3cr3t?x@hub', 'user:s3cr3t@hub']) {
        const err = configError({ [variable]: bad });
        expect(err.variable, bad).toBe(variable);
        expect(err.message, bad).not.toContain('s3cr3t');
      }
    }
  });

  it('refuse an outbox of no events', () => {
    for (const bad of ['0', '-1', 'ten', '100001']) expect(configError({ KAIZEN_NATS_URL: 'nats://n1.example', KAIZEN_NATS_OUTBOX_SIZE: bad }).variable).toBe('KAIZEN_NATS_OUTBOX_SIZE');
  });
});

describe('the server entry', () => {
  it('exits 1 with a message naming the variable on a bad value', async () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const { code, stderr, stdout } = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve, reject) => {
      const child = spawn(tsx, [path.join(ROOT, 'src', 'server.ts')], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: 'abc' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, stderr: err, stdout: out }));
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/invalid configuration: PORT: /);
    expect(stderr).toContain('"abc"');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toBe('');
  }, 60_000);
});
