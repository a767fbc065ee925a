// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CriteriaBuilder, type PlacedProblem } from './criteria-builder';
import { fieldOptions, fromCriteria, locateError, toCriteria, type GroupNode } from './criteria-model';

const options = fieldOptions();
let latest: GroupNode | null = null;

function Harness({ initial, problemAt }: { initial: unknown; problemAt?: (root: GroupNode) => PlacedProblem | null }) {
  const [root, setRoot] = useState(() => fromCriteria(initial));
  latest = root;
  return <CriteriaBuilder root={root} onChange={setRoot} options={options} problem={problemAt?.(root) ?? null} />;
}

function renderBuilder(initial: unknown, problemAt?: (root: GroupNode) => PlacedProblem | null) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <Harness initial={initial} problemAt={problemAt} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const json = () => toCriteria(latest!).criteria;

beforeEach(() => {
  // Folder and profile pickers load lists; nothing here needs them.
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(JSON.stringify({ items: [], nextCursor: null }), { status: 200 })),
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  latest = null;
});

describe('CriteriaBuilder', () => {
  it('adds criteria and groups at any depth, negates and removes them', () => {
    renderBuilder({ and: [{ field: 'site', op: 'eq', value: 'Augsburg' }] });
    const root = screen.getByRole('group', { name: 'Criteria' });
    fireEvent.click(within(root).getAllByRole('button', { name: '+ Group' }).at(-1)!);
    // The new group (an OR inside the AND) comes with one criterion.
    const level2 = screen.getByRole('group', { name: 'Group at level 2' });
    expect(json()).toEqual({
      and: [{ field: 'site', op: 'eq', value: 'Augsburg' }, { or: [{ field: 'name', op: 'contains', value: '' }] }],
    });
    fireEvent.click(within(level2).getByRole('button', { name: '+ Group' }));
    const level3 = screen.getByRole('group', { name: 'Group at level 3' });
    fireEvent.click(within(level3).getByRole('checkbox', { name: 'Negate group at level 3' }));
    fireEvent.click(within(level3).getByRole('button', { name: '+ Criterion' }));
    expect(json()).toEqual({
      and: [
        { field: 'site', op: 'eq', value: 'Augsburg' },
        {
          or: [
            { field: 'name', op: 'contains', value: '' },
            {
              not: {
                and: [
                  { field: 'name', op: 'contains', value: '' },
                  { field: 'name', op: 'contains', value: '' },
                ],
              },
            },
          ],
        },
      ],
    });
    // Remove one criterion of the NOT group, then the whole level-2 group.
    fireEvent.click(within(level3).getAllByRole('button', { name: 'Remove criterion' })[0]!);
    expect((json() as { and: { or: unknown[] }[] }).and[1]!.or[1]).toEqual({
      not: { and: [{ field: 'name', op: 'contains', value: '' }] },
    });
    fireEvent.click(within(level2).getAllByRole('button', { name: 'Remove group' })[0]!);
    expect(json()).toEqual({ and: [{ field: 'site', op: 'eq', value: 'Augsburg' }] });
  });

  it('switches a group between ALL and ANY and edits a value', () => {
    renderBuilder({ and: [{ field: 'name', op: 'startsWith', value: 'ITC' }] });
    fireEvent.click(screen.getByText('ANY'));
    fireEvent.change(screen.getByRole('textbox', { name: 'Value' }), { target: { value: 'kiosk' } });
    fireEvent.click(screen.getByRole('button', { name: 'Case-sensitive' }));
    expect(json()).toEqual({ or: [{ field: 'name', op: 'startsWith', value: 'kiosk', caseSensitive: true }] });
  });

  it('shows the inputs of the operator: relative days, pairs, a folder picker with subfolders', () => {
    renderBuilder({
      and: [
        { field: 'lastContact', op: 'betweenDaysAgo', value: [2, 5] },
        { field: 'folderId', op: 'inFolder', value: { id: 3, recursive: true } },
        { field: 'online', op: 'eq', value: true },
      ],
    });
    const rows = screen.getAllByTestId('criterion-row');
    expect(within(rows[0]!).getByRole('textbox', { name: 'From days ago' })).toHaveProperty('value', '2');
    expect(within(rows[0]!).getByRole('textbox', { name: 'To days ago' })).toHaveProperty('value', '5');
    const sub = within(rows[1]!).getByRole('checkbox', { name: 'include subfolders' });
    expect(sub).toHaveProperty('checked', true);
    fireEvent.click(sub);
    expect((json() as { and: unknown[] }).and[1]).toEqual({ field: 'folderId', op: 'inFolder', value: { id: 3, recursive: false } });
    // No case toggle on dates, folders or booleans.
    expect(screen.queryByRole('button', { name: 'Case-sensitive' })).toBeNull();
  });

  it('shows the error at the criterion the field path names, inside nested groups', () => {
    const criteria = {
      and: [{ field: 'name', op: 'eq', value: 'a' }, { not: { or: [{ field: 'lastContact', op: 'withinLastDays', value: 99999 }] } }],
    };
    renderBuilder(criteria, (root) => {
      const { paths } = toCriteria(root, 'body.criteria');
      const at = locateError('body.criteria.and.1.not.or.0.value', paths);
      return at && { ...at, message: 'body.criteria.and.1.not.or.0.value must be a whole number of days, 0 to 36500' };
    });
    const rows = screen.getAllByTestId('criterion-row');
    expect(within(rows[0]!).queryByRole('alert')).toBeNull();
    expect(within(rows[1]!).getByRole('alert').textContent).toBe('Value must be a whole number of days, 0 to 36500');
    expect(rows[1]!.getAttribute('aria-invalid')).toBe('true');
  });
});
