import AjvModule from 'ajv';
import { Type, type Static, type TSchema } from 'typebox';

// Fastify already ships Ajv; checking TypeBox schemas with it avoids loading
// TypeBox's own value checker (about 20 MB of resident memory).
const ajv = new AjvModule.default({ allErrors: true, strict: false });

/**
 * A closed set of strings as one plain `enum`: OpenAPI tools (Swagger UI's
 * dropdowns among them) read it whole, where an `anyOf` of one-value consts
 * shows only its first member.
 */
export const StringEnum = <const V extends string[]>(values: readonly [...V], options: { description?: string } = {}) =>
  Type.Enum(values, { type: 'string', ...options });

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
