import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { json, startStateHub, type StateHubStandIn } from './state-hub.js';
import { tempFleet, testApp, type TempDir } from './fleet.js';

/** A fixed instant for every console page: Tuesday 1 December 2026, 10:00 UTC. */
export const NOW = '2026-12-01T10:00:00Z';
export const TOKEN = 'console-token-0123456789abcdef';

/** Markup that would run if any page let it through unescaped; each sets a flag a browser test can read. */
export const HOSTILE_SLUG = '<script>window.__pwned="slug"</script>';
export const HOSTILE_ATTR_SLUG = '"><img src=x onerror="window.__pwned=\'attr\'">';
export const HOSTILE_DOMAIN = '<b onmouseover="window.__pwned=\'domain\'">dom</b>';
export const HOSTILE_MANIFEST = `version: "1"
# "><img src=x onerror="window.__pwned='comment'">
timezone: "<script>window.__pwned='zone'</script>"
agents:
  '"><img src=x onerror="window.__pwned=1">':
    cadence: weekly
`;
const HOST = 'console-host';

export interface HostileFleet {
  app: FastifyInstance;
  hub: StateHubStandIn;
  fleet: TempDir;
  close(): Promise<void>;
}

/** A State Hub roster whose slugs, domain and manifest carry markup, served through the real hub client. */
export async function hostileFleet(env: Record<string, string> = {}): Promise<HostileFleet> {
  const fleet = tempFleet({
    good: { '.kaizen/schedule.yml': 'version: "1"\ntimezone: UTC\nagents:\n  coach: { cadence: weekly, cron: "0 9 * * 1" }\n' },
    evil: { '.kaizen/schedule.yml': HOSTILE_MANIFEST },
  });
  const hub = await startStateHub();
  hub.respond(
    json([
      { slug: HOSTILE_SLUG, domain: HOSTILE_DOMAIN, host_paths: { [HOST]: path.join(fleet.dir, 'good') } },
      { slug: HOSTILE_ATTR_SLUG, domain: 'ops', host_paths: { [HOST]: path.join(fleet.dir, 'evil') } },
    ]),
  );
  const app = await testApp({ KAIZEN_STATE_HUB_URL: hub.url, KAIZEN_REPO_ROOTS: fleet.dir, KAIZEN_HOST_NAME: HOST, ...env });
  return {
    app,
    hub,
    fleet,
    async close() {
      await app.close();
      await hub.close();
      fleet.cleanup();
    },
  };
}
