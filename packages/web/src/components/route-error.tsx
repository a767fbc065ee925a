import { Alert, Button, Center, Group, Stack, Title } from '@mantine/core';
import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { errorMessage } from '../api/client';

/** Error boundary element of the routes: a render error never leaves a blank screen. */
export function RouteError({ fullPage = false }: { fullPage?: boolean }) {
  const error = useRouteError();
  const message = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}`.trim() : errorMessage(error);
  if (!isRouteErrorResponse(error)) console.error(error);

  return (
    <Center mih={fullPage ? '100vh' : 300} p="md">
      <Stack maw={560} w="100%">
        <Title order={2}>This page could not be shown</Title>
        <Alert color="red" role="alert" title="Error">
          {message}
        </Alert>
        <Group>
          <Button onClick={() => window.location.reload()}>Reload</Button>
          <Button component={Link} to="/devices" variant="default">
            Go to devices
          </Button>
        </Group>
      </Stack>
    </Center>
  );
}
