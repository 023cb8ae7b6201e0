import { CADENCES } from './types.js';

/**
 * JSON Schema (2020-12) of `.kaizen/schedule.yml` for editors such as the YAML
 * language server. It captures the shape; checks that need context (known
 * agents, IANA zones, cron syntax, duplicate keys) are the validator's.
 */
export const MANIFEST_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://kaizen-schedule.local/v1/schema/schedule.json',
  title: 'kaizen schedule manifest (.kaizen/schedule.yml)',
  description: 'Declares which kaizen agents run on what cadence in a repository.',
  type: 'object',
  required: ['version', 'agents'],
  additionalProperties: false,
  properties: {
    version: {
      description: 'Manifest format version. The integer 1 is accepted for manifests written by the Python tool.',
      oneOf: [{ const: '1' }, { const: 1 }],
    },
    timezone: {
      description: 'IANA time zone the crons are read in, e.g. Europe/Berlin. Defaults to the service default.',
      type: 'string',
      examples: ['Europe/Berlin', 'UTC', 'America/New_York'],
    },
    agents: {
      description: 'Agent name to its schedule.',
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
      additionalProperties: {
        type: 'object',
        required: ['cadence'],
        additionalProperties: false,
        properties: {
          cadence: { enum: [...CADENCES], description: 'How often the agent runs.' },
          cron: {
            type: 'string',
            description: '5-field cron (minute hour day-of-month month day-of-week); overrides the cadence default.',
            pattern: '^\\s*\\S+(\\s+\\S+){4}\\s*$',
            examples: ['0 9 * * 1'],
          },
          enabled: { type: 'boolean', default: true, description: 'false declares the agent but pauses it.' },
        },
      },
    },
  },
  examples: [
    {
      version: '1',
      timezone: 'Europe/Berlin',
      agents: {
        coach: { cadence: 'weekly', cron: '0 9 * * 1', enabled: true },
        'tdd-workflow': { cadence: 'monthly', enabled: false },
      },
    },
  ],
} as const;
