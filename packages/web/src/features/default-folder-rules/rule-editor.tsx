import type { FolderRuleTargetMode } from '@openums/protocol';
import { Button, Checkbox, Group, Modal, NumberInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { createRule, updateRule, type DefaultFolderRule } from '../../api/default-folder-rules';
import { ErrorAlert } from '../../components/error-alert';
import { FolderSelect } from '../devices/folder-select';
import type { FolderKey } from '../devices/queries';
import { CriteriaBuilder } from '../views/criteria-builder';
import { fromCriteria, newCriterion, newGroup, toCriteria, type GroupNode } from '../views/criteria-model';
import { useFieldOptions } from '../views/queries';

/** The netmask of a prefix length, for the label (24 → 255.255.255.0). */
export function maskOf(prefix: number): string {
  const bits = 2 ** 32 - 2 ** (32 - prefix);
  return [24, 16, 8, 0].map((s) => Math.floor(bits / 2 ** s) % 256).join('.');
}

interface RuleEditorProps {
  /** The rule to change, or a new one below `parentId`. */
  rule: DefaultFolderRule | null;
  parentId: number | null;
  onClose: () => void;
  onSaved: (rule: DefaultFolderRule) => void;
}

/** Name, criteria (the views' builder), target and options of one rule. */
export function RuleEditor({ rule, parentId, onClose, onSaved }: RuleEditorProps) {
  const { options } = useFieldOptions();
  const [name, setName] = useState(rule?.name ?? '');
  const [root, setRoot] = useState<GroupNode>(() =>
    rule ? fromCriteria(rule.criteria) : newGroup('and', [newCriterion('structureTag', 'eq', options)]),
  );
  const [mode, setMode] = useState<FolderRuleTargetMode>(rule?.target.mode ?? 'folder');
  const [folder, setFolder] = useState<FolderKey>(rule?.target.folderId ?? 'root');
  const [prefix, setPrefix] = useState<number>(rule?.target.prefixLength ?? 24);
  const [overrides, setOverrides] = useState(rule?.overridesExistingFolder ?? false);
  const [atBoot, setAtBoot] = useState(rule?.applyAtBoot ?? false);
  const [leave, setLeave] = useState(rule?.leaveInSubfolder ?? false);
  const { criteria } = useMemo(() => toCriteria(root, 'body.criteria'), [root]);

  const save = useMutation({
    mutationFn: () => {
      const folderId = folder === 'root' ? null : folder;
      const target =
        mode === 'none'
          ? { mode }
          : mode === 'folder'
            ? { mode, ...(folderId !== null ? { folderId } : {}) }
            : { mode, folderId, prefixLength: prefix };
      const body = {
        name: name.trim(),
        criteria,
        target,
        overridesExistingFolder: overrides,
        applyAtBoot: atBoot,
        leaveInSubfolder: leave,
      };
      return rule ? updateRule(rule.id, body) : createRule({ ...body, parentId });
    },
    onSuccess: onSaved,
  });

  return (
    <Modal opened onClose={onClose} title={rule ? `Edit rule "${rule.name}"` : 'New default folder rule'} size="xl">
      <Stack gap="sm">
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} required data-autofocus />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Devices matching
          </Text>
          <CriteriaBuilder root={root} onChange={setRoot} options={options} problem={null} />
        </Stack>
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Target
          </Text>
          <SegmentedControl
            value={mode}
            onChange={(v) => setMode(v as FolderRuleTargetMode)}
            data={[
              { value: 'folder', label: 'One folder' },
              { value: 'perSubnet', label: 'One folder per subnet' },
              { value: 'none', label: 'No target' },
            ]}
            aria-label="Target"
          />
          {mode === 'none' && (
            <Text size="xs" c="dimmed">
              A rule without a target only groups the rules below it: when it matches, they are checked.
            </Text>
          )}
          {mode === 'folder' && (
            <FolderSelect label="Target folder" value={folder} onChange={setFolder} description="Devices go here (it must exist)." />
          )}
          {mode === 'perSubnet' && (
            <Group align="flex-start" grow>
              <FolderSelect
                label="Subnet folders under"
                value={folder}
                onChange={setFolder}
                description="A folder named after the device's network address is created here when missing."
              />
              <NumberInput
                label="Prefix length"
                min={1}
                max={32}
                value={prefix}
                onChange={(v) => setPrefix(typeof v === 'number' ? v : 24)}
                description={`Netmask ${maskOf(prefix)}: 10.1.2.77 → folder ${'10.1.2.77'
                  .split('.')
                  .map((o, i) => Number(o) & Number(maskOf(prefix).split('.')[i]))
                  .join('.')}`}
              />
            </Group>
          )}
        </Stack>
        <Stack gap={6}>
          <Checkbox
            label="Overrides existing folder membership"
            description="Also moves devices that are already in a folder (e.g. the enrollment key's folder)."
            checked={overrides}
            onChange={(e) => setOverrides(e.currentTarget.checked)}
          />
          <Checkbox
            label="Apply rule when the device boots"
            description="Not only at registration: at every boot of the device."
            checked={atBoot}
            onChange={(e) => setAtBoot(e.currentTarget.checked)}
          />
          <Checkbox
            label="Leave in sub-folder"
            description="A device already in a sub-folder of the target stays there."
            checked={leave}
            onChange={(e) => setLeave(e.currentTarget.checked)}
          />
        </Stack>
        {save.isError && <ErrorAlert title="The rule was not saved" error={save.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!name.trim()}>
            Save rule
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
