import type {
  AssignViewProfilesRequest,
  AssignViewProfilesResponse,
  MailViewRequest,
  MailViewResponse,
  SendCommandResponse,
  ViewCommandRequest,
  ViewExportFormat,
} from '@openums/protocol';
import { api, buildUrl } from './client';

export type { AssignViewProfilesResponse, MailViewResponse, ViewExportFormat };

const BASE = '/api/v1/views';

/**
 * A plain link for `<a href download>` (the session cookie authenticates the GET); the server
 * streams the file with a Content-Disposition naming it after the view. No columns: the default set.
 */
export function viewExportUrl(viewId: number, format: ViewExportFormat, columns?: readonly string[]): string {
  return buildUrl(`${BASE}/${viewId}/export`, { format, columns: columns?.length ? columns.join(',') : undefined });
}

/** Mails the export; recipients left out = the mail settings' administrative recipients. */
export const mailView = (viewId: number, body: MailViewRequest) => api.post<MailViewResponse>(`${BASE}/${viewId}/mail`, body);

/**
 * Sends a command to the view's devices as they are now; devices without the command's right come
 * back in `refused`. One key per call: a lost answer is retried without sending the commands twice.
 */
export const sendViewCommand = (viewId: number, body: ViewCommandRequest) =>
  api.post<SendCommandResponse>(`${BASE}/${viewId}/commands`, body, { idempotencyKey: crypto.randomUUID() });

/** Assigns profiles to the view's devices as they are now; one item per device and profile. */
export const assignViewProfiles = (viewId: number, body: AssignViewProfilesRequest) =>
  api.post<AssignViewProfilesResponse>(`${BASE}/${viewId}/assign-profiles`, body);
