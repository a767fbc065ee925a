import { NavLink, Text } from '@mantine/core';
import type { GeneralRight } from '@openums/protocol';
import { Link, Navigate, Outlet, useLocation } from 'react-router';
import { useGeneralRights } from '../access/use-general-rights';
import { useSession } from '../auth/session';
import classes from './admin.module.css';

/** `right`: the general right a page needs; without it the page is hidden (none: everyone sees it). */
export const ADMIN_PAGES: readonly { path: string; label: string; right?: GeneralRight }[] = [
  { path: '/admin/enrollment-keys', label: 'Enrollment keys', right: 'enrollmentKeys' },
  // Read-only without the servers right (its changing controls check it).
  { path: '/admin/servers', label: 'Servers' },
  { path: '/admin/accounts', label: 'Accounts', right: 'accountsAndAccess' },
  { path: '/admin/groups', label: 'Groups', right: 'accountsAndAccess' },
  { path: '/admin/ldap-domains', label: 'LDAP domains', right: 'ldap' },
  { path: '/admin/mail', label: 'Mail', right: 'mail' },
  { path: '/admin/device-attributes', label: 'Device attributes', right: 'globalSettings' },
  { path: '/admin/naming', label: 'Naming convention', right: 'globalSettings' },
  { path: '/admin/default-folder-rules', label: 'Default folder rules', right: 'defaultFolderRules' },
  { path: '/admin/wake-on-lan', label: 'Wake on LAN', right: 'globalSettings' },
  { path: '/admin/admin-tasks', label: 'Administrative tasks', right: 'globalSettings' },
  { path: '/admin/audit-log', label: 'Audit log', right: 'loggingAndAudit' },
  { path: '/admin/logging', label: 'Logging', right: 'loggingAndAudit' },
];

/** Administration: a list of its pages beside the open one. */
export function AdminLayout() {
  const location = useLocation();
  const holds = useGeneralRights();
  const pages = ADMIN_PAGES.filter((page) => holds(page.right));
  // A page this administrator may not use (the default page, an old link): open the first it may.
  const current = ADMIN_PAGES.find((page) => location.pathname.startsWith(page.path));
  // Not before /auth/me has told the rights (right after login only the role is known).
  const rightsKnown = useSession().data?.generalRights !== undefined;
  if (rightsKnown && current && !holds(current.right) && pages[0]) return <Navigate to={pages[0].path} replace />;
  return (
    <div className={classes.layout}>
      <nav aria-label="Administration" className={classes.nav}>
        <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" py={6}>
          Administration
        </Text>
        {pages.map((page) => (
          <NavLink key={page.path} component={Link} to={page.path} label={page.label} active={location.pathname.startsWith(page.path)} />
        ))}
      </nav>
      <div className={classes.content}>
        <Outlet />
      </div>
    </div>
  );
}
