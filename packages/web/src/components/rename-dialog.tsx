import { TextInput } from '@mantine/core';
import { useState } from 'react';
import { FormDialog } from './form-dialog';
import { notifySuccess } from './notify';

interface RenameDialogProps<T extends { name: string }> {
  title: string;
  /** Label of the name field, e.g. "Folder name". */
  label: string;
  /** Says what was renamed: `${what} renamed to "…"`. */
  what: string;
  currentName: string;
  maxLength: number;
  /** Saves the trimmed name and refreshes what shows it; a failure keeps the dialog open. */
  save: (name: string) => Promise<T>;
  onSaved?: (updated: T) => void;
  onClose: () => void;
}

/** The one rename dialog: devices, profiles and both kinds of folder. */
export function RenameDialog<T extends { name: string }>({
  title,
  label,
  what,
  currentName,
  maxLength,
  save,
  onSaved,
  onClose,
}: RenameDialogProps<T>) {
  const [name, setName] = useState(currentName);
  return (
    <FormDialog
      opened
      title={title}
      submitLabel="Rename"
      onClose={onClose}
      submitDisabled={!name.trim() || name.trim() === currentName}
      onSubmit={() => save(name.trim())}
      onDone={(updated) => {
        onSaved?.(updated);
        notifySuccess(`${what} renamed to "${updated.name}"`);
      }}
    >
      <TextInput
        label={label}
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        data-autofocus
        maxLength={maxLength}
        required
      />
    </FormDialog>
  );
}
