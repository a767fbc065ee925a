import type { InstanceGroup } from '@openums/protocol';
import { Badge, Button, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import { useMemo, useState } from 'react';
import { Chevron } from '../../components/tree-item';
import classes from './configuration-editor.module.css';
import { inSentence, instanceTitle, rowsOfGroup, type GroupNode } from './parameter-model';
import { RowList, type RowProps } from './parameter-row';
import { WORDING } from './wording';
import { plural } from '../../lib/format';
import { withMember } from '../../lib/sets';

export interface GroupPaneProps extends RowProps {
  node: GroupNode;
  counts: Map<string, number>;
  added: string[];
  onAddInstance: (group: InstanceGroup) => string;
  onRemoveInstance: (group: InstanceGroup, id: string) => void;
  onSelect: (id: string) => void;
}

/** One group: its parameters, its instances (cards that open), and buttons for its sub-groups. */
export function GroupPane({ node, counts, added, onAddInstance, onRemoveInstance, onSelect, ...rowProps }: GroupPaneProps) {
  const { plain, instances } = useMemo(() => rowsOfGroup(node, rowProps.draft, added), [node, rowProps.draft, added]);
  const group = node.instanceGroup;
  const wording = WORDING[rowProps.owner];
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(instances.length === 1 ? [instances[0]!.id] : []));
  const toggleOpen = (id: string, value: boolean) => setOpen((prev) => withMember(prev, id, value));

  return (
    <Stack gap="sm" p="sm" key={node.id}>
      <div>
        <Text size="xs" c="dimmed">
          {node.path.slice(0, -1).join(' › ') || 'Parameters'}
        </Text>
        <Group gap="xs" align="baseline">
          <Text fw={700} size="lg" data-testid="group-title">
            {node.name}
          </Text>
          <Text size="xs" c="dimmed">
            {node.params.length > 0
              ? `${plural(node.params.length, 'parameter')}${group ? ` per ${inSentence(group.label)}` : ''}`
              : plural(node.children.length, 'sub-group')}{' '}
            · {counts.get(node.id) ?? 0} activated here and below
          </Text>
        </Group>
      </div>
      {plain.length > 0 && <RowList rows={plain} {...rowProps} />}
      {group && (
        <Stack gap="xs">
          {group.kind === 'fixed' && (
            <Text size="sm" c="dimmed">
              Every device has these {group.fixedIds?.length ?? ''} instances; {wording.fixedInstances}
            </Text>
          )}
          {group.kind === 'free' && (
            <Text size="sm" c="dimmed">
              {wording.freeInstances(inSentence(group.label))} Only instances with at least one activated parameter are saved.
            </Text>
          )}
          {instances.length === 0 && (
            <Text size="sm" c="dimmed" data-testid="no-instances">
              {wording.noInstances(inSentence(group.label))}
            </Text>
          )}
          {instances.map((inst) => {
            const activated = inst.rows.filter((r) => r.key in rowProps.draft).length;
            const isOpen = open.has(inst.id);
            const title = instanceTitle(group, inst.id, rowProps.draft);
            const invalid = inst.rows.some((r) => rowProps.errors.has(r.key));
            return (
              <div key={inst.id} className={classes.instanceCard} data-testid="instance-card" data-instance={inst.id}>
                <Group justify="space-between" wrap="nowrap" className={classes.instanceHeader}>
                  <UnstyledButton onClick={() => toggleOpen(inst.id, !isOpen)} aria-expanded={isOpen} style={{ flex: 1, minWidth: 0 }}>
                    <Group gap="xs" wrap="nowrap">
                      <Chevron open={isOpen} style={{ flex: 'none' }} />
                      <Text fw={600} size="sm" truncate>
                        {title}
                      </Text>
                      <Badge size="xs" variant="light" color={activated ? 'teal' : 'gray'}>
                        {activated} activated
                      </Badge>
                      {invalid && (
                        <Badge size="xs" color="red" variant="light">
                          invalid value
                        </Badge>
                      )}
                    </Group>
                  </UnstyledButton>
                  {group.kind === 'free' && !rowProps.readOnly && (
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      onClick={() => onRemoveInstance(group, inst.id)}
                      aria-label={`Remove ${title}`}
                    >
                      Remove
                    </Button>
                  )}
                </Group>
                {isOpen && <RowList rows={inst.rows} {...rowProps} />}
              </div>
            );
          })}
          {group.kind === 'free' && !rowProps.readOnly && (
            <Button
              size="xs"
              variant="light"
              w="fit-content"
              onClick={() => {
                const id = onAddInstance(group);
                toggleOpen(id, true);
              }}
            >
              Add {inSentence(group.label)}
            </Button>
          )}
        </Stack>
      )}
      {node.children.length > 0 && (
        <Stack gap={4}>
          <Text size="xs" fw={700} c="dimmed" tt="uppercase">
            Sub-groups
          </Text>
          <Group gap="xs">
            {node.children.map((child) => (
              <Button key={child.id} size="compact-sm" variant="default" onClick={() => onSelect(child.id)}>
                {child.name}
                <Text span size="xs" c="dimmed" ml={6}>
                  {counts.get(child.id) ?? 0} activated
                </Text>
              </Button>
            ))}
          </Group>
        </Stack>
      )}
    </Stack>
  );
}
