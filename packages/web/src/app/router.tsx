import { createBrowserRouter, Navigate } from 'react-router';
import { RequireAuth } from '../features/auth/require-auth';
import { LoginPage } from '../features/auth/login-page';
import { AdminLayout } from '../features/admin/admin-layout';
import { DevicesPage } from '../features/devices/devices-page';
import { EnrollmentKeysPage } from '../features/enrollment/enrollment-keys-page';
import { NotBuiltPage, NotFoundPage } from '../features/placeholder/placeholder-pages';
import { AppLayout } from '../components/app-layout';
import { RouteError } from '../components/route-error';
import { SECTIONS } from './sections';


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
            { index: true, element: <Navigate to="/devices" replace /> },
            { path: 'devices', element: <DevicesPage /> },
            {
              path: 'admin',
              element: <AdminLayout />,
              children: [
                { index: true, element: <Navigate to="/admin/enrollment-keys" replace /> },
                { path: 'enrollment-keys', element: <EnrollmentKeysPage /> },
                { path: '*', element: <NotFoundPage /> },
              ],
            },
            ...SECTIONS.filter((s) => s.path !== '/devices' && s.path !== '/admin').map((s) => ({
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
