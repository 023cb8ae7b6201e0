import AjvModule from 'ajv';
import type { Static, TSchema } from 'typebox';

// Fastify already ships Ajv; checking TypeBox schemas with it avoids loading
// TypeBox's own value checker (about 20 MB of resident memory).
const ajv = new AjvModule.default({ allErrors: true, strict: false });

export interface SchemaProblem {
  /** JSON Pointer of the offending value ('' for the whole value). */
  path: string;
  message: string;
}

export interface SchemaCheck<T extends TSchema> {
  check(value: unknown): value is Static<T>;
  /** Why `value` does not match (empty when it does). */
  problems(value: unknown): SchemaProblem[];
}

export function compileCheck<T extends TSchema>(schema: T): SchemaCheck<T> {
  const validate = ajv.compile(schema as object);
  return {
    check: (value: unknown): value is Static<T> => validate(value) === true,
    problems(value: unknown): SchemaProblem[] {
      if (validate(value)) return [];
      return (validate.errors ?? []).map((e) => ({ path: e.instancePath, message: e.message ?? 'is invalid' }));
    },
  };
}
