import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '@openums/protocol';
import type { DeviceChannel } from '../../src/channel/device-channel.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DeviceAttributesRepository } from '../../src/modules/device-attributes/device-attributes.repository.js';
import { DeviceAttributesService } from '../../src/modules/device-attributes/device-attributes.service.js';
import { newDeviceRow } from '../../src/modules/devices/devices.repository.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';

// The values a device holds go to it on every hello: devices saying hello together (a reconnect
// storm) are read in one query, each still gets its own values; without attribute definitions
// nothing is read at all.
describe.each(DIALECTS)('device attribute values at hello (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  let ids: number[];
  let repo: DeviceAttributesRepository;
  const calls = { one: 0, many: 0 };
  let definitionReads = 0;

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open();
    await db.migrate();
    const rows = Array.from({ length: 4 }, (_, i) =>
      newDeviceRow({ mac: `02EE${String(i).padStart(8, '0')}`, name: `a-${i}`, folderId: null, now: 1 }),
    );
    ids = (await db.db.insertInto('devices').values(rows).returning('id').execute()).map((r) => Number(r.id));
    repo = new DeviceAttributesRepository(db.db);
    const listOne = repo.listDeviceValues;
    const listMany = repo.listValuesOfDevices;
    repo.listDeviceValues = (...a) => (calls.one++, listOne(...a));
    const listDefinitions = repo.listDefinitions;
    repo.listDefinitions = (...a) => (definitionReads++, listDefinitions(...a));
    repo.listValuesOfDevices = (...a) => (calls.many++, listMany(...a));
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  const service = () => new DeviceAttributesService(repo, {} as never, {} as never, { now: () => 1 } as never, {} as never, null);
  const channel = (deviceId: number) => {
    const sent: ServerMessage[] = [];
    return { ch: { deviceId, send: (m: ServerMessage) => (sent.push(m), true) } as unknown as DeviceChannel, sent };
  };

  it('reads nothing when no attribute is defined, and still tells the device so', async () => {
    const { ch, sent } = channel(ids[0]!);
    await service().onHello(ch, ['attributes']);
    expect(sent).toEqual([{ t: 'attributes', definitions: [], values: {} }]);
    expect(calls).toEqual({ one: 0, many: 0 });
  });

  it('reads the values of devices saying hello together in one query, each its own', async () => {
    const field = (identifier: string) => ({ identifier, name: identifier, type: 'string', range_json: null, overwrite: 'all' });
    const desk = await repo.insertDefinition(field('desk'), 1, db.db);
    const floor = await repo.insertDefinition(field('floor'), 1, db.db);
    await repo.putDeviceValues(ids[1]!, new Map([[desk, 'D1']]), 'server', 1, db.db);
    await repo.putDeviceValues(
      ids[2]!,
      new Map([
        [desk, 'D2'],
        [floor, '3'],
      ]),
      'server',
      1,
      db.db,
    );
    definitionReads = 0;
    const s = service();
    const channels = ids.map(channel);
    await Promise.all(channels.map(({ ch }) => s.onHello(ch, ['attributes'])));
    expect(definitionReads).toBe(1);
    expect(channels.map(({ sent }) => (sent[0] as { values: Record<string, string> }).values)).toEqual([
      {},
      { desk: 'D1' },
      { desk: 'D2', floor: '3' },
      {},
    ]);
    expect(calls).toEqual({ one: 0, many: 1 });
    await Promise.all(channels.map(({ ch }) => s.onHello(ch, ['attributes'])));
    expect(calls).toEqual({ one: 0, many: 2 });
    expect(definitionReads).toBe(1);
    // A device without the capability gets nothing and costs nothing.
    const plain = channel(ids[1]!);
    await s.onHello(plain.ch, undefined);
    expect(plain.sent).toEqual([]);
    expect(calls.many).toBe(2);
  });
});
