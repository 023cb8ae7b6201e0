/**
 * The README's curl examples, run against the service as `npm start` serves it
 * (the bundled example fleet): each answers as the text around it says, and
 * the members its jq filter reads are there. And its layout tree names exactly
 * the folders there are.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/fleet.js';
import { ROOT } from '../helpers/paths.js';

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BASE = 'http://127.0.0.1:3000';

interface Example { section: string; command: string; words: string[]; jq?: string }

/** Splits a shell command line into words (single and double quotes, no expansions). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Every `curl … 127.0.0.1:3000 …` line of a sh block, with its `## ` section and jq filter. */
function examples(): Example[] {
  const found: Example[] = [];
  let section = '';
  let inSh = false;
  const lines = README.replace(/\\\n\s*/g, '').split('\n');
  for (const line of lines) {
    if (line.startsWith('## ')) section = line.slice(3);
    if (line.startsWith('```')) inSh = !inSh && line.trim() === '```sh';
    else if (inSh && line.startsWith('curl ') && line.includes(BASE)) {
      const [curl, ...filters] = line.replace(/\s+#.*$/, '').split(' | jq ');
      const filterWords = filters.length ? shellWords(filters.join(' | jq ')) : [];
      found.push({ section, command: curl!.trim(), words: shellWords(curl!), ...(filterWords.length ? { jq: filterWords.at(-1)! } : {}) });
    }
  }
  return found;
}

function toInject(words: string[]): InjectOptions & { fail: boolean; silent: boolean } {
  const options: InjectOptions & { fail: boolean; silent: boolean } = { url: '', headers: {}, fail: false, silent: false };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-s' || w === '-sf') options.silent = true;
    if (w === '--fail' || w === '-f' || w === '-sf') options.fail = true;
    else if (w === '-X') options.method = words[++i] as InjectOptions['method'];
    else if (w === '-H') {
      const [name, ...value] = words[++i]!.split(':');
      (options.headers as Record<string, string>)[name!.trim().toLowerCase()] = value.join(':').trim();
    } else if (w === '--data-binary') {
      const file = words[++i]!;
      options.payload = file.startsWith('@') ? readFileSync(path.join(ROOT, file.slice(1))) : file;
    } else if (w.startsWith(BASE)) options.url = w.slice(BASE.length);
  }
  return options;
}

/** The members a jq filter reads first: `.a.b` as a path, `{a, b: …}` as top-level names. */
function readMembers(filter: string): string[][] {
  if (filter.startsWith('.')) return [filter.slice(1).split(/[\s|[]/)[0]!.split('.').filter(Boolean)];
  if (!filter.startsWith('{')) return [];
  // Top-level names only: blank out everything nested deeper than the outer braces.
  let depth = 0;
  const outer = [...filter].map((c) => {
    if ('{[('.includes(c)) depth++;
    const keep = depth <= 1;
    if ('}])'.includes(c)) depth--;
    return keep ? c : ' ';
  }).join('');
  return [...outer.matchAll(/[{,]\s*([a-z_]+)\s*[,}:]/g)].map((m) => [m[1]!]);
}

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(() => app.close());

describe('README examples', () => {
  const all = examples();

  it('the routes, prepare and discover sections and the first screen each show one', () => {
    const sections = new Set(all.map((e) => e.section));
    for (const s of ['', 'Routes', 'Prepare bundles', 'Discover']) expect(sections, `section "${s}"`).toContain(s);
  });

  it('every curl is silent (-s), so a failing --fail prints its message only', () => {
    expect(all.filter((e) => !toInject(e.words).silent).map((e) => e.command)).toEqual([]);
  });

  it.each(all.map((e) => [e.command, e] as const))('%s', async (_command, example) => {
    const { fail, silent: _s, ...request } = toInject(example.words);
    const res = await app.inject(request);
    // --fail examples must succeed; the others may show a validation answer (422), nothing else.
    if (fail) expect(res.statusCode, res.body).toBeLessThan(300);
    else expect([200, 422], res.body).toContain(res.statusCode);
    if (example.jq) {
      const body = res.json() as Record<string, unknown>;
      for (const members of readMembers(example.jq)) {
        const value = members.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], body);
        expect(value, `${example.jq} reads ${members.join('.')}`).toBeDefined();
      }
    }
  });
});

/** The folders the Development section's layout tree names, as paths (`src/http/routes`). */
function layoutTree(): string[] {
  const block = /### Layout\n[\s\S]*?```text\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
  const stack: string[] = [];
  const named: string[] = [];
  for (const line of block.split('\n')) {
    const m = /^( *)([\w.-]+)\/(\s|$)/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 2;
    stack.length = depth;
    stack.push(m[2]!);
    named.push(stack.join('/'));
  }
  return named;
}

/** Every folder below `dir` (relative to the checkout), `dir` included. */
function foldersUnder(dir: string): string[] {
  const out = [dir];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    if (statSync(path.join(ROOT, dir, name)).isDirectory()) out.push(...foldersUnder(`${dir}/${name}`));
  }
  return out;
}

describe('the layout tree in the Development section', () => {
  const named = layoutTree();

  it('names every folder of src/ and tests/, and no other', () => {
    expect(named.length).toBeGreaterThan(20);
    const actual = [...foldersUnder('src'), ...foldersUnder('tests')].sort();
    expect(named.filter((p) => p === 'src' || p === 'tests' || p.startsWith('src/') || p.startsWith('tests/')).sort()).toEqual(actual);
  });

  it('every other folder it names exists', () => {
    const others = named.filter((p) => !/^(src|tests)(\/|$)/.test(p));
    expect(others).toEqual(expect.arrayContaining(['bench', 'scripts', 'examples', 'openapi', 'agents']));
    for (const p of others) expect(existsSync(path.join(ROOT, p)), p).toBe(true);
  });
});
