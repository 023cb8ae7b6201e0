// Baseline: a bare node:http server answering every request with the same
// bytes and headers the service sent. argv: port, body file, content type.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const [port, bodyFile, contentType] = process.argv.slice(2);
const body = readFileSync(bodyFile);
const etag = '"0123456789abcdef0123456789abcdef"';
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': contentType, 'content-length': body.length, etag, vary: 'Accept', 'cache-control': 'no-cache' });
  res.end(body);
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
