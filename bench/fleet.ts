/** Generates the benchmark fleet: one richly populated repo for prepare, N small ones for discover. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const write = (file: string, text: string): void => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};

const paragraph = (topic: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `- ${topic} note ${i + 1}: keep the change small, measured and reversible; record what moved the numbers.`).join('\n');

export const PREPARE_REPO = 'prepare-target';
export const HOST_NAME = 'bench-host';

/** A repo whose coach bundle is about 10 KB: packaged prompt, memory, metrics, pointers. */
export function writePrepareRepo(root: string): string {
  const repo = path.join(root, PREPARE_REPO);
  write(path.join(repo, '.kaizen/schedule.yml'), 'version: "1"\ntimezone: Europe/Berlin\nagents:\n  coach: { cadence: weekly, cron: "0 9 * * 1" }\n');
  write(path.join(repo, '.kaizen/agents/coach/memory.md'), `# Coach memory\n\n## Context\n${paragraph('context', 12)}\n\n## Decisions\n${paragraph('decision', 10)}\n`);
  const lines = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({ timestamp: new Date(Date.UTC(2026, 0, 5 + 7 * i, 8)).toISOString(), success: i % 5 !== 0, time: 20 + (i % 7), quality: 0.7 + (i % 3) / 10 }),
  );
  write(path.join(repo, '.kaizen/metrics/coach/executions.jsonl'), `${lines.join('\n')}\n`);
  write(path.join(repo, 'SCOPE.md'), '# Scope\n\nThe benchmark target.\n');
  write(path.join(repo, 'TODO.md'), '# TODO\n\n- measure\n');
  return repo;
}

/** The files the fleet-prepare bench's read baseline reads for a coach bundle, relative to a fleet repo. */
export const FLEET_COACH_FILES = ['.kaizen/agents/coach/memory.md', '.kaizen/metrics/coach/executions.jsonl', '.kaizen/schedule.yml'] as const;

/**
 * N repos, each with a three-agent manifest and its own coach memory and
 * executions (so every repo's coach bundle is distinct); returns the hub
 * roster for them.
 */
export function writeDiscoverFleet(root: string, count: number): Array<{ slug: string; domain: string; host_paths: Record<string, string> }> {
  const roster = [];
  for (let i = 0; i < count; i++) {
    const slug = `repo-${String(i).padStart(4, '0')}`;
    const repo = path.join(root, slug);
    write(
      path.join(repo, '.kaizen/schedule.yml'),
      `# fleet repo ${i}\nversion: "1"\ntimezone: ${i % 2 ? 'Europe/Berlin' : 'UTC'}\nagents:\n  coach:\n    cadence: weekly\n    cron: "0 ${9 + (i % 8)} * * 1"\n  optimization:\n    cadence: weekly\n  tdd-workflow:\n    cadence: monthly\n    enabled: ${i % 3 === 0}\n`,
    );
    write(path.join(repo, FLEET_COACH_FILES[0]), `# Coach memory of ${slug}\n\n${paragraph(slug, 6)}\n`);
    const runs = Array.from({ length: 8 }, (_, k) =>
      JSON.stringify({ timestamp: new Date(Date.UTC(2026, 0, 5 + 7 * k, 8 + (i % 8))).toISOString(), success: (i + k) % 4 !== 0, time: 15 + ((i + k) % 11), quality: 0.6 + ((i + k) % 4) / 10 }),
    );
    write(path.join(repo, FLEET_COACH_FILES[1]), `${runs.join('\n')}\n`);
    roster.push({ slug, domain: i % 4 === 0 ? 'platform' : 'product', host_paths: { [HOST_NAME]: repo } });
  }
  return roster;
}
