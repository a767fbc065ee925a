import { OBJECT_RIGHTS, type ObjectRights } from '@openums/protocol';
import { RIGHT_BIT } from './evaluate.js';

/*
 * Stored form of an entry's rights (access_entries.allow_mask / deny_mask): bit i is
 * OBJECT_RIGHTS[i], the bits the evaluator uses. The order of OBJECT_RIGHTS is therefore part of
 * the database format: new rights are appended, never inserted or reordered
 * (access-masks.test.ts pins every bit).
 */

export interface RightMasks {
  allow: number;
  deny: number;
}

export function rightsToMasks(rights: ObjectRights): RightMasks {
  let allow = 0;
  let deny = 0;
  for (const right of OBJECT_RIGHTS) {
    const v = rights[right];
    if (v === 'allow') allow |= RIGHT_BIT[right];
    else if (v === 'deny') deny |= RIGHT_BIT[right];
  }
  return { allow, deny };
}

/** The rights a row sets, in OBJECT_RIGHTS order; bits of rights this version does not know are ignored. */
export function masksToRights(m: RightMasks): ObjectRights {
  const rights: ObjectRights = {};
  for (const right of OBJECT_RIGHTS) {
    // Deny first: a row can hold both only if written by hand (the table's check forbids it).
    if (m.deny & RIGHT_BIT[right]) rights[right] = 'deny';
    else if (m.allow & RIGHT_BIT[right]) rights[right] = 'allow';
  }
  return rights;
}
