/**
 * Writes docs/console-fleet.png, the README's picture of the fleet page: the
 * example fleet at a fixed instant, in Debian's chromium.
 * Run: npx tsx scripts/console-screenshot.ts
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buildApp } from '../src/http/app.js';
import { loadConfig } from '../src/config/config.js';
import { packageRoot } from '../src/config/package-root.js';
import { launchChromium } from '../tests/helpers/browser.js';

const app = await buildApp({ ...loadConfig({ LOG_LEVEL: 'silent', KAIZEN_MAX_EVENT_LOOP_DELAY_MS: '0' }), hostName: 'runner-1' }, { logger: false });
await app.listen({ host: '127.0.0.1', port: 0 });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/?now=2026-12-01T10:00:00Z`);
  await page.screenshot({ path: path.join(packageRoot(), 'docs/console-fleet.png'), fullPage: true });
} finally {
  await browser.close();
  await app.close();
}
