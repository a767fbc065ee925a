import { describe, expect, it } from 'vitest';
import { checkViewCriteria } from './view-criteria-check.js';
import { checkViewRegex, foldViewRegex } from './view-regex.js';
import { viewCidrRange, viewIpKey, viewVersionKey } from './views.js';

describe('view regular expressions', () => {
  it.each([
    ['^ab+c$', '^[aA][bB]+[cC]$'],
    ['[a-f0-9]{2}', '[a-fA-F0-9]{2}'],
    ['(?:x|Y)-?\\d', '(?:[xX]|[yY])-?\\d'],
    ['\\.\\W', '\\.\\W'],
    ['x{16}y{0,16}z{15,}', '[xX]{16}[yY]{0,16}[zZ]{15,}'],
  ])('accepts %s and folds it to %s', (p, folded) => {
    expect(checkViewRegex(p)).toBeNull();
    expect(foldViewRegex(p)).toBe(folded);
  });
  it.each([
    ['(a+)+$', /nested quantifiers can backtrack catastrophically/],
    ['((a|b)*c)*', /nested quantifiers/],
    ['(a{2})*', /nested quantifiers/],
    ['(a)\\1', /backreferences/],
    ['(?=a)b', /lookarounds/],
    ['a*?', /another quantifier/],
    ['a{17}', /counts must be/],
    ['a{16,}', /counts must be/],
    ['a{', /not a repetition/],
    ['[b-a]', /reversed/],
    ['(ab', /not closed/],
    ['a|', /ends with '\|'/],
    ['x'.repeat(257), /at most 256/],
  ])('refuses %s', (p, why) => {
    expect(checkViewRegex(p)).toMatch(why);
  });
});

describe('view criteria keys', () => {
  it('orders versions part by part', () => {
    const sorted = ['12.3.1', '11.10.100', '9', '11.9.0', '12.3'].sort((a, b) => (viewVersionKey(a)! < viewVersionKey(b)! ? -1 : 1));
    expect(sorted).toEqual(['9', '11.9.0', '11.10.100', '12.3', '12.3.1']);
    expect(viewVersionKey('12.03.1')).toBe(viewVersionKey('12.3.1'));
    expect(viewVersionKey('')).toBeNull();
  });
  it('keys IPv4 addresses and CIDR ranges', () => {
    expect(viewIpKey('10.1.2.3')).toBe('0a010203');
    expect(viewIpKey('010.1.2.3')).toBeNull();
    expect(viewIpKey('fe80::1')).toBeNull();
    expect(viewCidrRange('10.1.2.3/16')).toEqual(['0a010000', '0a01ffff']);
    expect(viewCidrRange('10.1.2.3/255.255.255.0')).toEqual(['0a010200', '0a0102ff']);
    expect(viewCidrRange('10.1.2.3/255.0.255.0')).toBeNull();
    expect(viewCidrRange('10.1.2.3/33')).toBeNull();
  });
});

describe('checkViewCriteria', () => {
  it('names the path of the first problem', () => {
    expect(
      checkViewCriteria(
        { and: [{ field: 'name', op: 'eq', value: 'x' }, { not: { field: 'online', op: 'eq', value: 1 } }] },
        'body.criteria',
      ),
    ).toEqual({
      field: 'body.criteria.and.1.not.value',
      message: 'body.criteria.and.1.not.value must be true or false',
    });
    expect(checkViewCriteria({ field: 'site', op: 'eq', value: 'x', caseSensitive: true })).toBeNull();
    expect(checkViewCriteria({ field: 'online', op: 'eq', value: true, caseSensitive: true })?.field).toBe('criteria.caseSensitive');
    expect(checkViewCriteria({ field: 'lastContact', op: 'betweenDaysAgo', value: [5, 2] })?.message).toMatch(/N ≤ M/);
    expect(checkViewCriteria({ field: 'folderId', op: 'inFolder', value: { id: 3, deep: true } })?.message).toMatch(/unknown field 'deep'/);
    expect(checkViewCriteria({ field: '__proto__', op: 'eq', value: 'x' })?.message).toMatch(/unknown field/);
    expect(checkViewCriteria([])?.message).toMatch(/must be an object/);
  });
});
