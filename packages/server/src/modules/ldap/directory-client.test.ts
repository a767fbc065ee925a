import { describe, expect, it } from 'vitest';
import { escapeFilterValue, isValidFilter } from './directory-client.js';
import { dnKey } from './ldap-domains.repository.js';

describe('directory helpers', () => {
  it('escapes the characters that would change a filter (RFC 4515)', () => {
    expect(escapeFilterValue('alice')).toBe('alice');
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
    expect(escapeFilterValue('a\\b\0c')).toBe('a\\5cb\\00c');
    // A name with every special character still makes one equality term.
    expect(isValidFilter(`(uid=${escapeFilterValue('x*)(|(a=*')})`)).toBe(true);
  });

  it('tells filters that parse from those that do not', () => {
    expect(isValidFilter('(!(description=disabled))')).toBe(true);
    expect(isValidFilter('(&(objectClass=person)(memberOf=cn=ums,ou=groups,dc=example,dc=test))')).toBe(true);
    expect(isValidFilter('(uid=a')).toBe(false);
    expect(isValidFilter('(&(a=1)(b=2)')).toBe(false);
  });

  it('compares DNs without case and without spaces around separators', () => {
    expect(dnKey('CN=Helpdesk, OU=Groups,DC=Example , DC=test')).toBe('cn=helpdesk,ou=groups,dc=example,dc=test');
  });
});
