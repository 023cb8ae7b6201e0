import { createRequire } from 'node:module';
import type AjvModule from 'ajv';
import type { Static, TSchema } from 'typebox';
// typebox/type's namespace lets the CLI bundle keep only the builders used.
import * as Type from 'typebox/type';

// Fastify already ships Ajv; checking TypeBox schemas with it avoids loading
// TypeBox's own value checker (about 20 MB of resident memory).
// Loaded, created and compiled on first use: a CLI run that never checks a
// shape (no variable set, no roster read) does not even load Ajv.
let ajv: InstanceType<typeof AjvModule.default> | undefined;
const loadAjv = (): InstanceType<typeof AjvModule.default> => {
  const Ajv = (createRequire(import.meta.url)('ajv') as typeof AjvModule).default;
  return new Ajv({ allErrors: true, strict: false });
};

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
  let compiled: ReturnType<NonNullable<typeof ajv>['compile']> | undefined;
  const validate = (value: unknown): boolean => {
    compiled ??= (ajv ??= loadAjv()).compile(schema as object);
    return compiled(value) === true;
  };
  return {
    check: (value: unknown): value is Static<T> => validate(value),
    problems(value: unknown): SchemaProblem[] {
      if (validate(value)) return [];
      return (compiled!.errors ?? []).map((e) => ({ path: e.instancePath, message: e.message ?? 'is invalid' }));
    },
  };
}
