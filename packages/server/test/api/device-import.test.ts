import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { channelServer } from '../helpers/channel-server.js';
import { enroll, httpsCall } from '../helpers/device.js';

describe.each(DIALECTS)('device import (%s)', (dialect) => {
  const s = channelServer(dialect);
  const { api, newKey } = s;

  async function importCsv(format: string, body: string, opts: { dryRun?: boolean; token?: string; type?: string } = {}) {
    const r = await httpsCall(s.t, 'POST', `/api/v1/devices/import?format=${format}${opts.dryRun ? '&dryRun=true' : ''}`, {
      headers: { authorization: `Bearer ${opts.token ?? s.token}`, 'content-type': opts.type ?? 'text/csv' },
      body,
    });
    return { status: r.status, body: r.body ? JSON.parse(r.body) : null };
  }
  const deviceByMac = async (mac: string) => (await api('GET', `/api/v1/devices?q=${mac}`)).body.items.find((d: any) => d.mac === mac);
  const assignedTo = async (profileId: number) =>
    (await api('GET', `/api/v1/profiles/${profileId}/assignments`)).body.items.map((a: any) => `${a.type}:${a.id}`);
  const count = async () => (await api('GET', '/api/v1/devices/summary')).body.total as number;

  it('imports the short format: unit id; name; product id; profiles, and !id removes an assignment', async () => {
    const p1 = (await api('POST', '/api/v1/profiles', { name: 'imp-a', type: 'standard' })).body.id;
    const p2 = (await api('POST', '/api/v1/profiles', { name: 'imp-b', type: 'standard' })).body.id;
    const r = await importCsv(
      'short',
      `00:E0:C5:00:00:01;kiosk-1;UD3-LX;${p1},${p2}\n00e0c5000002;;UD7-LX\n\n00E0C5000003;"semi;colon";;${p1}\n`,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ dryRun: false, created: 3, updated: 0 });
    expect(r.body.lines.map((l: any) => [l.line, l.action, l.name])).toEqual([
      [1, 'create', 'kiosk-1'],
      [2, 'create', 'ITC00E0C5000002'],
      [4, 'create', 'semi;colon'],
    ]);
    const d1 = await deviceByMac('00E0C5000001');
    expect(d1).toMatchObject({ name: 'kiosk-1', unitId: '00E0C5000001', product: 'UD3-LX', folderId: null, lastContact: null });
    expect(await assignedTo(p1)).toEqual(expect.arrayContaining([`device:${d1.id}`]));
    expect(await assignedTo(p2)).toEqual([`device:${d1.id}`]);

    // A second import updates: renames, and !p2 removes that assignment (p1 stays).
    const again = await importCsv('short', `00E0C5000001;kiosk-1b;;!${p2}`);
    expect(again.body).toMatchObject({ created: 0, updated: 1 });
    expect(again.body.lines[0]).toMatchObject({ action: 'update', deviceId: d1.id, profilesRemoved: [p2] });
    expect((await api('GET', `/api/v1/devices/${d1.id}`)).body.name).toBe('kiosk-1b');
    expect(await assignedTo(p2)).toEqual([]);
    expect(await assignedTo(p1)).toContain(`device:${d1.id}`);
  });

  it('imports the long format with folders created on demand, and previews without saving', async () => {
    const csv = [
      '/Augsburg/Floor 1;00E0C5000101;UD3-LX;11.10.100;aug-101;Augsburg;Sales;first floor;A-101;01.03.2024;SN-101;',
      'Augsburg/Floor 2;00E0C5000102;UD3-LX;11.10.100;aug-102;Augsburg;Support;;;2024-03-02;SN-102',
    ].join('\r\n');
    const before = await count();
    const preview = await importCsv('long', csv, { dryRun: true });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ dryRun: true, created: 2, updated: 0 });
    expect(preview.body.lines[0]).toMatchObject({
      deviceId: null,
      folderPath: '/Augsburg/Floor 1',
      createsFolders: ['/Augsburg', '/Augsburg/Floor 1'],
    });
    expect(preview.body.lines[1].createsFolders).toEqual(['/Augsburg/Floor 2']);
    expect(await count()).toBe(before);
    expect((await api('GET', '/api/v1/device-folders')).body.items.some((f: any) => f.name === 'Augsburg')).toBe(false);

    const done = await importCsv('long', csv);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(await count()).toBe(before + 2);
    const d = await deviceByMac('00E0C5000101');
    expect(d).toMatchObject({
      name: 'aug-101',
      product: 'UD3-LX',
      version: '11.10.100',
      site: 'Augsburg',
      department: 'Sales',
      comment: 'first floor',
      assetId: 'A-101',
      inServiceDate: '2024-03-01',
      serialNumber: 'SN-101',
    });
    const folder = (await api('GET', `/api/v1/device-folders/${d.folderId}`)).body;
    expect(folder.name).toBe('Floor 1');
    const parent = (await api('GET', `/api/v1/device-folders/${folder.parentId}`)).body;
    expect(parent).toMatchObject({ name: 'Augsburg', parentId: null });
    const d2 = await deviceByMac('00E0C5000102');
    expect((await api('GET', `/api/v1/device-folders/${d2.folderId}`)).body.parentId).toBe(parent.id);
  });

  it('refuses a malformed file naming line and field, and saves nothing of it', async () => {
    const before = await count();
    const bad = await importCsv(
      'long',
      [
        '/Good;00E0C5000201;UD3-LX;;good-1;;;;;;;',
        '/Good;00E0C5000202;UD3-LX;;good-2;;;;;31.02.2024;;',
        '/Good;not-a-mac;UD3-LX;;bad-3;;;;;;;',
        '/Good;00E0C5000201;UD3-LX;;dup;;;;;;;',
        '/Good;00E0C5000205;;;x;;;;;;;12x',
        '/Good;00E0C5000206;;;x;;;;;;;999999',
      ].join('\n'),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('IMPORT_INVALID');
    expect(bad.body.error.details.errors).toEqual([
      expect.objectContaining({ line: 2, field: 'inServiceDate', code: 'INVALID' }),
      expect.objectContaining({ line: 3, field: 'unitId', code: 'INVALID' }),
      expect.objectContaining({ line: 4, field: 'unitId', code: 'DUPLICATE' }),
      expect.objectContaining({ line: 5, field: 'profiles', code: 'INVALID' }),
    ]);
    expect(bad.body.error.message).toContain('Line 2');
    // Unknown profiles are found in the second pass (the file itself was well-formed).
    const unknown = await importCsv('short', '00E0C5000206;x;;999999');
    expect(unknown.body.error.details.errors).toEqual([expect.objectContaining({ line: 1, field: 'profiles', code: 'NOT_FOUND' })]);
    const quote = await importCsv('short', '00E0C5000207;"unterminated;;\n');
    expect(quote.status).toBe(400);
    expect(quote.body.error.details.errors[0]).toMatchObject({ field: 'line', code: 'INVALID' });
    expect(await count()).toBe(before);
    expect((await api('GET', '/api/v1/device-folders')).body.items.some((f: any) => f.name === 'Good')).toBe(false);
  });

  it('answers 415 for JSON, 413 over the size limit, 400 for an unknown format or an empty file', async () => {
    expect((await importCsv('short', '{}', { type: 'application/json' })).status).toBe(415);
    expect((await importCsv('short', 'x'.repeat(4 * 1024 * 1024 + 10))).status).toBe(413);
    expect((await importCsv('wide', '00E0C5000301;a')).status).toBe(400);
    const empty = await importCsv('short', '\n\n');
    expect(empty.body.error.details.errors[0]).toMatchObject({ line: 1, field: 'file' });
  });

  it('refuses devices and folders outside what the administrator may write', async () => {
    const allowed = (await api('POST', '/api/v1/device-folders', { name: `writable-${dialect}` })).body.id;
    const other = (await api('POST', '/api/v1/device-folders', { name: `closed-${dialect}` })).body.id;
    const admin = (
      await api('POST', '/api/v1/admins', { username: `importer-${dialect}`, password: 'import-Secret-Pw1', superuser: false })
    ).body.id;
    const token = (await api('POST', `/api/v1/admins/${admin}/tokens`, { name: 'import' })).body.token;
    const put = await api('PUT', `/api/v1/device-folders/${allowed}/access`, {
      entries: [{ principal: { type: 'admin', id: admin }, rights: { browse: 'allow', read: 'allow', write: 'allow' } }],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    void other;
    const ok = await importCsv('long', `/writable-${dialect}/New;00E0C5000401;;;w-1;;;;;;;`, { token });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const refused = await importCsv(
      'long',
      [`/writable-${dialect};00E0C5000402;;;w-2;;;;;;;`, `/closed-${dialect};00E0C5000403;;;c-1;;;;;;;`, `;00E0C5000404;;;top;;;;;;;`].join(
        '\n',
      ),
      { token },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.errors.map((e: any) => [e.line, e.field, e.code])).toEqual([
      [2, 'folderPath', 'NOT_FOUND'],
      [3, 'folderPath', 'FORBIDDEN'],
    ]);
    expect(await deviceByMac('00E0C5000402')).toBeUndefined();
  });

  it('names new devices without a name by the naming convention, numbers in line order', async () => {
    const put = await api('PUT', '/api/v1/settings/naming', {
      enabled: true,
      prefix: 'IM',
      digits: 3,
      identifier: 'sequential',
      adjustNetworkName: false,
      adjustNameFromNetworkName: false,
    });
    expect(put.status).toBe(200);
    const preview = await importCsv('short', '00E0C5000601;;\n00E0C5000602;given\n00E0C5000603;;', { dryRun: true });
    expect(preview.body.lines.map((l: any) => l.name)).toEqual(['IM001', 'given', 'IM002']);
    const done = await importCsv('short', '00E0C5000601;;\n00E0C5000602;given\n00E0C5000603;;');
    // The dry run gave its numbers back (its transaction rolled back).
    expect(done.body.lines.map((l: any) => l.name)).toEqual(['IM001', 'given', 'IM002']);
    expect((await deviceByMac('00E0C5000603')).name).toBe('IM002');
    expect((await api('PUT', '/api/v1/settings/naming', { ...put.body, enabled: false })).status).toBe(200);
  });

  it('an imported device is pre-registered: its enrollment takes the record over, keeping name and folder', async () => {
    const r = await importCsv('long', `/Pre;00E0C5000501;UD3-LX;;pre-named;;;;;;;`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const imported = await deviceByMac('00E0C5000501');
    const [key] = await newKey({ type: 'mass' });
    const e = await enroll(s.t, key!.secret, { unitId: '00E0C5000501', mac: '00E0C5000501', product: 'OpenUMS Linux', version: '12.1' });
    expect(e.status, e.body).toBe(200);
    const id = Number(/CN=device-(\d+)/.exec(new X509Certificate(e.certPem!).subject)![1]);
    expect(id).toBe(imported.id);
    expect((await api('GET', `/api/v1/devices/${id}`)).body).toMatchObject({
      name: 'pre-named',
      folderId: imported.folderId,
      product: 'OpenUMS Linux',
    });
    // Enrolled now: a new import line updates the inventory fields but not what the device reports.
    const upd = await importCsv('short', '00E0C5000501;pre-renamed;UD9-LX');
    expect(upd.body.lines[0].action).toBe('update');
    expect((await api('GET', `/api/v1/devices/${id}`)).body).toMatchObject({ name: 'pre-renamed', product: 'OpenUMS Linux' });
  });
});
