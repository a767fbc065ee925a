// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupsPage } from './groups-page';
import { account, group, renderWithProviders, stubApi } from './test-helpers';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const alice = account({ id: 2, username: 'alice' });
const helpdesk = group({ id: 10, name: 'Helpdesk', members: [{ type: 'admin', id: 2 }] });
const staff = group({ id: 11, name: 'Staff', members: [{ type: 'group', id: 10 }] });

describe('GroupsPage', () => {
  it('offers to create the first group when there is none', async () => {
    stubApi({ 'GET /api/v1/admin-groups': { items: [] }, 'GET /api/v1/admins': { items: [alice], nextCursor: null } });
    renderWithProviders(<GroupsPage />);
    expect((await screen.findByTestId('no-groups')).textContent).toContain('No groups yet');
  });

  it('shows members by name and removes one', async () => {
    let current = helpdesk;
    const calls = stubApi({
      'GET /api/v1/admin-groups': () => Response.json({ items: [current, staff] }),
      'GET /api/v1/admins': { items: [alice], nextCursor: null },
      'DELETE /api/v1/admin-groups/10/members/admin/2': () => {
        current = { ...helpdesk, members: [] };
        return Response.json(current);
      },
    });
    renderWithProviders(<GroupsPage />);
    const detail = await screen.findByTestId('group-detail');
    await waitFor(() => expect(within(detail).getByTestId('member-row').textContent).toContain('alice'));
    fireEvent.click(within(detail).getByRole('button', { name: 'Remove alice from Helpdesk' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE')).toBe(true));
    expect(await within(detail).findByTestId('no-members')).toBeTruthy();
  });

  it('explains a refused loop with the groups’ names and changes nothing', async () => {
    const calls = stubApi({
      'GET /api/v1/admin-groups': { items: [helpdesk, staff] },
      'GET /api/v1/admins': { items: [alice], nextCursor: null },
      'POST /api/v1/admin-groups/10/members': () =>
        Response.json(
          {
            error: {
              code: 'GROUP_CYCLE',
              message: 'Group 11 contains group 10 (or is it): adding it would make a loop',
              details: { groupId: 10, memberGroupId: 11 },
            },
          },
          { status: 409 },
        ),
    });
    renderWithProviders(<GroupsPage />);
    const detail = await screen.findByTestId('group-detail');
    const picker = within(detail).getByRole('combobox', { name: 'Add members' });
    await waitFor(() => expect((picker as HTMLInputElement).disabled).toBe(false));
    fireEvent.click(picker);
    fireEvent.click(await screen.findByRole('option', { name: 'Staff' }));
    fireEvent.click(within(detail).getByRole('button', { name: 'Add' }));
    const alert = await within(detail).findByTestId('error-alert');
    expect(alert.textContent).toContain('This would put the group inside itself');
    expect(alert.textContent).toContain('“Staff” already contains “Helpdesk”');
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ members: [{ type: 'group', id: 11 }] });
    expect(within(detail).getAllByTestId('member-row')).toHaveLength(1);
  });

  it('saves the group’s general rights', async () => {
    const calls = stubApi({
      'GET /api/v1/admin-groups': { items: [helpdesk] },
      'GET /api/v1/admins': { items: [alice], nextCursor: null },
      'PATCH /api/v1/admin-groups/10': () => Response.json({ ...helpdesk, generalRights: ['servers'] }),
    });
    renderWithProviders(<GroupsPage />);
    const detail = await screen.findByTestId('group-detail');
    const save = within(detail).getByRole('button', { name: 'Save rights' }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.click(within(detail).getByRole('checkbox', { name: 'Servers' }));
    expect(save.disabled).toBe(false);
    fireEvent.click(save);
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ generalRights: ['servers'] }));
  });
});
