import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { ErrorCode } from '@openums/protocol';
import { exportFileName, exportStream, resolveColumns, splitColumns, type Cell } from './view-export.js';

/** The export's pure parts: file names, column checks, csv guarding and json framing (no database). */

const attributes = {
  findAttributesByIdentifier: async (ids: readonly string[]) => new Map(ids.filter((i) => i === 'room').map((i) => [i, 7])),
};
async function* pages(...p: Cell[][][]): AsyncGenerator<Cell[][]> {
  for (const x of p) yield x;
}
const text = async (r: Readable) => {
  let s = '';
  for await (const c of r) s += String(c);
  return s;
};

describe('view export', () => {
  it('makes safe file names from any view name', () => {
    expect(exportFileName('Lost devices', 'csv')).toBe('Lost_devices.csv');
    expect(exportFileName('Büro Ärger / 2026', 'xlsx')).toBe('Buro_Arger_2026.xlsx');
    expect(exportFileName('../../etc/passwd', 'json')).toBe('etc_passwd.json');
    expect(exportFileName('"; filename=evil.exe', 'csv')).toBe('filename_evil.exe.csv');
    expect(exportFileName('日本', 'csv')).toBe('view.csv');
    expect(exportFileName('x'.repeat(300), 'csv')).toBe(`${'x'.repeat(80)}.csv`);
  });

  it('checks columns: fields, attributes, unknown, repeated, too many', async () => {
    expect(await resolveColumns(['name', 'attribute:room'], attributes, 'query.columns')).toEqual([
      { name: 'name', field: 'name' },
      { name: 'attribute:room', attributeId: 7 },
    ]);
    expect((await resolveColumns(undefined, attributes, 'query.columns')).map((c) => c.name)).toEqual([
      'name',
      'mac',
      'lastIp',
      'product',
      'version',
      'site',
      'lastContact',
      'online',
    ]);
    for (const [cols, words] of [
      [['name', 'nmae'], "unknown column 'nmae'"],
      [['attribute:nope'], "unknown column 'attribute:nope'"],
      [['attribute:'], "unknown column 'attribute:'"],
      [['mac', 'mac'], 'named twice'],
      [Array.from({ length: 65 }, (_, i) => `c${i}`), 'at most 64'],
      [['__proto__'], 'unknown column'],
    ] as const) {
      await expect(resolveColumns([...cols], attributes, 'body.columns')).rejects.toMatchObject({
        code: ErrorCode.ValidationFailed,
        details: { field: 'body.columns' },
        message: expect.stringContaining(words),
      });
    }
    expect(splitColumns(' name , mac')).toEqual(['name', 'mac']);
  });

  it('guards csv cells a spreadsheet would run as formulas, and quotes per RFC 4180', async () => {
    const cols = [
      { name: 'name', field: 'name' as const },
      { name: 'comment', field: 'comment' as const },
    ];
    const csv = await text(
      exportStream(
        'csv',
        cols,
        pages(
          [
            ['=1+1', '+SUM(A1)'],
            ['-3', '@cmd'],
          ],
          [
            ['\tTAB', 'a "quoted", text\nline'],
            ['plain', null],
          ],
        ),
        { id: 1, name: 'v' },
      ),
    );
    expect(parse(csv)).toEqual([
      ['name', 'comment'],
      ["'=1+1", "'+SUM(A1)"],
      ["'-3", "'@cmd"],
      ["'\tTAB", 'a "quoted", text\nline'],
      ['plain', ''],
    ]);
  });

  it('frames json items across pages, numbers and nulls kept', async () => {
    const cols = [
      { name: 'id', field: 'id' as const },
      { name: 'site', field: 'site' as const },
    ];
    const json = await text(exportStream('json', cols, pages([], [[1, 'A']], [], [[2, null]]), { id: 3, name: 'v' }));
    expect(JSON.parse(json)).toEqual({
      view: { id: 3, name: 'v' },
      columns: ['id', 'site'],
      items: [
        { id: 1, site: 'A' },
        { id: 2, site: null },
      ],
    });
  });
});
