import type { AccessNodeRef, AccessObjectType, EffectiveRight, ObjectRight, RightValue } from '@openums/protocol';

/** How a person reads each object right (the reference's names). */
export const RIGHT_LABELS: Record<ObjectRight, string> = {
  browse: 'Browse',
  read: 'Read',
  write: 'Write',
  move: 'Move',
  editConfiguration: 'Edit configuration',
  editSystemInformation: 'Edit system information',
  accessControl: 'Access control',
  remoteAccess: 'Remote access',
  sendMessage: 'Send message',
  assign: 'Assign',
  powerControl: 'Power control',
  firmwareControl: 'Firmware control',
};

/** What each right lets an administrator do, shown beside its control. */
export const RIGHT_HINTS: Record<ObjectRight, string> = {
  browse: 'See it in the tree and in lists',
  read: 'Open it and see its details',
  write: 'Rename, edit, delete; create inside a folder',
  move: 'Move it to another folder',
  editConfiguration: 'Change configuration parameters',
  editSystemInformation: 'Change inventory information',
  accessControl: 'Change this access list',
  remoteAccess: 'Shadow (VNC) and secure terminal',
  sendMessage: 'Send messages to its user',
  assign: 'Assign profiles, files and updates',
  powerControl: 'Reboot, suspend, shut down, wake up',
  firmwareControl: 'Firmware update, factory reset, file transfer',
};

export const VALUE_LABELS: Record<RightValue | 'unset', string> = { allow: 'Allow', deny: 'Deny', unset: 'Not set' };

/** "device", "folder" … as a sentence names the object. */
export const OBJECT_NOUNS: Record<AccessObjectType, string> = {
  device: 'device',
  'device-folder': 'folder',
  profile: 'profile',
  'profile-folder': 'profile folder',
  view: 'view',
  'view-folder': 'view folder',
};

/** Tooltip of a control the signed-in administrator may not use. */
export function missingRightText(right: ObjectRight, type: AccessObjectType): string {
  return `You need the ${RIGHT_LABELS[right]} right on this ${OBJECT_NOUNS[type]}`;
}

/** Names for the nodes and groups a reason mentions. */
export interface ReasonNames {
  /** "folder /Berlin", "device kiosk-12": the noun and the name of any node of the tree. */
  node: (ref: AccessNodeRef) => string;
  group: (id: number) => string;
}

const sameNode = (a: AccessNodeRef, b: AccessNodeRef) => a.type === b.type && a.id === b.id;

/**
 * One right of the effective rights in words: "allowed — through group Helpdesk on folder
 * /Berlin", "denied — inherited from folder /Berlin (direct)", "not set".
 */
export function reasonText(right: EffectiveRight, object: AccessNodeRef, names: ReasonNames): string {
  const { reason } = right;
  const verdict = right.allowed ? 'allowed' : 'denied';
  const where = sameNode(reason.node, object) ? `this ${OBJECT_NOUNS[object.type]}` : names.node(reason.node);
  const group = reason.groupId !== undefined ? names.group(reason.groupId) : null;
  switch (reason.kind) {
    case 'superuser':
      return 'allowed — superuser (holds every right)';
    case 'not-set':
      return 'not set';
    case 'direct':
      return `${verdict} — set for the account on ${where}`;
    case 'group':
      return `${verdict} — through group ${group ?? '?'} on ${where}`;
    case 'inherited':
      return group !== null ? `${verdict} — through group ${group} on ${where}` : `${verdict} — inherited from ${where} (direct)`;
    case 'implied-browse':
      return `${verdict} — implied by rights on ${where} below`;
    default:
      return verdict;
  }
}
