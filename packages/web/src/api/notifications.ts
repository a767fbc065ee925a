import type { ListNotificationsQuery, NotificationCount, NotificationPage, NotificationPreferences } from '@openums/protocol';
import { api } from './client';

export type { NotificationCount, NotificationPage, NotificationPreferences };

const BASE = '/api/v1/notifications';

export const listNotifications = (q: ListNotificationsQuery, signal?: AbortSignal) =>
  api.get<NotificationPage>(BASE, { unread: q.unread, resolved: q.resolved, limit: q.limit, cursor: q.cursor }, signal);
export const countNotifications = (signal?: AbortSignal) => api.get<NotificationCount>(`${BASE}/count`, undefined, signal);
export const markNotificationRead = (id: number) => api.post<void>(`${BASE}/${id}/read`);
export const markAllNotificationsRead = () => api.post<NotificationCount>(`${BASE}/read-all`);
export const getNotificationPreferences = (signal?: AbortSignal) =>
  api.get<NotificationPreferences>(`${BASE}/preferences`, undefined, signal);
export const putNotificationPreferences = (body: NotificationPreferences) => api.put<NotificationPreferences>(`${BASE}/preferences`, body);
