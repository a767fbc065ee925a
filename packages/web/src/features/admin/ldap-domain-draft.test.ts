import type { LdapDomain } from '@openums/protocol';
import { describe, expect, it } from 'vitest';
import { createRequest, draftOf, draftProblems, emptyDraft, updateRequest } from './ldap-domain-draft';

const domain: LdapDomain = {
  id: 1,
  name: 'corp.example',
  kind: 'ad',
  hosts: ['dc1.corp.example', 'dc2.corp.example'],
  port: 636,
  security: 'ldaps',
  caCertificate: null,
  verifyHostName: true,
  baseDn: 'DC=corp,DC=example',
  bindDn: 'CN=reader,DC=corp,DC=example',
  bindPasswordSet: true,
  namingAttribute: 'sAMAccountName',
  groupAttribute: 'memberOf',
  memberAttribute: 'member',
  userFilter: null,
  pageSize: 1000,
  upnSuffixes: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('LDAP domain form', () => {
  it('sends only what was filled in for a new domain (the server fills the defaults)', () => {
    const d = { ...emptyDraft(), name: 'corp.example', hosts: 'dc1.corp.example, dc2.corp.example', bindPassword: 'pw' };
    expect(draftProblems(d, false)).toEqual({});
    expect(createRequest(d)).toEqual({
      name: 'corp.example',
      kind: 'ad',
      hosts: ['dc1.corp.example', 'dc2.corp.example'],
      security: 'ldaps',
      bindPassword: 'pw',
    });
  });

  it('needs a base DN unless an AD domain is named like a DNS name', () => {
    expect(draftProblems({ ...emptyDraft(), name: 'CORP', hosts: 'dc1' }, false).baseDn).toBeDefined();
    expect(draftProblems({ ...emptyDraft(), kind: 'ldap', name: 'corp.example', hosts: 'ldap1' }, false).baseDn).toBeDefined();
    expect(draftProblems({ ...emptyDraft(), name: 'corp.example', hosts: 'dc1' }, false).baseDn).toBeUndefined();
  });

  it('refuses a CA field that is not PEM and hosts with ports or schemes', () => {
    const p = draftProblems({ ...emptyDraft(), name: 'corp.example', hosts: 'ldaps://dc1:636', caCertificate: 'abc' }, false);
    expect(p.caCertificate).toContain('PEM');
    expect(p.hosts).toContain('ldaps://dc1:636');
  });

  it('keeps the stored bind password unless a new one is typed or it is removed', () => {
    const unchanged = draftOf(domain);
    expect(unchanged.bindPassword).toBe('');
    expect(updateRequest(domain, unchanged)).toEqual({});
    expect(updateRequest(domain, { ...unchanged, bindPassword: 'new' })).toEqual({ bindPassword: 'new' });
    expect(updateRequest(domain, { ...unchanged, removeBindPassword: true })).toEqual({ bindPassword: null });
  });

  it('sends changed fields, emptied optional ones as null', () => {
    const d = { ...draftOf(domain), hosts: 'dc3.corp.example', bindDn: '', userFilter: '(objectClass=user)', memberAttribute: '' };
    expect(updateRequest(domain, d)).toEqual({
      hosts: ['dc3.corp.example'],
      bindDn: null,
      userFilter: '(objectClass=user)',
      memberAttribute: null,
    });
  });
});
