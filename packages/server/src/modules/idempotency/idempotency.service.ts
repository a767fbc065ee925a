import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorCode } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { IdempotencyRepository } from './idempotency.repository.js';

/** A use case calls this inside its transaction with the answer it is about to give. */
export type RecordAnswer = (trx: Db, answer: unknown) => Promise<void>;

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
/** How long a key's first answer is kept and replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** How often stored answers past their lifetime are deleted (singleton work of the cluster). */
export const IDEMPOTENCY_PURGE_MS = 10 * 60_000;

/** For the OpenAPI document of the routes that take the header (checked by `handle`). */
export const IdempotencyHeaders = Type.Object({
  [IDEMPOTENCY_HEADER]: Type.Optional(
    Type.String({
      description:
        'Any unique string (a UUID): a retry with the same key and request gets the first answer again, without doing anything twice',
    }),
  ),
});

/** Thrown inside the use case's transaction when another request with the key committed first: rolls the change back. */
class KeyTaken extends Error {}

/**
 * Idempotency-Key for POSTs that act on devices (commands, device creation and moves, profile
 * assignment). Same key and same request within 24 h → the first answer again (with
 * `Idempotent-Replayed: true`), nothing is done twice; same key with another request → 409.
 * The answer is stored in the transaction of the change it answers, so a crash after the commit
 * cannot leave a change without its answer. Keys belong to the administrator who sent them.
 */
export class IdempotencyService {
  constructor(
    private readonly repo: IdempotencyRepository,
    private readonly clock: Clock,
  ) {}

  purge = () => this.repo.deleteAnswersBefore(this.clock.now() - IDEMPOTENCY_TTL_MS);

  /**
   * Answers the request with `status` and what `run` returns. `run` gets a recorder when the
   * request carries a key, and must call it inside its transaction with the answer.
   */
  async handle(req: FastifyRequest, reply: FastifyReply, status: number, run: (record?: RecordAnswer) => Promise<unknown>): Promise<void> {
    const key = readKey(req);
    if (key === null) {
      reply.code(status).send(await run());
      return;
    }
    if (!req.auth) throw new AppError(ErrorCode.Unauthenticated, `${IDEMPOTENCY_HEADER} needs a logged-in administrator`);
    const principal = `admin:${req.auth.user.id}`;
    const route = `${req.method} ${req.routeOptions.url ?? req.url}`;
    const requestHash = fingerprint(req);

    for (let attempt = 0; attempt < 2; attempt++) {
      const now = this.clock.now();
      const notBefore = now - IDEMPOTENCY_TTL_MS;
      const stored = await this.repo.findAnswer(principal, key, notBefore);
      if (stored) {
        if (stored.route !== route || stored.requestHash !== requestHash) {
          throw new AppError(
            ErrorCode.IdempotencyKeyReused,
            `${IDEMPOTENCY_HEADER} ${JSON.stringify(key)} was used for a different request in the last 24 h; use a new key for a new request`,
            { field: `headers.${IDEMPOTENCY_HEADER}` },
          );
        }
        reply.code(stored.status).header(REPLAYED_HEADER, 'true').type('application/json; charset=utf-8').send(stored.response);
        return;
      }
      try {
        const answer = await run(async (trx, value) => {
          const inserted = await this.repo.insertAnswer(trx, {
            principal,
            key,
            route,
            requestHash,
            status,
            response: JSON.stringify(value),
            createdAt: now,
            notBefore,
          });
          if (!inserted) throw new KeyTaken();
        });
        reply.code(status).send(answer);
        return;
      } catch (err) {
        // A concurrent request with this key won: its answer is read on the next turn.
        if (!(err instanceof KeyTaken)) throw err;
      }
    }
    throw new AppError(
      ErrorCode.ServiceUnavailable,
      `A request with ${IDEMPOTENCY_HEADER} ${JSON.stringify(key)} is still being processed; retry`,
    );
  }
}

function readKey(req: FastifyRequest): string | null {
  const raw = req.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key === undefined || !KEY_PATTERN.test(key)) {
    throw new AppError(
      ErrorCode.ValidationFailed,
      `${IDEMPOTENCY_HEADER} must be 1 to 255 visible ASCII characters (a UUID is a good key)`,
      {
        field: `headers.${IDEMPOTENCY_HEADER}`,
      },
    );
  }
  return key;
}

/** What makes two requests "the same": path parameters, query and body, keys in a stable order. */
function fingerprint(req: FastifyRequest): string {
  return createHash('sha256')
    .update(stableJson({ params: req.params ?? null, query: req.query ?? null, body: req.body ?? null }))
    .digest('hex');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
