/**
 * Swagger UI as an operator uses it, in a real headless Chromium (Debian's
 * /usr/bin/chromium driven by playwright-core): the app listens on loopback,
 * the page at /docs is opened, and the forms are used as a person would.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { launchChromium } from '../helpers/browser.js';
import { testConfig } from '../helpers/fleet.js';

let app: FastifyInstance;
let browser: Browser;
let base: string;

beforeAll(async () => {
  // Fails with a clear message when Debian's chromium is missing (never skips).
  browser = await launchChromium();
  app = await buildApp(testConfig(), { logger: false });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Opens /docs, expands one operation and presses "Try it out". */
async function tryItOut(operationId: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${base}/docs`);
  const op = page.locator(`#${operationId}`);
  await op.locator('.opblock-summary').first().click();
  await op.getByRole('button', { name: 'Try it out' }).click();
  return page;
}

describe('Swagger UI at /docs', () => {
  it('offers all three cadences in the discover dropdown', async () => {
    const page = await tryItOut('operations-discover-get_v1_discover');
    const options = await page.locator('#operations-discover-get_v1_discover tr[data-param-name="cadence"] select option').allTextContents();
    expect(options.filter((o) => o !== '--')).toEqual(['daily', 'weekly', 'monthly']);
    await page.close();
  }, 60_000);

  it('executes validate with the YAML from the form and shows the diagnostics', async () => {
    const id = 'operations-schedule-post_v1_schedule_validate';
    const page = await tryItOut(id);
    const op = page.locator(`#${id}`);
    await op.locator('.body-param-content-type select').selectOption('application/yaml');
    const body = op.locator('textarea.body-param__text');
    // Swagger UI re-emits the YAML example in its own quoting.
    expect(await body.inputValue()).toMatch(/^version: ['"]1['"]\ntimezone: Europe\/Berlin\nagents:\n {2}coach:/);

    // The pre-filled manifest is valid...
    await op.getByRole('button', { name: 'Execute' }).click();
    const status = op.locator('.live-responses-table .response .response-col_status').first();
    const answer = op.locator('.live-responses-table .response .highlight-code').first();
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('200'); // hang guard
    expect(await answer.textContent()).toContain('"valid": true');

    // ...and an edited one answers 422 with its diagnostics on the page.
    await body.fill('version: "1"\nagents:\n  coach:\n    cadence: hourly\n');
    await op.getByRole('button', { name: 'Execute' }).click();
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toContain('422'); // hang guard
    const text = (await answer.textContent()) ?? '';
    expect(text).toContain('invalid_cadence');
    expect(text).toContain('"line": 4');
    await page.close();
  }, 90_000);
});
