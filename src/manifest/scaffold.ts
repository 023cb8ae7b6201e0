import { DEFAULT_TIMEZONE } from './timezone.js';
import type { Cadence } from './types.js';

interface ScaffoldEntry {
  agent: string;
  cadence: Cadence;
  cron?: string;
  enabled: boolean;
}

/** What `POST /v1/schedule/init` writes: two weekly agents on, one monthly agent declared but paused. */
export const SCAFFOLD_ENTRIES: readonly ScaffoldEntry[] = [
  { agent: 'coach', cadence: 'weekly', cron: '0 9 * * 1', enabled: true },
  { agent: 'optimization', cadence: 'weekly', cron: '0 10 * * 1', enabled: true },
  { agent: 'tdd-workflow', cadence: 'monthly', enabled: false },
];

/** The default manifest text. The caller checks `timezone` before calling. */
export function scaffoldManifest(timezone: string = DEFAULT_TIMEZONE): string {
  const lines = [
    '# .kaizen/schedule.yml: which kaizen agents run on a schedule in this repo.',
    '# The fleet orchestrator reads it to create one run per enabled agent.',
    '# Validate: curl --fail -X POST --data-binary @.kaizen/schedule.yml \\',
    '#   -H "Content-Type: application/yaml" <kaizen-schedule>/v1/schedule/validate',
    'version: "1"',
    `timezone: ${JSON.stringify(timezone)}`,
    'agents:',
  ];
  for (const entry of SCAFFOLD_ENTRIES) {
    lines.push(`  ${entry.agent}:`, `    cadence: ${entry.cadence}`);
    if (entry.cron) lines.push(`    cron: "${entry.cron}"`);
    lines.push(`    enabled: ${entry.enabled}`);
  }
  return `${lines.join('\n')}\n`;
}
