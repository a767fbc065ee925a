import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * A compiled check of a protocol schema, for the agent (the server compiles the same schemas
 * with Ajv). Imported as `@openums/protocol/checker`, not from the package index, so the web
 * bundle does not carry the compiler.
 */
export interface Checker<T> {
  check(value: unknown): value is T;
  /** The first problem, e.g. "heartbeatSeconds: must be >= 1"; names the field, never echoes the value. */
  problem(value: unknown): string;
}

export function compileChecker<S extends TSchema>(schema: S): Checker<Static<S>> {
  const validator = Compile(schema);
  return {
    check: (value): value is Static<S> => validator.Check(value),
    problem(value) {
      const [first] = validator.Errors(value);
      if (!first) return 'invalid';
      const field = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return field ? `${field}: ${first.message}` : first.message;
    },
  };
}
