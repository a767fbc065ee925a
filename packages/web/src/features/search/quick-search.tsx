import { useState } from 'react';
import { ActionIcon, Box, Loader, Paper, Stack, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { quickSearch } from '../../api/search';

interface Hit {
  key: string;
  label: string;
  detail?: string;
  to: string;
}

/**
 * The header's search box (GET /api/v1/search, docs/api.md#quick-search): devices, device
 * folders, profiles, profile folders and saved views by name substring or regular expression,
 * grouped; each result opens its page (a device selected in the devices page, a profile in the
 * profiles page, a view in the Views section).
 */
export function QuickSearch() {
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const [regex, setRegex] = useState(false);
  const [open, setOpen] = useState(false);
  const [q] = useDebouncedValue(text.trim(), 250);
  const result = useQuery({
    queryKey: ['quick-search', q, regex],
    queryFn: ({ signal }) => quickSearch(q, regex, signal),
    enabled: q.length > 0,
    retry: false,
    staleTime: 10_000,
  });

  const groups: Array<{ title: string; hits: Hit[]; more: boolean }> = [];
  const d = result.data;
  if (d) {
    if (d.devices)
      groups.push({
        title: 'Devices',
        more: d.devices.more,
        hits: d.devices.items.map((x) => ({
          key: `d${x.id}`,
          label: x.name,
          detail: x.lastIp ?? x.mac,
          to: `/devices?${new URLSearchParams({ ...(x.folderId ? { folder: String(x.folderId) } : {}), device: String(x.id) }).toString()}`,
        })),
      });
    if (d.deviceFolders)
      groups.push({
        title: 'Device folders',
        more: d.deviceFolders.more,
        hits: d.deviceFolders.items.map((x) => ({ key: `df${x.id}`, label: x.name, to: `/devices?folder=${x.id}` })),
      });
    if (d.profiles)
      groups.push({
        title: 'Profiles',
        more: d.profiles.more,
        hits: d.profiles.items.map((x) => ({ key: `p${x.id}`, label: x.name, to: `/profiles/${x.id}` })),
      });
    if (d.views)
      groups.push({
        title: 'Views',
        more: d.views.more,
        hits: d.views.items.map((x) => ({ key: `v${x.id}`, label: x.name, to: `/views/${x.id}` })),
      });
    if (d.profileFolders)
      groups.push({
        title: 'Profile folders',
        more: d.profileFolders.more,
        hits: d.profileFolders.items.map((x) => ({ key: `pf${x.id}`, label: x.name, to: `/profiles?folder=${x.id}` })),
      });
  }
  const shown = groups.filter((g) => g.hits.length > 0);
  const go = (to: string) => {
    setOpen(false);
    setText('');
    void navigate(to);
  };

  return (
    <Box pos="relative" w={260} visibleFrom="sm" onBlur={(e) => !e.currentTarget.contains(e.relatedTarget) && setOpen(false)}>
      <TextInput
        size="xs"
        placeholder={regex ? 'Search (regular expression)' : 'Search devices, profiles, folders'}
        aria-label="Quick search"
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
        rightSection={
          result.isFetching ? (
            <Loader size={12} />
          ) : (
            <Tooltip label="Regular expression">
              <ActionIcon
                size="sm"
                variant={regex ? 'light' : 'subtle'}
                color={regex ? 'teal' : 'gray'}
                aria-label="Regular expression"
                aria-pressed={regex}
                onClick={() => setRegex((r) => !r)}
              >
                <Text size="xs" ff="monospace">
                  .*
                </Text>
              </ActionIcon>
            </Tooltip>
          )
        }
      />
      {open && q.length > 0 && (result.data || result.error) && (
        <Paper
          withBorder
          shadow="md"
          p="xs"
          pos="absolute"
          top="100%"
          left={0}
          w={360}
          mt={4}
          style={{ zIndex: 300, maxHeight: 480, overflowY: 'auto' }}
          role="listbox"
          aria-label="Search results"
        >
          {result.error ? (
            <Text size="sm" c="red">
              {(result.error as Error).message}
            </Text>
          ) : shown.length === 0 ? (
            <Text size="sm" c="dimmed">
              Nothing found
            </Text>
          ) : (
            <Stack gap="xs">
              {shown.map((g) => (
                <div key={g.title} role="group" aria-label={g.title}>
                  <Text size="xs" fw={700} c="dimmed" tt="uppercase">
                    {g.title}
                  </Text>
                  {g.hits.map((h) => (
                    <UnstyledButton
                      key={h.key}
                      role="option"
                      aria-selected={false}
                      data-href={h.to}
                      onClick={() => go(h.to)}
                      display="block"
                      w="100%"
                      py={2}
                    >
                      <Text size="sm" span>
                        {h.label}
                      </Text>
                      {h.detail && (
                        <Text size="xs" c="dimmed" span ml={6}>
                          {h.detail}
                        </Text>
                      )}
                    </UnstyledButton>
                  ))}
                  {g.more && (
                    <Text size="xs" c="dimmed">
                      more — refine the search
                    </Text>
                  )}
                </div>
              ))}
            </Stack>
          )}
        </Paper>
      )}
    </Box>
  );
}
