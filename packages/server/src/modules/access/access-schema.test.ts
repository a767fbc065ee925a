import { describe, expect, it } from 'vitest';
import type { FastifySchema } from 'fastify';
import { AccessList, EffectiveAccessQuery, OBJECT_RIGHTS } from '@openums/protocol';
import { describeValidation } from '../../lib/error-handler.js';
import { createValidatorCompiler } from '../../lib/validation.js';

/** The access-list body as the server's body validator sees it, with the message a client would get. */
const compile = createValidatorCompiler();
const validate = compile({ schema: AccessList, method: 'PUT', url: '/x', httpPart: 'body' } as unknown as Parameters<
  typeof compile
>[0]) as unknown as ((v: unknown) => boolean) & {
  errors?: Parameters<typeof describeValidation>[1][];
};
function problem(body: unknown): string | null {
  return validate(body) ? null : describeValidation('body', validate.errors![0]!).message;
}

describe('AccessList body', () => {
  const admin = { type: 'admin', id: 3 };

  it('takes every right as allow or deny, and rights left out', () => {
    const rights = Object.fromEntries(OBJECT_RIGHTS.map((r, i) => [r, i % 2 ? 'deny' : 'allow']));
    expect(
      problem({
        entries: [
          { principal: admin, rights },
          { principal: { type: 'group', id: 4 }, rights: {} },
        ],
      }),
    ).toBeNull();
    expect(problem({ entries: [] })).toBeNull();
  });

  it('refuses an unknown right, naming it', () => {
    expect(problem({ entries: [{ principal: admin, rights: { reboot: 'allow' } }] })).toBe(
      "body.entries.0.rights has unknown field 'reboot'",
    );
  });

  it('refuses a value other than allow or deny, naming the right', () => {
    expect(problem({ entries: [{ principal: admin, rights: { read: 'inherit' } }] })).toMatch(/^body\.entries\.0\.rights\.read /);
    expect(problem({ entries: [{ principal: admin, rights: { read: null } }] })).toMatch(/^body\.entries\.0\.rights\.read /);
  });

  it('refuses a bad principal and unknown fields', () => {
    expect(problem({ entries: [{ principal: { type: 'role', id: 1 }, rights: {} }] })).toMatch(/^body\.entries\.0\.principal\.type /);
    expect(problem({ entries: [{ principal: { type: 'admin', id: 0 }, rights: {} }] })).toMatch(/^body\.entries\.0\.principal\.id /);
    expect(problem({ entries: [{ principal: admin, rights: {}, inherit: true }] })).toBe("body.entries.0 has unknown field 'inherit'");
    expect(problem({ entries: [{ principal: admin }] })).toBe('body.entries.0.rights is required');
    expect(problem({})).toBe('body.entries is required');
  });
});

describe('EffectiveAccessQuery', () => {
  it('needs an admin id', () => {
    const q = compile({
      schema: EffectiveAccessQuery as FastifySchema,
      method: 'GET',
      url: '/x',
      httpPart: 'querystring',
    } as unknown as Parameters<typeof compile>[0]) as unknown as (v: unknown) => boolean;
    expect(q({ adminId: '5' })).toBe(true);
    expect(q({})).toBe(false);
  });
});
