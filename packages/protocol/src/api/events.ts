/**
 * Live events for the web app: `GET /api/v1/events` is a Server-Sent Events stream (cookie or
 * bearer auth). Each event's `event:` field is the type below, `data:` the JSON payload.
 */
export type LiveEvent =
  | { type: 'device.presence'; deviceId: number; online: boolean; lastContact: string | null; lastIp: string | null }
  | { type: 'device.changed'; deviceId: number }
  | { type: 'device.deleted'; deviceId: number }
  | { type: 'command.changed'; id: number; deviceId: number; state: string; message: string | null };

export const EVENTS_PATH = '/api/v1/events';
