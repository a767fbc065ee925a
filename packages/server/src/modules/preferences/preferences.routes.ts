import { sql } from 'kysely';
import {
  ErrorCode,
  ErrorResponse,
  Preference,
  PreferenceKeyParams,
  PREFERENCE_VALUE_MAX_BYTES,
  PutPreferenceRequest,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { App } from '../../lib/fastify.js';
import { rightsOf } from '../access/request-rights.js';
import { transaction } from '../../db/transaction.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };
const tags = ['preferences'];
/** Keys one administrator may hold: enough for the web app's lists, bounded against abuse. */
export const PREFERENCE_KEYS_MAX = 100;

/**
 * The signed-in administrator's own preferences (GET/PUT /api/v1/me/preferences/:key): small JSON
 * values stored per administrator, so a column choice follows them to another browser. Only the
 * caller's own rows are read or written; nothing here is audited (it changes no managed object).
 */
export function preferenceRoutes(app: App, db: Db, clock: Clock): void {
  app.get('/api/v1/me/preferences/:key', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: 'One of your preferences (value null when never set)',
      params: PreferenceKeyParams,
      response: { 200: Preference, ...errors },
    },
    handler: async (req) => {
      rightsOf(req).anyAdministrator('own preferences');
      const row = await db
        .selectFrom('admin_preferences')
        .select(['value', 'updated_at'])
        .where('admin_id', '=', req.auth!.user.id)
        .where('key', '=', req.params.key)
        .executeTakeFirst();
      return { key: req.params.key, value: row ? (JSON.parse(row.value) as unknown) : null, updatedAt: toIso(row?.updated_at ?? null) };
    },
  });

  app.put('/api/v1/me/preferences/:key', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: `Set one of your preferences: a JSON value of at most ${PREFERENCE_VALUE_MAX_BYTES} bytes`,
      params: PreferenceKeyParams,
      body: PutPreferenceRequest,
      response: { 200: Preference, ...errors },
    },
    handler: async (req) => {
      rightsOf(req).anyAdministrator('own preferences');
      const text = JSON.stringify(req.body.value ?? null);
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > PREFERENCE_VALUE_MAX_BYTES) {
        throw new AppError(
          ErrorCode.ValidationFailed,
          `body.value is ${bytes} bytes as JSON; at most ${PREFERENCE_VALUE_MAX_BYTES} are kept`,
          {
            field: 'body.value',
          },
        );
      }
      const adminId = req.auth!.user.id;
      const now = clock.now();
      await transaction(db, async (trx) => {
        const has = await trx
          .selectFrom('admin_preferences')
          .select('key')
          .where('admin_id', '=', adminId)
          .where('key', '=', req.params.key)
          .executeTakeFirst();
        if (!has) {
          const n = await trx
            .selectFrom('admin_preferences')
            .select(sql<number>`count(*)`.as('n'))
            .where('admin_id', '=', adminId)
            .executeTakeFirstOrThrow();
          if (Number(n.n) >= PREFERENCE_KEYS_MAX) {
            throw new AppError(ErrorCode.ValidationFailed, `You already keep ${PREFERENCE_KEYS_MAX} preferences; no new key is taken`, {
              field: 'params.key',
            });
          }
        }
        await trx
          .insertInto('admin_preferences')
          .values({ admin_id: adminId, key: req.params.key, value: text, updated_at: now })
          .onConflict((oc) => oc.columns(['admin_id', 'key']).doUpdateSet({ value: text, updated_at: now }))
          .execute();
      });
      return { key: req.params.key, value: JSON.parse(text) as unknown, updatedAt: toIso(now) };
    },
  });
}
