import { Alert, Button, Center, Loader, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { errorMessage, isApiError } from '../../api/client';
import { useLogin, useSession } from './session';

function targetAfterLogin(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('/login') ? from : '/';
}

export function LoginPage() {
  const session = useSession();
  const loginMutation = useLogin();
  const navigate = useNavigate();
  const location = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');

  if (session.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading session" />
      </Center>
    );
  }
  if (session.data && !loginMutation.isPending) return <Navigate to={targetAfterLogin(location.state)} replace />;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    loginMutation.mutate(
      { username: username.trim(), password },
      { onSuccess: () => void navigate(targetAfterLogin(location.state), { replace: true }) },
    );
  };

  const error = loginMutation.error;
  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Paper component="main" withBorder shadow="sm" p="xl" w={380} radius="md">
        <form onSubmit={onSubmit} aria-label="Sign in" noValidate>
          <Stack>
            <div>
              <Title order={1} size="h2">
                OpenUMS
              </Title>
              <Text c="dimmed" size="sm">
                Sign in to manage your devices
              </Text>
            </div>
            {error && (
              <Alert
                color="red"
                role="alert"
                title={isApiError(error, 'RATE_LIMITED') ? 'Too many attempts' : 'Sign-in failed'}
                data-testid="login-error"
              >
                {errorMessage(error)}
              </Alert>
            )}
            <TextInput
              label="User name"
              name="username"
              autoComplete="username"
              required
              autoFocus
              value={username}
              onChange={(e) => setUsername(e.currentTarget.value)}
            />
            <PasswordInput
              label="Password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={loginMutation.isPending} disabled={!username.trim() || !password}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
