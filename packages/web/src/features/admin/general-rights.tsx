import { ALL_GENERAL_RIGHTS, type GeneralRight } from '@openums/protocol';
import { Badge, Checkbox, Group, SimpleGrid, Stack, Text } from '@mantine/core';

/** What each general right is called and lets an administrator do. */
export const GENERAL_RIGHT_INFO: Record<GeneralRight, { label: string; description: string }> = {
  accountsAndAccess: { label: 'Accounts and access', description: 'Create and change administrators, groups and API tokens' },
  globalSettings: { label: 'Global settings', description: 'Installation-wide settings' },
  certificates: { label: 'Certificates', description: 'Server and device certificates' },
  enrollmentKeys: { label: 'Enrollment keys', description: 'Create and disable enrollment keys' },
  servers: { label: 'Servers', description: 'Server processes and cluster addresses' },
  loggingAndAudit: { label: 'Logging and audit', description: 'Read and export the audit log, set its retention' },
  mail: { label: 'Mail', description: 'Mail server settings' },
  ldap: { label: 'LDAP', description: 'LDAP and Active Directory domains, directory import' },
  defaultFolderRules: { label: 'Default folder rules', description: 'Rules that place new devices in folders; apply them to devices' },
  jobs: { label: 'Scheduled jobs', description: 'Create, change, run and cancel scheduled jobs; read their run history' },
};

export const rightLabel = (right: string) => GENERAL_RIGHT_INFO[right as GeneralRight]?.label ?? right;

/** Rights in the catalogue's order (unknown names dropped). */
export const sortRights = (rights: readonly string[]): GeneralRight[] => ALL_GENERAL_RIGHTS.filter((r) => rights.includes(r));

interface GeneralRightsFieldProps {
  value: readonly string[];
  onChange: (rights: GeneralRight[]) => void;
  /** A superuser holds every right: the boxes show checked and cannot change. */
  allGranted?: boolean;
  disabled?: boolean;
  label?: string;
}

/** One checkbox per general right, with what it allows. */
export function GeneralRightsField({ value, onChange, allGranted, disabled, label = 'General rights' }: GeneralRightsFieldProps) {
  const toggle = (right: GeneralRight, on: boolean) => onChange(sortRights(on ? [...value, right] : value.filter((r) => r !== right)));
  return (
    <Stack gap={6} role="group" aria-label={label}>
      <Text size="sm" fw={500}>
        {label}
      </Text>
      {allGranted && (
        <Text size="xs" c="dimmed">
          A superuser holds every right.
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" verticalSpacing={8}>
        {ALL_GENERAL_RIGHTS.map((right) => (
          <Checkbox
            key={right}
            label={GENERAL_RIGHT_INFO[right].label}
            description={GENERAL_RIGHT_INFO[right].description}
            checked={allGranted || value.includes(right)}
            disabled={disabled || allGranted}
            onChange={(e) => toggle(right, e.currentTarget.checked)}
          />
        ))}
      </SimpleGrid>
    </Stack>
  );
}

/** Rights as small badges; "None" when empty. */
export function RightsBadges({ rights, all }: { rights: readonly string[]; all?: boolean }) {
  if (all) {
    return (
      <Badge variant="light" color="grape" size="sm" tt="none">
        All (superuser)
      </Badge>
    );
  }
  if (rights.length === 0) {
    return (
      <Text size="xs" c="dimmed">
        None
      </Text>
    );
  }
  return (
    <Group gap={4}>
      {sortRights(rights).map((r) => (
        <Badge key={r} variant="light" color="gray" size="sm" tt="none">
          {rightLabel(r)}
        </Badge>
      ))}
    </Group>
  );
}
