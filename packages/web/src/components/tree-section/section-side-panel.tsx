import { Group, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import panels from '../panels.module.css';

/** The left panel of a section: its title, the action buttons, an optional search, the tree, a footer. */
export function SectionSidePanel({
  label,
  title,
  actions,
  search,
  footer,
  children,
}: {
  /** The panel's accessible name: "View tree". */
  label: string;
  title: string;
  actions: ReactNode;
  search?: ReactNode;
  footer: ReactNode;
  /** The tree (or search results). */
  children: ReactNode;
}) {
  return (
    <section aria-label={label} className={panels.sidePanel}>
      <Stack gap={6} className={panels.panelHeader}>
        <Text size="xs" fw={700} c="dimmed" tt="uppercase">
          {title}
        </Text>
        <Group gap={4}>{actions}</Group>
        {search}
      </Stack>
      <div className={panels.treeScroll}>{children}</div>
      {footer}
    </section>
  );
}
