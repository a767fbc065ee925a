import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ErrorAlert } from './error-alert';

interface ConfirmDialogProps {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onClose: () => void;
  /** The action; the dialog stays open and shows the error if it fails. */
  onConfirm: () => Promise<unknown>;
  onDone?: () => void;
}

export function ConfirmDialog({ opened, title, children, confirmLabel, onClose, onConfirm, onDone }: ConfirmDialogProps) {
  const action = useMutation({
    mutationFn: onConfirm,
    onSuccess: () => {
      onDone?.();
      onClose();
    },
  });
  const close = () => {
    action.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={title} centered>
      <Stack>
        <Text component="div">{children}</Text>
        {action.error && <ErrorAlert title="Could not complete" error={action.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button color="red" loading={action.isPending} onClick={() => action.mutate()} data-autofocus>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
