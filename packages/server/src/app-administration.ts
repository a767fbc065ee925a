import type { AppDeps } from './app-deps.js';
import type { ClusterBus } from './cluster/bus.js';
import type { SettingsRepository } from './db/settings.repository.js';
import type { Clock } from './lib/clock.js';
import type { App } from './lib/fastify.js';
import { SecretBox } from './lib/secret-box.js';
import { AccessRepository } from './modules/access/access.repository.js';
import { accessRoutes } from './modules/access/access.routes.js';
import { preferenceRoutes } from './modules/preferences/preferences.routes.js';
import { AccessService } from './modules/access/access.service.js';
import { ObjectAccess, treeNameOf, type TreeName } from './modules/access/object-access.js';
import { RequestRights } from './modules/access/request-rights.js';
import { AdminGroupsRepository } from './modules/admins/admin-groups.repository.js';
import { adminGroupRoutes } from './modules/admins/admin-groups.routes.js';
import { AdminGroupsService } from './modules/admins/admin-groups.service.js';
import { AdminsRepository } from './modules/admins/admins.repository.js';
import { adminRoutes } from './modules/admins/admins.routes.js';
import { AdminsService } from './modules/admins/admins.service.js';
import { PasswordPolicyService } from './modules/admins/password-policy.js';
import { AuditLog } from './modules/audit/audit-log.js';
import { AuditRepository } from './modules/audit/audit.repository.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import type { RightsSource } from './modules/auth/access.js';
import { AuthRepository } from './modules/auth/auth.repository.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { AuthService } from './modules/auth/auth.service.js';
import type { LoginLimiter } from './modules/auth/login-limiter.js';
import { LdapDomainsRepository } from './modules/ldap/ldap-domains.repository.js';
import { ldapDomainRoutes } from './modules/ldap/ldap-domains.routes.js';
import { LdapDomainsService } from './modules/ldap/ldap-domains.service.js';
import { LdapLoginService } from './modules/ldap/ldap-login.service.js';

/**
 * Who may do what: accounts, groups, LDAP domains, sessions and tokens, the audit log and object
 * rights (issue 11, ADR 0006). Built before the other modules, which record into `audit` and
 * decide through `rights`.
 */
export function composeAdministration(p: {
  deps: AppDeps;
  settings: SettingsRepository;
  bus: ClusterBus;
  clock: Clock;
  loginLimiter: LoginLimiter;
}) {
  const { deps, settings, bus, clock, loginLimiter } = p;
  const { database, config } = deps;
  const log = deps.logger ?? null;
  // Object rights: per-process snapshots of each tree, dropped after a change here and on the
  // `access` bus message from other processes.
  const objectAccess = new ObjectAccess(database.db, clock, (objectType, ids) => bus.publish({ t: 'access', objectType, ids }));
  const authRepo = new AuthRepository(database.db);
  // Every change records itself here, in its own transaction (modules/audit).
  const audit = new AuditLog(new AuditRepository(database.db), settings, clock, log);
  // LDAP / AD domains; their bind passwords are sealed with the data directory's secret key.
  let secretBox: SecretBox | null = null;
  const ldapRepo = new LdapDomainsRepository(database.db);
  const ldapDomains = new LdapDomainsService(ldapRepo, () => (secretBox ??= SecretBox.fromDataDir(config.dataDir)), clock, log, audit);
  const auth = new AuthService(
    authRepo,
    loginLimiter,
    clock,
    config.session.ttlHours * 3_600_000,
    audit,
    (ids) => bus.publish({ t: 'sessions', ids }),
    (ids) => {
      // Group memberships may have changed with the accounts.
      objectAccess.forgetPrincipals();
      bus.publish({ t: 'admins', ids });
    },
    new LdapLoginService(ldapDomains, ldapRepo, clock, log),
  );
  const passwordPolicy = new PasswordPolicyService(settings, audit);
  const admins = new AdminsService(
    new AdminsRepository(database.db, database.dialect),
    authRepo,
    auth,
    passwordPolicy,
    loginLimiter,
    clock,
    audit,
  );
  const adminGroups = new AdminGroupsService(new AdminGroupsRepository(database.db, database.dialect), auth, clock, audit);
  const access = new AccessService(
    new AccessRepository(database.db, database.dialect),
    audit,
    (objectType, ids) => objectAccess.changed(treeNameOf(objectType), objectType, ids),
    objectAccess,
  );
  const rights: RightsSource = {
    forRequest: (actor) => new RequestRights(objectAccess, database.db, actor),
    treeChanged: (tree: TreeName) => objectAccess.changed(tree),
  };
  const registerRoutes = (app: App) => {
    authRoutes(app, auth, config.session.ttlHours * 3_600_000);
    adminRoutes(app, admins, passwordPolicy);
    adminGroupRoutes(app, adminGroups);
    auditRoutes(app, audit);
    ldapDomainRoutes(app, ldapDomains);
    accessRoutes(app, access);
    preferenceRoutes(app, database.db, clock);
  };
  return { auth, audit, objectAccess, rights, registerRoutes };
}
