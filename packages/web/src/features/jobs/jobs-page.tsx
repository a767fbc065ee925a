import { ActionIcon, Anchor, Button, Group, Menu, Paper, Stack, Table, Tabs, Text } from '@mantine/core';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { listJobRuns, listJobs, type Job } from '../../api/jobs';
import { expandedWithPath } from '../../components/folder-paths';
import panels from '../../components/panels.module.css';
import { withMember } from '../../lib/sets';
import { LoadError, Loading, PageHeader } from '../admin/page-states';
import { JobCalendar } from './job-calendar';
import { JobDetail, runsKey } from './job-detail';
import { jobCommandLabel } from './job-draft';
import { DeleteJobFolderDialog, MoveJobDialog, MoveJobFolderDialog, NewJobFolderDialog, RenameJobFolderDialog } from './job-folder-dialogs';
import { JobFolderTree, useJobFolders, type JobFolderKey } from './job-folders';
import { JobWizard } from './job-wizard';
import classes from './jobs.module.css';
import { RunProgress, RunState } from './run-detail';
import { formatDateTime, scheduleSummary } from './schedule';
import { TargetLabel } from './target-label';

type FolderDialog = 'new' | 'rename' | 'move' | 'delete' | null;

function parseId(value: string | null | undefined): number | null {
  const id = Number(value);
  return value && Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * Jobs: job folders at the left; at the right the jobs of the selected folder (a list or the
 * next seven days) or the open job (/jobs/12). The folder and the tab are in the query
 * (?folder=3&view=calendar), so the way back from a job keeps them.
 */
export function JobsPage() {
  const { jobId } = useParams();
  const id = parseId(jobId);
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const folder: JobFolderKey = parseId(params.get('folder')) ?? 'root';
  const view = params.get('view') === 'calendar' ? 'calendar' : 'list';
  const folders = useJobFolders();
  const [expanded, setExpanded] = useState<ReadonlySet<JobFolderKey>>(() => new Set<JobFolderKey>(['root']));
  const [dialog, setDialog] = useState<FolderDialog>(null);
  const query = (next: { folder?: JobFolderKey; view?: string }) => {
    const p = new URLSearchParams();
    const f = next.folder ?? folder;
    const v = next.view ?? view;
    if (f !== 'root') p.set('folder', String(f));
    if (v !== 'list') p.set('view', v);
    const qs = p.toString();
    return qs ? `?${qs}` : '';
  };
  const goToFolder = (key: JobFolderKey) => void navigate(`/jobs${query({ folder: key })}`);
  const expandPath = useCallback(
    (key: JobFolderKey) => setExpanded((prev) => expandedWithPath(prev, key, folders.index.ancestors)),
    [folders.index],
  );
  // A folder selected by its address (or the way back from a job) shows open in the tree.
  useEffect(() => {
    if (folder !== 'root' && folders.data) expandPath(folder);
  }, [folder, folders.data, expandPath]);
  const selectedFolder = folder === 'root' ? null : folder;
  const close = () => setDialog(null);
  return (
    <div className={classes.page}>
      <section aria-label="Job folder tree" className={panels.sidePanel}>
        <Stack gap={6} className={panels.panelHeader}>
          <Text size="xs" fw={700} c="dimmed" tt="uppercase">
            Job folders
          </Text>
          <Group gap={4}>
            <Button size="compact-xs" variant="light" onClick={() => setDialog('new')} aria-label="New job folder">
              New folder
            </Button>
            <Menu position="bottom-start" withinPortal>
              <Menu.Target>
                <Button
                  size="compact-xs"
                  variant="default"
                  disabled={selectedFolder === null}
                  title={selectedFolder === null ? 'Select a folder first' : undefined}
                  aria-label="Folder actions"
                >
                  Folder ▾
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item onClick={() => setDialog('rename')}>Rename folder</Menu.Item>
                <Menu.Item onClick={() => setDialog('move')}>Move folder</Menu.Item>
                <Menu.Item color="red" onClick={() => setDialog('delete')}>
                  Delete folder
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Stack>
        <div className={panels.treeScroll}>
          <JobFolderTree
            selected={id === null ? folder : null}
            expanded={expanded}
            onSelect={goToFolder}
            onToggle={(key, open) => setExpanded((prev) => withMember(prev, key, open))}
          />
        </div>
      </section>
      <div className={classes.main}>
        {id !== null ? (
          <JobDetail
            key={id}
            id={id}
            back={`/jobs${query({})}`}
            backLabel={selectedFolder === null ? 'All jobs' : `Jobs in ${folders.index.path(selectedFolder)}`}
          />
        ) : (
          <JobList
            folder={folder}
            view={view}
            onView={(v) => void navigate(`/jobs${query({ view: v })}`, { replace: true })}
            linkQuery={query({})}
          />
        )}
      </div>
      {dialog === 'new' && (
        <NewJobFolderDialog
          parent={folder}
          onClose={close}
          onCreated={(created) => {
            expandPath(created);
            goToFolder(created);
          }}
        />
      )}
      {dialog === 'rename' && selectedFolder !== null && <RenameJobFolderDialog id={selectedFolder} onClose={close} />}
      {dialog === 'move' && selectedFolder !== null && (
        <MoveJobFolderDialog id={selectedFolder} onClose={close} onMoved={() => expandPath(selectedFolder)} />
      )}
      {dialog === 'delete' && selectedFolder !== null && (
        <DeleteJobFolderDialog id={selectedFolder} onClose={close} onDeleted={goToFolder} />
      )}
    </div>
  );
}

function JobList({
  folder,
  view,
  onView,
  linkQuery,
}: {
  folder: JobFolderKey;
  view: 'list' | 'calendar';
  onView: (view: 'list' | 'calendar') => void;
  linkQuery: string;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const folders = useJobFolders();
  const [creating, setCreating] = useState(false);
  const [moving, setMoving] = useState<Job | null>(null);
  const folderId = folder === 'root' ? null : folder;
  const query = useQuery({
    queryKey: ['jobs', 'list', folder],
    queryFn: ({ signal }) => listJobs(undefined, signal, folderId),
    refetchInterval: 15_000,
  });
  const jobs = useMemo(() => query.data?.items ?? [], [query.data]);
  const jobIds = useMemo(() => (folderId === null ? undefined : new Set(jobs.map((j) => j.id))), [jobs, folderId]);
  // The last run of each job shown (one small request each; a page holds at most 200 jobs), every 2 s while it runs.
  const lastRuns = useQueries({
    queries: jobs.map((j) => ({
      queryKey: [...runsKey(j.id), 'last'],
      queryFn: ({ signal }: { signal: AbortSignal }) => listJobRuns(j.id, 1, undefined, signal),
      refetchInterval: (q: { state: { data?: { items: { state: string }[] } } }) =>
        q.state.data?.items[0]?.state === 'running' ? 2000 : 15_000,
    })),
  });
  const folderName = folderId === null ? undefined : folders.index.path(folderId);
  return (
    <Stack p="lg" gap="md">
      <PageHeader
        title={folderName ? `Jobs › ${folderName}` : 'Jobs'}
        description="A command for devices, folders (with their sub-folders) and views, run once or on a schedule; every run keeps each device's result."
      >
        <Button onClick={() => setCreating(true)}>New job</Button>
      </PageHeader>
      <Tabs value={view} onChange={(v) => onView(v === 'calendar' ? 'calendar' : 'list')} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="list">List</Tabs.Tab>
          <Tabs.Tab value="calendar">Next 7 days</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="calendar" pt="sm">
          <JobCalendar jobIds={jobIds} folderName={folderName} />
        </Tabs.Panel>
        <Tabs.Panel value="list" pt="sm">
          {query.isPending ? (
            <Loading what="jobs" />
          ) : query.isError && !query.data ? (
            <LoadError what="jobs" right="jobs" error={query.error} onRetry={() => void query.refetch()} />
          ) : jobs.length === 0 ? (
            <Paper withBorder p="md">
              <Text c="dimmed">{folderId === null ? 'No jobs yet.' : 'No jobs in this folder.'}</Text>
            </Paper>
          ) : (
            <Paper withBorder radius="sm">
              <Table striped highlightOnHover aria-label="Jobs" verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th miw={150}>Name</Table.Th>
                    <Table.Th>Command</Table.Th>
                    <Table.Th>Targets</Table.Th>
                    <Table.Th>Schedule</Table.Th>
                    <Table.Th style={{ whiteSpace: 'nowrap' }}>Next run</Table.Th>
                    <Table.Th style={{ whiteSpace: 'nowrap' }}>Last run</Table.Th>
                    {folderId === null && <Table.Th>Folder</Table.Th>}
                    <Table.Th w={40} aria-label="Actions" />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {jobs.map((j, i) => {
                    const last = lastRuns[i]?.data?.items[0];
                    return (
                      <Table.Tr key={j.id} data-testid={`job-${j.name}`}>
                        <Table.Td>
                          <Anchor component={Link} to={`/jobs/${j.id}${linkQuery}`} fw={500}>
                            {j.name}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{jobCommandLabel(j.command)}</Table.Td>
                        <Table.Td>
                          {j.targets.length === 1 ? <TargetLabel target={j.targets[0]!} /> : `${j.targets.length} targets`}
                        </Table.Td>
                        <Table.Td>{scheduleSummary(j.schedule)}</Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{j.enabled ? formatDateTime(j.nextRunAt) : 'disabled'}</Table.Td>
                        <Table.Td>
                          <RunState run={last} />
                          {last?.state === 'running' && <RunProgress run={last} size="sm" w={180} />}
                        </Table.Td>
                        {folderId === null && (
                          <Table.Td>
                            {j.folderId !== null && (
                              <Text size="sm" truncate maw={220} title={folders.index.path(j.folderId)}>
                                {folders.index.path(j.folderId)}
                              </Text>
                            )}
                          </Table.Td>
                        )}
                        <Table.Td>
                          <Menu position="bottom-end" withinPortal>
                            <Menu.Target>
                              <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${j.name}`}>
                                ⋯
                              </ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              <Menu.Item onClick={() => void navigate(`/jobs/${j.id}${linkQuery}`)}>Open</Menu.Item>
                              <Menu.Item onClick={() => setMoving(j)}>Move to folder…</Menu.Item>
                            </Menu.Dropdown>
                          </Menu>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
              {query.data?.nextCursor && (
                <Text size="xs" c="dimmed" p="xs">
                  The first 200 jobs are shown: file jobs in folders to see the others.
                </Text>
              )}
            </Paper>
          )}
        </Tabs.Panel>
      </Tabs>
      {creating && (
        <JobWizard
          job={null}
          folderId={folderId}
          onClose={() => setCreating(false)}
          onSaved={(job) => {
            void queryClient.invalidateQueries({ queryKey: ['jobs'] });
            void navigate(`/jobs/${job.id}${linkQuery}`);
          }}
        />
      )}
      {moving && <MoveJobDialog job={moving} onClose={() => setMoving(null)} />}
    </Stack>
  );
}
