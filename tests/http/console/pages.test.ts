import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { REPOS_PER_PAGE } from '../../../src/http/console/fleet.js';
import { tempDir, tempFleet, testApp, testConfig, writeFiles } from '../../helpers/fleet.js';
import { captureLog } from '../../helpers/logs.js';
import { HOSTILE_ATTR_SLUG, HOSTILE_SLUG, NOW, TOKEN, hostileFleet } from '../../helpers/console.js';

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});
const cookie = (res: LightMyRequestResponse, name: string) => res.cookies.find((c) => c.name === name);
/** The text of the tbody of one repo in the fleet table. */
const repoGroup = (html: string, slug: string): string => {
  const start = html.indexOf(`<a href="/ui/repos/${slug}`);
  expect(start, `${slug} is listed`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</tbody>', start));
};

describe('console pages over the example fleet', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('fleet: every repo with its status, agents, crons, zones and next runs in the repo zone', async () => {
    const res = await app.inject(`/?now=${NOW}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.body;
    expect(html.startsWith('<!doctype html>')).toBe(true);
    const billing = repoGroup(html, 'billing-api');
    expect(billing).toContain('scheduled · 2 agents');
    expect(billing).toContain('<code>0 9 * * 1</code> <span class="muted">manifest</span>');
    expect(billing).toContain('<time datetime="2026-12-07T09:00:00+01:00">Mon 7 Dec 2026, 09:00 (UTC+01:00)</time> <span class="muted">in 5 d 22 h</span>');
    const docs = repoGroup(html, 'docs-site');
    expect(docs).toContain('America/New_York');
    expect(docs).toContain('cadence default');
    expect(docs).toContain('Tue 1 Dec 2026, 07:30 (UTC-05:00)</time> <span class="muted">in 3 h</span>');
    expect(repoGroup(html, 'payments-worker')).toContain('Wed 2 Dec 2026, 06:15 (UTC)');
    // Skipped and silent repos show why, in words.
    expect(repoGroup(html, 'broken-config')).toMatch(/invalid · 6 diagnostics.*invalid timezone 'Europe\/Berln'/s);
    expect(repoGroup(html, 'legacy-monolith')).toContain('nothing enabled');
    // Counts as discover has them.
    expect(html).toContain('<dd data-count="scheduled_runs">8</dd>');
    expect(html).toContain('<dd data-count="skipped">1</dd>');
    // Table semantics.
    expect(html).toMatch(/<th scope="col">Next run<\/th>/);
    expect(html).toMatch(/<th scope="rowgroup" rowspan="3"><a href="\/ui\/repos\/docs-site\?now=/);
  });

  it('fleet timeline: an SVG row per repo with runs, a titled mark per run, day lines and now', async () => {
    const html = (await app.inject(`/?now=${NOW}`)).body;
    const svg = html.slice(html.indexOf('<svg xmlns'), html.indexOf('</svg>', html.indexOf('<svg xmlns')));
    expect(svg.match(/class="repo-row"/g)).toHaveLength(3);
    // docs-site: documentation on 5 weekdays of the 7 days (Tue-Fri, Mon), docs-linkcheck Mon, coach Tue 1 Dec.
    const docs = svg.slice(svg.indexOf('>docs-site</text>'));
    const docsRow = docs.slice(0, docs.indexOf('</g>'));
    expect(docsRow.match(/<circle/g)).toHaveLength(7);
    expect(docsRow).toContain('<title>coach · Tue 1 Dec 2026, 09:00 (UTC-05:00) America/New_York</title>');
    expect(svg.match(/class="day"/g)).toHaveLength(8);
    expect(svg).toContain('>Tue 1 Dec</text>');
    expect(svg).toContain('class="now"');
  });

  it('fleet timeline: a DST day is 23 hours and runs after it carry the summer offset', async () => {
    const html = (await app.inject('/?now=2026-03-28T12:00:00Z')).body;
    expect(html).toContain('>Sun 29 Mar</text>');
    expect(html).toContain('23 h (clock change)');
    expect(html).toContain('<title>coach · Mon 30 Mar 2026, 09:00 (UTC+02:00) Europe/Berlin</title>');
  });

  it('fleet timeline: near the last day the schedule engine computes, the days that remain; past it, a note', async () => {
    // 9999-12-30 in Berlin: the engine's last midnight (local 9999-12-31) closes it, the last whole day there is.
    const lastDay = await app.inject('/?now=9999-12-30T12:00:00Z');
    expect(lastDay.statusCode).toBe(200);
    expect(lastDay.body).toContain('in the next 1 day;');
    expect(lastDay.body).toContain('>Thu 30 Dec</text>');
    // From that midnight on there is no whole day left to draw (the API still answers: tests/http/routes).
    const past = await app.inject('/?now=9999-12-30T23:30:00Z');
    expect(past.statusCode).toBe(200);
    expect(past.body).toContain('No timeline: schedules are computed up to 9999-12-31 only');
    expect(past.body).not.toContain('<svg xmlns');
  });

  it('fleet filters: cadence and agent narrow the runs; an unknown value is a 400 page', async () => {
    const daily = (await app.inject(`/?now=${NOW}&cadence=daily&agent=&domain=`)).body;
    expect(daily).toContain('<dd data-count="scheduled_runs">2</dd>');
    expect(daily).not.toContain('/ui/repos/billing-api');
    expect(daily).toContain('/ui/repos/broken-config'); // problems stay listed
    expect(daily).toContain('<option value="daily" selected>daily</option>');
    const coach = (await app.inject(`/?now=${NOW}&agent=coach`)).body;
    expect(coach).toContain('<dd data-count="scheduled_runs">2</dd>');
    expect(coach).not.toContain('/ui/repos/payments-worker');
    const bad = await app.inject('/?cadence=hourly');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^text\/html/);
    expect(bad.body).toContain('<code>invalid_request</code>');
  });

  it('repo page: the manifest with line numbers and each diagnostic under its line', async () => {
    const res = await app.inject(`/ui/repos/broken-config?now=${NOW}`);
    expect(res.statusCode).toBe(200);
    const html = res.body;
    expect(html).toContain('<tr id="L4" class="flagged" data-line="4"><th scope="row">4</th><td class="code">timezone: Europe/Berln');
    const afterLine4 = html.slice(html.indexOf('id="L4"'), html.indexOf('id="L5"'));
    expect(afterLine4).toContain('data-diagnostic-line="4"');
    expect(afterLine4).toContain('<code>invalid_timezone</code>');
    expect(afterLine4).toContain("did you mean 'Europe/Berlin'?");
    const line13 = html.slice(html.indexOf('id="L13"'), html.indexOf('id="L14"'));
    expect(line13).toContain('<code>invalid_enabled</code>');
  });

  it('repo page: the next 10 runs per agent and each agent’s bundle, markdown as text and JSON linked', async () => {
    const html = (await app.inject(`/ui/repos/billing-api?now=${NOW}`)).body;
    const coachRuns = html.slice(html.indexOf('<th scope="row">coach</th>'), html.indexOf('</tr>', html.indexOf('<th scope="row">coach</th>')));
    expect(coachRuns.match(/<li>/g)).toHaveLength(10);
    expect(coachRuns).toContain('Mon 7 Dec 2026, 09:00 (UTC+01:00)');
    expect(html).toContain('<span class="status status-idle">disabled</span>'); // tdd-workflow
    expect(html).toMatch(/<pre># Scheduled Run Orientation: coach\nProject: billing-api/);
    expect(html).toContain('href="/ui/repos/billing-api/bundles/coach?now=2026-12-01T10%3A00%3A00Z"');
    const bundle = await app.inject(`/ui/repos/billing-api/bundles/coach?now=${NOW}`);
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/^application\/json/);
    expect(bundle.json()).toMatchObject({ agent: 'coach', project: 'billing-api' });
    expect((await app.inject('/ui/repos/no-such-repo')).statusCode).toBe(404);
  });

  it('validate: a pasted manifest is checked and its diagnostics shown beside its lines', async () => {
    const get = await app.inject('/ui/validate');
    expect(get.body).toContain('<label for="manifest">');
    const res = await app.inject({ method: 'POST', url: '/ui/validate', ...form({ manifest: 'version: "1"\nagents:\n  coahc: { cadence: weekly }\n' }) });
    expect(res.statusCode).toBe(200);
    const line3 = res.body.slice(res.body.indexOf('id="L3"'));
    expect(line3).toContain('<code>unknown_agent</code>');
    expect(res.body).toContain('Invalid: 1 error, 0 warnings');
    const ok = await app.inject({ method: 'POST', url: '/ui/validate', ...form({ manifest: 'version: "1"\nagents:\n  coach: { cadence: weekly }\n' }) });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('Valid: 0 errors, 0 warnings');
  });

  it('validate: a text of 250,000 empty lines is answered with a bounded page, not one table row a line', async () => {
    const started = performance.now();
    const res = await app.inject({ method: 'POST', url: '/ui/validate', ...form({ manifest: '\n'.repeat(250_000) }) });
    expect(performance.now() - started, 'hang guard').toBeLessThan(3_000);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('file_too_large');
    expect(res.body.match(/<tr id="L/g)?.length ?? 0).toBeLessThanOrEqual(5_000);
    expect(res.body).toContain('only the first 5000 lines are shown');
  });

  it('validate: the text comes back as sent: a leading blank line and CR-only line ends keep their lines', async () => {
    const text = '\nversion: "1"\nagents:\n  coahc: { cadence: weekly }\n';
    const res = await app.inject({ method: 'POST', url: '/ui/validate', ...form({ manifest: text }) });
    // A browser drops one newline right after <textarea>; the page writes an extra one for it.
    expect(res.body).toContain(`<textarea id="manifest" name="manifest" required spellcheck="false" maxlength="262144">\n\nversion`);
    expect(res.body.slice(res.body.indexOf('id="L4"'))).toContain('<code>unknown_agent</code>');
    const cr = await app.inject({ method: 'POST', url: '/ui/validate', ...form({ manifest: text.replace(/\n/g, '\r') }) });
    expect(cr.body.slice(cr.body.indexOf('id="L4"'))).toContain('<code>unknown_agent</code>');
  });

  it('an unknown console address is a console 404 page for a browser, problem+json for an API client', async () => {
    const page = await app.inject({ url: '/ui/nope', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('No console page at /ui/nope');
    const api = await app.inject({ url: '/ui/nope', headers: { accept: 'application/json' } });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
    // outside /ui nothing changes
    expect((await app.inject({ url: '/v1/nope', headers: { accept: 'text/html' } })).headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('writes no NUL into a page, whatever a query value holds', async () => {
    const res = await app.inject('/?domain=%00x');
    expect(res.body).not.toContain('\0');
  });

  it('headers: strict CSP, nosniff, no framing, no caching of pages; the stylesheet is fingerprinted and immutable', async () => {
    for (const url of ['/', '/ui/validate', '/ui/repos/billing-api', '/ui/repos/nope']) {
      const res = await app.inject(url);
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).not.toMatch(/<script|style=/i);
    }
    const href = /<link rel="stylesheet" href="(\/ui\/assets\/console\.[0-9a-f]{16}\.css)"/.exec((await app.inject('/')).body)![1]!;
    const css = await app.inject(href);
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.body).toContain(':focus-visible');
    expect((await app.inject('/ui/assets/console.0000000000000000.css')).statusCode).toBe(404);
  });

  it('stays out of the OpenAPI document', async () => {
    const doc = (await app.inject('/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p === '/' || p.startsWith('/ui'))).toEqual([]);
  });
});

describe('console over a roster file', () => {
  it('lists roster repos that emit no run: not opted in, unreachable, outside the roots', async () => {
    const fleet = tempFleet({ 'no-schedule': { 'README.md': 'x' }, ok: { '.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: weekly }\n' } });
    const roster = tempDir();
    writeFiles(roster.dir, {
      'roster.json': JSON.stringify([
        { slug: 'ok', domain: 'core', host_paths: { h: path.join(fleet.dir, 'ok') } },
        { slug: 'no-schedule', domain: 'core', host_paths: { h: path.join(fleet.dir, 'no-schedule') } },
        { slug: 'gone', domain: 'core', host_paths: { h: path.join(fleet.dir, 'gone') } },
        { slug: 'elsewhere', domain: 'core', host_paths: { h: roster.dir } },
        { slug: 'other-host', domain: 'edge', host_paths: { h2: path.join(fleet.dir, 'ok') } },
      ]),
    });
    const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_ROSTER_FILE: path.join(roster.dir, 'roster.json'), KAIZEN_HOST_NAME: 'h' });
    try {
      const html = (await app.inject(`/?now=${NOW}`)).body;
      expect(repoGroup(html, 'ok')).toContain('scheduled · 1 agent');
      expect(repoGroup(html, 'no-schedule')).toMatch(/not opted in.*no \.kaizen\/schedule\.yml/s);
      expect(repoGroup(html, 'gone')).toContain('skipped · repo_unreachable');
      expect(repoGroup(html, 'elsewhere')).toContain('skipped · repo_outside_roots');
      expect(repoGroup(html, 'other-host')).toMatch(/skipped · repo_unreachable.*no host_paths entry for this host/s);
      expect(html).toContain('<dd data-count="not_opted_in">1</dd>');
      const core = (await app.inject(`/?now=${NOW}&domain=core`)).body;
      expect(core).not.toContain('/ui/repos/other-host');
      expect(core).toContain('<dd data-count="repos">4</dd>');
      const page = (await app.inject(`/ui/repos/gone?now=${NOW}`)).body;
      expect(page).toContain('The checkout could not be used');
    } finally {
      await app.close();
      fleet.cleanup();
      roster.cleanup();
    }
  });
});

describe('console over a fleet larger than a page', () => {
  it('pages the repo table and the timeline; counts and filters cover the whole fleet', async () => {
    const repos: Record<string, Record<string, string>> = {};
    for (let i = 0; i < REPOS_PER_PAGE + 5; i++) repos[`repo-${String(i).padStart(3, '0')}`] = { '.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: daily }\n' };
    const fleet = tempFleet(repos);
    const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
    try {
      const first = (await app.inject(`/?now=${NOW}`)).body;
      expect(first.match(/<tbody>/g)).toHaveLength(REPOS_PER_PAGE);
      expect(first.match(/class="repo-row"/g)).toHaveLength(REPOS_PER_PAGE);
      expect(first).toContain(`<dd data-count="scheduled_runs">${REPOS_PER_PAGE + 5}</dd>`);
      expect(first).toContain(`Repos 1–${REPOS_PER_PAGE} of ${REPOS_PER_PAGE + 5}`);
      const next = /<a href="([^"]+)" rel="next">/.exec(first)![1]!.replaceAll('&amp;', '&');
      expect(next).toBe('/?page=2&now=2026-12-01T10%3A00%3A00Z');
      const second = (await app.inject(next)).body;
      expect(second.match(/<tbody>/g)).toHaveLength(5);
      expect(second).toContain('/ui/repos/repo-104');
      expect(second).toContain('rel="prev"');
    } finally {
      await app.close();
      fleet.cleanup();
    }
  });
});

describe('console with markup in hub slugs and manifests', () => {
  let fixture: Awaited<ReturnType<typeof hostileFleet>>;
  beforeAll(async () => {
    fixture = await hostileFleet();
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('renders slugs, domains, comments and diagnostics as text', async () => {
    const fleet = (await fixture.app.inject(`/?now=${NOW}`)).body;
    expect(fleet).not.toContain('<script>window');
    expect(fleet).not.toContain('<img src=x');
    expect(fleet).toContain('&lt;script>window.__pwned=&quot;slug&quot;&lt;/script>');
    expect(fleet).toContain(`/ui/repos/${encodeURIComponent(HOSTILE_ATTR_SLUG)}`);
    const repo = await fixture.app.inject(`/ui/repos/${encodeURIComponent(HOSTILE_ATTR_SLUG)}?now=${NOW}`);
    expect(repo.statusCode).toBe(200);
    expect(repo.body).toContain('invalid_timezone');
    expect(repo.body).not.toMatch(/<img|<script/);
    const good = await fixture.app.inject(`/ui/repos/${encodeURIComponent(HOSTILE_SLUG)}?now=${NOW}`);
    expect(good.statusCode).toBe(200);
    expect(good.body).not.toContain('<script>');
  });
});

describe('console with KAIZEN_API_TOKENS set', () => {
  let app: FastifyInstance;
  const { stream: logStream, lines: logs } = captureLog();
  beforeAll(async () => {
    app = await buildApp(testConfig({ KAIZEN_API_TOKENS: TOKEN }), { logger: { level: 'trace', stream: logStream } });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  async function signIn(): Promise<string> {
    const page = await app.inject('/ui/sign-in');
    const csrfCookie = cookie(page, 'kaizen_csrf')!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const res = await app.inject({ method: 'POST', url: '/ui/sign-in', cookies: { kaizen_csrf: csrfCookie.value }, ...form({ _csrf: csrf, token: TOKEN }) });
    expect(res.statusCode).toBe(303);
    const session = cookie(res, 'kaizen_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    return session.value;
  }

  it('shows no fleet data before sign-in', async () => {
    for (const url of ['/', `/?now=${NOW}`, '/ui/repos/billing-api', '/ui/repos/billing-api/bundles/coach', '/ui/validate']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location).toBe('/ui/sign-in');
      expect(res.body).not.toContain('billing-api');
    }
    const post = await app.inject({ method: 'POST', url: '/ui/validate', ...form({ manifest: 'version: "1"' }) });
    expect(post.statusCode).toBe(401);
    expect(post.headers['www-authenticate']).toBe('Bearer realm="kaizen-schedule"');
    const signInPage = await app.inject('/ui/sign-in');
    expect(signInPage.statusCode).toBe(200);
    expect(signInPage.body).toContain('type="password"');
    expect(signInPage.body).not.toMatch(/billing-api|docs-site/);
  });

  it('signs in with a token in the form body; the session cookie opens every page', async () => {
    const session = await signIn();
    const fleet = await app.inject({ url: `/?now=${NOW}`, cookies: { kaizen_session: session } });
    expect(fleet.statusCode).toBe(200);
    expect(fleet.body).toContain('/ui/repos/billing-api');
    expect(fleet.body).toContain('Sign out');
    const repo = await app.inject({ url: '/ui/repos/broken-config', cookies: { kaizen_session: session } });
    expect(repo.body).toContain('invalid_timezone');
  });

  it('refuses a wrong token, a missing CSRF token and a forged session', async () => {
    const page = await app.inject('/ui/sign-in');
    const csrfCookie = cookie(page, 'kaizen_csrf')!.value;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const wrong = await app.inject({ method: 'POST', url: '/ui/sign-in', cookies: { kaizen_csrf: csrfCookie }, ...form({ _csrf: csrf, token: 'not-the-token-at-all' }) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="kaizen-schedule", error="invalid_token"');
    expect(wrong.headers['content-type']).toMatch(/^text\/html/);
    expect(wrong.body).toContain('That token is not valid.');
    expect(cookie(wrong, 'kaizen_session')).toBeUndefined();
    const noCsrf = await app.inject({ method: 'POST', url: '/ui/sign-in', cookies: { kaizen_csrf: csrfCookie }, ...form({ token: TOKEN }) });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.body).toContain('csrf_invalid');
    expect(cookie(noCsrf, 'kaizen_session')).toBeUndefined();
    const forged = await app.inject({ url: '/', cookies: { kaizen_session: 'v1.9999999999.AAAAAAAAAAAAAAAA' } });
    expect(forged.statusCode).toBe(303);
  });

  it('the validate form needs its CSRF token even with a session', async () => {
    const session = await signIn();
    const page = await app.inject({ url: '/ui/validate', cookies: { kaizen_session: session } });
    const csrfCookie = cookie(page, 'kaizen_csrf')!.value;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const manifest = 'version: "1"\nagents:\n  coahc: { cadence: weekly }\n';
    const without = await app.inject({ method: 'POST', url: '/ui/validate', cookies: { kaizen_session: session, kaizen_csrf: csrfCookie }, ...form({ manifest }) });
    expect(without.statusCode).toBe(403);
    const withToken = await app.inject({ method: 'POST', url: '/ui/validate', cookies: { kaizen_session: session, kaizen_csrf: csrfCookie }, ...form({ manifest, _csrf: csrf }) });
    expect(withToken.statusCode).toBe(200);
    expect(withToken.body).toContain('unknown_agent');
  });

  it('never writes the token to the log', async () => {
    await signIn();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('')).not.toContain(TOKEN);
  });

  it('signing out ends the session: a copy of its cookie opens nothing afterwards', async () => {
    const session = await signIn();
    const page = await app.inject({ url: '/ui/validate', cookies: { kaizen_session: session } });
    const csrfCookie = cookie(page, 'kaizen_csrf')!.value;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const out = await app.inject({ method: 'POST', url: '/ui/sign-out', cookies: { kaizen_session: session, kaizen_csrf: csrfCookie }, ...form({ _csrf: csrf }) });
    expect(out.statusCode).toBe(303);
    const replay = await app.inject({ url: '/', cookies: { kaizen_session: session } });
    expect(replay.statusCode).toBe(303);
    expect(replay.headers.location).toBe('/ui/sign-in');
    // another session is untouched
    expect((await app.inject({ url: '/', cookies: { kaizen_session: await signIn() } })).statusCode).toBe(200);
  });
});

describe('console behind HTTPS (KAIZEN_PUBLIC_URL is https)', () => {
  it('marks its cookies Secure, though the service itself speaks plain HTTP to the proxy', async () => {
    const app = await buildApp(testConfig({ KAIZEN_API_TOKENS: TOKEN, KAIZEN_PUBLIC_URL: 'https://console.example.com' }), { logger: false });
    try {
      const page = await app.inject('/ui/sign-in');
      expect(cookie(page, 'kaizen_csrf')).toMatchObject({ secure: true });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const res = await app.inject({ method: 'POST', url: '/ui/sign-in', cookies: { kaizen_csrf: cookie(page, 'kaizen_csrf')!.value }, ...form({ _csrf: csrf, token: TOKEN }) });
      expect(cookie(res, 'kaizen_session')).toMatchObject({ secure: true, httpOnly: true });
    } finally {
      await app.close();
    }
  });
});
