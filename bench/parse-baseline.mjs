// Baseline for discover: read and YAML-parse every repo's manifest with the
// same `yaml` package, sequentially, once per round; prints per-round ms.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const [root, rounds] = process.argv.slice(2);
const repos = readdirSync(root).filter((d) => d.startsWith('repo-')).map((d) => path.join(root, d, '.kaizen/schedule.yml'));
const times = [];
for (let r = 0; r < Number(rounds); r++) {
  const start = process.hrtime.bigint();
  let agents = 0;
  for (const file of repos) agents += Object.keys(parse(readFileSync(file, 'utf8')).agents).length;
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
  if (agents === 0) throw new Error('nothing parsed');
}
process.stdout.write(`${JSON.stringify(times)}\n`);
