import {
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  NOTIFICATION_KINDS,
  type ListNotificationsQuery,
  type Notification,
  type NotificationCount,
  type NotificationKind,
  type NotificationPreferences,
} from '@openums/protocol';
import { toIso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { notFound } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { Mailer } from '../mail/mailer.js';
import type { Condition, NotificationRow, NotificationsRepository } from './notifications.repository.js';

const DEFAULT_PREFERENCES: NotificationPreferences = { mailTo: null, kinds: {} };
/** Resolved notifications are kept this long (then purged). */
export const RESOLVED_RETENTION_MS = 30 * 86_400_000;

const parsePreferences = (raw: string | undefined): NotificationPreferences =>
  raw ? { ...DEFAULT_PREFERENCES, ...(JSON.parse(raw) as Partial<NotificationPreferences>) } : DEFAULT_PREFERENCES;
const shownKinds = (p: NotificationPreferences) => NOTIFICATION_KINDS.filter((k) => p.kinds[k]?.show !== false);

function toNotification(r: NotificationRow & { is_read?: number }): Notification {
  return {
    id: Number(r.id),
    kind: r.kind as NotificationKind,
    severity: r.severity as Notification['severity'],
    title: r.title,
    message: r.message,
    objectType: r.object_type,
    objectId: r.object_id,
    createdAt: toIso(Number(r.created_at))!,
    updatedAt: toIso(Number(r.updated_at))!,
    resolvedAt: toIso(r.resolved_at === null ? null : Number(r.resolved_at)),
    read: Number(r.is_read ?? 0) === 1,
  };
}

/**
 * The notification centre: conditions raised and resolved by the checks (notification-checks.ts),
 * listed per administrator with read marks and the administrator's choice of kinds; a raised
 * condition is mailed to each administrator who asked for its kind by mail.
 */
export class NotificationsService {
  constructor(
    private readonly repo: NotificationsRepository,
    private readonly clock: Clock,
    private readonly mailer: () => Pick<Mailer, 'send'> | null,
    private readonly log: Logger | null,
  ) {}

  /** A check's current conditions of one kind (see NotificationsRepository.sync). */
  async sync(kind: NotificationKind, conditions: readonly Condition[]): Promise<void> {
    const raised = await this.repo.sync(kind, conditions, this.clock.now());
    if (raised.length) await this.mail(kind, raised);
  }

  private async mail(kind: NotificationKind, raised: NotificationRow[]): Promise<void> {
    const mailer = this.mailer();
    if (!mailer) return;
    for (const { value } of await this.repo.allPreferences()) {
      const p = parsePreferences(value);
      if (!p.mailTo || !p.kinds[kind]?.mail) continue;
      for (const n of raised) {
        try {
          await mailer.send(p.mailTo, `[OpenUMS] ${n.title}`, `${n.message}\n\n(${n.severity}; ${kind}; raised ${toIso(n.created_at)})`);
        } catch (err) {
          // Stored and shown anyway: a mail problem must not stop the checks.
          this.log?.warn({ err: (err as Error).message, kind }, 'notification mail not sent');
        }
      }
    }
  }

  async list(adminId: number, q: ListNotificationsQuery) {
    const prefs = parsePreferences(await this.repo.preferences(adminId));
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const before = q.cursor ? (decodeCursor(q.cursor, 'notifications', ['number'])[0] as number) : null;
    const rows = await this.repo.list({
      adminId,
      kinds: shownKinds(prefs),
      unread: q.unread ?? false,
      resolved: q.resolved ?? false,
      before,
      limit: limit + 1,
    });
    const { page, nextCursor } = toPage(rows, limit, 'notifications', (r) => [Number(r.id)]);
    return { items: page.map((r) => toNotification(r as NotificationRow & { is_read: number })), nextCursor };
  }

  async count(adminId: number): Promise<NotificationCount> {
    return this.repo.count(adminId, shownKinds(parsePreferences(await this.repo.preferences(adminId))));
  }

  async markRead(adminId: number, id: number): Promise<void> {
    if (!(await this.repo.exists(id))) throw notFound(ErrorCode.NotificationNotFound, 'Notification', id);
    await this.repo.markRead(adminId, [id], this.clock.now());
  }

  async markAllRead(adminId: number): Promise<NotificationCount> {
    const kinds = shownKinds(parsePreferences(await this.repo.preferences(adminId)));
    await this.repo.markRead(adminId, await this.repo.unreadIds(adminId, kinds), this.clock.now());
    return this.repo.count(adminId, kinds);
  }

  async getPreferences(adminId: number): Promise<NotificationPreferences> {
    return parsePreferences(await this.repo.preferences(adminId));
  }

  async putPreferences(adminId: number, p: NotificationPreferences): Promise<NotificationPreferences> {
    await this.repo.putPreferences(adminId, JSON.stringify(p), this.clock.now());
    return p;
  }

  purge = () => this.repo.purgeResolved(this.clock.now() - RESOLVED_RETENTION_MS);
}
