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
import {
  createLdapDomain,
  updateLdapDomain,
  type CreateLdapDomainRequest,
  type LdapDomain,
  type UpdateLdapDomainRequest,
} from '../../api/ldap';
import { FormDialog } from '../../components/form-dialog';
import { notifySuccess } from '../../components/notify';
import { Chevron } from '../../components/tree-item';
import { adminQueries } from './queries';

const DOMAIN_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|[0-9A-Fa-f:.]+)$/;
const ATTRIBUTE_RE = /^[A-Za-z][A-Za-z0-9-]*$/;

/** The form's text, as typed. */
export interface DomainDraft {
  kind: LdapKind;
  name: string;
  hosts: string;
  security: LdapSecurity;
  port: number | string;
  caCertificate: string;
  verifyHostName: boolean;
  baseDn: string;
  bindDn: string;
  /** Empty keeps the stored password when editing. */
  bindPassword: string;
  removeBindPassword: boolean;
  namingAttribute: string;
  groupAttribute: string;
  memberAttribute: string;
  userFilter: string;
  pageSize: number | string;
  upnSuffixes: string;
}

const split = (text: string) => text.split(/[\s,;]+/).filter(Boolean);

export function emptyDraft(): DomainDraft {
  return {
    kind: 'ad',
    name: '',
    hosts: '',
    security: 'ldaps',
    port: '',
    caCertificate: '',
    verifyHostName: true,
    baseDn: '',
    bindDn: '',
    bindPassword: '',
    removeBindPassword: false,
    namingAttribute: '',
    groupAttribute: '',
    memberAttribute: '',
    userFilter: '',
    pageSize: '',
    upnSuffixes: '',
  };
}

export function draftOf(d: LdapDomain): DomainDraft {
  return {
    kind: d.kind,
    name: d.name,
    hosts: d.hosts.join(', '),
    security: d.security,
    port: d.port,
    caCertificate: d.caCertificate ?? '',
    verifyHostName: d.verifyHostName,
    baseDn: d.baseDn,
    bindDn: d.bindDn ?? '',
    bindPassword: '',
    removeBindPassword: false,
    namingAttribute: d.namingAttribute,
    groupAttribute: d.groupAttribute,
    memberAttribute: d.memberAttribute ?? '',
    userFilter: d.userFilter ?? '',
    pageSize: d.pageSize,
    upnSuffixes: d.upnSuffixes.join(', '),
  };
}

/** Problems by field; an empty object when the form can be sent. */
export function draftProblems(d: DomainDraft, editing: boolean): Partial<Record<keyof DomainDraft, string>> {
  const p: Partial<Record<keyof DomainDraft, string>> = {};
  if (!editing && !DOMAIN_RE.test(d.name)) p.name = 'Letters, digits, dots, hyphens and underscores, e.g. CORP or corp.example';
  const hosts = split(d.hosts);
  if (hosts.length === 0) p.hosts = 'Enter at least one host';
  else if (hosts.length > 10) p.hosts = 'At most 10 hosts';
  else if (hosts.some((h) => !HOST_RE.test(h))) p.hosts = `Not a host name or address: ${hosts.find((h) => !HOST_RE.test(h))}`;
  if (d.port !== '' && !(Number.isInteger(d.port) && Number(d.port) >= 1 && Number(d.port) <= 65535)) p.port = '1 to 65535';
  if (d.caCertificate.trim() && !d.caCertificate.includes('-----BEGIN CERTIFICATE-----')) {
    p.caCertificate = 'Paste the certificate in PEM form, starting with -----BEGIN CERTIFICATE-----';
  }
  const derivable = d.kind === 'ad' && d.name.includes('.');
  if (!d.baseDn.trim() && (editing || !derivable))
    p.baseDn = d.kind === 'ad' ? 'Enter the base DN (DC=corp,DC=example)' : 'Enter the base DN';
  for (const f of ['namingAttribute', 'groupAttribute'] as const) {
    if (editing && !d[f].trim()) p[f] = 'Enter an attribute name';
    else if (d[f].trim() && !ATTRIBUTE_RE.test(d[f].trim())) p[f] = 'An attribute name, e.g. uid';
  }
  if (d.memberAttribute.trim() && !ATTRIBUTE_RE.test(d.memberAttribute.trim())) p.memberAttribute = 'An attribute name, e.g. member';
  const filter = d.userFilter.trim();
  if (filter && !(filter.startsWith('(') && filter.endsWith(')') && filter.length >= 3)) p.userFilter = 'An LDAP filter in parentheses';
  if (d.pageSize !== '' && !(Number.isInteger(d.pageSize) && Number(d.pageSize) >= 1 && Number(d.pageSize) <= 10000)) {
    p.pageSize = '1 to 10000';
  }
  if (split(d.upnSuffixes).some((s) => !DOMAIN_RE.test(s))) p.upnSuffixes = 'Domain names such as corp.example';
  return p;
}

/** Fields under "Attributes and search", folded away at first. */
const ADVANCED = ['namingAttribute', 'groupAttribute', 'memberAttribute', 'userFilter', 'pageSize', 'upnSuffixes'] as const;

const orNull = (text: string) => (text.trim() ? text.trim() : null);

export function createRequest(d: DomainDraft): CreateLdapDomainRequest {
  const body: CreateLdapDomainRequest = { name: d.name.trim(), kind: d.kind, hosts: split(d.hosts), security: d.security };
  if (d.port !== '') body.port = Number(d.port);
  if (d.caCertificate.trim()) body.caCertificate = d.caCertificate.trim();
  if (!d.verifyHostName) body.verifyHostName = false;
  if (d.baseDn.trim()) body.baseDn = d.baseDn.trim();
  if (d.bindDn.trim()) body.bindDn = d.bindDn.trim();
  if (d.bindPassword) body.bindPassword = d.bindPassword;
  if (d.namingAttribute.trim()) body.namingAttribute = d.namingAttribute.trim();
  if (d.groupAttribute.trim()) body.groupAttribute = d.groupAttribute.trim();
  if (d.memberAttribute.trim()) body.memberAttribute = d.memberAttribute.trim();
  if (d.userFilter.trim()) body.userFilter = d.userFilter.trim();
  if (d.pageSize !== '') body.pageSize = Number(d.pageSize);
  if (split(d.upnSuffixes).length) body.upnSuffixes = split(d.upnSuffixes);
  return body;
}

/** Only what changed; the bind password is sent only when typed (or removed). */
export function updateRequest(before: LdapDomain, d: DomainDraft): UpdateLdapDomainRequest {
  const was = draftOf(before);
  const body: UpdateLdapDomainRequest = {};
  if (d.kind !== was.kind) body.kind = d.kind;
  if (split(d.hosts).join() !== before.hosts.join()) body.hosts = split(d.hosts);
  if (d.security !== was.security) body.security = d.security;
  if (d.port !== '' && Number(d.port) !== before.port) body.port = Number(d.port);
  if (orNull(d.caCertificate) !== (before.caCertificate?.trim() || null)) body.caCertificate = orNull(d.caCertificate);
  if (d.verifyHostName !== was.verifyHostName) body.verifyHostName = d.verifyHostName;
  if (d.baseDn.trim() !== before.baseDn) body.baseDn = d.baseDn.trim();
  if (orNull(d.bindDn) !== before.bindDn) body.bindDn = orNull(d.bindDn);
  if (d.removeBindPassword) body.bindPassword = null;
  else if (d.bindPassword) body.bindPassword = d.bindPassword;
  if (d.namingAttribute.trim() !== before.namingAttribute) body.namingAttribute = d.namingAttribute.trim();
  if (d.groupAttribute.trim() !== before.groupAttribute) body.groupAttribute = d.groupAttribute.trim();
  if (orNull(d.memberAttribute) !== before.memberAttribute) body.memberAttribute = orNull(d.memberAttribute);
  if (orNull(d.userFilter) !== before.userFilter) body.userFilter = orNull(d.userFilter);
  if (d.pageSize !== '' && Number(d.pageSize) !== before.pageSize) body.pageSize = Number(d.pageSize);
  if (split(d.upnSuffixes).join() !== before.upnSuffixes.join()) body.upnSuffixes = split(d.upnSuffixes);
  return body;
}

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
          ad ? 'Where users and groups are searched. Empty: derived from the domain name (corp.example → DC=corp,DC=example).' : undefined
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
          description="Service account that reads the directory. Empty: search anonymously."
          placeholder={ad ? 'CN=ums-reader,OU=Service,DC=corp,DC=example' : 'cn=ums-reader,dc=example,dc=com'}
          value={d.bindDn}
          onChange={text('bindDn')}
          maxLength={1024}
        />
        <Stack gap={4}>
          <PasswordInput
            label="Bind password"
            description={
              domain?.bindPasswordSet
                ? 'A password is stored; it is never shown. Type a new one to replace it.'
                : 'Stored encrypted, never shown again'
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
              onChange={(e) => setD((prev) => ({ ...prev, removeBindPassword: e.currentTarget.checked, bindPassword: '' }))}
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
