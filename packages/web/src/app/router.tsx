import { createBrowserRouter, Navigate } from 'react-router';
import { RequireAuth } from '../features/auth/require-auth';
import { LoginPage } from '../features/auth/login-page';
import { AdminLayout } from '../features/admin/admin-layout';
import { AccountsPage } from '../features/admin/accounts-page';
import { AuditLogPage } from '../features/admin/audit-log-page';
import { GroupsPage } from '../features/admin/groups-page';
import { LdapDomainsPage } from '../features/admin/ldap-domains-page';
import { WakeOnLanPage } from '../features/admin/wake-on-lan-page';
import { MailPage } from '../features/admin/mail-page';
import { LoggingPage } from '../features/admin/logging-page';
import { AdminTasksPage } from '../features/admin/admin-tasks-page';
import { DeviceAttributesPage } from '../features/admin/device-attributes-page';
import { DefaultFolderRulesPage } from '../features/default-folder-rules/rules-page';
import { DashboardPage } from '../features/dashboard/dashboard-page';
import { DevicesPage } from '../features/devices/devices-page';
import { DeviceImportPage } from '../features/naming/device-import-page';
import { NamingPage } from '../features/naming/naming-page';
import { DevicePage } from '../features/devices/device-page';
import { EnrollmentKeysPage } from '../features/enrollment/enrollment-keys-page';
import { ProfilesPage } from '../features/profiles/profiles-page';
import { ViewsPage } from '../features/views/views-page';
import { JobsPage } from '../features/jobs/jobs-page';
import { ServersPage } from '../features/servers/servers-page';
import { NotBuiltPage, NotFoundPage } from '../features/placeholder/placeholder-pages';
import { AppLayout } from './app-layout';
import { RouteError } from '../components/route-error';
import { SECTIONS } from './sections';

/** Sections with pages; the others show "not built yet". */
const BUILT = new Set<string>(['/', '/devices', '/profiles', '/views', '/jobs', '/admin']);

export function createAppRouter() {
  return createBrowserRouter([
    { path: '/login', element: <LoginPage />, errorElement: <RouteError fullPage /> },
    {
      path: '/',
      element: (
        <RequireAuth>
          <AppLayout />
        </RequireAuth>
      ),
      errorElement: <RouteError fullPage />,
      children: [
        {
          // Errors inside a section render inside the shell, so navigation stays usable.
          errorElement: <RouteError />,
          children: [
            { index: true, element: <DashboardPage /> },
            { path: 'devices', element: <DevicesPage /> },
            { path: 'devices/import', element: <DeviceImportPage /> },
            // A device's own page: every tab of the side panel, deep-linkable.
            { path: 'devices/:deviceId', element: <DevicePage /> },
            // One route, so the tree keeps its state when a profile opens.
            { path: 'profiles/:profileId?', element: <ProfilesPage /> },
            // /views/12 opens a view, /views/new a new one.
            { path: 'views/:viewId?', element: <ViewsPage /> },
            // /jobs lists the jobs, /jobs/12 opens one with its runs.
            { path: 'jobs/:jobId?', element: <JobsPage /> },
            {
              path: 'admin',
              element: <AdminLayout />,
              children: [
                { index: true, element: <Navigate to="/admin/enrollment-keys" replace /> },
                { path: 'enrollment-keys', element: <EnrollmentKeysPage /> },
                { path: 'servers', element: <ServersPage /> },
                { path: 'accounts', element: <AccountsPage /> },
                { path: 'groups', element: <GroupsPage /> },
                { path: 'ldap-domains', element: <LdapDomainsPage /> },
                { path: 'mail', element: <MailPage /> },
                { path: 'naming', element: <NamingPage /> },
                { path: 'wake-on-lan', element: <WakeOnLanPage /> },
                { path: 'device-attributes', element: <DeviceAttributesPage /> },
                { path: 'default-folder-rules', element: <DefaultFolderRulesPage /> },
                { path: 'audit-log', element: <AuditLogPage /> },
                { path: 'logging', element: <LoggingPage /> },
                { path: 'admin-tasks', element: <AdminTasksPage /> },
                { path: '*', element: <NotFoundPage /> },
              ],
            },
            ...SECTIONS.filter((s) => !BUILT.has(s.path)).map((s) => ({
              path: s.path.slice(1),
              element: <NotBuiltPage section={s.label} />,
            })),
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ]);
}
