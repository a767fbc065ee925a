import { parse, CsvError } from 'csv-parse/sync';
import {
  DEVICE_IMPORT_MAX_LINES,
  DEVICE_NAME_MAX,
  FOLDER_NAME_MAX,
  type DeviceImportError,
  type DeviceImportFormat,
} from '@openums/protocol';

/** One line of an import file, checked field by field. `undefined` = the field was empty (left as it is on an update). */
export interface ImportLine {
  line: number;
  unitId: string;
  name?: string;
  product?: string;
  version?: string;
  /** Long format only: folder names from the top (empty array = top level). Short format: undefined (folder unchanged). */
  folderPath?: string[];
  site?: string;
  department?: string;
  comment?: string;
  assetId?: string;
  inServiceDate?: string;
  serialNumber?: string;
  addProfiles: number[];
  removeProfiles: number[];
}

/** Columns of each format, in order; profile ids fill the last column and any after it. */
export const COLUMNS: Record<DeviceImportFormat, readonly string[]> = {
  short: ['unitId', 'name', 'productId', 'profiles'],
  long: [
    'folderPath',
    'unitId',
    'productId',
    'version',
    'name',
    'site',
    'department',
    'comment',
    'assetId',
    'inServiceDate',
    'serialNumber',
    'profiles',
  ],
};

const MAX: Record<string, number> = {
  name: DEVICE_NAME_MAX,
  productId: 128,
  version: 64,
  site: 255,
  department: 255,
  comment: 4000,
  assetId: 255,
  serialNumber: 255,
};
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;
const MAC = /^([0-9A-Fa-f]{2}[:-]?){5}[0-9A-Fa-f]{2}$/;

/**
 * Parses an import file: `;`-separated fields (double quotes for fields holding `;`), one device
 * per line, empty lines skipped. Every problem is reported with its line and field; the caller
 * saves nothing when there is one.
 */
export function parseImportFile(text: string, format: DeviceImportFormat): { lines: ImportLine[]; errors: DeviceImportError[] } {
  const errors: DeviceImportError[] = [];
  const err = (line: number, field: string, message: string, code = 'INVALID') => errors.push({ line, field, code, message });
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      delimiter: ';',
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      info: true,
    }) as unknown as typeof records;
  } catch (e) {
    const line = e instanceof CsvError ? Number((e as CsvError & { lines?: number }).lines ?? 0) : 0;
    err(line, 'line', `not a well-formed CSV line: ${(e as Error).message}`);
    return { lines: [], errors };
  }
  if (records.length === 0) err(1, 'file', 'the file holds no device lines');
  if (records.length > DEVICE_IMPORT_MAX_LINES) {
    err(DEVICE_IMPORT_MAX_LINES + 1, 'file', `at most ${DEVICE_IMPORT_MAX_LINES} lines per import; split the file`);
    return { lines: [], errors };
  }
  const columns = COLUMNS[format];
  const profileColumn = columns.length - 1;
  const seen = new Map<string, number>();
  const lines: ImportLine[] = [];
  for (const { record, info } of records) {
    const line = info.lines;
    const cell = (name: string) => record[columns.indexOf(name)] ?? '';
    const before = errors.length;
    for (const [i, value] of record.entries()) {
      if (CONTROL.test(value)) err(line, columns[Math.min(i, profileColumn)]!, 'holds a control character');
    }
    if (record.length < 2 && format === 'long') err(line, 'unitId', `the long format has ${columns.length} fields (${columns.join(';')})`);
    const rawUnit = cell('unitId');
    let unitId = '';
    if (!rawUnit) err(line, 'unitId', 'the unit id (MAC address) is missing');
    else if (!MAC.test(rawUnit)) err(line, 'unitId', `${JSON.stringify(rawUnit.slice(0, 40))} is not a MAC address (12 hex digits)`);
    else {
      unitId = rawUnit.replace(/[:-]/g, '').toUpperCase();
      const first = seen.get(unitId);
      if (first !== undefined) err(line, 'unitId', `unit id ${unitId} is already on line ${first}`, 'DUPLICATE');
      else seen.set(unitId, line);
    }
    const parsed: ImportLine = { line, unitId, addProfiles: [], removeProfiles: [] };
    const text = (field: string, key: keyof ImportLine) => {
      const v = cell(field);
      if (!v) return;
      if (v.length > MAX[field]!) err(line, field, `is ${v.length} characters long; at most ${MAX[field]}`);
      else (parsed as unknown as Record<string, string>)[key] = v;
    };
    text('name', 'name');
    text('productId', 'product');
    if (format === 'long') {
      text('version', 'version');
      text('site', 'site');
      text('department', 'department');
      text('comment', 'comment');
      text('assetId', 'assetId');
      text('serialNumber', 'serialNumber');
      const date = cell('inServiceDate');
      if (date) {
        const iso = toIsoDate(date);
        if (!iso) err(line, 'inServiceDate', `${JSON.stringify(date.slice(0, 20))} is not a date (YYYY-MM-DD or DD.MM.YYYY)`);
        else parsed.inServiceDate = iso;
      }
      const path = folderPath(cell('folderPath'));
      if (typeof path === 'string') err(line, 'folderPath', path);
      else parsed.folderPath = path;
    }
    for (const value of record.slice(profileColumn)) {
      for (const token of value.split(/[,\s]+/).filter(Boolean)) {
        const m = /^(!?)([1-9][0-9]{0,14})$/.exec(token);
        if (!m) {
          err(
            line,
            'profiles',
            `${JSON.stringify(token.slice(0, 20))} is not a profile id (a number, or !number to remove the assignment)`,
          );
          continue;
        }
        const id = Number(m[2]);
        if (
          m[1]
            ? parsed.removeProfiles.includes(id) || parsed.addProfiles.includes(id)
            : parsed.addProfiles.includes(id) || parsed.removeProfiles.includes(id)
        ) {
          err(line, 'profiles', `profile ${id} is named twice on this line`);
          continue;
        }
        (m[1] ? parsed.removeProfiles : parsed.addProfiles).push(id);
      }
    }
    if (errors.length === before) lines.push(parsed);
  }
  return { lines, errors };
}

/** `/A/B`, `A/B` → ['A','B']; '' or '/' → [] (top level). An error text for a bad path. */
function folderPath(raw: string): string[] | string {
  const parts = raw.split('/').map((p) => p.trim());
  if (parts[0] === '') parts.shift();
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  for (const p of parts) {
    if (!p) return `${JSON.stringify(raw.slice(0, 60))} has an empty folder name (two / in a row)`;
    if (p.length > FOLDER_NAME_MAX) return `folder name ${JSON.stringify(p.slice(0, 30))}… is longer than ${FOLDER_NAME_MAX} characters`;
  }
  if (parts.length > 50) return 'folder paths are at most 50 folders deep';
  return parts;
}

/** YYYY-MM-DD or DD.MM.YYYY, a real calendar date → YYYY-MM-DD; else null. */
function toIsoDate(v: string): string | null {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  let iso: string | null = m ? `${m[1]}-${m[2]}-${m[3]}` : null;
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(v);
  if (m) iso = `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  if (!iso) return null;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso ? iso : null;
}
