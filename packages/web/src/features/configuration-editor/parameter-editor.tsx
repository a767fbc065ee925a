import type { InstanceGroup } from '@openums/protocol';
import { Switch, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMemo, useState } from 'react';
import { withMember } from '../../lib/sets';
import { ALL_GROUPS, ancestorIds, firstGroupWithSettings, GROUP_BY_ID, PARAMETER_COUNT } from './catalogue-groups';
import classes from './configuration-editor.module.css';
import { GroupPane } from './group-pane';
import { GroupTree } from './group-tree';
import { activatedCounts, instanceIds, nextInstanceId } from './parameter-model';
import type { RowProps } from './parameter-row';
import { SearchResults } from './search-results';
import type { ParamNote, SettingsOwner } from './wording';

export type { ParamNote, SettingsOwner } from './wording';

export interface ParameterEditorProps extends Omit<RowProps, 'owner' | 'notes'> {
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
  const {
    draft,
    saved,
    errors,
    readOnly,
    onSet,
    onActivate,
    onRemoveInstance,
    search,
    onSearchChange,
    owner = 'profile',
    notes = NO_NOTES,
    compact = false,
  } = props;
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
  const toggle = (id: string, open: boolean) => setExpanded((prev) => withMember(prev, id, open));

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
          style={{ flex: 1, minWidth: 200, maxWidth: 420 }}
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
        <GroupTree selected={filtering ? null : selected} expanded={expanded} counts={counts} onSelect={select} onToggle={toggle} />
        <div className={classes.paramPane} data-testid="parameter-pane">
          {filtering ? (
            <SearchResults text={debouncedSearch} onlyActivated={onlyActivated} added={added} {...rowProps} />
          ) : (
            <GroupPane
              key={selected}
              node={GROUP_BY_ID.get(selected)!}
              counts={counts}
              added={added[GROUP_BY_ID.get(selected)!.instanceGroup?.key ?? ''] ?? []}
              onAddInstance={addInstance}
              onRemoveInstance={removeInstance}
              onSelect={select}
              {...rowProps}
            />
          )}
        </div>
      </div>
    </div>
  );
}
