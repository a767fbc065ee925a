import { Button, Stack, Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import { TREE } from './catalogue-groups';
import { allRows, instanceTitle, matchesSearch, searchWords, type ParamRow } from './parameter-model';
import { RowList, type RowProps } from './parameter-row';
import { WORDING } from './wording';
import { plural } from '../../lib/format';

/** Search results shown at first; the rest on request (each row holds inputs). */
const SEARCH_PAGE = 60;

/** Search and "only activated": matching rows of every group, under their group's path. */
export function SearchResults({
  text,
  onlyActivated,
  added,
  ...rowProps
}: RowProps & { text: string; onlyActivated: boolean; added: Record<string, string[]> }) {
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
          : `${plural(sections.total, 'parameter')}${onlyActivated ? ' activated' : ''}${text.trim() ? ` matching "${text.trim()}"` : ''}`}
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
