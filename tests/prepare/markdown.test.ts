import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle } from '../../src/prepare/bundle.js';
import { performanceSummary, renderMarkdown } from '../../src/prepare/markdown.js';
import { tempFleet, testApp, VALID_MANIFEST, type TempDir } from '../helpers/fleet.js';
import { ROOT } from '../helpers/paths.js';

const GOLDEN = path.join(ROOT, 'tests', 'prepare', 'golden', 'prepare-coach.md');
/** Set UPDATE_GOLDEN=1 to rewrite the golden file, then read the diff before committing it. */
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const NOW = '2026-03-04T10:00:00Z';

const PROMPT = `# Coach (golden fixture)

You are the coach for this repository. Read the memory first, then the metrics.

## Procedure

1. Review what changed since the last run.
2. Propose one to three improvements.
`;

const MEMORY = `# Coach memory

- 2026-02-23: proposed splitting the invoice module.
- 2026-03-02: the split landed; follow up on test coverage.
`;

/**
 * Low success and slow, so both flags show:
 *   executions 4, successes 2           -> success_rate 2/4 = 0.5  (< 0.8)
 *   avg_time_s  (40 + 50 + 20 + 30) / 4 = 140 / 4 = 35           (> 30)
 *   avg_quality (0.6 + 0.4 + 0.8 + 0.6) / 4 = 2.4 / 4 = 0.6
 *   last_run 2026-03-02T08:00:00Z (not the last line)
 */
const EXECUTIONS = [
  '{"timestamp":"2026-02-09T08:00:00Z","success":true,"time":40,"quality":0.6}',
  '{"timestamp":"2026-03-02T08:00:00Z","success":false,"time":50,"quality":0.4}',
  '{"timestamp":"2026-02-16T08:00:00Z","success":true,"time":20,"quality":0.8}',
  '{"timestamp":"2026-02-23T08:00:00Z","success":false,"time":30,"quality":0.6}',
  '',
].join('\n');

const HEADINGS = ['# Scheduled Run Orientation: coach', 'Project: ', 'Generated: ', '## Performance Summary', '## Agent Prompt', '## Project Memory', '## Repo Pointers', '## Session Close'];

/** Index of each line starting with `prefix`, in order; -1 when absent. */
const positions = (markdown: string, prefixes: string[]): number[] => {
  const lines = markdown.split('\n');
  return prefixes.map((p) => lines.findIndex((l) => l.startsWith(p)));
};

let fleet: TempDir;
let app: FastifyInstance;

beforeAll(async () => {
  fleet = tempFleet({
    'invoice-service': {
      'agents/agent-coach.md': PROMPT,
      '.kaizen/schedule.yml': VALID_MANIFEST,
      '.kaizen/agents/coach/memory.md': MEMORY,
      '.kaizen/metrics/coach/executions.jsonl': EXECUTIONS,
      'SCOPE.md': '# Scope\n\nInvoices in, PDFs out.\n',
      'TODO.md': '# TODO\n\n- [ ] retry failed webhooks\n',
    },
    bare: { 'agents/agent-coach.md': PROMPT },
    // 5 runs, 4 successes -> 4/5 = 0.8; time (10 + 20 + 30 + 40 + 50) / 5 = 150 / 5 = 30
    edge: {
      '.kaizen/metrics/coach/executions.jsonl':
        [10, 20, 30, 40, 50].map((time, i) => JSON.stringify({ timestamp: `2026-02-0${i + 1}T08:00:00Z`, success: i !== 2, time, quality: 0.5 })).join('\n') + '\n',
    },
  });
  app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
});

afterAll(async () => {
  await app.close();
  fleet.cleanup();
});

const markdown = async (target: string, query = ''): Promise<string> => {
  const res = await app.inject({ url: `/v1/prepare/coach?target=${target}&now=${NOW}&format=markdown${query}` });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
  return res.body;
};

describe('markdown bundle', () => {
  it('matches the golden file', async () => {
    const body = (await markdown('invoice-service')).replaceAll(fleet.dir, '<fleet>');
    if (UPDATE) {
      mkdirSync(path.dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, body);
    }
    expect(body).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('has the SPEC section 3 headings in order, each once', async () => {
    const body = await markdown('invoice-service');
    const found = positions(body, HEADINGS);
    expect(found[0]).toBe(0);
    expect(found.every((p) => p >= 0)).toBe(true);
    expect([...found].sort((a, b) => a - b)).toEqual(found);
    for (const heading of HEADINGS.filter((h) => h.startsWith('#'))) {
      expect(body.split('\n').filter((l) => l === heading)).toHaveLength(1);
    }
    expect(body).toContain('Project: invoice-service\nGenerated: 2026-03-04\n');
    expect(body).toContain(`- scope: ${fleet.dir}/invoice-service/SCOPE.md`);
    expect(body).toContain(`- todo: ${fleet.dir}/invoice-service/TODO.md`);
    expect(body.endsWith('- `kaizen-agentic metrics record coach --success --time <seconds> --quality <0-1>`\n- Update memory: `kaizen-agentic memory show coach`\n')).toBe(true);
  });

  it('renders a labelled session-close line as the label in text and the command as code; JSON keeps the seed strings', async () => {
    const body = await markdown('invoice-service');
    expect(body).toContain('\n- Update memory: `kaizen-agentic memory show coach`\n');
    expect(body).not.toContain('`Update memory:');
    const json = await app.inject({ url: `/v1/prepare/coach?target=invoice-service&now=${NOW}` });
    expect(json.json().session_close).toContain('Update memory: kaizen-agentic memory show coach');
  });

  it('without metrics, memory or pointers: no Performance Summary, the create-it line, the none-found line', async () => {
    const body = await markdown('bare');
    expect(body).not.toContain('## Performance Summary');
    expect(body).not.toContain('**Flag:**');
    expect(positions(body, HEADINGS.filter((h) => h !== '## Performance Summary')).every((p, i, all) => p >= 0 && (i === 0 || p > all[i - 1]!))).toBe(true);
    expect(body).toContain('## Project Memory\n(none yet; create it with: kaizen-agentic memory init coach)\n');
    expect(body).toContain('## Repo Pointers\n- (no SCOPE.md / TODO.md found)\n');
  });

  it('inlines SCOPE.md / TODO.md under the pointers with include=pointers', async () => {
    const body = await markdown('invoice-service', '&include=pointers');
    const pointers = body.indexOf('## Repo Pointers');
    const scope = body.indexOf('### SCOPE.md\n\n# Scope\n\nInvoices in, PDFs out.\n');
    const todo = body.indexOf('### TODO.md\n\n# TODO\n\n- [ ] retry failed webhooks\n');
    expect(pointers).toBeGreaterThan(0);
    expect(scope).toBeGreaterThan(pointers);
    expect(todo).toBeGreaterThan(scope);
    expect(body.indexOf('## Session Close')).toBeGreaterThan(todo);
  });
});

describe('performanceSummary flags', () => {
  const SUCCESS_FLAG = /\*\*Flag:\*\* success rate is below 80%/;
  const TIME_FLAG = /\*\*Flag:\*\* average time is above 30 s/;
  const block = (summary: Record<string, unknown>) => performanceSummary(summary) ?? '';

  it('flags a success rate under 0.8 and an average time over 30 s', () => {
    const text = block({ executions: 10, successes: 7, success_rate: 0.7, avg_time_s: 30.5 });
    expect(text).toMatch(SUCCESS_FLAG);
    expect(text).toMatch(TIME_FLAG);
  });

  it('does not flag exactly 0.8 or exactly 30 s', () => {
    const text = block({ executions: 10, successes: 8, success_rate: 0.8, avg_time_s: 30, avg_quality: 0.9, last_run: '2026-03-01T00:00:00Z' });
    expect(text).toBe(
      [
        '## Performance Summary',
        '- Executions: 10 (8 successful)',
        '- Success rate: 80.0%',
        '- Average time: 30.0 s',
        '- Average quality: 0.90',
        '- Last run: 2026-03-01T00:00:00Z',
        '',
      ].join('\n'),
    );
  });

  it('flags each condition on its own, just past the boundary', () => {
    const lowOnly = block({ executions: 10000, success_rate: 0.7999, avg_time_s: 30 });
    expect(lowOnly).toMatch(SUCCESS_FLAG);
    expect(lowOnly).not.toMatch(TIME_FLAG);
    const slowOnly = block({ executions: 10, success_rate: 0.8, avg_time_s: 30.01 });
    expect(slowOnly).not.toMatch(SUCCESS_FLAG);
    expect(slowOnly).toMatch(TIME_FLAG);
  });

  it('works out the rate from successes when a summary.json has no success_rate', () => {
    // 3 / 5 = 0.6 -> 60.0%, flagged
    const text = block({ executions: 5, successes: 3 });
    expect(text).toContain('- Success rate: 60.0%');
    expect(text).toMatch(SUCCESS_FLAG);
    // 4 / 5 = 0.8 exactly -> not flagged
    expect(block({ executions: 5, successes: 4 })).not.toMatch(SUCCESS_FLAG);
  });

  it('gives no block without executions', () => {
    expect(performanceSummary(null)).toBeUndefined();
    expect(performanceSummary({})).toBeUndefined();
    expect(performanceSummary({ executions: 0, successes: 0, success_rate: null })).toBeUndefined();
    expect(performanceSummary({ executions: 'many' })).toBeUndefined();
  });

  it('through the route: a computed rate of exactly 0.8 and an average of exactly 30 s raise no flag', async () => {
    const body = await markdown('edge');
    expect(body).toContain('- Executions: 5 (4 successful)\n- Success rate: 80.0%\n- Average time: 30.0 s\n');
    expect(body).not.toContain('**Flag:**');
  });
});

describe('renderMarkdown', () => {
  const bundle = (over: Partial<Bundle>): Bundle => ({
    agent: 'coach',
    project: 'p',
    generated: '2026-03-04',
    agent_prompt: 'prompt\n\n\n',
    agent_prompt_found: true,
    memory: null,
    metrics_summary: null,
    pointers: {},
    session_close: ['a', 'b'],
    root: '/r/p',
    prompt_source: 'packaged',
    metrics_source: null,
    schedule: null,
    sizes: { agent_prompt: 0, memory: 0, metrics_summary: 0 },
    warnings: [],
    ...over,
  });

  it('renders a minimal bundle exactly', () => {
    expect(renderMarkdown(bundle({}))).toBe(
      [
        '# Scheduled Run Orientation: coach',
        'Project: p',
        'Generated: 2026-03-04',
        '',
        '## Agent Prompt',
        'prompt',
        '',
        '## Project Memory',
        '(none yet; create it with: kaizen-agentic memory init coach)',
        '',
        '## Repo Pointers',
        '- (no SCOPE.md / TODO.md found)',
        '',
        '## Session Close',
        '- `a`',
        '- `b`',
        '',
      ].join('\n'),
    );
  });

  it('lists only the pointers present', () => {
    const text = renderMarkdown(bundle({ pointers: { todo: '/r/p/TODO.md' } }));
    expect(text).toContain('## Repo Pointers\n- todo: /r/p/TODO.md\n\n## Session Close');
  });
});
