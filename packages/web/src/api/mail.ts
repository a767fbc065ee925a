import type { MailSettings, MailTestRequest, MailTestResult, UpdateMailSettingsRequest } from '@openums/protocol';
import { api } from './client';

export type { MailSettings, MailTestResult, UpdateMailSettingsRequest };

const BASE = '/api/v1/settings/mail';

/** The password is write-only: answers show `********` when one is stored, else null. */
export const getMailSettings = (signal?: AbortSignal) => api.get<MailSettings>(BASE, undefined, signal);
/**
 * Replaces the settings; `password` sent back as the mask (or left out) keeps the stored one,
 * `null` removes it. Rejects with MAIL_CONNECTION_FAILED, MAIL_CERTIFICATE_INVALID or
 * MAIL_AUTH_FAILED when the server cannot be used (unless `verify: false`).
 */
export const putMailSettings = (body: UpdateMailSettingsRequest) => api.put<MailSettings>(BASE, body);
/** To `to`, or to the configured recipients; rejects with MAIL_NOT_CONFIGURED, MAIL_REJECTED and the codes above. */
export const sendTestMail = (body: MailTestRequest) => api.post<MailTestResult>(`${BASE}/test`, body);
