import { describe, expect, it } from 'vitest';
import { checkViewRegex } from '@openums/protocol';
import { regexLiteralPrefix, viewRegexTest, viewRegExp } from './linear-regex.js';

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
  it('finds the literal prefix of anchored patterns only where every match starts with it', () => {
    const cases: Array<[string, string]> = [
      ['^dev-0[0-4].*7$', 'dev-0'],
      ['^Ab\\.c', 'Ab.c'],
      ['^abc?', 'ab'],
      ['^ab*', 'a'],
      ['^ab{2}', 'a'],
      ['^ab+c', 'ab'],
      ['^ab(c|d)', ''],
      ['^a|b', ''],
      ['abc', ''],
      ['^\\dx', ''],
      ['^é1', ''],
      ['^(?:ab)', ''],
      ['^$', ''],
    ];
    for (const [p, prefix] of cases) expect([p, regexLiteralPrefix(p)]).toEqual([p, prefix]);
    // A necessary condition: whatever matches starts with the prefix (ASCII-folded when case-insensitive).
    const inputs = ['dev-0147', 'DEV-0017', 'Ab.c', 'ab', 'abbc', 'a', 'abc', 'xdev-07', 'ÄB'];
    for (const [p] of cases)
      for (const v of inputs)
        for (const cs of [true, false]) {
          if (!viewRegexTest(p, v, cs)) continue;
          const prefix = regexLiteralPrefix(p);
          expect(cs ? v.startsWith(prefix) : v.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase()).toBe(true);
        }
  });
});
