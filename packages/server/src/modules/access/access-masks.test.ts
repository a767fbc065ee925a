import { describe, expect, it } from 'vitest';
import { OBJECT_RIGHTS } from '@openums/protocol';
import { masksToRights, rightsToMasks } from './access-masks.js';

describe('stored right masks', () => {
  it('keep every right on the bit it was first stored on (the order is a database format)', () => {
    expect(OBJECT_RIGHTS.map((r) => rightsToMasks({ [r]: 'allow' }).allow)).toEqual([
      1 << 0, // browse
      1 << 1, // read
      1 << 2, // write
      1 << 3, // move
      1 << 4, // editConfiguration
      1 << 5, // editSystemInformation
      1 << 6, // accessControl
      1 << 7, // remoteAccess
      1 << 8, // sendMessage
      1 << 9, // assign
      1 << 10, // powerControl
      1 << 11, // firmwareControl
    ]);
    expect(OBJECT_RIGHTS.slice(0, 12)).toEqual([
      'browse',
      'read',
      'write',
      'move',
      'editConfiguration',
      'editSystemInformation',
      'accessControl',
      'remoteAccess',
      'sendMessage',
      'assign',
      'powerControl',
      'firmwareControl',
    ]);
  });

  it('round-trip allow, deny and not set; unknown bits are ignored', () => {
    const rights = { browse: 'allow', read: 'deny', accessControl: 'allow', firmwareControl: 'deny' } as const;
    const masks = rightsToMasks(rights);
    expect(masks).toEqual({ allow: 1 | (1 << 6), deny: (1 << 1) | (1 << 11) });
    expect(masksToRights(masks)).toEqual(rights);
    expect(masksToRights({ allow: 0, deny: 0 })).toEqual({});
    expect(masksToRights({ allow: 1 << 20, deny: 1 << 25 })).toEqual({});
  });
});
