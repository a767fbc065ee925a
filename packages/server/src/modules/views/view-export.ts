import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import {
  ErrorCode,
  VIEW_EXPORT_ATTRIBUTE_PREFIX,
  VIEW_EXPORT_DEFAULT_COLUMNS,
  VIEW_EXPORT_FIELDS,
  VIEW_EXPORT_MAX_COLUMNS,
  type Device,
  type ViewExportField,
  type ViewExportFormat,
} from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import type { ViewActionsRepository } from './view-actions.repository.js';

/** One column of an export: a Device field, or a device attribute's value. */
export type ExportColumn = { name: string; field: ViewExportField } | { name: string; attributeId: number };
export type Cell = string | number | boolean | null;

const FIELDS = new Set<string>(VIEW_EXPORT_FIELDS);

export const CONTENT_TYPES: Record<ViewExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/**
 * The named columns, checked: Device fields and `attribute:<identifier>` of defined attributes.
 * `field` names the request field in the error (`query.columns`, `body.columns`).
 */
export async function resolveColumns(
  names: readonly string[] | undefined,
  repo: Pick<ViewActionsRepository, 'findAttributesByIdentifier'>,
  field: string,
): Promise<ExportColumn[]> {
  const list = names?.length ? names : VIEW_EXPORT_DEFAULT_COLUMNS;
  const bad = (message: string) => new AppError(ErrorCode.ValidationFailed, `${field}: ${message}`, { field });
  if (list.length > VIEW_EXPORT_MAX_COLUMNS) throw bad(`at most ${VIEW_EXPORT_MAX_COLUMNS} columns`);
  const seen = new Set<string>();
  const identifiers: string[] = [];
  for (const name of list) {
    if (!name) throw bad('an empty column name');
    if (seen.has(name)) throw bad(`column '${name}' is named twice`);
    seen.add(name);
    if (name.startsWith(VIEW_EXPORT_ATTRIBUTE_PREFIX)) identifiers.push(name.slice(VIEW_EXPORT_ATTRIBUTE_PREFIX.length));
    else if (!FIELDS.has(name)) {
      throw bad(`unknown column '${name.slice(0, 100)}'; use ${VIEW_EXPORT_FIELDS.join(', ')} or attribute:<identifier>`);
    }
  }
  const attributes = await repo.findAttributesByIdentifier(identifiers.filter((i) => i.length > 0 && i.length <= 100));
  return list.map((name) => {
    if (!name.startsWith(VIEW_EXPORT_ATTRIBUTE_PREFIX)) return { name, field: name as ViewExportField };
    const attributeId = attributes.get(name.slice(VIEW_EXPORT_ATTRIBUTE_PREFIX.length));
    if (attributeId === undefined) throw bad(`unknown column '${name.slice(0, 100)}': no device attribute has that identifier`);
    return { name, attributeId };
  });
}

/** The comma list of the export's query string. */
export const splitColumns = (text: string | undefined): string[] | undefined =>
  text === undefined ? undefined : text.split(',').map((c) => c.trim());

/** A file name from the view's name: safe in a header and on any file system. */
export function exportFileName(viewName: string, format: ViewExportFormat): string {
  const base = viewName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents go, their letters stay: "Büro" → "Buro"
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+|_+$/g, '')
    .slice(0, 80);
  return `${base || 'view'}.${format}`;
}

/** Rows of one page: device → cells in column order (attribute values read for the page at once). */
export async function pageRows(
  devices: readonly Device[],
  columns: readonly ExportColumn[],
  repo: Pick<ViewActionsRepository, 'listAttributeValues'>,
): Promise<Cell[][]> {
  const attributeIds = columns.flatMap((c) => ('attributeId' in c ? [c.attributeId] : []));
  const values = attributeIds.length
    ? await repo.listAttributeValues(
        devices.map((d) => d.id),
        attributeIds,
      )
    : new Map<number, Map<number, string>>();
  return devices.map((d) =>
    columns.map((c) => {
      if ('attributeId' in c) return values.get(d.id)?.get(c.attributeId) ?? null;
      const v = d[c.field];
      if (v !== null && typeof v === 'object') return v.host; // connectedServer: its host name
      return v;
    }),
  );
}

/** Spreadsheets read a cell starting with these as a formula: written with a leading `'`. */
const FORMULA_START = /^[=+\-@\t\r]/;
const guard = (v: Cell): string => {
  if (v === null) return '';
  const s = String(v);
  return typeof v === 'string' && FORMULA_START.test(s) ? `'${s}` : s;
};

/** The export as a stream of text or bytes; `pages` yields row pages (the first one already read). */
export function exportStream(
  format: ViewExportFormat,
  columns: readonly ExportColumn[],
  rows: AsyncIterable<Cell[][]>,
  view: { id: number; name: string },
): Readable {
  const names = columns.map((c) => c.name);
  if (format === 'xlsx') return xlsxStream(names, rows);
  if (format === 'csv') {
    return Readable.from(
      (async function* () {
        yield stringify([names]);
        for await (const page of rows) yield stringify(page.map((r) => r.map(guard)));
      })(),
      { objectMode: false },
    );
  }
  return Readable.from(
    (async function* () {
      yield `{"view":${JSON.stringify(view)},"columns":${JSON.stringify(names)},"items":[`;
      let first = true;
      for await (const page of rows) {
        const text = page.map((r) => JSON.stringify(Object.fromEntries(names.map((n, i) => [n, r[i]])))).join(',');
        if (!text) continue;
        yield (first ? '' : ',') + text;
        first = false;
      }
      yield ']}\n';
    })(),
    { objectMode: false },
  );
}

/** exceljs' streaming writer: rows are committed as they come, memory stays flat. Loaded on first use. */
function xlsxStream(names: readonly string[], rows: AsyncIterable<Cell[][]>): Readable {
  const out = new PassThrough();
  void (async () => {
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    const sheet = workbook.addWorksheet('Devices');
    const header = sheet.addRow([...names]);
    header.font = { bold: true };
    header.commit();
    for await (const page of rows) {
      // Text cells stay text in xlsx (a value is never read as a formula): written as they are.
      for (const r of page) sheet.addRow(r).commit();
      // Wait for a slow reader instead of piling the file up in memory.
      if (out.writableNeedDrain) await once(out, 'drain');
    }
    sheet.commit();
    await workbook.commit();
  })().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}
