// Baseline for the fleet-prepare bench: a bare node:http server that, per
// request, reads the files a coach bundle is built from (the packaged prompt
// and the repo's memory, executions and manifest) with fs and returns them,
// JSON-encoded or concatenated. No cache, no parsing, no checks.
// Started with the service's own node flags (npm start's), and probed for
// readiness on /healthz, which reads nothing, as the service's is: the cold
// pass is the first time either side runs its read path.
// argv: port, packaged prompt file, then the repo-relative files to read.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';

const [port, promptFile, ...files] = process.argv.slice(2);
createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end('ok');
    return;
  }
  const target = url.searchParams.get('target') ?? '';
  const texts = [readFileSync(promptFile, 'utf8'), ...files.map((f) => readFileSync(path.join(target, f), 'utf8'))];
  const markdown = url.searchParams.get('format') === 'markdown';
  const body = Buffer.from(markdown ? texts.join('\n\n') : JSON.stringify({ texts }));
  res.writeHead(200, { 'content-type': markdown ? 'text/markdown; charset=utf-8' : 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
