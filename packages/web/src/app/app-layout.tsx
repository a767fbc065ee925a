import { AppShell, Badge, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { SECTIONS } from './sections';
import { useLogout, useSession } from '../features/auth/session';
import { LiveEventsProvider, LiveIndicator } from '../features/live/live-context';
import { notifyError } from '../components/notify';
import { QuickSearch } from '../features/search/quick-search';
import { NotificationBell } from '../features/notifications/notification-centre';

export const HEADER_HEIGHT = 52;

export function AppLayout() {
  const session = useSession();
  const logoutMutation = useLogout();
  const navigate = useNavigate();
  const location = useLocation();
  const [navOpened, { toggle: toggleNav, close: closeNav }] = useDisclosure(false);
  const user = session.data?.user;
  const isActive = (path: string) => location.pathname === path || location.pathname.startsWith(path + '/');

  const onLogout = () =>
    logoutMutation.mutate(undefined, {
      onSuccess: () => void navigate('/login', { replace: true }),
      onError: (error) => notifyError('Could not log out', error),
    });

  return (
    <LiveEventsProvider>
      <AppShell
        header={{ height: HEADER_HEIGHT }}
        navbar={{ width: 220, breakpoint: 'md', collapsed: { desktop: true, mobile: !navOpened } }}
        padding={0}
      >
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={navOpened} onClick={toggleNav} hiddenFrom="md" size="sm" aria-label="Toggle navigation" />
              <Title order={1} size="h4" mr="md">
                OpenUMS
              </Title>
              <Group component="nav" aria-label="Main navigation" gap={4} visibleFrom="md" wrap="nowrap">
                {SECTIONS.map((section) => {
                  const active = isActive(section.path);
                  return (
                    <Button
                      key={section.path}
                      component={Link}
                      to={section.path}
                      size="compact-sm"
                      variant={active ? 'light' : 'subtle'}
                      color={active ? 'teal' : 'gray'}
                      aria-current={active ? 'page' : undefined}
                    >
                      {section.label}
                    </Button>
                  );
                })}
              </Group>
            </Group>
            <Group gap="sm" wrap="nowrap">
              <QuickSearch />
              <LiveIndicator />
              <NotificationBell />
              {user && (
                <Group gap={6} wrap="nowrap" data-testid="current-user">
                  <Text size="sm" c="dimmed" visibleFrom="xs">
                    Signed in as
                  </Text>
                  <Text size="sm" fw={600}>
                    {user.username}
                  </Text>
                  {/* Rights, not the legacy role, decide what an account may do. */}
                  <Badge variant="light" size="sm" color={session.data?.superuser ? 'blue' : 'gray'}>
                    {session.data?.superuser ? 'superuser' : 'administrator'}
                  </Badge>
                </Group>
              )}
              <Button variant="default" size="xs" onClick={onLogout} loading={logoutMutation.isPending}>
                Log out
              </Button>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" aria-label="Main navigation (compact)">
          {navOpened &&
            SECTIONS.map((section) => (
              <NavLink
                key={section.path}
                component={Link}
                to={section.path}
                label={section.label}
                active={isActive(section.path)}
                onClick={closeNav}
              />
            ))}
        </AppShell.Navbar>
        <AppShell.Main>
          <Outlet />
        </AppShell.Main>
      </AppShell>
    </LiveEventsProvider>
  );
}
