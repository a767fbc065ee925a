import { createBrowserRouter, Navigate } from 'react-router';
import { RequireAuth } from '../features/auth/require-auth';
import { LoginPage } from '../features/auth/login-page';
import { DevicesPage } from '../features/devices/devices-page';
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
            ...SECTIONS.filter((s) => s.path !== '/devices').map((s) => ({
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
