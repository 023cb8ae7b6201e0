// Bundles the command line into one file. Node 20 has no compile cache, and
// resolving the hundreds of small modules of its dependencies (TypeBox alone
// has ~700) would take several times a bare `node` start; one file keeps a
// `kaizen-schedule validate` close to that floor. The source is the same as
// the service's (src/core.ts); `serve` loads the tsc-built app beside it.
import { chmodSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_OUTFILE = path.join(root, 'dist', 'src', 'cli', 'kaizen-schedule.js');

/**
 * undici is half the bundle and only `discover` against a State Hub uses it:
 * the bundle gets a stand-in that loads the installed package on first use.
 * A new undici import the stand-in does not provide fails this build.
 */
function lazyUndici() {
  const contents = `
    import { createRequire } from 'node:module';
    let undici;
    const load = () => (undici ??= createRequire(import.meta.url)('undici'));
    export function request(...args) { return load().request(...args); }
    export const Agent = new Proxy(function Agent() {}, { construct: (_target, args) => new (load().Agent)(...args) });
    export const RetryAgent = new Proxy(function RetryAgent() {}, { construct: (_target, args) => new (load().RetryAgent)(...args) });
  `;
  return {
    name: 'lazy-undici',
    setup(b) {
      b.onResolve({ filter: /^undici$/ }, () => ({ path: 'undici', namespace: 'lazy-undici' }));
      b.onLoad({ filter: /.*/, namespace: 'lazy-undici' }, () => ({ contents, loader: 'js', resolveDir: root }));
    },
  };
}

/** Newest modification time of the bundle's inputs: the sources and the installed dependencies' manifest. */
function newestInput() {
  let newest = statSync(path.join(root, 'package-lock.json'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  for (const entry of readdirSync(path.join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return Math.max(newest, statSync(path.join(root, 'package.json')).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);
}

// Like `tsc --build`, skip an up-to-date bundle: `npm start` builds first.
const built = statSync(CLI_OUTFILE, { throwIfNoEntry: false });
if (built && built.mtimeMs > newestInput()) process.exit(0);

const result = await build({
  write: false,
  entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
  outfile: CLI_OUTFILE,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // CommonJS dependencies (ajv) call require() for Node built-ins.
  banner: { js: "import { createRequire as kaizenCreateRequire } from 'node:module'; const require = kaizenCreateRequire(import.meta.url);" },
  // Less text to compile at every start; names are kept for readable errors.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [lazyUndici()],
});
// Written aside and renamed into place: a test spawning the command while
// another rebuilds it sees one whole file or the other.
const temp = `${CLI_OUTFILE}.${process.pid}.tmp`;
mkdirSync(path.dirname(CLI_OUTFILE), { recursive: true });
writeFileSync(temp, result.outputFiles[0].contents);
chmodSync(temp, 0o755);
renameSync(temp, CLI_OUTFILE);
