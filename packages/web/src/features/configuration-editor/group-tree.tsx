import { Badge } from '@mantine/core';
import { TreeItem, TreeLabel } from '../../components/tree-item';
import { TREE } from './catalogue-groups';
import classes from './configuration-editor.module.css';
import type { GroupNode } from './parameter-model';

interface GroupTreeProps {
  /** null while a search or "only activated" shows matches instead of a group. */
  selected: string | null;
  expanded: ReadonlySet<string>;
  /** Activated parameters by group id, the group's sub-groups included. */
  counts: Map<string, number>;
  onSelect: (id: string) => void;
  onToggle: (id: string, open: boolean) => void;
}

/** The catalogue's groups, with how many parameters each activates. */
export function GroupTree(props: GroupTreeProps) {
  return (
    <nav className={classes.groupTree} aria-label="Parameter groups">
      <div role="tree" aria-label="Parameter groups">
        {TREE.map((node) => (
          <GroupTreeNode key={node.id} node={node} level={1} {...props} />
        ))}
      </div>
    </nav>
  );
}

function GroupTreeNode({ node, level, ...props }: GroupTreeProps & { node: GroupNode; level: number }) {
  const { selected, expanded, counts, onSelect, onToggle } = props;
  const hasChildren = node.children.length > 0;
  const isExpanded = expanded.has(node.id);
  const count = counts.get(node.id) ?? 0;
  return (
    <>
      <TreeItem
        label={node.name}
        level={level}
        indent={14}
        selected={selected === node.id}
        expanded={isExpanded}
        onActivate={() => {
          onSelect(node.id);
          if (hasChildren && !isExpanded) onToggle(node.id, true);
        }}
        onKeyActivate={() => onSelect(node.id)}
        onToggle={hasChildren ? (open) => onToggle(node.id, open) : undefined}
        testId={`group-node-${node.id}`}
      >
        <TreeLabel title={node.path.join(' › ')}>{node.name}</TreeLabel>
        {count > 0 && (
          <Badge size="xs" variant="light" color="teal" title={`${count} activated`} aria-label={`${count} activated`}>
            {count}
          </Badge>
        )}
      </TreeItem>
      {hasChildren && isExpanded && (
        <div role="group">
          {node.children.map((child) => (
            <GroupTreeNode key={child.id} node={child} level={level + 1} {...props} />
          ))}
        </div>
      )}
    </>
  );
}
