import { findParameter, type CatalogueParameter, type InstanceGroup } from '@openums/protocol';
import { Badge, Button, Group, Stack, Switch, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { memo, useMemo, useState, type KeyboardEvent } from 'react';
import { Link } from 'react-router';
import deviceClasses from '../devices/devices.module.css';
import { ParameterInput } from './parameter-input';
import {
  activatedCounts,
  allRows,
  buildGroupTree,
  flattenGroups,
  formatDefault,
  groupId,
  instanceIds,
  inSentence,
  instanceTitle,
  matchesSearch,
  nextInstanceId,
  rowsOfGroup,
  searchWords,
  shortMessage,
  type GroupNode,
  type ParamRow,
  type Settings,
} from './parameter-model';
import classes from './configuration-editor.module.css';

/** The catalogue's setup tree never changes at run time: built once. */
const TREE = buildGroupTree();
const ALL_GROUPS = flattenGroups(TREE);
const GROUP_BY_ID = new Map(ALL_GROUPS.map((g) => [g.id, g]));
const PARAMETER_COUNT = ALL_GROUPS.reduce((n, g) => n + g.params.length, 0);
/** Search results shown at first; the rest on request (each row holds inputs). */
const SEARCH_PAGE = 60;

/** Whose settings the editor shows: a profile's, or a device's own configuration. Only the wording differs. */
export type SettingsOwner = 'profile' | 'device';

const WORDING = {
  profile: {
    activeTitle: 'Activated: the profile sets this parameter. Untick to deactivate.',
    inactiveTitle: 'Not activated: tick to let the profile set this parameter.',
    inactiveHint: 'Not activated: devices keep the value they have',
    fixedInstances: 'where several profiles set the same instance, the usual precedence decides.',
    freeInstances: (label: string) => `Each ${label} of this profile exists on the device beside those of other profiles.`,
    noInstances: (label: string) => `This profile has no ${label} yet.`,
    nothingActivated: 'No parameter is activated in this profile yet.',
  },
  device: {
    activeTitle: "Activated: set in the device's own configuration. Untick to remove it.",
    inactiveTitle: "Not activated: tick to set this parameter in the device's own configuration.",
    inactiveHint: "Not activated: not in the device's own configuration",
    fixedInstances: "a profile that sets a parameter of an instance overrides the device's own value.",
    freeInstances: (label: string) => `The device's own ${label}s exist beside those its profiles bring.`,
    noInstances: (label: string) => `The device's own configuration has no ${label}.`,
    nothingActivated: "No parameter is set in the device's own configuration.",
  },
} satisfies Record<SettingsOwner, unknown>;

/**
 * A line under a parameter, e.g. that a profile overrides it on this device. `override` marks an
 * activated value that does not take effect; `info` is a plain remark.
 */
export interface ParamNote {
  text: string;
  tone: 'override' | 'info';
  /** A page the note links to (the profile). */
  to?: string;
  linkText?: string;
}

export interface ParameterEditorProps {
  draft: Settings;
  saved: Settings;
  errors: ReadonlyMap<string, string>;
  readOnly: boolean;
  /** Sets an activated parameter's value. */
  onSet: (key: string, value: unknown) => void;
  /** Activates (with the default or the last value) or deactivates a parameter. */
  onActivate: (key: string, param: CatalogueParameter, active: boolean) => void;
  onRemoveInstance: (group: InstanceGroup, id: string) => void;
  /** A search to start with (jump to an invalid parameter). */
  search: string;
  onSearchChange: (text: string) => void;
  /** Whose settings these are (wording only); a profile's by default. */
  owner?: SettingsOwner;
  /** Notes under parameters, by concrete key. */
  notes?: ReadonlyMap<string, ParamNote>;
  /** A narrower group tree, for a side panel. */
  compact?: boolean;
}

const NO_NOTES: ReadonlyMap<string, ParamNote> = new Map();

/**
 * The parameters of a profile: a tree of the catalogue's groups beside the parameters of the
 * selected group (only one group's inputs are rendered at a time), or the matches of a search.
 */
export function ParameterEditor(props: ParameterEditorProps) {
  const { draft, saved, errors, readOnly, onSet, onActivate, onRemoveInstance, search, onSearchChange, owner = 'profile', notes = NO_NOTES, compact = false } = props;
  const [selected, setSelected] = useState<string>(() => firstGroupWithSettings(draft) ?? ALL_GROUPS.find((g) => g.params.length)!.id);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set(ancestorIds(selected)));
  const [onlyActivated, setOnlyActivated] = useState(false);
  /** Instances added in this session that have no activated parameter yet, by group key. */
  const [added, setAdded] = useState<Record<string, string[]>>({});
  const [debouncedSearch] = useDebouncedValue(search, 150);
  const counts = useMemo(() => activatedCounts(draft), [draft]);
  const activeCount = Object.keys(draft).length;

  const select = (id: string) => {
    setSelected(id);
    setExpanded((prev) => new Set([...prev, ...ancestorIds(id)]));
    if (search) onSearchChange('');
    setOnlyActivated(false);
  };
  const toggle = (id: string, open: boolean) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (open) next.add(id);
      else next.delete(id);
      return next;
    });

  const addInstance = (group: InstanceGroup) => {
    const id = nextInstanceId([...(added[group.key] ?? []), ...instanceIds(draft, group.key)]);
    setAdded((prev) => ({ ...prev, [group.key]: [...(prev[group.key] ?? []), id] }));
    return id;
  };
  const removeInstance = (group: InstanceGroup, id: string) => {
    setAdded((prev) => ({ ...prev, [group.key]: (prev[group.key] ?? []).filter((x) => x !== id) }));
    onRemoveInstance(group, id);
  };

  const filtering = debouncedSearch.trim() !== '' || onlyActivated;
  const rowProps = { draft, saved, errors, readOnly, onSet, onActivate, owner, notes };

  return (
    <div className={`${classes.editor} ${compact ? classes.editorCompact : ''}`}>
      <div className={classes.editorToolbar}>
        <TextInput
          size="xs"
          type="search"
          style={{ flex: 1, maxWidth: 420 }}
          placeholder="Search parameters by key, description or value"
          aria-label="Search parameters"
          value={search}
          onChange={(e) => onSearchChange(e.currentTarget.value)}
        />
        <Switch size="xs" label="Only activated" checked={onlyActivated} onChange={(e) => setOnlyActivated(e.currentTarget.checked)} />
        <Text size="xs" c="dimmed" data-testid="activated-count">
          {activeCount} of {PARAMETER_COUNT} parameters activated
        </Text>
      </div>
      <div className={classes.editorBody}>
        <nav className={classes.groupTree} aria-label="Parameter groups">
          <div role="tree" aria-label="Parameter groups">
            {TREE.map((node) => (
              <GroupTreeNode key={node.id} node={node} level={1} selected={filtering ? null : selected} expanded={expanded} counts={counts} onSelect={select} onToggle={toggle} />
            ))}
          </div>
        </nav>
        <div className={classes.paramPane} data-testid="parameter-pane">
          {filtering ? (
            <SearchResults text={debouncedSearch} onlyActivated={onlyActivated} added={added} {...rowProps} />
          ) : (
            <GroupPane key={selected} node={GROUP_BY_ID.get(selected)!} counts={counts} added={added[GROUP_BY_ID.get(selected)!.instanceGroup?.key ?? ''] ?? []} onAddInstance={addInstance} onRemoveInstance={removeInstance} onSelect={select} {...rowProps} />
          )}
        </div>
      </div>
    </div>
  );
}

function ancestorIds(id: string): string[] {
  const parts = id.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** The first group (catalogue order) in which the profile activates something. */
function firstGroupWithSettings(settings: Settings): string | undefined {
  const used = new Set(Object.keys(settings).flatMap((key) => {
    const param = findParameter(key);
    return param ? [groupId(param.group)] : [];
  }));
  return ALL_GROUPS.find((g) => used.has(g.id))?.id;
}

interface GroupTreeNodeProps {
  node: GroupNode;
  level: number;
  selected: string | null;
  expanded: ReadonlySet<string>;
  counts: Map<string, number>;
  onSelect: (id: string) => void;
  onToggle: (id: string, open: boolean) => void;
}

function GroupTreeNode({ node, level, selected, expanded, counts, onSelect, onToggle }: GroupTreeNodeProps) {
  const hasChildren = node.children.length > 0;
  const isExpanded = expanded.has(node.id);
  const count = counts.get(node.id) ?? 0;
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect(node.id);
    } else if (event.key === 'ArrowRight' && hasChildren) onToggle(node.id, true);
    else if (event.key === 'ArrowLeft' && hasChildren) onToggle(node.id, false);
  };
  return (
    <>
      <div
        role="treeitem"
        aria-label={node.name}
        aria-level={level}
        aria-selected={selected === node.id}
        aria-expanded={hasChildren ? isExpanded : undefined}
        tabIndex={0}
        className={deviceClasses.treeRow}
        style={{ paddingLeft: (level - 1) * 14 + 4 }}
        onClick={() => {
          onSelect(node.id);
          if (hasChildren && !isExpanded) onToggle(node.id, true);
        }}
        onKeyDown={onKeyDown}
        data-testid={`group-node-${node.id}`}
      >
        {hasChildren ? (
          <button
            type="button"
            className={deviceClasses.treeToggle}
            aria-label={`${isExpanded ? 'Collapse' : 'Expand'} ${node.name}`}
            tabIndex={-1}
            onClick={(e) => {
              e.stopPropagation();
              onToggle(node.id, !isExpanded);
            }}
          >
            <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden style={{ transform: isExpanded ? 'rotate(90deg)' : undefined, transition: 'transform 120ms' }}>
              <path d="M4 2l4 4-4 4" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
          </button>
        ) : (
          <span className={deviceClasses.treeToggle} aria-hidden />
        )}
        <span className={deviceClasses.treeLabel} title={node.path.join(' › ')}>
          {node.name}
        </span>
        {count > 0 && (
          <Badge size="xs" variant="light" color="teal" title={`${count} activated`} aria-label={`${count} activated`}>
            {count}
          </Badge>
        )}
      </div>
      {hasChildren && isExpanded && (
        <div role="group">
          {node.children.map((child) => (
            <GroupTreeNode key={child.id} node={child} level={level + 1} selected={selected} expanded={expanded} counts={counts} onSelect={onSelect} onToggle={onToggle} />
          ))}
        </div>
      )}
    </>
  );
}

type RowProps = Pick<ParameterEditorProps, 'draft' | 'saved' | 'errors' | 'readOnly' | 'onSet' | 'onActivate'> & { owner: SettingsOwner; notes: ReadonlyMap<string, ParamNote> };

interface GroupPaneProps extends RowProps {
  node: GroupNode;
  counts: Map<string, number>;
  added: string[];
  onAddInstance: (group: InstanceGroup) => string;
  onRemoveInstance: (group: InstanceGroup, id: string) => void;
  onSelect: (id: string) => void;
}

function GroupPane({ node, counts, added, onAddInstance, onRemoveInstance, onSelect, ...rowProps }: GroupPaneProps) {
  const { plain, instances } = useMemo(() => rowsOfGroup(node, rowProps.draft, added), [node, rowProps.draft, added]);
  const group = node.instanceGroup;
  const wording = WORDING[rowProps.owner];
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(instances.length === 1 ? [instances[0]!.id] : []));
  const toggleOpen = (id: string, value: boolean) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (value) next.add(id);
      else next.delete(id);
      return next;
    });

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
              ? `${node.params.length} parameter${node.params.length === 1 ? '' : 's'}${group ? ` per ${inSentence(group.label)}` : ''}`
              : `${node.children.length} sub-group${node.children.length === 1 ? '' : 's'}`}{' '}
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
                      <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden style={{ transform: isOpen ? 'rotate(90deg)' : undefined, transition: 'transform 120ms', flex: 'none' }}>
                        <path d="M4 2l4 4-4 4" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
                      </svg>
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
                    <Button size="compact-xs" variant="subtle" color="red" onClick={() => onRemoveInstance(group, inst.id)} aria-label={`Remove ${title}`}>
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

/** Search and "only activated": matching rows of every group, under their group's path. */
function SearchResults({ text, onlyActivated, added, ...rowProps }: RowProps & { text: string; onlyActivated: boolean; added: Record<string, string[]> }) {
  const { draft } = rowProps;
  const [limit, setLimit] = useState(SEARCH_PAGE);
  const sections = useMemo(() => {
    const words = searchWords(text);
    const rows = allRows(TREE, draft, added).filter((row) => (!onlyActivated || row.key in draft) && matchesSearch(row, words, draft));
    const bySection = new Map<string, { title: string; rows: ParamRow[] }>();
    for (const row of rows.slice(0, limit)) {
      const title = row.param.group.join(' › ') + (row.instance ? ` › ${instanceTitle(row.instance.group, row.instance.id, draft)}` : '');
      const section = bySection.get(title) ?? { title, rows: [] };
      section.rows.push(row);
      bySection.set(title, section);
    }
    return { total: rows.length, list: [...bySection.values()] };
  }, [text, onlyActivated, draft, added, limit]);

  return (
    <Stack gap="sm" p="sm">
      <Text size="sm" c="dimmed" aria-live="polite" data-testid="search-count">
        {sections.total === 0
          ? onlyActivated && !text.trim()
            ? WORDING[rowProps.owner].nothingActivated
            : 'No parameter matches.'
          : `${sections.total} parameter${sections.total === 1 ? '' : 's'}${onlyActivated ? ' activated' : ''}${text.trim() ? ` matching "${text.trim()}"` : ''}`}
      </Text>
      {sections.list.map((section) => (
        <div key={section.title}>
          <Text size="xs" fw={700} c="dimmed" mb={4}>
            {section.title}
          </Text>
          <RowList rows={section.rows} {...rowProps} />
        </div>
      ))}
      {sections.total > limit && (
        <Button variant="light" size="xs" w="fit-content" onClick={() => setLimit(sections.total)}>
          Show all {sections.total} parameters ({sections.total - limit} more)
        </Button>
      )}
    </Stack>
  );
}

function RowList({ rows, draft, saved, errors, readOnly, onSet, onActivate, owner, notes }: RowProps & { rows: ParamRow[] }) {
  return (
    <div className={classes.paramList}>
      {rows.map((row) => {
        const active = row.key in draft;
        const value = draft[row.key];
        const changed = active !== row.key in saved || (active && JSON.stringify(value) !== JSON.stringify(saved[row.key]));
        return (
          <ParamRowView
            key={row.key}
            row={row}
            active={active}
            value={value}
            changed={changed}
            error={errors.get(row.key)}
            note={notes.get(row.key)}
            owner={owner}
            readOnly={readOnly}
            onSet={onSet}
            onActivate={onActivate}
          />
        );
      })}
    </div>
  );
}

interface ParamRowViewProps {
  row: ParamRow;
  active: boolean;
  value: unknown;
  changed: boolean;
  error: string | undefined;
  note: ParamNote | undefined;
  owner: SettingsOwner;
  readOnly: boolean;
  onSet: (key: string, value: unknown) => void;
  onActivate: (key: string, param: CatalogueParameter, active: boolean) => void;
}

/**
 * One parameter. Plain elements (no Mantine components) outside the value input: a search can
 * show all 249 parameters, and each row must stay cheap to render.
 */
const ParamRowView = memo(function ParamRowView({ row, active, value, changed, error, note, owner, readOnly, onSet, onActivate }: ParamRowViewProps) {
  const { key, param } = row;
  const wording = WORDING[owner];
  return (
    <div
      className={classes.paramRow}
      data-active={active || undefined}
      data-changed={changed || undefined}
      data-invalid={error ? true : undefined}
      data-overridden={active && note?.tone === 'override' ? true : undefined}
      data-testid="param-row"
      data-key={key}
    >
      <input
        type="checkbox"
        className={classes.paramCheck}
        aria-label={`Activate ${key}`}
        title={active ? wording.activeTitle : wording.inactiveTitle}
        checked={active}
        disabled={readOnly}
        onChange={(e) => onActivate(key, param, e.currentTarget.checked)}
      />
      <div className={classes.paramInfo}>
        <div className={classes.paramDescription}>{param.description}</div>
        <div className={classes.paramMeta}>
          <code className={classes.paramKey}>{key}</code>
          <span className={classes.typeTag} data-testid="param-type">
            {param.type}
          </span>
          <span>{limitsText(param)}</span>
          {changed && <span className={classes.changedTag}>changed</span>}
        </div>
        {note && (
          <div className={classes.paramNote} data-tone={note.tone} data-testid="param-note">
            {note.text}
            {note.to && (
              <>
                {' '}
                <Link to={note.to} className={classes.paramNoteLink}>
                  {note.linkText ?? 'Open'}
                </Link>
              </>
            )}
          </div>
        )}
      </div>
      <div className={classes.paramValue}>
        {active ? (
          <ParameterInput param={param} settingKey={key} value={value} error={error ? shortMessage(key, error) : undefined} readOnly={readOnly} onChange={(v) => onSet(key, v)} />
        ) : (
          <div className={classes.inactive}>
            <span className={classes.inactiveText} title={`${wording.inactiveHint} (default ${formatDefault(param)})`}>
              Not activated · default <b>{formatDefault(param)}</b>
            </span>
            {!readOnly && (
              <button type="button" className={classes.setButton} onClick={() => onActivate(key, param, true)} aria-label={`Set ${key}`}>
                Set
              </button>
            )}
          </div>
        )}
      </div>
    </div>
  );
});

function limitsText(param: CatalogueParameter): string {
  switch (param.type) {
    case 'integer':
      return `${param.min}–${param.max}${param.unit ? ` ${param.unit}` : ''}`;
    case 'string':
      return `max. ${param.maxLength} characters${param.pattern ? ', fixed format' : ''}`;
    case 'secret':
      return `max. ${param.maxLength} characters, stored encrypted`;
    case 'enum':
      return param.values.length <= 4 ? param.values.join(' | ') : `${param.values.length} choices`;
    case 'list':
      return `up to ${param.maxItems} entries`;
    default:
      return '';
  }
}
