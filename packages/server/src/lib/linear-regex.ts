import { setFlagsFromString } from 'node:v8';
import { foldViewRegex } from '@openums/protocol';

/**
 * Regular expressions of view criteria, evaluated in this process (SQLite's `regexp` function,
 * the in-memory evaluator): V8's linear-time engine (the `l` flag; no backtracking, so time grows
 * with pattern × input, never exponentially — ADR 0007). Patterns are the checked subset
 * (`checkViewRegex`); case-insensitive ones are folded (`[aA]`) because that engine has no `i`.
 */
setFlagsFromString('--enable-experimental-regexp-engine');

/** Inputs are cut here: no device column holds more (comments: 4,000). */
export const REGEX_INPUT_MAX = 4096;

const cache = new Map<string, RegExp>();
const CACHE_MAX = 256;

/** The compiled pattern; throws `RegexNotLinear` when the engine cannot run it in linear time. */
export function viewRegExp(pattern: string, caseSensitive: boolean): RegExp {
  const key = `${caseSensitive ? 's' : 'i'}:${pattern}`;
  let re = cache.get(key);
  if (re) return re;
  const source = caseSensitive ? pattern : foldViewRegex(pattern);
  try {
    // `s`: `.` matches a line break, as in PostgreSQL's AREs. `l`: V8's linear engine (enabled above).
    // eslint-disable-next-line no-invalid-regexp
    re = new RegExp(source, 'ls');
  } catch (err) {
    throw new RegexNotLinear((err as Error).message);
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, re);
  return re;
}

export class RegexNotLinear extends Error {}

export function viewRegexTest(pattern: string, value: string, caseSensitive: boolean): boolean {
  return viewRegExp(pattern, caseSensitive).test(value.length > REGEX_INPUT_MAX ? value.slice(0, REGEX_INPUT_MAX) : value);
}

/**
 * A time limit for the SQLite statements of an evaluation (SQLite has no statement timeout): the
 * `regexp` function checks it every 256 rows and fails the statement past it. Evaluations of
 * concurrent requests interleave between statements, so the latest deadline of those running
 * applies — every statement still ends within one time limit of its start.
 */
const deadlines = new Set<{ at: number }>();
let calls = 0;
export const REGEX_TIMEOUT_MESSAGE = 'openums: view evaluation time limit exceeded';

export async function withRegexDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const d = { at: Date.now() + ms };
  deadlines.add(d);
  try {
    return await fn();
  } finally {
    deadlines.delete(d);
  }
}

export function checkRegexDeadline(): void {
  if (deadlines.size === 0 || (++calls & 255) !== 0) return;
  let latest = 0;
  for (const d of deadlines) latest = Math.max(latest, d.at);
  if (Date.now() > latest) throw new Error(REGEX_TIMEOUT_MESSAGE);
}

/**
 * The literal text every match of a checked view pattern starts the input with, or '' —
 * `^dev-0[0-4].*7$` gives `dev-0`. Only patterns anchored with `^` and without any `|`, only
 * printable ASCII (so SQLite's ASCII `lower()` folds it as the case-insensitive pattern does); a
 * character followed by `?`, `*` or `{` ends it before that character, one followed by `+` after
 * it. SQLite tests it with `substr` before calling the `regexp` function: a necessary condition
 * of a match, so answers do not change, only the number of calls (~1.3 µs each).
 */
export function regexLiteralPrefix(pattern: string): string {
  if (!pattern.startsWith('^') || pattern.includes('|')) return '';
  let out = '';
  let i = 1;
  while (i < pattern.length) {
    let c = pattern[i]!;
    let width = 1;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined || /[0-9A-Za-z]/.test(n)) break;
      c = n;
      width = 2;
    } else if ('^$.|?*+()[]{}'.includes(c)) break;
    if (c < ' ' || c > '~') break;
    const next = pattern[i + width];
    if (next === '?' || next === '*' || next === '{') break;
    out += c;
    if (next === '+') break;
    i += width;
  }
  return out;
}
