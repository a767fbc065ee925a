import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createSerializerCompiler, createValidatorCompiler } from '../../src/lib/validation.js';

type Compiled = { compile(): unknown };
type RouteSchema = { body?: unknown; querystring?: unknown; params?: unknown; headers?: unknown; response?: Record<string, unknown> };

/**
 * The server compiles a route's validators and serializers on first use (start-up cost, see
 * lib/validation.ts). This walks every registered route and compiles all of them with the same
 * compilers, so a schema that cannot compile fails here, not at an administrator's first request.
 */
describe('route schemas', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp('sqlite');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('every validator and response serializer of every route compiles', () => {
    const validator = createValidatorCompiler();
    const serializer = createSerializerCompiler();
    let validators = 0;
    let serializers = 0;
    for (const r of t.routes) {
      const schema = r.schema as RouteSchema | undefined;
      if (!schema) continue;
      const url = r.url;
      const method = String(r.method);
      for (const httpPart of ['body', 'querystring', 'params', 'headers'] as const) {
        if (!schema[httpPart]) continue;
        const fn = validator({ schema: schema[httpPart] as object, method, url, httpPart }) as unknown as Compiled;
        expect(() => fn.compile(), `${method} ${url} ${httpPart}`).not.toThrow();
        validators++;
      }
      for (const [httpStatus, s] of Object.entries(schema.response ?? {})) {
        const fn = serializer({ schema: s as object, method, url, httpStatus }) as unknown as Compiled;
        expect(() => fn.compile(), `${method} ${url} ${httpStatus}`).not.toThrow();
        serializers++;
      }
    }
    // The API has well over a hundred routes with schemas; a walk that found few is broken.
    expect(validators).toBeGreaterThan(100);
    expect(serializers).toBeGreaterThan(100);
  });

  it('a lazily compiled validator reports its errors to Fastify', () => {
    const fn = createValidatorCompiler()({
      schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
      method: 'POST',
      url: '/x',
      httpPart: 'body',
    }) as unknown as ((d: unknown) => boolean) & { errors: Array<{ instancePath: string }> | null };
    expect(fn({ n: 'a' })).toBe(false);
    expect(fn.errors?.[0]?.instancePath).toBe('/n');
    expect(fn({ n: 1 })).toBe(true);
  });

  it('a broken schema fails to compile (the walk above can fail)', () => {
    const fn = createSerializerCompiler()({
      schema: { type: 'object', properties: { a: { $ref: '#/nowhere' } } },
      method: 'GET',
      url: '/x',
      httpStatus: '200',
    });
    expect(() => (fn as unknown as Compiled).compile()).toThrow();
  });

  it('a route answers validation errors as before (400 naming the field)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 5, password: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });
});
