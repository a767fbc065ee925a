import { ActionIcon, Badge, Button, Group, Paper, Stack, Text, Tooltip } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { deleteRule, listRules, updateRule, type DefaultFolderRule } from '../../api/default-folder-rules';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { notifyError, notifySuccess } from '../../components/notify';
import { LoadError, Loading, PageHeader } from '../admin/page-states';
import { useAllFolders } from '../devices/queries';
import { maskOf, RuleEditor } from './rule-editor';
import { ApplyPanel, TestBox } from './rules-tools';

export const RULES_KEY = ['default-folder-rules'] as const;

type Open = { kind: 'create'; parentId: number | null } | { kind: 'edit' | 'delete'; rule: DefaultFolderRule } | null;

/** One short line for criteria: `structureTag eq "DE" AND …`. */
export function criteriaText(c: unknown): string {
  const x = c as Record<string, unknown>;
  if (Array.isArray(x.and)) return x.and.map(criteriaText).join(' AND ');
  if (Array.isArray(x.or)) return `(${x.or.map(criteriaText).join(' OR ')})`;
  if (x.not) return `NOT (${criteriaText(x.not)})`;
  return `${String(x.field)} ${String(x.op)}${x.value === undefined ? '' : ` ${JSON.stringify(x.value)}`}`;
}

/**
 * Administration › Default folder rules: the rule tree (evaluated top-down; order and nesting
 * are changed with the arrow buttons), a test box and "apply rules now" with a preview.
 */
export function DefaultFolderRulesPage() {
  const query = useQuery({ queryKey: RULES_KEY, queryFn: ({ signal }) => listRules(signal) });
  const folders = useAllFolders();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Open>(null);
  const [dragged, setDragged] = useState<number | null>(null);
  const items = useMemo(() => query.data?.items ?? [], [query.data]);
  const depth = useMemo(() => {
    const m = new Map<number, number>();
    for (const r of items) m.set(r.id, r.parentId === null ? 0 : (m.get(r.parentId) ?? 0) + 1);
    return m;
  }, [items]);
  const siblings = (r: DefaultFolderRule) => items.filter((x) => x.parentId === r.parentId);
  const refresh = () => queryClient.invalidateQueries({ queryKey: RULES_KEY });
  const move = async (r: DefaultFolderRule, body: { parentId?: number | null; position: number }) => {
    try {
      await updateRule(r.id, body);
      await refresh();
    } catch (err) {
      notifyError('The rule was not moved', err);
    }
  };
  /** Drag and drop: the dragged rule (with the rules below it) goes before the rule it is dropped on. */
  const dropOn = (target: DefaultFolderRule) => {
    const r = items.find((x) => x.id === dragged);
    setDragged(null);
    if (!r || r.id === target.id) return;
    const at = items.filter((x) => x.parentId === target.parentId && x.id !== r.id).findIndex((x) => x.id === target.id);
    void move(r, { parentId: target.parentId, position: at });
  };
  const folderPath = (id: number | null) => (id === null ? 'Top level' : folders.index.path(id));
  const targetText = (r: DefaultFolderRule) =>
    r.target.mode === 'none'
      ? 'no target folder'
      : r.target.mode === 'folder'
        ? `→ ${folderPath(r.target.folderId)}`
        : `→ ${folderPath(r.target.folderId)} / <subnet> (/${r.target.prefixLength}, ${maskOf(r.target.prefixLength ?? 24)})`;

  return (
    <Stack p="lg" gap="lg" maw={1400}>
      <PageHeader
        title="Default folder rules"
        description="Where new devices land: the rules are worked through from the top. A matching rule with a target checks the rules below it, and a matching rule below with a target takes over; a rule without a target only groups the rules below it. Applied at registration and, where enabled, at each boot. Drag a rule onto another to put it before that one; the arrows reorder and indent."
      >
        <Button onClick={() => setOpen({ kind: 'create', parentId: null })}>New rule</Button>
      </PageHeader>
      {query.isPending ? (
        <Loading what="default folder rules" />
      ) : query.isError && !query.data ? (
        <LoadError what="default folder rules" right="defaultFolderRules" error={query.error} onRetry={() => void query.refetch()} />
      ) : items.length === 0 ? (
        <Paper withBorder p="xl" radius="sm" maw={760} data-testid="no-rules">
          <Text size="sm" c="dimmed">
            No rules yet: new devices go to their enrollment key's folder, or automatic registration's.
          </Text>
        </Paper>
      ) : (
        <Paper withBorder radius="sm" data-testid="rule-tree" role="tree" aria-label="Default folder rules">
          {items.map((r) => {
            const sib = siblings(r);
            const at = sib.findIndex((x) => x.id === r.id);
            const parent = r.parentId === null ? null : items.find((x) => x.id === r.parentId);
            const prev = at > 0 ? sib[at - 1] : undefined;
            return (
              <Group
                key={r.id}
                role="treeitem"
                aria-level={(depth.get(r.id) ?? 0) + 1}
                aria-label={r.name}
                data-testid="rule-row"
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.effectAllowed = 'move';
                  setDragged(r.id);
                }}
                onDragOver={(e) => {
                  if (dragged !== null) e.preventDefault();
                }}
                onDrop={(e) => {
                  e.preventDefault();
                  dropOn(r);
                }}
                onDragEnd={() => setDragged(null)}
                justify="space-between"
                wrap="nowrap"
                px="sm"
                py={6}
                pl={12 + (depth.get(r.id) ?? 0) * 28}
                style={{ borderBottom: '1px solid var(--mantine-color-gray-2)', cursor: 'grab', opacity: dragged === r.id ? 0.5 : 1 }}
              >
                <Stack gap={0} miw={0} style={{ flex: 1 }}>
                  <Group gap={6} wrap="nowrap">
                    <Text size="sm" fw={600} truncate>
                      {r.name}
                    </Text>
                    <Text size="xs" c={r.target.mode === 'none' ? 'dimmed' : 'blue'} truncate data-testid="rule-target">
                      {targetText(r)}
                    </Text>
                  </Group>
                  <Group gap={4} wrap="nowrap">
                    <Text size="xs" c="dimmed" ff="monospace" truncate title={criteriaText(r.criteria)}>
                      {criteriaText(r.criteria)}
                    </Text>
                    {r.overridesExistingFolder && (
                      <Badge size="xs" variant="light">
                        overrides
                      </Badge>
                    )}
                    {r.applyAtBoot && (
                      <Badge size="xs" variant="light" color="grape">
                        at boot
                      </Badge>
                    )}
                    {r.leaveInSubfolder && (
                      <Badge size="xs" variant="light" color="gray">
                        leaves in sub-folder
                      </Badge>
                    )}
                  </Group>
                </Stack>
                <Group gap={2} wrap="nowrap">
                  <Tooltip label="Up">
                    <ActionIcon
                      variant="subtle"
                      aria-label={`Move ${r.name} up`}
                      disabled={at === 0}
                      onClick={() => void move(r, { position: at - 1 })}
                    >
                      ↑
                    </ActionIcon>
                  </Tooltip>
                  <Tooltip label="Down">
                    <ActionIcon
                      variant="subtle"
                      aria-label={`Move ${r.name} down`}
                      disabled={at === sib.length - 1}
                      onClick={() => void move(r, { position: at + 1 })}
                    >
                      ↓
                    </ActionIcon>
                  </Tooltip>
                  <Tooltip label="Indent: below the rule above">
                    <ActionIcon
                      variant="subtle"
                      aria-label={`Indent ${r.name}`}
                      disabled={!prev}
                      onClick={() => prev && void move(r, { parentId: prev.id, position: 1000 })}
                    >
                      →
                    </ActionIcon>
                  </Tooltip>
                  <Tooltip label="Outdent: after its parent">
                    <ActionIcon
                      variant="subtle"
                      aria-label={`Outdent ${r.name}`}
                      disabled={!parent}
                      onClick={() => parent && void move(r, { parentId: parent.parentId, position: parent.position + 1 })}
                    >
                      ←
                    </ActionIcon>
                  </Tooltip>
                  <Button size="compact-xs" variant="subtle" onClick={() => setOpen({ kind: 'create', parentId: r.id })}>
                    Add below
                  </Button>
                  <Button size="compact-xs" variant="subtle" onClick={() => setOpen({ kind: 'edit', rule: r })}>
                    Edit
                  </Button>
                  <Button size="compact-xs" variant="subtle" color="red" onClick={() => setOpen({ kind: 'delete', rule: r })}>
                    Delete
                  </Button>
                </Group>
              </Group>
            );
          })}
        </Paper>
      )}
      <Group align="flex-start" grow wrap="wrap">
        <TestBox />
        <ApplyPanel />
      </Group>
      {open && open.kind !== 'delete' && (
        <RuleEditor
          rule={open.kind === 'edit' ? open.rule : null}
          parentId={open.kind === 'create' ? open.parentId : null}
          onClose={() => setOpen(null)}
          onSaved={(saved) => {
            notifySuccess(`Rule "${saved.name}" saved`);
            setOpen(null);
            void refresh();
          }}
        />
      )}
      {open?.kind === 'delete' && (
        <ConfirmDialog
          opened
          title={`Delete rule "${open.rule.name}"?`}
          confirmLabel="Delete"
          onClose={() => setOpen(null)}
          onConfirm={() => deleteRule(open.rule.id)}
          onDone={() => void refresh()}
        >
          The rule and every rule below it are deleted. Devices stay where they are.
        </ConfirmDialog>
      )}
    </Stack>
  );
}
