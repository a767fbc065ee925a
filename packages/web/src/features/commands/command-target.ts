import type { DeviceFolder } from '@openums/protocol';

/** What a command goes to: one device, or every device in a folder (optionally its sub-folders). */
export type CommandTarget =
  { kind: 'device'; deviceId: number; name: string; online: boolean } | { kind: 'folder'; folderId: number; name: string };

/**
 * Devices a folder command reaches, from the folder list's per-folder counts; null when the
 * folder is not (yet) known.
 */
export function countFolderDevices(folders: readonly DeviceFolder[], folderId: number, recursive: boolean): number | null {
  const byId = new Map(folders.map((f) => [f.id, f]));
  const root = byId.get(folderId);
  if (!root) return null;
  if (!recursive) return root.deviceCount;
  const children = new Map<number, DeviceFolder[]>();
  for (const f of folders) {
    if (f.parentId === null) continue;
    const list = children.get(f.parentId);
    if (list) list.push(f);
    else children.set(f.parentId, [f]);
  }
  let total = 0;
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length) {
    const folder = stack.pop()!;
    if (seen.has(folder.id)) continue;
    seen.add(folder.id);
    total += folder.deviceCount;
    stack.push(...(children.get(folder.id) ?? []));
  }
  return total;
}

export function devicesLabel(count: number): string {
  return `${count.toLocaleString()} device${count === 1 ? '' : 's'}`;
}
