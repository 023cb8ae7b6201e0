import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, watchedPage } from '../helpers/browser.js';
import { HOSTILE_ATTR_SLUG, HOSTILE_DOMAIN, HOSTILE_SLUG, NOW, TOKEN, hostileFleet, type HostileFleet } from '../helpers/console.js';
import { testApp } from '../helpers/fleet.js';

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the console in chromium, example fleet', () => {
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    app = await testApp();
    base = await listen(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('fleet: lists the repos with their next runs, statuses in words, and the timeline', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${base}/?now=${NOW}`);
    expect(await page.title()).toBe('Fleet · kaizen-schedule');
    const docs = page.locator('tbody', { has: page.getByRole('link', { name: 'docs-site', exact: true }) });
    await expect.poll(() => docs.innerText()).toContain('Tue 1 Dec 2026, 07:30 (UTC-05:00) in 3 h');
    const billing = await page.locator('tbody', { has: page.getByRole('link', { name: 'billing-api', exact: true }) }).innerText();
    expect(billing).toContain('Mon 7 Dec 2026, 09:00 (UTC+01:00)');
    const broken = await page.locator('tbody', { has: page.getByRole('link', { name: 'broken-config', exact: true }) }).innerText();
    expect(broken).toMatch(/invalid · 6 diagnostics\s+the manifest has 6 errors: invalid timezone 'Europe\/Berln'/);
    expect(await page.locator('tbody', { has: page.getByRole('link', { name: 'legacy-monolith' }) }).innerText()).toContain('nothing enabled');
    expect(await page.locator('svg circle.mark').count()).toBeGreaterThan(10);
    expect(await page.locator('svg circle.mark title').first().textContent()).toMatch(/^\S+ · \w{3} \d+ \w{3} 2026, \d\d:\d\d/);
    // The stylesheet applied (CSP allowed it): status badges have a border.
    expect(await page.locator('.status').first().evaluate((el) => getComputedStyle(el).borderTopStyle)).toBe('solid');
    expect(problems).toEqual([]);
  });

  it('fleet filters: the GET form narrows the list and keeps its values', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${base}/?now=${NOW}`);
    await page.getByLabel('Cadence').selectOption('daily');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/cadence=daily/);
    expect(new URL(page.url()).searchParams.get('now')).toBe(NOW);
    const repos = await page.locator('tbody th[scope="rowgroup"] a').allInnerTexts();
    expect(repos).toEqual(['broken-config', 'docs-site', 'payments-worker']);
    expect(await page.getByLabel('Cadence').inputValue()).toBe('daily');
    await page.getByLabel('Agent').fill('sys-medic');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/agent=sys-medic/);
    expect(await page.locator('[data-count="scheduled_runs"]').innerText()).toBe('1');
    expect(problems).toEqual([]);
  });

  it('repo page: reached from the fleet, shows a diagnostic at its line', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${base}/?now=${NOW}`);
    await page.getByRole('link', { name: 'broken-config', exact: true }).click();
    await page.waitForURL(/\/ui\/repos\/broken-config/);
    const line = page.locator('tr#L4');
    expect(await line.innerText()).toContain('timezone: Europe/Berln');
    const note = page.locator('tr#L4 + tr.note');
    expect(await note.innerText()).toMatch(/error invalid_timezone col 11: invalid timezone 'Europe\/Berln'.*did you mean 'Europe\/Berlin'\?/s);
    await page.goto(`${base}/ui/repos/billing-api?now=${NOW}`);
    await page.getByText('Markdown bundle for coach').click();
    expect(await page.locator('pre').first().innerText()).toContain('# Scheduled Run Orientation: coach');
    expect(problems).toEqual([]);
  });

  it('validate: a pasted manifest’s errors appear beside its lines', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${base}/ui/validate`);
    await page.getByLabel('Manifest (YAML)').fill('version: "1"\ntimezone: Mars/Olympus\nagents:\n  coach: { cadence: hourly }\n');
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.waitForURL(/\/ui\/validate$/);
    expect(await page.getByRole('status').innerText()).toContain('Invalid: 2 errors');
    expect(await page.locator('tr#L2 + tr.note').innerText()).toContain('invalid_timezone');
    expect(await page.locator('tr#L4 + tr.note').innerText()).toContain('invalid_cadence');
    // The text stays in the form for the next attempt.
    expect(await page.getByLabel('Manifest (YAML)').inputValue()).toContain('Mars/Olympus');
    expect(problems).toEqual([]);
  });

  it('keyboard focus is visible and a phone-width page does not scroll sideways', async () => {
    const { page, problems } = await watchedPage(browser, { width: 375, height: 740 });
    await page.goto(`${base}/?now=${NOW}`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe('solid');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(problems).toEqual([]);
  });
});

describe('the console in chromium, markup in the roster and manifests', () => {
  let fixture: HostileFleet;
  let base: string;
  beforeAll(async () => {
    fixture = await hostileFleet();
    base = await listen(fixture.app);
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('renders hub slugs, domains and manifest values as text and runs none of them', async () => {
    const { page, problems } = await watchedPage(browser);
    for (const url of [`/?now=${NOW}`, `/ui/repos/${encodeURIComponent(HOSTILE_SLUG)}?now=${NOW}`, `/ui/repos/${encodeURIComponent(HOSTILE_ATTR_SLUG)}?now=${NOW}`]) {
      await page.goto(`${base}${url}`);
      expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('main script, main b').count()).toBe(0);
    }
    await page.goto(`${base}/?now=${NOW}`);
    expect(await page.getByRole('link', { name: HOSTILE_SLUG, exact: true }).count()).toBe(1);
    expect(await page.getByRole('link', { name: HOSTILE_ATTR_SLUG, exact: true }).count()).toBe(1);
    expect(await page.locator('main').innerText()).toContain(HOSTILE_DOMAIN);
    await page.getByRole('link', { name: HOSTILE_ATTR_SLUG, exact: true }).click();
    expect(await page.locator('h1').innerText()).toBe(HOSTILE_ATTR_SLUG);
    expect(await page.locator('tr#L2').innerText()).toContain(`# "><img src=x onerror="window.__pwned='comment'">`);
    expect(await page.locator('tr#L3 + tr.note').innerText()).toContain('invalid_timezone');
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(problems).toEqual([]);
  });
});

describe('the console in chromium with KAIZEN_API_TOKENS set', () => {
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    app = await testApp({ KAIZEN_API_TOKENS: TOKEN });
    base = await listen(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('shows nothing before sign-in and everything after; the token never enters a URL', async () => {
    const { page, problems } = await watchedPage(browser);
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    for (const path of ['/', '/ui/repos/billing-api', '/ui/validate']) {
      await page.goto(`${base}${path}?now=${NOW}`);
      expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
      expect(await page.locator('body').innerText()).not.toMatch(/billing-api|docs-site|payments-worker|broken-config/);
    }
    await page.getByLabel('API token').fill('wrong-token-wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').innerText()).toContain('not valid');
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    expect(await page.locator('main').innerText()).toContain('billing-api');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'kaizen_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The validate form carries its CSRF token.
    await page.goto(`${base}/ui/validate`);
    await page.getByLabel('Manifest (YAML)').fill('version: "1"\nagents:\n  coahc: { cadence: weekly }\n');
    await page.getByRole('button', { name: 'Validate' }).click();
    expect(await page.locator('tr#L3 + tr.note').innerText()).toContain('unknown_agent');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/ui\/sign-in$/);
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    expect(urls.filter((u) => u.includes(TOKEN))).toEqual([]);
    // The one failed sign-in above answered 401, which the browser reports; nothing else.
    expect(problems).toEqual([expect.stringMatching(/^console error: Failed to load resource: .*401/)]);
  });
});
