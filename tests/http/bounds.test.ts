/**
 * Issue #10 findings 7 and 8 at the HTTP edge: emitted URLs never come from a
 * client's Host header, secrets never reach the log, readiness reads the hub
 * the way discover does, and slugs carrying C1 or bidi controls are refused.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import type { DiscoverResult } from '../../src/discover/types.js';
import { VALID_MANIFEST, tempFleet, testApp, testConfig, type TempDir } from '../helpers/fleet.js';
import { captureLog } from '../helpers/logs.js';
import { json, startStateHub, type StateHubStandIn } from '../helpers/state-hub.js';

const HOST = 'bounds-host';
const NOW = '2026-03-04T12:00:00Z';
const TOKEN = 'bounds-test-token-0123456789';

let fleet: TempDir;
let hub: StateHubStandIn;

beforeAll(async () => {
  fleet = tempFleet({ alpha: { '.kaizen/schedule.yml': VALID_MANIFEST } });
  hub = await startStateHub();
});

afterAll(async () => {
  await hub.close();
  fleet.cleanup();
});

const alpha = (slug = 'alpha') => ({ slug, domain: 'd', host_paths: { [HOST]: path.join(fleet.dir, 'alpha') } });

describe('prepare_url without KAIZEN_PUBLIC_URL', () => {
  it('names the listen address, whatever Host header the client sends', async () => {
    const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_ROSTER_FILE: '' });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await request(`${address}/v1/discover?now=${NOW}`, { headers: { host: 'evil.example.com' } });
      expect(res.statusCode).toBe(200);
      const body = (await res.body.json()) as DiscoverResult;
      expect(body.scheduled_runs.length).toBeGreaterThan(0);
      for (const run of body.scheduled_runs) {
        expect(run.prepare_url.startsWith(`${address}/v1/prepare/`)).toBe(true);
        expect(run.prepare_url).not.toContain('evil.example.com');
      }
    } finally {
      await app.close();
    }
  });

  it('uses the configured address when the app is not listening (inject), not the Host header', async () => {
    const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, HOST: '127.0.0.1', PORT: '3999' });
    try {
      const res = await app.inject({ url: `/v1/discover?now=${NOW}`, headers: { host: 'evil.example.com' } });
      const body = res.json<DiscoverResult>();
      expect(body.scheduled_runs[0]!.prepare_url.startsWith('http://127.0.0.1:3999/v1/prepare/')).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe('secrets in the access log', () => {
  it('redacts token-looking query parameters and never logs the Authorization header', async () => {
    const { stream, lines } = captureLog();
    const app = await buildApp(testConfig({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_API_TOKENS: TOKEN }), { logger: { level: 'trace', stream } });
    await app.ready();
    try {
      const secrets = ['qs-secret-access-1', 'qs-secret-token-2', 'qs-secret-apikey-3', 'qs-secret-pw-4'];
      const res = await app.inject({
        url: `/v1/schedule?target=alpha&access_token=${secrets[0]}&token=${secrets[1]}&api_key=${secrets[2]}&Password=${secrets[3]}`,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.statusCode).toBe(200);
      // A refused token must not be logged either.
      const denied = await app.inject({ url: '/v1/schedule?target=alpha', headers: { authorization: 'Bearer wrong-token-but-secret-xyz' } });
      expect(denied.statusCode).toBe(401);
      const log = lines.join('\n');
      for (const secret of [...secrets, TOKEN, 'wrong-token-but-secret-xyz']) expect(log).not.toContain(secret);
      const access = lines.map((l) => JSON.parse(l) as { msg: string; url?: string }).find((l) => l.msg === 'request completed' && l.url?.includes('access_token'));
      // The rest of the URL stays readable.
      expect(access?.url).toBe('/v1/schedule?target=alpha&access_token=[redacted]&token=[redacted]&api_key=[redacted]&Password=[redacted]');
    } finally {
      await app.close();
    }
  });
});

describe('configured tokens in the access log', () => {
  it('are redacted wherever in the URL a client puts them, and bearer/jwt parameters are too', async () => {
    const { stream, lines } = captureLog();
    const app = await buildApp(testConfig({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_API_TOKENS: TOKEN }), { logger: { level: 'info', stream } });
    await app.ready();
    try {
      const others = ['qs-secret-bearer-5', 'qs-secret-jwt-6'];
      for (const url of [
        `/v1/schedule?target=alpha&q=${TOKEN}`,
        `/v1/schedule?target=${encodeURIComponent(`Bearer ${TOKEN}`)}`,
        `/v1/agents/${TOKEN}`,
        `/v1/schedule?target=alpha&bearer=${others[0]}&jwt=${others[1]}`,
      ]) {
        await app.inject({ url, headers: { authorization: `Bearer ${TOKEN}` } });
      }
      const log = lines.join('\n');
      for (const secret of [TOKEN, ...others]) expect(log).not.toContain(secret);
      expect(log).toContain('/v1/schedule?target=alpha&q=[redacted]');
    } finally {
      await app.close();
    }
  });
});

describe('/readyz reads the hub the way discover does', () => {
  const drip = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('[');
    const timer = setInterval(() => res.write(' '), 50);
    res.on('close', () => clearInterval(timer));
  };
  const html = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>Sign in</body></html>');
  };

  for (const [name, handler, detail] of [
    ['drips its body past the deadline', drip, /did not answer within/],
    ['answers an HTML page with 200', html, /text\/html/],
  ] as const) {
    it(`is not ready when the hub ${name}`, async () => {
      hub.respond(handler);
      const app = await testApp({ KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST, KAIZEN_HUB_TIMEOUT_MS: '400' });
      try {
        const res = await app.inject('/readyz');
        expect(res.statusCode).toBe(503);
        const check = (res.json().checks as Array<{ name: string; ok: boolean; detail?: string }>).find((c) => c.name === 'state_hub');
        expect(check?.ok).toBe(false);
        expect(check?.detail).toMatch(detail);
        // And discover agrees.
        expect((await app.inject('/v1/discover')).statusCode).toBe(502);
      } finally {
        await app.close();
      }
    });
  }

  it('is ready when the hub answers a roster', async () => {
    hub.respond(json([alpha()]));
    const app = await testApp({ KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST });
    try {
      expect((await app.inject('/readyz')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('slugs with invisible controls', () => {
  it('skips C1 controls and bidi overrides or isolates with a reason, and keeps them out of repo', async () => {
    const bad = ['csi\u009bslug', 'rlo\u202eslug', 'lre\u202aslug', 'lri\u2066slug', 'pdi\u2069slug', 'nel\u0085slug'];
    hub.respond(json([alpha(), ...bad.map((slug) => alpha(slug))]));
    const app = await testApp({ KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST });
    try {
      const res = await app.inject(`/v1/discover?now=${NOW}`);
      expect(res.statusCode).toBe(200);
      const body = res.json<DiscoverResult>();
      expect(new Set(body.scheduled_runs.map((r) => r.repo))).toEqual(new Set(['alpha']));
      expect(body.skipped).toHaveLength(bad.length);
      for (const skip of body.skipped) {
        expect(skip.reason).toBe('roster_entry_invalid');
        expect(skip.repo).toMatch(/^roster\[\d+\]$/);
        expect(skip.detail).toMatch(/slug/);
      }
      expect(res.body).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
    } finally {
      await app.close();
    }
  });

  it('skips slugs that are a path step (. or ..), only white space, or a lone surrogate: the console could not link them', async () => {
    const bad = ['.', '..', ' ', '\t ', 'half\ud800'];
    hub.respond(json([alpha(), ...bad.map((slug) => alpha(slug)), alpha('a.b'), alpha('..x'), alpha('smile🙂')]));
    const app = await testApp({ KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST });
    try {
      const body = (await app.inject(`/v1/discover?now=${NOW}`)).json<DiscoverResult>();
      expect(body.skipped.filter((s) => s.reason === 'roster_entry_invalid')).toHaveLength(bad.length);
      // Dots inside a name and emoji are names: these entries are read (and,
      // sharing alpha's checkout, are skipped as its duplicates, not as invalid).
      for (const fine of ['a.b', '..x', 'smile🙂']) {
        expect(body.skipped.find((s) => s.repo === fine)?.reason, fine).toBe('roster_entry_duplicate');
      }
    } finally {
      await app.close();
    }
  });

  it('skips zero-width characters too: alp<U+200B>ha displays as alpha', async () => {
    const bad = ['alp\u200bha', 'alp\u200cha', 'alp\u200dha', 'alp\u2060ha', 'alp\ufeffha', 'alp\u00adha', 'alp\u180eha'];
    hub.respond(json([alpha(), ...bad.map((slug) => alpha(slug))]));
    const app = await testApp({ KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST });
    try {
      const res = await app.inject(`/v1/discover?now=${NOW}`);
      expect(res.statusCode).toBe(200);
      const body = res.json<DiscoverResult>();
      expect(new Set(body.scheduled_runs.map((r) => r.repo))).toEqual(new Set(['alpha']));
      expect(body.skipped.map((s) => s.reason)).toEqual(bad.map(() => 'roster_entry_invalid'));
      // the prepare route's repo parameter follows the same rule
      const prepared = await app.inject(`/v1/prepare/coach?target=alpha&repo=${encodeURIComponent(bad[0]!)}`);
      expect(prepared.statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });
});
