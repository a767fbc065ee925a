import type { ViewOp } from '@openums/protocol';
import { ActionIcon, Button, Checkbox, Group, SegmentedControl, Select, Stack, Text, Tooltip } from '@mantine/core';
import { useMemo } from 'react';
import {
  appendChild,
  caseApplies,
  isBlank,
  newCriterion,
  newGroup,
  opLabel,
  opsForKind,
  removeNode,
  updateNode,
  withField,
  withOp,
  type CriterionNode,
  type FieldOption,
  type GroupNode,
} from './criteria-model';
import { CriterionValue } from './criterion-value';
import classes from './views.module.css';

/** A problem of the tree placed at its node: `part` is 'value', 'field', 'op', 'and'/'or' (empty group) or ''. */
export interface PlacedProblem {
  key: string;
  part: string;
  message: string;
}

interface BuilderProps {
  root: GroupNode;
  onChange: (root: GroupNode) => void;
  options: readonly FieldOption[];
  problem: PlacedProblem | null;
  readOnly?: boolean;
}

/** AND/OR/NOT groups to any depth; each criterion is field, operator and a value fitting both. */
export function CriteriaBuilder(props: BuilderProps) {
  return (
    <div className={classes.builder} data-testid="criteria-builder">
      <GroupEditor node={props.root} depth={1} {...props} />
    </div>
  );
}

interface NodeProps extends BuilderProps {
  depth: number;
}

function GroupEditor({ node, depth, ...props }: NodeProps & { node: GroupNode }) {
  const { root, onChange, problem, readOnly, options } = props;
  const set = (fn: (g: GroupNode) => GroupNode) => onChange(updateNode(root, node.key, (n) => (n.type === 'group' ? fn(n) : n)));
  const isRoot = node.key === root.key;
  const emptyProblem = problem?.key === node.key && (problem.part === 'and' || problem.part === 'or' || problem.part === '');
  const label = isRoot ? 'Criteria' : `Group at level ${depth}`;
  return (
    <div
      className={isRoot ? classes.rootGroup : classes.group}
      role="group"
      aria-label={label}
      data-testid="criteria-group"
      data-negated={node.negated || undefined}
    >
      <Group gap={6} wrap="wrap" className={classes.groupHeader}>
        <Checkbox
          size="xs"
          label="NOT"
          checked={node.negated}
          disabled={readOnly}
          onChange={(e) => set((g) => ({ ...g, negated: e.currentTarget.checked }))}
          aria-label={`Negate ${label.toLowerCase()}`}
        />
        <Text size="xs" c="dimmed">
          {node.negated ? 'none of the devices matching' : 'devices matching'}
        </Text>
        <SegmentedControl
          size="xs"
          data={[
            { value: 'and', label: 'ALL' },
            { value: 'or', label: 'ANY' },
          ]}
          value={node.join}
          disabled={readOnly}
          onChange={(v) => set((g) => ({ ...g, join: v as 'and' | 'or' }))}
          aria-label={`Combine ${label.toLowerCase()} with`}
        />
        <Text size="xs" c="dimmed">
          of these
        </Text>
        {!isRoot && !readOnly && (
          <Tooltip label="Remove this group and everything in it" withArrow>
            <ActionIcon
              variant="subtle"
              color="gray"
              size="sm"
              ml="auto"
              aria-label="Remove group"
              onClick={() => onChange(removeNode(root, node.key))}
            >
              ×
            </ActionIcon>
          </Tooltip>
        )}
      </Group>
      <Stack gap={6} className={classes.groupChildren}>
        {node.children.map((child) =>
          child.type === 'group' ? (
            <GroupEditor key={child.key} node={child} depth={depth + 1} {...props} />
          ) : (
            <CriterionRow key={child.key} node={child} depth={depth} {...props} />
          ),
        )}
        {node.children.length === 0 && (
          <Text size="xs" c={emptyProblem ? 'red' : 'dimmed'} role={emptyProblem ? 'alert' : undefined}>
            {isRoot ? 'No criteria yet: add one to see the matching devices.' : 'This group is empty: add a criterion or remove it.'}
          </Text>
        )}
        {emptyProblem && node.children.length > 0 && (
          <Text size="xs" c="red" role="alert">
            {problem.message}
          </Text>
        )}
        {!readOnly && (
          <Group gap={4}>
            <Button
              size="compact-xs"
              variant="light"
              onClick={() => onChange(appendChild(root, node.key, newCriterion('name', undefined, options)))}
            >
              + Criterion
            </Button>
            <Button
              size="compact-xs"
              variant="subtle"
              disabled={depth >= 9}
              title={depth >= 9 ? 'Groups nest at most 10 levels deep' : undefined}
              onClick={() =>
                onChange(
                  appendChild(root, node.key, newGroup(node.join === 'and' ? 'or' : 'and', [newCriterion('name', undefined, options)])),
                )
              }
            >
              + Group
            </Button>
          </Group>
        )}
      </Stack>
    </div>
  );
}

const PART_LABEL: Record<string, string> = { value: 'Value', field: 'Field', op: 'Operator', caseSensitive: 'Case-sensitive' };

function CriterionRow({ node, ...props }: NodeProps & { node: CriterionNode }) {
  const { root, onChange, options, problem, readOnly } = props;
  const option = options.find((o) => o.field === node.field);
  const kind = option?.kind ?? 'text';
  const set = (next: CriterionNode) => onChange(updateNode(root, node.key, () => next));
  const mine = problem?.key === node.key ? problem : null;
  // A value not entered yet is a step, not a mistake: a hint instead of red.
  const blankProblem = mine?.part === 'value' && isBlank(node.value);
  const fieldData = useMemo(() => {
    const list = options.map((o) => ({ value: o.field, label: o.label }));
    // A saved view may name a field this server no longer knows: keep it visible (the checker flags it).
    return option ? list : [{ value: node.field, label: node.field }, ...list];
  }, [options, option, node.field]);
  const opData = opsForKind(kind).map((op: ViewOp) => ({ value: op, label: opLabel(kind, op) }));
  const opKnown = opData.some((o) => o.value === node.op);
  return (
    <div
      className={classes.criterion}
      data-testid="criterion-row"
      data-field={node.field}
      aria-invalid={mine && !blankProblem ? true : undefined}
    >
      <Group gap={6} wrap="wrap" align="flex-start">
        <Select
          aria-label="Field"
          size="xs"
          w={190}
          data={fieldData}
          value={node.field}
          onChange={(v) => v && set(withField(node, v, options))}
          searchable
          allowDeselect={false}
          disabled={readOnly}
          error={mine?.part === 'field' || undefined}
          comboboxProps={{ withinPortal: true }}
          maxDropdownHeight={320}
        />
        <Select
          aria-label="Operator"
          size="xs"
          w={170}
          data={opKnown ? opData : [{ value: node.op, label: node.op }, ...opData]}
          value={node.op}
          onChange={(v) => v && set(withOp(node, v as ViewOp, options))}
          allowDeselect={false}
          disabled={readOnly}
          error={mine?.part === 'op' || undefined}
          comboboxProps={{ withinPortal: true }}
        />
        <fieldset className={classes.valueSet} disabled={readOnly}>
          <CriterionValue
            option={option}
            op={node.op}
            value={node.value}
            onChange={(value) => set({ ...node, value })}
            invalid={mine?.part === 'value' && !blankProblem}
          />
        </fieldset>
        {caseApplies(kind, node.op) && (
          <Tooltip label={node.caseSensitive ? 'Case-sensitive: "ITC" ≠ "itc"' : 'Ignores case: "ITC" = "itc"'} withArrow>
            <Button
              size="compact-xs"
              variant={node.caseSensitive ? 'filled' : 'default'}
              aria-pressed={node.caseSensitive}
              aria-label="Case-sensitive"
              disabled={readOnly}
              onClick={() => set({ ...node, caseSensitive: !node.caseSensitive })}
              mt={3}
            >
              Aa
            </Button>
          </Tooltip>
        )}
        {!readOnly && (
          <ActionIcon
            variant="subtle"
            color="gray"
            size="sm"
            mt={3}
            aria-label="Remove criterion"
            title="Remove criterion"
            onClick={() => onChange(removeNode(root, node.key))}
          >
            ×
          </ActionIcon>
        )}
      </Group>
      {mine &&
        (blankProblem ? (
          <Text size="xs" c="dimmed" mt={2} data-testid="criterion-hint">
            Enter a value to count the devices.
          </Text>
        ) : (
          <Text size="xs" c="red" mt={2} role="alert" data-testid="criterion-error">
            {describeProblem(mine)}
          </Text>
        ))}
    </div>
  );
}

/** "body.criteria.and.2.value must be …" → "Value must be …" (the path is where the message shows). */
export function describeProblem(problem: PlacedProblem): string {
  const space = problem.message.indexOf(' ');
  const rest = space > 0 && problem.message.slice(0, space).includes('criteria') ? problem.message.slice(space + 1) : problem.message;
  const label = PART_LABEL[problem.part];
  return label ? `${label} ${rest}` : rest;
}
