import { Stack, Text, Title } from '@mantine/core';

export function NotBuiltPage({ section }: { section: string }) {
  return (
    <Stack p="lg" gap="xs" data-testid="not-built">
      <Title order={2}>{section}</Title>
      <Text>This section is not built yet.</Text>
    </Stack>
  );
}

export function NotFoundPage() {
  return (
    <Stack p="lg" gap="xs">
      <Title order={2}>Page not found</Title>
      <Text>There is no page at this address. Use the navigation on the left.</Text>
    </Stack>
  );
}
