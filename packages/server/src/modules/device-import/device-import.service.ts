import {
  ErrorCode,
  type DeviceImportError,
  type DeviceImportFormat,
  type DeviceImportLine,
  type DeviceImportResponse,
  type NamingSettings,
  type ObjectRight,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { EventBus } from '../../lib/event-bus.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog, AuditRecord } from '../audit/audit-log.js';
import type { ConfigurationChanges, ConfigurationMarker } from '../configuration-delivery/configuration-changes.js';
import type { DeviceFoldersRepository } from '../device-folders/device-folders.repository.js';
import { newDeviceRow, type DevicePatch, type DevicesRepository } from '../devices/devices.repository.js';
import type { ProfilesRepository } from '../profiles/profiles.repository.js';
import { networkNameProblem } from '../naming/naming-rules.js';
import type { NamingService } from '../naming/naming.service.js';
import { parseImportFile, type ImportLine } from './device-import-file.js';

/** A refusal of the rights check: NOT_FOUND (or not visible) / FORBIDDEN, with a message. */
export interface Refusal {
  code: 'NOT_FOUND' | 'FORBIDDEN';
  message: string;
}

/** The administrator's rights, as the import asks them (the route answers from req.rights, cached). */
export interface ImportRights {
  /** `right` on the folder (null = top level: superusers only). */
  folder(folderId: number | null, right: ObjectRight): Promise<Refusal | null>;
  device(id: number, right: ObjectRight): Promise<Refusal | null>;
  profile(id: number, right: ObjectRight): Promise<Refusal | null>;
}

interface Existing {
  id: number;
  mac: string;
  unit_id: string | null;
  name: string;
  folder_id: number | null;
  cert_serial: string | null;
}

/** Folders of a path: the existing prefix and the names still to create. */
interface ResolvedPath {
  /** Deepest existing folder (null = top level). */
  existing: number | null;
  missing: string[];
}

const CHUNK = 500;
class DryRun {
  constructor(readonly answer: DeviceImportResponse) {}
}

/**
 * Device import in the reference's short and long formats. All or nothing: the file is parsed
 * and every line checked (fields, profiles, rights) before anything is written; then every
 * folder, device, change and assignment is written in one transaction. A dry run goes through
 * the same transaction and rolls it back, so its answer is exactly what the import would do.
 */
export class DeviceImportService {
  constructor(
    private readonly db: Db,
    private readonly devices: Pick<DevicesRepository, 'insertDevice' | 'updateDevice'>,
    private readonly folders: Pick<DeviceFoldersRepository, 'findSiblingByName' | 'insertFolder'>,
    private readonly profiles: Pick<ProfilesRepository, 'insertAssignments' | 'deleteAssignments'>,
    private readonly naming: Pick<NamingService, 'getNamingSettings' | 'nameNewDevices' | 'renamed'>,
    private readonly configuration: ConfigurationChanges,
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly audit: Pick<AuditLog, 'recordMany'>,
  ) {}

  async importDevices(by: AuditContext, rights: ImportRights, text: string, format: DeviceImportFormat, dryRun: boolean) {
    const { lines, errors } = parseImportFile(text, format);
    if (errors.length) throw invalid(errors);
    const naming = await this.naming.getNamingSettings();
    try {
      const answer = await this.configuration.change(async (trx, mark) => {
        const existing = await this.findExisting(lines, trx);
        const paths = new Map<string, ResolvedPath>();
        const problems: DeviceImportError[] = [];
        await this.checkLines(lines, existing, paths, rights, naming.adjustNetworkName, problems, trx);
        if (problems.length) throw invalid(problems);
        const out = await this.write(by, lines, existing, naming, trx, mark);
        if (dryRun) throw new DryRun(out);
        return out;
      });
      for (const l of answer.lines) if (l.deviceId !== null) this.events.publish({ type: 'device.changed', deviceId: l.deviceId });
      return answer;
    } catch (e) {
      if (e instanceof DryRun)
        return { ...e.answer, dryRun: true, lines: e.answer.lines.map((l) => (l.action === 'create' ? { ...l, deviceId: null } : l)) };
      throw e;
    }
  }

  /** Devices already known by unit id or MAC (pre-registered or enrolled), in chunks. */
  private async findExisting(lines: readonly ImportLine[], trx: Db): Promise<Map<string, Existing>> {
    const out = new Map<string, Existing>();
    const units = lines.map((l) => l.unitId);
    for (let i = 0; i < units.length; i += CHUNK) {
      const chunk = units.slice(i, i + CHUNK);
      const rows = await trx
        .selectFrom('devices')
        .select(['id', 'mac', 'unit_id', 'name', 'folder_id', 'cert_serial'])
        .where((eb) => eb.or([eb('unit_id', 'in', chunk), eb('mac', 'in', chunk)]))
        .orderBy('id', 'desc')
        .execute();
      // The lowest id wins (as at enrollment): rows come highest first and later ones overwrite.
      for (const r of rows) {
        const row = { ...r, id: Number(r.id), folder_id: r.folder_id === null ? null : Number(r.folder_id) };
        if (r.unit_id) out.set(r.unit_id, row);
        out.set(r.mac, row);
      }
    }
    return out;
  }

  private async resolvePath(path: readonly string[], cache: Map<string, ResolvedPath>, trx: Db): Promise<ResolvedPath> {
    const key = path.map((p) => p.toLowerCase()).join('/');
    const hit = cache.get(key);
    if (hit) return hit;
    let parent: number | null = null;
    let i = 0;
    for (; i < path.length; i++) {
      const found = await this.folders.findSiblingByName(parent, path[i]!, trx);
      if (!found) break;
      parent = Number(found.id);
    }
    const resolved = { existing: parent, missing: path.slice(i) };
    cache.set(key, resolved);
    return resolved;
  }

  /** Profiles exist, rights hold, names can be network names when they must: problems by line and field. */
  private async checkLines(
    lines: readonly ImportLine[],
    existing: Map<string, Existing>,
    paths: Map<string, ResolvedPath>,
    rights: ImportRights,
    networkNames: boolean,
    problems: DeviceImportError[],
    trx: Db,
  ): Promise<void> {
    const profileIds = [...new Set(lines.flatMap((l) => [...l.addProfiles, ...l.removeProfiles]))];
    const known = new Set<number>();
    for (let i = 0; i < profileIds.length; i += CHUNK) {
      const rows = await trx
        .selectFrom('profiles')
        .select('id')
        .where('id', 'in', profileIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) known.add(Number(r.id));
    }
    for (const l of lines) {
      const p = (field: string, r: Refusal) => problems.push({ line: l.line, field, code: r.code, message: r.message });
      const device = existing.get(l.unitId);
      if (l.name && networkNames) {
        const why = networkNameProblem(l.name);
        if (why)
          problems.push({
            line: l.line,
            field: 'name',
            code: 'NETWORK_NAME_INVALID',
            message: `name ${why} ("adjust network name" is on)`,
          });
      }
      // Where the device will be: the folder of the line (long format), else where it is (new: top level).
      let destination: number | null = device?.folder_id ?? null;
      let moves = false;
      if (l.folderPath) {
        const path = await this.resolvePath(l.folderPath, paths, trx);
        destination = path.existing;
        moves = !device || path.missing.length > 0 || device.folder_id !== path.existing;
        const refusal = await rights.folder(path.existing, 'write');
        if (refusal) p('folderPath', refusal);
      } else if (!device) {
        const refusal = await rights.folder(null, 'write');
        if (refusal) p('unitId', refusal);
      }
      if (device) {
        const refusal = (await rights.device(device.id, 'write')) ?? (moves ? await rights.device(device.id, 'move') : null);
        if (refusal) p('unitId', refusal);
      }
      const changesProfiles = l.addProfiles.length + l.removeProfiles.length > 0;
      for (const id of [...l.addProfiles, ...l.removeProfiles]) {
        if (!known.has(id)) {
          p('profiles', { code: 'NOT_FOUND', message: `profile ${id} does not exist` });
          continue;
        }
        const refusal = (await rights.profile(id, 'read')) ?? (await rights.profile(id, 'assign'));
        if (refusal) p('profiles', refusal);
      }
      if (changesProfiles) {
        const refusal = device && !moves ? await rights.device(device.id, 'assign') : await rights.folder(destination, 'assign');
        if (refusal) p('profiles', refusal);
      }
    }
  }

  private async write(
    by: AuditContext,
    lines: readonly ImportLine[],
    existing: Map<string, Existing>,
    naming: NamingSettings,
    trx: Db,
    mark: ConfigurationMarker,
  ): Promise<DeviceImportResponse> {
    const now = this.clock.now();
    const created = new Map<string, number>();
    const audit: AuditRecord[] = [];
    const out: DeviceImportLine[] = [];
    const touched: number[] = [];
    let createdCount = 0;
    // Names by the convention for the new devices without one: numbers reserved once, in line order.
    const unnamed = lines.filter((l) => !existing.has(l.unitId) && l.name === undefined);
    const given = await this.naming.nameNewDevices(
      unnamed.map((l) => l.unitId),
      trx,
      naming,
    );
    const conventionNames = new Map(unnamed.map((l, i) => [l.line, given[i]!]));
    for (const l of lines) {
      const createsFolders: string[] = [];
      let folderId: number | null | undefined;
      if (l.folderPath) {
        let parent: number | null = null;
        for (let i = 0; i < l.folderPath.length; i++) {
          const key = l.folderPath
            .slice(0, i + 1)
            .map((p) => p.toLowerCase())
            .join('/');
          let id = created.get(key);
          if (id === undefined) {
            const found = await this.folders.findSiblingByName(parent, l.folderPath[i]!, trx);
            if (found) id = Number(found.id);
            else {
              if (!created.size) await mark.tree();
              id = await this.folders.insertFolder({ name: l.folderPath[i]!, parentId: parent, now }, trx);
              createsFolders.push(`/${l.folderPath.slice(0, i + 1).join('/')}`);
              audit.push({
                by,
                action: 'device-folder.create',
                object: { type: 'device-folder', id, name: l.folderPath[i]! },
                after: { name: l.folderPath[i], parentId: parent },
              });
            }
            created.set(key, id);
          }
          parent = id;
        }
        folderId = parent;
      }
      const patch: DevicePatch = {};
      if (l.product !== undefined) patch.product = l.product;
      if (l.version !== undefined) patch.version = l.version;
      if (l.site !== undefined) patch.site = l.site;
      if (l.department !== undefined) patch.department = l.department;
      if (l.comment !== undefined) patch.comment = l.comment;
      if (l.assetId !== undefined) patch.asset_id = l.assetId;
      if (l.inServiceDate !== undefined) patch.in_service_date = l.inServiceDate;
      if (l.serialNumber !== undefined) Object.assign(patch, { serial_number: l.serialNumber, serial_lc: l.serialNumber.toLowerCase() });
      const device = existing.get(l.unitId);
      let deviceId: number;
      let name: string;
      if (device) {
        deviceId = device.id;
        name = l.name ?? device.name;
        // What an enrolled device reports about itself (product, version) is its own to tell.
        if (device.cert_serial !== null) {
          delete patch.product;
          delete patch.version;
        }
        if (l.name !== undefined) Object.assign(patch, { name, name_lc: name.toLowerCase() });
        if (folderId !== undefined) patch.folder_id = folderId;
        if (Object.keys(patch).length) await this.devices.updateDevice(deviceId, patch, trx);
        if (l.name !== undefined && l.name !== device.name) await this.naming.renamed(trx, mark, deviceId, name, naming);
        if (folderId !== undefined && folderId !== device.folder_id) touched.push(deviceId);
        audit.push({
          by,
          action: 'device.update',
          object: { type: 'device', id: deviceId, name },
          before: { name: device.name, folderId: device.folder_id },
          after: { ...publicPatch(patch), via: 'import' },
        });
      } else {
        name = l.name ?? conventionNames.get(l.line)!;
        const row = newDeviceRow({ mac: l.unitId, name, folderId: folderId ?? null, now, unit_id: l.unitId, ...patch });
        deviceId = await this.devices.insertDevice(row, trx);
        await this.naming.renamed(trx, mark, deviceId, name, naming);
        createdCount++;
        audit.push({
          by,
          action: 'device.create',
          object: { type: 'device', id: deviceId, name },
          after: { ...publicPatch(patch), unitId: l.unitId, folderId: folderId ?? null, via: 'import' },
        });
      }
      const target = [{ type: 'device' as const, id: deviceId }];
      for (const id of l.addProfiles) await this.profiles.insertAssignments(id, target, now, trx);
      for (const id of l.removeProfiles) await this.profiles.deleteAssignments(id, target, trx);
      if (l.addProfiles.length || l.removeProfiles.length) {
        touched.push(deviceId);
        audit.push({
          by,
          action: 'profile.assign',
          object: { type: 'device', id: deviceId, name },
          after: { added: l.addProfiles, removed: l.removeProfiles, via: 'import' },
        });
      }
      out.push({
        line: l.line,
        action: device ? 'update' : 'create',
        deviceId,
        unitId: l.unitId,
        name,
        folderPath: l.folderPath ? `/${l.folderPath.join('/')}` : null,
        createsFolders,
        profilesAdded: l.addProfiles,
        profilesRemoved: l.removeProfiles,
      });
    }
    if (touched.length) await mark.devices([...new Set(touched)]);
    await this.audit.recordMany(trx, audit);
    return { dryRun: false, created: createdCount, updated: lines.length - createdCount, lines: out };
  }
}

const publicPatch = (p: DevicePatch) =>
  Object.fromEntries(
    Object.entries(p)
      .filter(([k]) => k !== 'name_lc' && k !== 'serial_lc')
      .map(([k, v]) => [k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()), v]),
  );

function invalid(errors: DeviceImportError[]): AppError {
  const sorted = [...errors].sort((a, b) => a.line - b.line);
  const first = sorted[0]!;
  return new AppError(
    ErrorCode.ImportInvalid,
    `The file has ${sorted.length} error(s); nothing was imported. Line ${first.line}, ${first.field}: ${first.message}`,
    { errors: sorted.slice(0, 500) },
  );
}
