import { ErrorCode, type PasswordPolicy } from '@openums/protocol';
import type { SettingsRepository } from '../../db/settings.repository.js';
import { AppError } from '../../lib/errors.js';
import { verifyPassword } from '../auth/password.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 12, reuseCount: 5 };
const KEY = 'password_policy';

/** The installation's password policy, kept in the database so every server applies the same one. */
export class PasswordPolicyService {
  constructor(
    private readonly settings: SettingsRepository,
    private readonly audit: AuditLog,
  ) {}

  async getPolicy(): Promise<PasswordPolicy> {
    return parsePolicy(await this.settings.findSetting(KEY));
  }

  async setPolicy(by: AuditContext, policy: PasswordPolicy): Promise<PasswordPolicy> {
    await this.settings.changeSettingLocked(KEY, async (current, trx) => {
      const object = { type: 'settings', name: 'password-policy' };
      await this.audit.record(trx, { by, action: 'settings.update', object, before: parsePolicy(current), after: policy });
      return { value: JSON.stringify(policy), result: undefined };
    });
    return policy;
  }

  /**
   * Refuses a new password that is too short or one of the account's last `reuseCount`
   * passwords (`previous`: the current hash first, then the history). The message never
   * repeats the password.
   */
  async check(password: string, previous: string[], policy?: PasswordPolicy): Promise<void> {
    const p = policy ?? (await this.getPolicy());
    if ([...password].length < p.minLength) {
      throw new AppError(ErrorCode.PasswordPolicy, `The password must have at least ${p.minLength} characters`, {
        field: 'password',
        rule: 'minLength',
        minLength: p.minLength,
      });
    }
    const recent = previous.slice(0, p.reuseCount);
    const reused = await Promise.all(recent.map((h) => verifyPassword(password, h)));
    if (reused.some(Boolean)) {
      throw new AppError(ErrorCode.PasswordPolicy, `The password was one of the last ${p.reuseCount} passwords of this account`, {
        field: 'password',
        rule: 'reuse',
        reuseCount: p.reuseCount,
      });
    }
  }
}

function parsePolicy(raw: string | undefined): PasswordPolicy {
  if (!raw) return DEFAULT_PASSWORD_POLICY;
  try {
    return { ...DEFAULT_PASSWORD_POLICY, ...(JSON.parse(raw) as Partial<PasswordPolicy>) };
  } catch {
    return DEFAULT_PASSWORD_POLICY;
  }
}
