import { ErrorCode, PARAMETER_CATALOGUE, type Profile, type SettingValue } from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import { toIso, type Clock } from '../../lib/clock.js';
import type { ConfigurationChanges } from '../configuration-delivery/configuration-changes.js';
import { formatProfileFile, parseProfileFile, type FileError } from './profile-file.js';
import type { ProfileFoldersService } from './profile-folders.service.js';
import { checkBasedOn, toProfile, type ProfilesService } from './profiles.service.js';
import type { ProfilesRepository } from './profiles.repository.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';

/** Import and export of profiles as portable files (format in profile-file.ts). */
export class ProfileTransferService {
  constructor(
    private readonly repo: ProfilesRepository,
    private readonly profiles: ProfilesService,
    private readonly folders: ProfileFoldersService,
    private readonly configuration: ConfigurationChanges,
    private readonly clock: Clock,
    /** An import is recorded, with the profiles it created, in its transaction. */
    private readonly audit: Pick<AuditLog, 'record'>,
  ) {}

  async exportProfiles(ids: readonly number[], includeSecrets: boolean): Promise<string> {
    const out = [];
    for (const id of ids) {
      const p = await this.profiles.requireProfile(id);
      out.push({
        name: p.name,
        type: p.type,
        basedOn: p.based_on,
        folderPath: await this.folders.pathOf(p.folder_id),
        settings: JSON.parse(p.settings) as Record<string, SettingValue>,
      });
    }
    return formatProfileFile(out, { includeSecrets, exportedAt: toIso(this.clock.now())! });
  }

  /**
   * All or nothing: the whole file is checked first (every error with its line), then every
   * profile and missing folder is created in one transaction.
   */
  async importProfiles(by: AuditContext, text: string): Promise<{ created: Profile[] }> {
    const { profiles, errors } = parseProfileFile(text);
    const priorityOn = (await this.profiles.getSettings()).priorityProfiles;
    const more: FileError[] = [];
    for (const p of profiles) {
      if (p.type === 'priority' && !priorityOn)
        more.push({ line: p.line, field: 'type', message: 'priority profiles are switched off on this server' });
      if (p.basedOn !== null) {
        try {
          checkBasedOn(p.basedOn, 'basedOn');
        } catch (err) {
          more.push({ line: p.line, field: 'basedOn', message: (err as Error).message });
        }
      }
    }
    const all = [...errors, ...more].sort((a, b) => a.line - b.line);
    if (all.length) {
      const first = all[0]!;
      throw new AppError(
        ErrorCode.ImportInvalid,
        `The file has ${all.length} error(s); nothing was imported. Line ${first.line}: ${first.message}`,
        {
          errors: all.slice(0, 200),
        },
      );
    }
    const ids = await this.configuration.change(async (trx, mark) => {
      await mark.tree();
      const created: number[] = [];
      const now = this.clock.now();
      for (const p of profiles) {
        const folderId = await this.folders.ensurePath(p.folderPath, trx);
        created.push(
          await this.repo.insertProfile(
            {
              name: p.name,
              name_lc: p.name.toLowerCase(),
              type: p.type,
              based_on: p.basedOn ?? PARAMETER_CATALOGUE.basedOn,
              folder_id: folderId,
              settings: JSON.stringify(p.settings),
              created_at: now,
              updated_at: now,
            },
            trx,
          ),
        );
      }
      await this.audit.record(trx, {
        by,
        action: 'profile.import',
        object: { type: 'profile', id: null, name: `${created.length} profiles` },
        after: { profiles: created.map((id, i) => ({ id, name: profiles[i]!.name, folderPath: profiles[i]!.folderPath })) },
      });
      return created;
    });
    const created: Profile[] = [];
    for (const id of ids) created.push(toProfile(await this.profiles.requireProfile(id)));
    return { created };
  }
}
