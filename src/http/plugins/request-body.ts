import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { HttpError } from '../problem.js';

/**
 * Where JSON.parse stopped, from its message, which may quote the body and
 * so is never passed on. V8 names a position for most errors; for a body cut
 * short it says so (the position is then the end); for a stray character it
 * names only that character, which is echoed when it is printable ASCII.
 */
const whereItBroke = (err: unknown, text: string): string => {
  const message = err instanceof Error ? err.message : '';
  const at = /position (\d+)/.exec(message);
  if (at) return ` at character ${at[1]}`;
  if (message.startsWith('Unexpected end of JSON input')) return `: it ends (at character ${text.length}) before its value does`;
  const token = /^Unexpected token '(.)'/.exec(message)?.[1];
  if (token !== undefined) return /^[\x21-\x7e]$/.test(token) ? `: unexpected character '${token}'` : ': an unexpected character';
  return '';
};

/**
 * How request bodies are read, so a body the service cannot read gets a
 * specific answer: a compressed body is refused rather than parsed as YAML or
 * JSON bytes, and JSON errors say where the text broke or which key was refused.
 */
export const requestBodyPlugin = fp(async (app: FastifyInstance) => {
  // Callback-style and first checking for the header: it runs on every request, the hot prepare included.
  app.addHook('preParsing', (request, reply, payload, done) => {
    const raw = request.headers['content-encoding'];
    if (raw === undefined) return done(null, payload);
    const coding = raw.trim().toLowerCase();
    // Only a body is refused: a GET (or an empty POST) with a stray header is answered as ever.
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && (request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] ?? '0') !== '0');
    if (coding === '' || coding === 'identity' || !hasBody) return done(null, payload);
    // RFC 9110 12.5.3: a 415 for a content coding names the acceptable ones.
    reply.header('accept-encoding', 'identity');
    const echo = coding.length <= 40 && /^[a-z0-9 ,_-]+$/.test(coding) ? ` (${coding})` : '';
    done(new HttpError('unsupported_content_encoding', `Compressed request bodies are not supported${echo}; send the body uncompressed, without Content-Encoding.`));
  });

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(new HttpError('invalid_json', 'The request body is empty; send a JSON object.'), undefined);
    try {
      // Fastify's own parser and settings: keys that would reach Object.prototype are refused.
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      const forbidden = err instanceof SyntaxError && /forbidden (prototype|constructor) property/.test(err.message);
      done(
        new HttpError(
          'invalid_json',
          forbidden
            ? 'The JSON body has a "__proto__" or "constructor.prototype" key, which is refused.'
            : `The request body is not valid JSON${whereItBroke(err, text)}.`,
        ),
        undefined,
      );
    }
  });
}, { name: 'request-body' });
