import type { DeviceSort, View } from '@openums/protocol';
import { Alert, Badge, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { errorMessage } from '../../api/client';
import { updateView } from '../../api/views';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { AccessControlButton, GatedButton } from '../access/gated-button';
import { useMyRights } from '../access/use-my-rights';
import { devicesLabel } from '../commands/command-target';
import { CriteriaBuilder, type PlacedProblem } from './criteria-builder';
import {
  countCriteria,
  findNode,
  fromCriteria,
  isBlank,
  locateError,
  newCriterion,
  newGroup,
  toCriteria,
  type GroupNode,
} from './criteria-model';
import { invalidateViews, useFieldOptions, useLiveResults, useView, viewKeys, type ViewFolderKey } from './queries';
import { ColumnChooser, gridColumns, ResultGrid, SortSelect, useViewColumns } from './result-grid';
import { AssignProfilesDialog, ExportMenu, MailDialog, ViewCommandMenu } from './view-actions';
import { DeleteViewDialog, ViewDetailsDialog } from './view-dialogs';
import classes from './views.module.css';

const BASE = 'body.criteria';
type Dialog = 'create' | 'save-as' | 'edit' | 'delete' | 'mail' | 'assign' | null;

/** A saved view by id, or a new one (null) to be created in `folder`. */
export function ViewEditor({
  viewId,
  folder,
  onSaved,
  onDeleted,
  onDirtyChange,
}: {
  viewId: number | null;
  folder: ViewFolderKey;
  onSaved: (view: View) => void;
  onDeleted: (view: View) => void;
  onDirtyChange: (dirty: boolean) => void;
}) {
  const view = useView(viewId);
  if (viewId !== null && view.isPending) {
    return (
      <Text p="lg" c="dimmed">
        <Loader size="xs" mr={8} />
        Loading view…
      </Text>
    );
  }
  if (viewId !== null && view.isError) {
    return (
      <Stack p="lg">
        <ErrorAlert title="Cannot open this view" error={view.error} />
      </Stack>
    );
  }
  return (
    <EditorForm
      key={viewId ?? 'new'}
      view={view.data ?? null}
      folder={folder}
      onSaved={onSaved}
      onDeleted={onDeleted}
      onDirtyChange={onDirtyChange}
    />
  );
}

const normalized = (root: GroupNode) => JSON.stringify(toCriteria(root).criteria);

function EditorForm({
  view,
  folder,
  onSaved,
  onDeleted,
  onDirtyChange,
}: {
  view: View | null;
  folder: ViewFolderKey;
  onSaved: (view: View) => void;
  onDeleted: (view: View) => void;
  onDirtyChange: (dirty: boolean) => void;
}) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { options, defs, attributes } = useFieldOptions();
  const [root, setRoot] = useState<GroupNode>(() =>
    view ? fromCriteria(view.criteria) : newGroup('and', [newCriterion('name', undefined, options)]),
  );
  // A new view's starting row is not a change: leaving it untouched asks nothing.
  const [pristine] = useState(() => normalized(root));
  const [sort, setSort] = useState<DeviceSort>('name');
  const [columns, setColumns] = useViewColumns(attributes);
  const [dialog, setDialog] = useState<Dialog>(null);

  const saved = useMemo(() => (view ? normalized(fromCriteria(view.criteria)) : pristine), [view, pristine]);
  const { criteria, paths } = useMemo(() => toCriteria(root, BASE), [root]);
  const empty = countCriteria(root) === 0 && root.children.length === 0;
  const dirty = normalized(root) !== saved;
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);

  const live = useLiveResults(empty ? null : criteria, sort, defs);
  const located = live.problem ? locateError(live.problem.field, paths) : null;
  const placed: PlacedProblem | null = live.problem && located ? { ...located, message: live.problem.message } : null;
  const placedNode = placed ? findNode(root, placed.key) : undefined;
  // Only a value still to be entered: a step, not a mistake.
  const incomplete = placed?.part === 'value' && placedNode?.type === 'criterion' && isBlank(placedNode.value);
  const devices = useMemo(() => live.query.data?.pages.flatMap((p) => p.items) ?? [], [live.query.data]);
  const count = live.problem || empty ? null : (live.query.data?.pages[0]?.count ?? null);

  const rights = useMyRights(view ? { type: 'view', id: view.id } : null);
  const folderKey = view ? (view.folderId ?? 'root') : folder;

  const save = useMutation({
    mutationFn: () => updateView(view!.id, { criteria }),
    onSuccess: async (updated) => {
      queryClient.setQueryData(viewKeys.one(updated.id), updated);
      await invalidateViews(queryClient);
      notifySuccess(`View "${updated.name}" saved`);
    },
  });

  const blocked =
    view === null
      ? 'Save the view first: export and actions work on saved views'
      : dirty
        ? 'Save the changes first: export and actions use the saved criteria'
        : rights.missing('read');
  // Acting on nothing helps nobody: commands and assignments wait for a view with devices.
  const actBlocked = blocked ?? (count === 0 ? 'The view matches no devices' : undefined);
  const names = useMemo(() => new Map(devices.map((d) => [d.id, d.name])), [devices]);

  return (
    <div className={classes.editor}>
      <Stack gap={4} className={classes.editorHeader}>
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap="xs" wrap="nowrap" miw={0}>
            <Title
              order={2}
              size="h4"
              data-testid="view-title"
              style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
            >
              {view ? view.name : 'New view'}
            </Title>
            {(dirty || !view) && (
              <Badge size="sm" color="orange" variant="light">
                {view ? 'changed' : 'not saved'}
              </Badge>
            )}
          </Group>
          <Group gap={4}>
            {view ? (
              <>
                <GatedButton
                  size="compact-xs"
                  rights={rights}
                  right="write"
                  onClick={() => save.mutate()}
                  loading={save.isPending}
                  disabled={!dirty || live.problem !== null || empty}
                  title={!dirty ? 'Nothing changed' : undefined}
                >
                  Save
                </GatedButton>
                <Button size="compact-xs" variant="light" disabled={live.problem !== null || empty} onClick={() => setDialog('save-as')}>
                  Save as…
                </Button>
                <GatedButton size="compact-xs" variant="default" rights={rights} right="write" onClick={() => setDialog('edit')}>
                  Details…
                </GatedButton>
                <GatedButton
                  size="compact-xs"
                  variant="default"
                  color="red"
                  rights={rights}
                  right="write"
                  onClick={() => setDialog('delete')}
                >
                  Delete
                </GatedButton>
                <AccessControlButton object={{ type: 'view', id: view.id }} name={view.name} rights={rights} />
              </>
            ) : (
              <Button size="compact-xs" onClick={() => setDialog('create')} disabled={live.problem !== null || empty}>
                Save view…
              </Button>
            )}
          </Group>
        </Group>
        {view?.description && (
          <Text size="sm" c="dimmed" lineClamp={2} title={view.description}>
            {view.description}
          </Text>
        )}
        {save.error && <ErrorAlert title="Not saved" error={save.error} />}
      </Stack>
      <div className={classes.builderScroll}>
        <CriteriaBuilder root={root} onChange={setRoot} options={options} problem={placed} />
      </div>
      <Group className={classes.countBar} justify="space-between" wrap="wrap" gap="xs">
        <Group gap="xs" wrap="nowrap" aria-live="polite">
          {live.pending && <Loader size={14} aria-label="Counting" />}
          <LiveCount
            empty={empty}
            count={count}
            problem={live.problem !== null}
            incomplete={incomplete}
            error={live.query.error}
            located={located !== null}
            message={live.problem?.message}
          />
        </Group>
        <Group gap={4}>
          <SortSelect value={sort} onChange={setSort} />
          <ColumnChooser columns={columns} onChange={setColumns} attributes={attributes} />
          <ExportMenu view={view} columns={columns} blocked={blocked} />
          <span title={blocked}>
            <Button size="compact-xs" variant="default" disabled={blocked !== undefined} onClick={() => setDialog('mail')}>
              Mail…
            </Button>
          </span>
          <ViewCommandMenu view={view} count={count} blocked={actBlocked} />
          <span title={actBlocked}>
            <Button size="compact-xs" variant="light" disabled={actBlocked !== undefined} onClick={() => setDialog('assign')}>
              Assign profiles…
            </Button>
          </span>
        </Group>
      </Group>
      <div className={classes.gridScroll}>
        {devices.length > 0 && !live.problem && !empty ? (
          <ResultGrid
            devices={devices}
            columns={gridColumns(columns)}
            onOpenDevice={(d) =>
              void navigate(
                `/devices?${new URLSearchParams({ ...(d.folderId ? { folder: String(d.folderId) } : {}), device: String(d.id) })}`,
              )
            }
          />
        ) : (
          !live.pending &&
          count === 0 && (
            <Text p="md" c="dimmed" size="sm">
              No device you may see matches these criteria.
            </Text>
          )
        )}
      </div>
      {devices.length > 0 && !live.problem && !empty && (
        <Group className={classes.gridFooter} justify="space-between">
          <Text size="xs" c="dimmed" data-testid="view-shown">
            Showing {devices.length.toLocaleString()} of {devicesLabel(count ?? devices.length)}
          </Text>
          {live.query.hasNextPage && (
            <Button
              size="compact-xs"
              variant="light"
              loading={live.query.isFetchingNextPage}
              onClick={() => void live.query.fetchNextPage()}
            >
              Load more
            </Button>
          )}
        </Group>
      )}
      {(dialog === 'create' || dialog === 'save-as' || dialog === 'edit') && (
        <ViewDetailsDialog
          mode={dialog}
          view={view ?? undefined}
          folder={folderKey}
          criteria={empty ? null : criteria}
          onClose={() => setDialog(null)}
          onSaved={(v) => {
            if (dialog !== 'edit') onDirtyChange(false);
            onSaved(v);
          }}
        />
      )}
      {dialog === 'delete' && view && <DeleteViewDialog view={view} onClose={() => setDialog(null)} onDeleted={() => onDeleted(view)} />}
      {dialog === 'mail' && view && <MailDialog view={view} columns={columns} onClose={() => setDialog(null)} />}
      {dialog === 'assign' && view && (
        <AssignProfilesDialog view={view} count={count} deviceName={(id) => names.get(id) ?? `#${id}`} onClose={() => setDialog(null)} />
      )}
    </div>
  );
}

function LiveCount({
  empty,
  count,
  problem,
  incomplete,
  error,
  located,
  message,
}: {
  empty: boolean;
  count: number | null;
  problem: boolean;
  incomplete: boolean;
  error: unknown;
  located: boolean;
  message?: string;
}) {
  if (empty)
    return (
      <Text size="sm" c="dimmed">
        Add a criterion to count the matching devices.
      </Text>
    );
  if (problem && incomplete) {
    return (
      <Text size="sm" c="dimmed" data-testid="live-count-incomplete">
        Enter the value of the criterion to count the devices.
      </Text>
    );
  }
  if (problem) {
    return (
      <Text size="sm" c="red" data-testid="live-count-error">
        {located ? 'Complete or fix the marked criterion to count the devices.' : message}
      </Text>
    );
  }
  if (error) {
    return (
      <Alert color="red" p={4} variant="light" data-testid="live-count-error">
        {errorMessage(error)}
      </Alert>
    );
  }
  if (count === null)
    return (
      <Text size="sm" c="dimmed">
        Counting…
      </Text>
    );
  return (
    <Text size="sm" fw={600} data-testid="live-count">
      {count === 1 ? '1 device matches' : `${count.toLocaleString()} devices match`}
    </Text>
  );
}
