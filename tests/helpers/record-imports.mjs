// `node --import` this to append every module URL the process resolves to the
// file named by RECORD_IMPORTS_TO (tests check what a configuration loads).
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
const file = ${JSON.stringify(process.env.RECORD_IMPORTS_TO ?? '')};
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (file) appendFileSync(file, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
