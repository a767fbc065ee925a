import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';
import type { Blocker } from 'react-router';

/** While `dirty`, closing or reloading the tab asks the browser's own question first. */
export function useWarnBeforeUnload(dirty: boolean): void {
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
}

/** "Stay" or "Discard changes" for a navigation a blocker stopped; `onDiscard` runs before it proceeds. */
export function DiscardChangesModal({ blocker, children, onDiscard }: { blocker: Blocker; children: ReactNode; onDiscard: () => void }) {
  if (blocker.state !== 'blocked') return null;
  return (
    <Modal opened onClose={() => blocker.reset()} title="Discard unsaved changes?" centered>
      <Stack>
        <Text size="sm">{children}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => blocker.reset()} data-autofocus>
            Stay
          </Button>
          <Button
            color="red"
            onClick={() => {
              onDiscard();
              blocker.proceed();
            }}
          >
            Discard changes
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
