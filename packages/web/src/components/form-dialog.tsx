import { Button, Group, Modal, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { FormEvent, ReactNode } from 'react';
import { ErrorAlert } from './error-alert';

interface FormDialogProps<T> {
  opened: boolean;
  title: string;
  submitLabel: string;
  onClose: () => void;
  /** Runs on submit; a failure keeps the dialog open and shows the server's message. */
  onSubmit: () => Promise<T>;
  onDone?: (result: T) => void;
  submitDisabled?: boolean;
  size?: string;
  children: ReactNode;
}

export function FormDialog<T>({
  opened,
  title,
  submitLabel,
  onClose,
  onSubmit,
  onDone,
  submitDisabled,
  size,
  children,
}: FormDialogProps<T>) {
  const action = useMutation({
    mutationFn: onSubmit,
    onSuccess: (result) => {
      onDone?.(result);
      onClose();
    },
  });
  const close = () => {
    action.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!submitDisabled && !action.isPending) action.mutate();
  };
  return (
    <Modal opened={opened} onClose={close} title={title} centered size={size}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {children}
          {action.error && <ErrorAlert title="Could not save" error={action.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={action.isPending} disabled={submitDisabled}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
