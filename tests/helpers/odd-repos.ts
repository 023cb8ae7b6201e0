import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { VALID_MANIFEST, link, tempDir, tempFleet, testApp, type RepoFiles } from './fleet.js';

/**
 * Repo layouts found in review to break answers: files where directories
 * belong, and a time zone or cron a manifest may hold. Several route tests
 * build a fleet from these, each asserting what its own route answers.
 */
export const ODD_REPOS: Record<string, RepoFiles> = {
  'agents-file': { agents: 'not a directory\n', '.kaizen/schedule.yml': VALID_MANIFEST },
  'kaizen-file': { '.kaizen': 'not a directory\n' },
  'scope-loop': { 'TODO.md': '# todo\n' },
  'prompt-out': { '.kaizen/schedule.yml': 'version: "1"\nagents:\n  sneaky: { cadence: weekly }\n' },
  'zone-case': { '.kaizen/schedule.yml': 'version: "1"\ntimezone: europe/berlin\nagents:\n  coach: { cadence: weekly }\n' },
  'feb-31': { '.kaizen/schedule.yml': 'version: "1"\nagents:\n  coach: { cadence: monthly, cron: "0 9 31 2 *" }\n' },
};

export const OUTSIDE_PROMPT_MARKER = 'OUTSIDE-PROMPT-MARKER';

/**
 * The links ODD_REPOS cannot hold as files: scope-loop's SCOPE.md links to
 * itself, and prompt-out's installed prompts (sneaky, coach) link to a file in
 * `outsideDir`, outside every root.
 */
function linkOddRepos(fleetDir: string, outsideDir: string, repos: string[]): void {
  writeFileSync(path.join(outsideDir, 'prompt.md'), `# ${OUTSIDE_PROMPT_MARKER}\n`);
  if (repos.includes('scope-loop')) link('SCOPE.md', path.join(fleetDir, 'scope-loop', 'SCOPE.md'));
  if (repos.includes('prompt-out')) {
    link(path.join(outsideDir, 'prompt.md'), path.join(fleetDir, 'prompt-out', 'agents', 'agent-sneaky.md'));
    link(path.join(outsideDir, 'prompt.md'), path.join(fleetDir, 'prompt-out', 'agents', 'agent-coach.md'));
  }
}

export interface OddReposApp {
  app: FastifyInstance;
  /** The repo root holding the odd repos. */
  dir: string;
  close(): Promise<void>;
}

/** An app whose only root holds ODD_REPOS (or some of them), links included. */
export async function oddReposApp(names: string[] = Object.keys(ODD_REPOS)): Promise<OddReposApp> {
  const fleet = tempFleet(Object.fromEntries(names.map((name) => [name, ODD_REPOS[name]!])));
  const outside = tempDir('kaizen-outside-');
  const linked = ['scope-loop', 'prompt-out'].filter((name) => names.includes(name));
  linkOddRepos(fleet.dir, outside.dir, linked);
  const app = await testApp({ KAIZEN_REPO_ROOTS: fleet.dir });
  return {
    app,
    dir: fleet.dir,
    close: async () => {
      await app.close();
      fleet.cleanup();
      outside.cleanup();
    },
  };
}
