import { Badge, Button, Group, NumberInput, Paper, SimpleGrid, Stack, Switch, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { getDevice } from '../../api/devices';
import { getWakeOnLanSettings, putWakeOnLanSettings, type WakeOnLanSettings } from '../../api/wake-on-lan';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { DevicePicker } from '../profiles/assignment-pickers';
import { LoadError, Loading, PageHeader } from './page-states';

export const wolQueryKey = ['settings', 'wake-on-lan'] as const;

const CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/([0-9]|[12][0-9]|3[0-2])$/;
const MASK = /^(\/?([0-9]|[12][0-9]|3[0-2])|(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})$/;

/** Administration › Wake on LAN: where magic packets go, and which devices relay them. */
export function WakeOnLanPage() {
  const query = useQuery({ queryKey: wolQueryKey, queryFn: ({ signal }) => getWakeOnLanSettings(signal) });
  return (
    <Stack p="lg" gap="lg" maw={1000}>
      <PageHeader
        title="Wake on LAN"
        description="Where the server sends the magic packet (UDP) when a device is woken up, and which devices relay it into networks the server cannot reach."
      />
      {query.isPending ? (
        <Loading what="wake-on-LAN settings" />
      ) : query.isError && !query.data ? (
        <LoadError what="wake-on-LAN settings" right="globalSettings" error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <WakeOnLanForm settings={query.data} />
      )}
    </Stack>
  );
}

function WakeOnLanForm({ settings }: { settings: WakeOnLanSettings }) {
  const queryClient = useQueryClient();
  const [d, setD] = useState<WakeOnLanSettings>(settings);
  useEffect(() => setD(settings), [settings]);
  const set = <K extends keyof WakeOnLanSettings>(key: K, value: WakeOnLanSettings[K]) => setD((prev) => ({ ...prev, [key]: value }));
  const badSubnets = d.subnets.filter((s) => !CIDR.test(s));
  const badMasks = d.networkMasks.filter((m) => !MASK.test(m));
  const badAutoMask = !MASK.test(d.automaticProxyMask);
  const invalid = badSubnets.length > 0 || badMasks.length > 0 || badAutoMask || !Number.isInteger(d.port);
  const save = useMutation({
    mutationFn: () => putWakeOnLanSettings(d),
    onSuccess: (saved) => {
      queryClient.setQueryData(wolQueryKey, saved);
      notifySuccess('Wake-on-LAN settings saved');
    },
  });

  return (
    <Paper withBorder p="md" radius="sm" component="form" aria-label="Wake-on-LAN settings" noValidate onSubmit={(e) => e.preventDefault()}>
      <Stack>
        <Title order={4}>Send the magic packet to</Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Switch
            label="The broadcast address (255.255.255.255)"
            description="Reaches devices in the server's own network."
            checked={d.broadcast}
            onChange={(e) => set('broadcast', e.currentTarget.checked)}
          />
          <Switch
            label="The device's last known IP address"
            description="Works while the network still knows where the device's MAC is."
            checked={d.lastKnownIp}
            onChange={(e) => set('lastKnownIp', e.currentTarget.checked)}
          />
        </SimpleGrid>
        <TagsInput
          label="Subnets"
          description="Each network (CIDR, e.g. 10.1.0.0/16) gets the packet on its broadcast address; routers must forward directed broadcasts."
          placeholder="10.1.0.0/16, then Enter"
          value={d.subnets}
          onChange={(v) =>
            set(
              'subnets',
              v.map((s) => s.trim()),
            )
          }
          error={badSubnets.length ? `Not a network in CIDR notation: ${badSubnets.join(', ')}` : undefined}
          clearable
        />
        <TagsInput
          label="Network masks for the last known IP"
          description="The network of the device's last IP under each mask gets the packet on its broadcast address (24, /22 or 255.255.252.0)."
          placeholder="24, then Enter"
          value={d.networkMasks}
          onChange={(v) =>
            set(
              'networkMasks',
              v.map((s) => s.trim()),
            )
          }
          error={badMasks.length ? `Not a netmask: ${badMasks.join(', ')}` : undefined}
          clearable
        />
        <NumberInput
          label="UDP port"
          description="9 unless your network cards listen elsewhere."
          min={1}
          max={65535}
          allowDecimal={false}
          value={d.port}
          onChange={(v) => set('port', typeof v === 'number' ? v : NaN)}
          w={200}
        />

        <Title order={4} mt="sm">
          Proxies
        </Title>
        <Switch
          label="Dedicated wake-on-LAN proxies"
          description="These devices relay every wake-up from inside their network. They get system.remotemanager.wol_proxy.enabled and refuse shutdown and standby while they are proxies."
          checked={d.dedicatedProxies}
          onChange={(e) => set('dedicatedProxies', e.currentTarget.checked)}
        />
        {d.dedicatedProxies && <DedicatedProxies ids={d.dedicatedProxyIds} onChange={(ids) => set('dedicatedProxyIds', ids)} />}
        <Group align="flex-end">
          <Switch
            label="Automatic proxy detection"
            description="An online device in the sleeping device's network relays the packet. There may be none online; dedicated proxies are always there."
            checked={d.automaticProxy}
            onChange={(e) => set('automaticProxy', e.currentTarget.checked)}
            style={{ flex: 1 }}
          />
          <TextInput
            label="Same network under mask"
            w={200}
            value={d.automaticProxyMask}
            onChange={(e) => set('automaticProxyMask', e.currentTarget.value.trim())}
            error={badAutoMask ? 'Not a netmask' : undefined}
            disabled={!d.automaticProxy}
          />
        </Group>
        {save.isError && <ErrorAlert title="The settings were not saved" error={save.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setD(settings)} disabled={save.isPending}>
            Reset
          </Button>
          <Button onClick={() => save.mutate()} loading={save.isPending} disabled={invalid}>
            Save
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

/** The chosen proxies by name (online or not), removable, and a picker to add more. */
function DedicatedProxies({ ids, onChange }: { ids: number[]; onChange: (ids: number[]) => void }) {
  const devices = useQueries({
    queries: ids.map((id) => ({
      queryKey: ['devices', 'detail', id],
      queryFn: ({ signal }: { signal: AbortSignal }) => getDevice(id, signal),
    })),
  });
  const picked = useMemo(() => new Set(ids.map((id) => `device:${id}`)), [ids]);
  return (
    <Stack gap="xs" pl="xl">
      {ids.length === 0 ? (
        <Text size="sm" c="dimmed">
          No proxy chosen yet: pick devices below.
        </Text>
      ) : (
        <Group gap="xs" data-testid="wol-proxies">
          {ids.map((id, i) => {
            const dev = devices[i]?.data;
            return (
              <Badge
                key={id}
                variant="light"
                tt="none"
                color={dev?.online ? 'green' : 'gray'}
                rightSection={
                  <Text
                    component="button"
                    type="button"
                    aria-label={`Remove ${dev?.name ?? `device ${id}`}`}
                    onClick={() => onChange(ids.filter((x) => x !== id))}
                    style={{ border: 0, background: 'none', cursor: 'pointer', padding: 0 }}
                  >
                    ×
                  </Text>
                }
              >
                {dev ? `${dev.name}${dev.lastIp ? ` · ${dev.lastIp}` : ''}${dev.online ? '' : ' · offline'}` : `device ${id}`}
              </Badge>
            );
          })}
        </Group>
      )}
      <DevicePicker
        picked={picked}
        assigned={new Set()}
        onToggle={(t, on) => onChange(on ? [...ids.filter((x) => x !== t.id), t.id] : ids.filter((x) => x !== t.id))}
      />
    </Stack>
  );
}
