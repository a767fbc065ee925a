import type { CSSProperties, KeyboardEvent, ReactNode } from 'react';
import classes from './tree.module.css';

export { classes as treeClasses };

/** The ">" of an expandable row, turned down when open. */
export function Chevron({ open, style }: { open: boolean; style?: CSSProperties }) {
  return (
    <svg
      width="12"
      height="12"
      viewBox="0 0 12 12"
      aria-hidden
      style={{ transform: open ? 'rotate(90deg)' : undefined, transition: 'transform 120ms', ...style }}
    >
      <path d="M4 2l4 4-4 4" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

interface TreeItemProps {
  /** The accessible name (and the toggle's "Expand …"). */
  label: string;
  level: number;
  /** Indentation per level, in pixels. */
  indent?: number;
  selected: boolean;
  /** Whether the row is open; only rows with `onToggle` can open. */
  expanded?: boolean;
  /** A click on the row. */
  onActivate: () => void;
  /** Enter or Space on the row; the same as a click unless given. */
  onKeyActivate?: () => void;
  /** Opens or closes the row: without it the row is a leaf. */
  onToggle?: (open: boolean) => void;
  testId: string;
  icon?: ReactNode;
  /** The label text and what follows it (badges). */
  children: ReactNode;
}

/**
 * One row of a tree (role treeitem): the expand toggle, an optional icon, the label. Arrow keys
 * open and close it; what it shows and what selecting does belong to the tree that draws it.
 */
export function TreeItem({
  label,
  level,
  indent = 16,
  selected,
  expanded,
  onActivate,
  onKeyActivate = onActivate,
  onToggle,
  testId,
  icon,
  children,
}: TreeItemProps) {
  const isExpanded = onToggle ? (expanded ?? false) : undefined;
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onKeyActivate();
    } else if (event.key === 'ArrowRight' && onToggle) {
      onToggle(true);
    } else if (event.key === 'ArrowLeft' && onToggle) {
      onToggle(false);
    }
  };
  return (
    <div
      role="treeitem"
      aria-label={label}
      aria-level={level}
      aria-selected={selected}
      aria-expanded={isExpanded}
      tabIndex={0}
      className={classes.treeRow}
      style={{ paddingLeft: (level - 1) * indent + 4 }}
      onClick={onActivate}
      onKeyDown={onKeyDown}
      data-testid={testId}
    >
      {onToggle ? (
        <button
          type="button"
          className={classes.treeToggle}
          aria-label={`${isExpanded ? 'Collapse' : 'Expand'} ${label}`}
          tabIndex={-1}
          onClick={(event) => {
            event.stopPropagation();
            onToggle(!isExpanded);
          }}
        >
          <Chevron open={isExpanded ?? false} />
        </button>
      ) : (
        <span className={classes.treeToggle} aria-hidden />
      )}
      {icon !== undefined && (
        <span className={classes.treeIcon} aria-hidden>
          {icon}
        </span>
      )}
      {children}
    </div>
  );
}

/** The label of a tree row, cut with an ellipsis; `title` shows it whole. */
export function TreeLabel({ title, children }: { title?: string; children: ReactNode }) {
  return (
    <span className={classes.treeLabel} title={title}>
      {children}
    </span>
  );
}
