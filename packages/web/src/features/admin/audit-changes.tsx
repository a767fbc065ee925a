import type { AuditEntry } from '@openums/protocol';
import { Table, Text } from '@mantine/core';
import { fieldChanges, formatValue } from './audit-format';

/** Before and after of one entry, field by field; changed fields stand out. */
export function AuditChanges({ entry }: { entry: Pick<AuditEntry, 'before' | 'after'> }) {
  const rows = fieldChanges(entry);
  const showBefore = entry.before != null;
  const showAfter = entry.after != null;
  return (
    <Table fz="xs" withTableBorder withColumnBorders verticalSpacing={4} maw={1100} aria-label="Change" data-testid="audit-changes">
      <Table.Thead>
        <Table.Tr>
          <Table.Th w={180}>Field</Table.Th>
          {showBefore && <Table.Th>Before</Table.Th>}
          {showAfter && <Table.Th>After</Table.Th>}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((r) => (
          <Table.Tr key={r.field} data-changed={r.changed || undefined}>
            <Table.Td>
              <Text size="xs" ff="monospace" fw={r.changed && showBefore && showAfter ? 700 : undefined}>
                {r.field}
              </Text>
            </Table.Td>
            {showBefore && (
              <Table.Td
                style={{ overflowWrap: 'anywhere' }}
                bg={r.changed && showAfter ? 'var(--mantine-color-red-light)' : undefined}
                data-testid="before"
              >
                {formatValue(r.before)}
              </Table.Td>
            )}
            {showAfter && (
              <Table.Td
                style={{ overflowWrap: 'anywhere' }}
                bg={r.changed && showBefore ? 'var(--mantine-color-green-light)' : undefined}
                data-testid="after"
              >
                {formatValue(r.after)}
              </Table.Td>
            )}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
