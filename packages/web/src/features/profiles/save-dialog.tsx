import type { ApplyMode, Profile } from '@openums/protocol';
import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { updateProfile } from '../../api/profiles';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { ApplyChoice, ChangePreview } from '../configuration-editor/change-preview';
import type { Settings } from '../configuration-editor/parameter-model';
import { invalidateDeviceConfiguration } from '../devices/queries';
import { invalidateProfiles, storeProfile } from './queries';
import { plural } from '../../lib/format';

interface SaveProfileDialogProps {
  profile: Profile;
  draft: Settings;
  changes: { activated: number; deactivated: number; changed: number };
  onClose: () => void;
  onSaved: (profile: Profile) => void;
}

/** Saving first shows what the change does to devices, then asks when they should apply it. */
export function SaveProfileDialog({ profile, draft, changes, onClose, onSaved }: SaveProfileDialogProps) {
  const [apply, setApply] = useState<ApplyMode>('now');
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: () => updateProfile(profile.id, { settings: draft, apply }),
    onSuccess: async (updated) => {
      storeProfile(queryClient, updated);
      onSaved(updated);
      onClose();
      notifySuccess(`Profile "${updated.name}" saved${apply === 'next-reboot' ? '; devices apply it at their next reboot' : ''}`);
      invalidateDeviceConfiguration(queryClient);
      await invalidateProfiles(queryClient);
    },
  });
  const parts = [
    changes.activated && `${plural(changes.activated, 'parameter')} activated`,
    changes.changed && `${plural(changes.changed, 'value')} changed`,
    changes.deactivated && `${plural(changes.deactivated, 'parameter')} deactivated`,
  ].filter(Boolean);

  return (
    <Modal opened onClose={onClose} title={`Save "${profile.name}"`} centered size="lg">
      <Stack>
        <Text size="sm" data-testid="save-summary">
          In this profile: {parts.join(', ') || 'nothing'}.
        </Text>
        <ChangePreview profileId={profile.id} request={{ settings: draft }} />
        <ApplyChoice value={apply} onChange={setApply} />
        {save.error && <ErrorAlert title="Could not save" error={save.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button loading={save.isPending} onClick={() => save.mutate()} data-autofocus>
            Save profile
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
