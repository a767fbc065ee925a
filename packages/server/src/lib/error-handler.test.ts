import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installErrorHandler } from './error-handler.js';

// What a request answers when the database fails it for reasons that are not the request's fault.
describe('error handler: database faults', () => {
  const app = Fastify({ logger: false });
  installErrorHandler(app);
  const coded = (code: string, message: string) => Object.assign(new Error(message), { code });
  app.get('/deadlock', async () => {
    throw coded('40P01', 'deadlock detected');
  });
  app.get('/serialization', async () => {
    throw coded('40001', 'could not serialize access due to concurrent update');
  });
  app.get('/down', async () => {
    throw coded('57P01', 'terminating connection due to administrator command');
  });
  app.get('/bug', async () => {
    throw coded('42P01', 'relation "x" does not exist');
  });

  it('a lock conflict PostgreSQL resolved by cancelling the change: 503 DATABASE_CONFLICT, retry after 1 s', async () => {
    for (const url of ['/deadlock', '/serialization']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBe('1');
      expect(r.json().error.code).toBe('DATABASE_CONFLICT');
      // Nothing of the database's own words reaches the client.
      expect(r.body).not.toMatch(/deadlock|serialize/);
    }
  });

  it('keeps the other database faults apart: unavailable is 503 DATABASE_UNAVAILABLE, a broken query 500', async () => {
    const down = await app.inject({ method: 'GET', url: '/down' });
    expect([down.statusCode, down.json().error.code, down.headers['retry-after']]).toEqual([503, 'DATABASE_UNAVAILABLE', '5']);
    const bug = await app.inject({ method: 'GET', url: '/bug' });
    expect([bug.statusCode, bug.json().error.code]).toEqual([500, 'INTERNAL_ERROR']);
    expect(bug.body).not.toContain('relation');
  });
});
