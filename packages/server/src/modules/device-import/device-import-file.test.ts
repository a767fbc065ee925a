import { describe, expect, it } from 'vitest';
import { parseImportFile } from './device-import-file.js';

describe('device import file', () => {
  it('reads the short format: unit id; name; product id; profiles with !id removals', () => {
    const { lines, errors } = parseImportFile('\ufeff00:e0:c5:12:34:56;kiosk;UD3-LX;1, 2 !3\n\n00E0C5123457;;;\n', 'short');
    expect(errors).toEqual([]);
    expect(lines).toEqual([
      { line: 1, unitId: '00E0C5123456', name: 'kiosk', product: 'UD3-LX', addProfiles: [1, 2], removeProfiles: [3] },
      { line: 3, unitId: '00E0C5123457', addProfiles: [], removeProfiles: [] },
    ]);
  });

  it('reads the long format with a folder path, both date spellings and extra profile columns', () => {
    const { lines, errors } = parseImportFile(
      '/A/B ;00E0C5123456;UD3-LX;11.10.100;n;site;dep;"a;b";asset;1.3.2024;SN;4;!5\n;00E0C5123457;;;;;;;;2024-02-29;;',
      'long',
    );
    expect(errors).toEqual([]);
    expect(lines[0]).toMatchObject({
      folderPath: ['A', 'B'],
      version: '11.10.100',
      comment: 'a;b',
      inServiceDate: '2024-03-01',
      addProfiles: [4],
      removeProfiles: [5],
    });
    expect(lines[1]).toMatchObject({ folderPath: [], inServiceDate: '2024-02-29' });
  });

  it('names line and field of every problem', () => {
    const { errors } = parseImportFile(
      ['x;n', '00E0C5123456;' + 'n'.repeat(129), '00E0C5123456;dup', '00E0C5123458;n;;1,!1', '00E0C5123459;n;;abc'].join('\n'),
      'short',
    );
    expect(errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [1, 'unitId', 'INVALID'],
      [2, 'name', 'INVALID'],
      [3, 'unitId', 'DUPLICATE'],
      [4, 'profiles', 'INVALID'],
      [5, 'profiles', 'INVALID'],
    ]);
    expect(parseImportFile('/A//B;00E0C5123456;;;;;;;;31.02.2024;;', 'long').errors.map((e) => e.field)).toEqual([
      'inServiceDate',
      'folderPath',
    ]);
    expect(parseImportFile('00E0C5123456;"open', 'short').errors[0]).toMatchObject({ field: 'line', code: 'INVALID' });
    expect(parseImportFile('00E0C5123456;a\u0001b', 'short').errors[0]).toMatchObject({ line: 1, field: 'name' });
  });
});
