import { NavLink, Text } from '@mantine/core';
import { Link, Outlet, useLocation } from 'react-router';
import classes from './admin.module.css';

export const ADMIN_PAGES = [
  { path: '/admin/enrollment-keys', label: 'Enrollment keys' },
  { path: '/admin/servers', label: 'Servers' },
  { path: '/admin/accounts', label: 'Accounts' },
  { path: '/admin/groups', label: 'Groups' },
  { path: '/admin/ldap-domains', label: 'LDAP domains' },
  { path: '/admin/audit-log', label: 'Audit log' },
] as const;

/** Administration: a list of its pages beside the open one. */
export function AdminLayout() {
  const location = useLocation();
  return (
    <div className={classes.layout}>
      <nav aria-label="Administration" className={classes.nav}>
        <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" py={6}>
          Administration
        </Text>
        {ADMIN_PAGES.map((page) => (
          <NavLink key={page.path} component={Link} to={page.path} label={page.label} active={location.pathname.startsWith(page.path)} />
        ))}
      </nav>
      <div className={classes.content}>
        <Outlet />
      </div>
    </div>
  );
}
