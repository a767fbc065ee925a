import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import fastJsonStringify, { type Schema } from 'fast-json-stringify';
import { ErrorCode } from '@openums/protocol';
import { AppError } from './errors.js';
import { findUnsafeString } from './text-safety.js';

/**
 * Bodies are validated strictly (a string is not a number, unknown fields are errors);
 * query strings and path parameters are text on the wire, so there types are coerced.
 */
function makeAjv(opts: Options): Ajv {
  const ajv = new Ajv({ allErrors: false, removeAdditional: false, useDefaults: true, strict: false, ...opts });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

/**
 * Schemas are compiled when a route first needs them, not when the server starts: compiling the
 * validators and serializers of every route took ≈ 2 s of CPU per process (most of a start-up),
 * and a worker restarted under a reconnect storm serves devices, which use few of those routes.
 * Each compiled function has `compile()`: a test compiles every route's schemas with it, so a
 * broken schema still fails at once.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    let compiled: ReturnType<Ajv['compile']> | null = null;
    const compile = () => (compiled ??= ajv.compile(schema as object));
    // Fastify reads `.errors` from the function it was given after a failed validation.
    const validate = Object.assign(
      (data: unknown, ...rest: unknown[]) => {
        const v = compile();
        const ok = (v as (...a: unknown[]) => boolean)(data, ...rest);
        validate.errors = v.errors;
        return ok;
      },
      { errors: null as ReturnType<Ajv['compile']>['errors'], compile },
    );
    return validate as unknown as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}

/** Response serializers (fast-json-stringify, as Fastify's own), built on first use. */
export function createSerializerCompiler(): FastifySerializerCompiler<unknown> {
  return ({ schema }) => {
    let serialize: ((data: unknown) => string) | null = null;
    const compile = () => (serialize ??= fastJsonStringify(schema as Schema));
    return Object.assign((data: unknown) => compile()(data), { compile });
  };
}

/** 400 VALIDATION_FAILED naming the field, shaped like a schema failure. */
export function unsafeTextError(field: string): AppError {
  const message = `${field} contains a NUL character or an unpaired UTF-16 surrogate`;
  return new AppError(ErrorCode.ValidationFailed, message, { field, issues: [{ field, message }] });
}

/**
 * The query string's parser keeps a malformed escape (`%ZZ`, `%FF`) as it stands; such a
 * parameter is refused rather than guessed at. Returns the offending field, or null.
 */
function findMalformedQuery(url: string): string | null {
  const q = url.indexOf('?');
  if (q < 0) return null;
  for (const pair of url.slice(q + 1).split('&')) {
    if (!pair.includes('%')) continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    try {
      decodeURIComponent(pair.replace(/\+/g, ' '));
    } catch {
      try {
        return `query.${decodeURIComponent(name.replace(/\+/g, ' '))}`;
      } catch {
        return 'query';
      }
    }
  }
  return null;
}

/**
 * Every request's path parameters, query and body (JSON or text) are checked once here, before
 * schema validation: text the databases cannot store is refused with 400 on both of them.
 * Call before any route is registered (it replaces the JSON body parser).
 */
export function installTextSafety(app: FastifyInstance): void {
  // JSON must be UTF-8 (RFC 8259): invalid bytes are refused, not silently turned into U+FFFD.
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(new AppError(ErrorCode.InvalidJson, 'Request body is not valid UTF-8'), undefined);
    }
    void parseJson(req, text, done);
  });
  // Callback style: no promise per request (see auth/access.ts).
  app.addHook('preValidation', (req, _reply, done) => {
    const malformed = findMalformedQuery(req.url);
    if (malformed) {
      const message = `${malformed} is not valid percent-encoded UTF-8`;
      return done(new AppError(ErrorCode.ValidationFailed, message, { field: malformed, issues: [{ field: malformed, message }] }));
    }
    const field = findUnsafeString(req.params, 'params') ?? findUnsafeString(req.query, 'query') ?? findUnsafeString(req.body, 'body');
    done(field ? unsafeTextError(field) : undefined);
  });
}
