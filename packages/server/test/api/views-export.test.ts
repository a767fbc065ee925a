import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { ErrorCode } from '@openums/protocol';
import { SYSTEM_CONTEXT } from '../../src/modules/audit/audit-context.js';
import { SavedViewsRepository } from '../../src/modules/views/saved-views.repository.js';
import { SavedViewsService } from '../../src/modules/views/saved-views.service.js';
import { ViewActionsRepository } from '../../src/modules/views/view-actions.repository.js';
import { ViewActionsService } from '../../src/modules/views/view-actions.service.js';
import { ViewDevices } from '../../src/modules/views/view-devices.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * Export and mail of a saved view (issue 12, docs/views.md "Export, mail and actions on a view"):
 * csv / json / xlsx parsed back, exact rows for an administrator who may browse only part of the
 * view's devices, formula injection guarded, columns checked; mail through a real SMTP server
 * (smtp-server) with the attachment checked as received; an unreachable server sends nothing.
 */

type Json = any;
const PW = 'a long enough password 1';

interface Received {
  to: string[];
  raw: string;
}

/** The attachment of a received message: file name, content type and decoded bytes. */
function attachmentOf(raw: string): { filename: string; type: string; content: Buffer } {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  if (!boundary) throw new Error('not a multipart message');
  for (const part of raw.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    const head = part.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
    const filename = /filename="?([^";\r\n]+)"?/i.exec(head)?.[1];
    if (!filename) continue;
    const type = /content-type:\s*([^;\r\n]+)/i.exec(head)?.[1] ?? '';
    const body = part.slice(split + 4).replace(/\s+/g, '');
    return { filename, type, content: Buffer.from(body, 'base64') };
  }
  throw new Error('no attachment');
}

/** The Subject header, its encoded words (RFC 2047, Q encoding as nodemailer writes them) decoded. */
function subjectOf(raw: string): string | undefined {
  const header = /^subject: (.*)$/im.exec(raw.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' '))?.[1];
  return header?.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_m, q: string) =>
    Buffer.from(
      q.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8'),
  );
}

describe.each(DIALECTS)('views: export and mail (%s)', (dialect) => {
  let t: TestApp;
  let smtp: SMTPServer;
  let smtpPort = 0;
  const received: Received[] = [];
  const ids: Record<string, number> = {};
  let ann: { id: number; token: string };
  let viewId = 0;

  const inject = async (token: string, method: string, url: string, body?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
  const ok = async (m: string, u: string, b?: unknown) => {
    const r = await t.api(m, u, b);
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body as Json;
  };

  beforeAll(async () => {
    smtp = new SMTPServer({
      logger: false,
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;

    t = await buildTestApp(dialect);
    for (const name of ['Augsburg', 'Berlin', 'Hidden']) ids[name] = (await ok('POST', '/api/v1/device-folders', { name })).id;
    // name, folder, site, comment (the formula-injection cases)
    const devices: Array<[string, string, string, string | null]> = [
      ['aug-2', 'Augsburg', 'Augsburg', '=HYPERLINK("http://x.test","click")'],
      ['aug-1', 'Augsburg', 'Augsburg', 'plain, with "quotes"'],
      ['aug-3', 'Berlin', 'Augsburg', '-2+3'],
      ['ber-1', 'Berlin', 'Berlin', null],
      ['hid-1', 'Hidden', 'Augsburg', '@SUM(A1)'],
    ];
    let n = 1;
    for (const [name, folder, site, comment] of devices) {
      const mac = `02AD000000${String(n++).padStart(2, '0')}`;
      ids[name] = (await ok('POST', '/api/v1/devices', { mac, name, folderId: ids[folder] })).id;
      await ok('PATCH', `/api/v1/devices/${ids[name]}`, { site, comment });
    }
    await ok('POST', '/api/v1/device-attributes', { identifier: 'location', name: 'Location', type: 'string' });
    await ok('PUT', `/api/v1/devices/${ids['aug-1']}/attributes`, { values: { location: 'Room 4' } });

    viewId = (
      await ok('POST', '/api/v1/views', { name: 'Lost: Augsburg / 2026', criteria: { field: 'site', op: 'eq', value: 'Augsburg' } })
    ).id;
    const annId = (await ok('POST', '/api/v1/admins', { username: 'ann', password: PW, superuser: false })).id as number;
    ann = { id: annId, token: (await ok('POST', `/api/v1/admins/${annId}/tokens`, { name: 'views' })).token };
    await ok('PUT', `/api/v1/views/${viewId}/access`, {
      entries: [{ principal: { type: 'admin', id: annId }, rights: { browse: 'allow', read: 'allow' } }],
    });
    for (const f of ['Augsburg', 'Berlin']) {
      await ok('PUT', `/api/v1/device-folders/${ids[f]}/access`, {
        entries: [{ principal: { type: 'admin', id: annId }, rights: { browse: 'allow', read: 'allow' } }],
      });
    }
    await ok('PUT', '/api/v1/settings/mail', {
      host: '127.0.0.1',
      port: smtpPort,
      security: 'none',
      sender: 'ums@example.test',
      recipients: ['admins@example.test'],
      verify: false,
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('exports csv with exactly the devices the administrator may browse, formulas guarded, attribute columns', async () => {
    const cols = 'name,mac,site,comment,attribute:location,online';
    const r = await inject(ann.token, 'GET', `/api/v1/views/${viewId}/export?format=csv&columns=${encodeURIComponent(cols)}`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.headers['content-disposition']).toBe('attachment; filename="Lost_Augsburg_2026.csv"');
    const rows = parse(r.body) as string[][];
    expect(rows).toEqual([
      ['name', 'mac', 'site', 'comment', 'attribute:location', 'online'],
      ['aug-1', '02AD00000002', 'Augsburg', 'plain, with "quotes"', 'Room 4', 'false'],
      ['aug-2', '02AD00000001', 'Augsburg', `'=HYPERLINK("http://x.test","click")`, '', 'false'],
      ['aug-3', '02AD00000003', 'Augsburg', "'-2+3", '', 'false'],
    ]);
    // The superuser also gets the device in the folder ann may not browse.
    const all = await inject(t.token, 'GET', `/api/v1/views/${viewId}/export?columns=name,comment`);
    expect(parse(all.body)).toEqual([
      ['name', 'comment'],
      ['aug-1', 'plain, with "quotes"'],
      ['aug-2', `'=HYPERLINK("http://x.test","click")`],
      ['aug-3', "'-2+3"],
      ['hid-1', "'@SUM(A1)"],
    ]);
  });

  it('exports json and xlsx with the default columns, read back exactly', async () => {
    const j = await inject(ann.token, 'GET', `/api/v1/views/${viewId}/export?format=json`);
    expect(j.statusCode).toBe(200);
    expect(j.headers['content-disposition']).toBe('attachment; filename="Lost_Augsburg_2026.json"');
    const doc = j.json() as Json;
    expect(doc.view).toEqual({ id: viewId, name: 'Lost: Augsburg / 2026' });
    expect(doc.columns).toEqual(['name', 'mac', 'lastIp', 'product', 'version', 'site', 'lastContact', 'online']);
    expect(doc.items.map((i: Json) => i.name)).toEqual(['aug-1', 'aug-2', 'aug-3']);
    expect(doc.items[0]).toEqual({
      name: 'aug-1',
      mac: '02AD00000002',
      lastIp: null,
      product: null,
      version: null,
      site: 'Augsburg',
      lastContact: null,
      online: false,
    });

    const x = await inject(ann.token, 'GET', `/api/v1/views/${viewId}/export?format=xlsx&columns=name,comment,folderId`);
    expect(x.statusCode).toBe(200);
    expect(x.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('Devices')!;
    const values: unknown[][] = [];
    sheet.eachRow((row) => values.push((row.values as unknown[]).slice(1)));
    expect(values).toEqual([
      ['name', 'comment', 'folderId'],
      ['aug-1', 'plain, with "quotes"', ids.Augsburg],
      // xlsx keeps text as text (never a formula): written as it is.
      ['aug-2', '=HYPERLINK("http://x.test","click")', ids.Augsburg],
      ['aug-3', '-2+3', ids.Berlin],
    ]);
    expect(sheet.getRow(1).font?.bold).toBe(true);
  });

  it('an empty result is a file with only the header', async () => {
    const empty = (await ok('POST', '/api/v1/views', { name: 'none', criteria: { field: 'site', op: 'eq', value: 'Nowhere' } })).id;
    const c = await inject(t.token, 'GET', `/api/v1/views/${empty}/export?columns=name`);
    expect(c.body).toBe('name\n');
    const j = await inject(t.token, 'GET', `/api/v1/views/${empty}/export?format=json&columns=name`);
    expect(j.json()).toEqual({ view: { id: empty, name: 'none' }, columns: ['name'], items: [] });
  });

  it('refuses unknown or repeated columns, bad formats and hidden views, naming the field', async () => {
    for (const [query, field, text] of [
      ['columns=name,nmae', 'query.columns', "'nmae'"],
      ['columns=name,name', 'query.columns', 'twice'],
      ['columns=name,,mac', 'query.columns', 'empty'],
      ['columns=attribute:nope', 'query.columns', "'attribute:nope'"],
      ['format=pdf', 'format', ''],
      ['limit=5', 'limit', ''],
    ] as const) {
      const r = await inject(t.token, 'GET', `/api/v1/views/${viewId}/export?${query}`);
      expect(r.statusCode, query).toBe(400);
      const body = r.json() as Json;
      expect(body.error.code).toBe(ErrorCode.ValidationFailed);
      expect(`${body.error.details?.field ?? ''} ${body.error.message}`, query).toContain(field);
      if (text) expect(body.error.message).toContain(text);
    }
    const missing = await inject(t.token, 'GET', '/api/v1/views/999999/export');
    expect(missing.statusCode).toBe(404);
    expect((missing.json() as Json).error.code).toBe(ErrorCode.ViewNotFound);
    const hidden = (await ok('POST', '/api/v1/views', { name: 'not for ann', criteria: { field: 'site', op: 'eq', value: 'Augsburg' } }))
      .id;
    const h = await inject(ann.token, 'GET', `/api/v1/views/${hidden}/export`);
    expect(h.statusCode).toBe(404);
    expect((h.json() as Json).error.code).toBe(ErrorCode.ViewNotFound);
    const m = await inject(ann.token, 'POST', `/api/v1/views/${hidden}/mail`, { format: 'csv' });
    expect(m.statusCode).toBe(404);
  });

  it('mails the export to the configured recipients and to given ones; the attachment arrives as exported', async () => {
    received.length = 0;
    const r = await inject(ann.token, 'POST', `/api/v1/views/${viewId}/mail`, { format: 'csv', columns: ['name', 'comment'] });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ recipients: ['admins@example.test'], devices: 3, fileName: 'Lost_Augsburg_2026.csv' });
    expect(received).toHaveLength(1);
    expect(received[0]!.to).toEqual(['admins@example.test']);
    expect(subjectOf(received[0]!.raw)).toBe('OpenUMS view "Lost: Augsburg / 2026": 3 devices');
    const a = attachmentOf(received[0]!.raw);
    expect(a.filename).toBe('Lost_Augsburg_2026.csv');
    expect(a.type).toBe('text/csv');
    expect(a.content.length).toBe((r.json() as Json).bytes);
    expect(parse(a.content)).toEqual([
      ['name', 'comment'],
      ['aug-1', 'plain, with "quotes"'],
      ['aug-2', `'=HYPERLINK("http://x.test","click")`],
      ['aug-3', "'-2+3"],
    ]);

    const x = await inject(t.token, 'POST', `/api/v1/views/${viewId}/mail`, {
      format: 'xlsx',
      recipients: ['ops@example.test', 'lead@example.test'],
      columns: ['name'],
    });
    expect(x.statusCode, x.body).toBe(200);
    expect(received).toHaveLength(2);
    expect(received[1]!.to).toEqual(['ops@example.test', 'lead@example.test']);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(attachmentOf(received[1]!.raw).content as unknown as ArrayBuffer);
    const names: unknown[] = [];
    wb.getWorksheet('Devices')!.eachRow((row) => names.push(row.getCell(1).value));
    expect(names).toEqual(['name', 'aug-1', 'aug-2', 'aug-3', 'hid-1']);

    const audit = await ok('GET', '/api/v1/audit-log?action=view.mail');
    expect(audit.items[0]).toMatchObject({ action: 'view.mail', objectType: 'view', objectId: viewId });
    expect(audit.items[0].after).toMatchObject({ recipients: ['ops@example.test', 'lead@example.test'], format: 'xlsx', devices: 4 });
  });

  it('refuses bad mail bodies naming the field, and an unreachable SMTP server sends nothing (its host named)', async () => {
    received.length = 0;
    for (const [body, field] of [
      [{}, 'format'],
      [{ format: 'pdf' }, 'format'],
      [{ format: 'csv', recipients: ['not an address'] }, 'recipients'],
      [{ format: 'csv', recipients: [] }, 'recipients'],
      [{ format: 'csv', columns: ['name', 'bogus'] }, 'body.columns'],
      [{ format: 'csv', extra: 1 }, 'body'],
    ] as const) {
      const r = await inject(t.token, 'POST', `/api/v1/views/${viewId}/mail`, body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      const e = (r.json() as Json).error;
      expect(`${e.details?.field ?? ''} ${e.message}`, JSON.stringify(body)).toContain(field);
    }
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const dead = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await ok('PUT', '/api/v1/settings/mail', {
      host: '127.0.0.1',
      port: dead,
      security: 'none',
      sender: 'ums@example.test',
      recipients: ['admins@example.test'],
      verify: false,
    });
    const r = await inject(t.token, 'POST', `/api/v1/views/${viewId}/mail`, { format: 'json' });
    expect(r.statusCode).toBe(422);
    const e = (r.json() as Json).error;
    expect(e.code).toBe(ErrorCode.MailConnectionFailed);
    expect(e.message).toContain(`127.0.0.1:${dead}`);
    expect(received).toHaveLength(0);
    await ok('PUT', '/api/v1/settings/mail', { host: null, security: 'none', sender: null, verify: false });
    const off = await inject(t.token, 'POST', `/api/v1/views/${viewId}/mail`, { format: 'csv' });
    expect(off.statusCode).toBe(409);
    expect((off.json() as Json).error.code).toBe(ErrorCode.MailNotConfigured);
    const audit = await ok('GET', '/api/v1/audit-log?action=view.mail');
    expect(audit.items).toHaveLength(2);
  });

  it('refuses to mail an attachment over the size limit: nothing is sent', async () => {
    const db = t.database.db;
    const calls: unknown[] = [];
    const service = new ViewActionsService({
      saved: new SavedViewsService(new SavedViewsRepository(db), t.clock, t.audit),
      devices: new ViewDevices(db, t.database.dialect, t.clock, 2),
      repo: new ViewActionsRepository(db),
      commands: { sendCommand: () => Promise.reject(new Error('not used')) },
      profiles: { requireProfile: () => Promise.reject(new Error('not used')), assign: () => Promise.reject(new Error('not used')) },
      mailer: {
        send: async (...a: unknown[]) => (calls.push(a), { messageId: 'x', accepted: [], rejected: [] }),
        sendToRecipients: async (...a: unknown[]) => (calls.push(a), { messageId: 'x', accepted: ['a@example.test'], rejected: [] }),
      },
      audit: t.audit,
      maxMailBytes: 60,
    });
    // name,comment of four devices: well over 60 bytes.
    await expect(service.mailView(SYSTEM_CONTEXT, viewId, { format: 'csv', columns: ['name', 'comment'] }, null)).rejects.toMatchObject({
      code: ErrorCode.ViewExportTooLarge,
      details: { limit: 60 },
    });
    expect(calls).toEqual([]);
    // xlsx too (the streaming writer is stopped mid-file without an unhandled error).
    await expect(service.mailView(SYSTEM_CONTEXT, viewId, { format: 'xlsx' }, null)).rejects.toMatchObject({
      code: ErrorCode.ViewExportTooLarge,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).toEqual([]);
    // Under the limit it goes out: one device name per row.
    const small = await service.mailView(SYSTEM_CONTEXT, viewId, { format: 'csv', columns: ['name'] }, null);
    expect(small).toMatchObject({ devices: 4, bytes: 'name\naug-1\naug-2\naug-3\nhid-1\n'.length });
    expect(calls).toHaveLength(1);
  });
});
