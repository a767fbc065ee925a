import type { CreatedEnrollmentKey } from '../../api/enrollment';

const COLUMNS = ['id', 'type', 'prefix', 'secret', 'unitId', 'folderId', 'maxUses', 'expiresAt', 'comment'] as const;

/** RFC 4180 field; free text that a spreadsheet would run as a formula gets a leading apostrophe. */
function field(value: unknown, freeText = false): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (freeText && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The newly created keys with their secrets, for handing out; built in the browser, never sent anywhere. */
export function createdKeysCsv(keys: readonly CreatedEnrollmentKey[]): string {
  const lines = [COLUMNS.join(',')];
  for (const key of keys) lines.push(COLUMNS.map((c) => field(key[c], c === 'comment')).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
