import { Alert } from '@mantine/core';
import { errorMessage } from '../api/client';

/** Inline, readable rendering of any error (API or otherwise). */
export function ErrorAlert({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  return (
    <Alert color="red" title={title} role="alert" data-testid="error-alert">
      {errorMessage(error)}
    </Alert>
  );
}
