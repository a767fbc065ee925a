import type { LdapKind, LdapSecurity } from '@openums/protocol';
import {
  Alert,
  Checkbox,
  Collapse,
  Group,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
  UnstyledButton,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createLdapDomain, updateLdapDomain, type LdapDomain } from '../../api/ldap';
import { FormDialog } from '../../components/form-dialog';
import { notifySuccess } from '../../components/notify';
import { Chevron } from '../../components/tree-item';
import { ADVANCED, createRequest, draftOf, draftProblems, emptyDraft, updateRequest, type DomainDraft } from './ldap-domain-draft';
import { adminQueries } from './queries';

const SECURITY = [
  { value: 'ldaps', label: 'LDAPS (TLS from the start, port 636)' },
  { value: 'starttls', label: 'StartTLS (TLS after connecting, port 389)' },
  { value: 'none', label: 'None: unencrypted (test directories only)' },
];

/** Adds a domain, or changes one (`domain` given). */
export function LdapDomainDialog({ domain, onClose }: { domain?: LdapDomain; onClose: () => void }) {
  const queryClient = useQueryClient();
  const editing = !!domain;
  const [d, setD] = useState<DomainDraft>(() => (domain ? draftOf(domain) : emptyDraft()));
  const [more, setMore] = useState(false);
  const set = <K extends keyof DomainDraft>(key: K, value: DomainDraft[K]) => setD((prev) => ({ ...prev, [key]: value }));
  const text = (key: keyof DomainDraft) => (e: { currentTarget: { value: string } }) => set(key, e.currentTarget.value);
  const problems = draftProblems(d, editing);
  // Field errors show once something was typed into the field (or the form was sent once).
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const touch = (key: string) => () => setTouched((t) => new Set(t).add(key));
  const err = (key: keyof DomainDraft) => (touched.has(key) ? problems[key] : undefined);
  const ad = d.kind === 'ad';
  const changes = domain ? updateRequest(domain, d) : null;

  return (
    <FormDialog
      opened
      title={domain ? `Edit domain ${domain.name}` : 'Add LDAP domain'}
      submitLabel={domain ? 'Save domain' : 'Add domain'}
      size="xl"
      onClose={onClose}
      submitDisabled={changes !== null && Object.keys(changes).length === 0}
      onSubmit={async () => {
        if (Object.keys(problems).length > 0) {
          setTouched(new Set(Object.keys(problems)));
          if (ADVANCED.some((k) => problems[k])) setMore(true);
          throw new Error('Check the marked fields.');
        }
        const saved = domain ? await updateLdapDomain(domain.id, updateRequest(domain, d)) : await createLdapDomain(createRequest(d));
        await queryClient.invalidateQueries({ queryKey: adminQueries.ldapDomains });
        return saved;
      }}
      onDone={(saved) => notifySuccess(domain ? `Domain ${saved.name} saved` : `Domain ${saved.name} added; test the connection next`)}
    >
      <Stack gap={4}>
        <SegmentedControl
          value={d.kind}
          onChange={(v) => set('kind', v as LdapKind)}
          data={[
            { value: 'ad', label: 'Active Directory' },
            { value: 'ldap', label: 'Other LDAP directory' },
          ]}
          aria-label="Directory type"
        />
        <Text size="xs" c="dimmed">
          {ad
            ? 'Domain controllers of a Windows domain. Users sign in as user@domain or DOMAIN\\user.'
            : 'OpenLDAP, 389 Directory Server or similar. Users sign in as user@domain.'}
        </Text>
      </Stack>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Domain name"
          description={editing ? 'Cannot be changed: accounts refer to it' : 'What users type at sign-in, e.g. CORP or corp.example'}
          value={d.name}
          onChange={text('name')}
          onBlur={touch('name')}
          error={err('name')}
          disabled={editing}
          maxLength={253}
          required
          data-autofocus
        />
        <TextInput
          label={ad ? 'Domain controllers' : 'Directory servers'}
          description="Host names, separated by commas; tried in this order"
          placeholder={ad ? 'dc1.corp.example, dc2.corp.example' : 'ldap.example.com'}
          value={d.hosts}
          onChange={text('hosts')}
          onBlur={touch('hosts')}
          error={err('hosts')}
          required
        />
        <Select
          label="Connection security"
          description="TLS keeps passwords off the wire"
          data={SECURITY}
          value={d.security}
          onChange={(v) => set('security', (v ?? 'ldaps') as LdapSecurity)}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
        <NumberInput
          label="Port"
          description={`Empty: ${d.security === 'ldaps' ? 636 : 389}`}
          min={1}
          max={65535}
          allowDecimal={false}
          value={d.port}
          onChange={(v) => set('port', v)}
          onBlur={touch('port')}
          error={err('port')}
        />
      </SimpleGrid>
      {d.security === 'none' && (
        <Alert color="orange" title="Passwords travel unencrypted">
          Without TLS, the bind password and the password of every user who signs in cross the network in clear text. Use LDAPS or StartTLS
          for a real directory.
        </Alert>
      )}
      {d.security !== 'none' && (
        <>
          <Textarea
            label="CA certificate"
            description="PEM of the CA that signs the directory's certificates (for AD: the domain's root CA). Empty: the system's trusted CAs."
            placeholder={'-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----'}
            autosize
            minRows={3}
            maxRows={10}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
            value={d.caCertificate}
            onChange={text('caCertificate')}
            onBlur={touch('caCertificate')}
            error={err('caCertificate')}
          />
          <Switch
            label="Check that the certificate names the host"
            description="Turn off only if the directory's certificate cannot carry its host names; the CA is checked either way."
            checked={d.verifyHostName}
            onChange={(e) => set('verifyHostName', e.currentTarget.checked)}
          />
        </>
      )}
      <TextInput
        label="Base DN"
        description={
          ad && !editing
            ? 'Where users and groups are searched. Empty: derived from the domain name (corp.example → DC=corp,DC=example).'
            : 'Where users and groups are searched'
        }
        placeholder={ad ? 'DC=corp,DC=example' : 'dc=example,dc=com'}
        value={d.baseDn}
        onChange={text('baseDn')}
        onBlur={touch('baseDn')}
        error={err('baseDn')}
        maxLength={1024}
        required={!ad || editing}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Bind DN"
          description="Service account that reads the directory; empty: anonymous"
          placeholder={ad ? 'CN=ums-reader,OU=Service,DC=corp,DC=example' : 'cn=ums-reader,dc=example,dc=com'}
          value={d.bindDn}
          onChange={text('bindDn')}
          maxLength={1024}
        />
        <Stack gap={4}>
          <PasswordInput
            label="Bind password"
            description={
              domain?.bindPasswordSet ? 'Stored, never shown; type a new one to replace it' : 'Stored encrypted, never shown again'
            }
            placeholder={domain?.bindPasswordSet && !d.removeBindPassword ? '•••••••• (unchanged)' : undefined}
            value={d.bindPassword}
            onChange={text('bindPassword')}
            disabled={d.removeBindPassword}
            autoComplete="new-password"
            maxLength={1024}
          />
          {domain?.bindPasswordSet && (
            <Checkbox
              size="xs"
              label="Remove the stored password"
              checked={d.removeBindPassword}
              onChange={(e) => {
                const removeBindPassword = e.currentTarget.checked; // read before the updater runs (React clears currentTarget)
                setD((prev) => ({ ...prev, removeBindPassword, bindPassword: '' }));
              }}
            />
          )}
        </Stack>
      </SimpleGrid>
      <UnstyledButton onClick={() => setMore((m) => !m)} aria-expanded={more}>
        <Group gap={6}>
          <Chevron open={more} />
          <Text size="sm" fw={500}>
            Attributes and search
          </Text>
          <Text size="xs" c="dimmed">
            (the defaults suit most {ad ? 'Active Directory domains' : 'directories'})
          </Text>
        </Group>
      </UnstyledButton>
      <Collapse expanded={more}>
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput
              label="Login name attribute"
              placeholder={ad ? 'sAMAccountName' : 'uid'}
              value={d.namingAttribute}
              onChange={text('namingAttribute')}
              onBlur={touch('namingAttribute')}
              error={err('namingAttribute')}
            />
            <TextInput
              label="Group attribute of users"
              placeholder="memberOf"
              value={d.groupAttribute}
              onChange={text('groupAttribute')}
              onBlur={touch('groupAttribute')}
              error={err('groupAttribute')}
            />
            <TextInput
              label="Member attribute of groups"
              placeholder={editing ? 'none: groupAttribute only' : 'member'}
              value={d.memberAttribute}
              onChange={text('memberAttribute')}
              onBlur={touch('memberAttribute')}
              error={err('memberAttribute')}
            />
          </SimpleGrid>
          <TextInput
            label="User filter"
            description="An extra LDAP filter every user must match to be found and to sign in"
            placeholder="(memberOf=CN=UMS admins,OU=Groups,DC=corp,DC=example)"
            value={d.userFilter}
            onChange={text('userFilter')}
            onBlur={touch('userFilter')}
            error={err('userFilter')}
            maxLength={1024}
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <NumberInput
              label="Page size"
              description="Entries per page of a directory search"
              placeholder="1000"
              min={1}
              max={10000}
              allowDecimal={false}
              value={d.pageSize}
              onChange={(v) => set('pageSize', v)}
              onBlur={touch('pageSize')}
              error={err('pageSize')}
            />
            {ad && (
              <TextInput
                label="Further UPN suffixes"
                description="Other names after @ that mean this domain"
                placeholder="example.com"
                value={d.upnSuffixes}
                onChange={text('upnSuffixes')}
                onBlur={touch('upnSuffixes')}
                error={err('upnSuffixes')}
              />
            )}
          </SimpleGrid>
        </Stack>
      </Collapse>
    </FormDialog>
  );
}
