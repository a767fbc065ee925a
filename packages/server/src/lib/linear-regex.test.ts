import { describe, expect, it } from 'vitest';
import { checkViewRegex } from '@openums/protocol';
import { viewRegexTest, viewRegExp } from './linear-regex.js';

describe('view regular expressions on the linear engine', () => {
  const accepted = ['x{16}y{0,16}z{15,}', '^(abc|def)+$', '(?:[a-f0-9][:-]){5}', '[^\\s]+\\.\\d{1,3}$', '.*.*.*.*x'];
  it.each(accepted)('compiles the accepted pattern %s, folded or not', (p) => {
    expect(checkViewRegex(p)).toBeNull();
    expect(() => viewRegExp(p, true)).not.toThrow();
    expect(() => viewRegExp(p, false)).not.toThrow();
  });
  it('matches case-insensitively by folding, and in linear time on hostile input', () => {
    expect(viewRegexTest('^re[a-c]', 'REB', false)).toBe(true);
    expect(viewRegexTest('^re[a-c]', 'REB', true)).toBe(false);
    expect(viewRegexTest('a.b', 'a\nb', true)).toBe(true);
    const started = Date.now();
    expect(viewRegexTest('^(a|aa)*.*.*.*b$', 'a'.repeat(4000), false)).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
