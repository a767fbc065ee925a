import { VIEW_CRITERIA_LIMITS } from './views.js';

/**
 * Regular expressions in view criteria (ADR 0007): the subset PostgreSQL's ARE and JavaScript
 * read alike — literals, `.`, classes `[…]`, `\d \w \s` (and `\D \W \S` outside classes),
 * groups `(…)`/`(?:…)`, `|`, `* + ?`, `{m}`, `{m,}`, `{m,n}` (m, n ≤ 16), `^` and `$`.
 * Refused, with the reason: backreferences, lookarounds, other escapes, lazy quantifiers, and
 * nested quantifiers (`(a+)+`), which can backtrack catastrophically.
 *
 * `checkViewRegex` returns the problem (or null); `foldViewRegex` rewrites an accepted pattern
 * for a case-insensitive match without the `i` flag (each letter becomes `[aA]`), because the
 * linear-time engine the server evaluates with does not take `i`.
 */
export function checkViewRegex(pattern: string): string | null {
  const r = scan(pattern);
  return 'problem' in r ? r.problem : null;
}

export function foldViewRegex(pattern: string): string {
  const r = scan(pattern);
  if ('problem' in r) throw new Error(r.problem);
  return r.folded;
}

/** V8's linear engine unrolls counted repetitions up to 16 (`{m,}`: m copies plus a star). */
const MAX_COUNT = 16;
const PUNCT = '\\^$.|?*+()[]{}/-';
const isLetter = (c: string) => c.toLowerCase() !== c.toUpperCase() && c.length === 1;
const both = (c: string) => (isLetter(c) ? `${c.toLowerCase()}${c.toUpperCase()}` : c);

interface Group {
  quantified: boolean;
  empty: boolean;
}

function scan(p: string): { problem: string } | { folded: string } {
  if (p.length === 0) return { problem: 'is an empty regular expression' };
  if (p.length > VIEW_CRITERIA_LIMITS.regexLength)
    return { problem: `must be a regular expression of at most ${VIEW_CRITERIA_LIMITS.regexLength} characters` };
  const stack: Group[] = [{ quantified: false, empty: true }];
  let out = '';
  /** What a quantifier here would apply to: none, an atom, a group (with a quantifier inside?), a quantifier. */
  let prev: 'none' | 'atom' | 'group' | 'nested-group' | 'quantifier' = 'none';
  const bad = (what: string) => ({ problem: `is not a supported regular expression: ${what}` });
  const quantify = (text: string) => {
    if (prev === 'none') return bad(`'${text}' at ${i} has nothing to repeat`);
    if (prev === 'quantifier') return bad(`'${text}' at ${i} follows another quantifier (lazy and double quantifiers are not supported)`);
    if (prev === 'nested-group')
      return {
        problem: `is refused: the quantifier '${text}' at ${i} repeats a group that contains a quantifier (nested quantifiers can backtrack catastrophically)`,
      };
    stack[stack.length - 1]!.quantified = true;
    out += text;
    prev = 'quantifier';
    return null;
  };
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) return bad('it ends with a backslash');
      if (!'dDwWsStn'.includes(n) && !PUNCT.includes(n))
        return bad(`'\\${n}' at ${i} (backreferences, word boundaries and other escapes are not supported)`);
      out += `\\${n}`;
      i += 2;
      prev = 'atom';
      top.empty = false;
      continue;
    }
    if (c === '[') {
      const cls = scanClass(p, i);
      if ('problem' in cls) return cls;
      out += cls.folded;
      i = cls.end;
      prev = 'atom';
      top.empty = false;
      continue;
    }
    if (c === '(') {
      if (p[i + 1] === '?') {
        if (p[i + 2] !== ':') return bad(`'(?' at ${i} (lookarounds and named groups are not supported; use '(?:' for a plain group)`);
        out += '(?:';
        i += 3;
      } else {
        out += '(';
        i += 1;
      }
      stack.push({ quantified: false, empty: true });
      prev = 'none';
      continue;
    }
    if (c === ')') {
      if (stack.length === 1) return bad(`')' at ${i} closes no group`);
      const g = stack.pop()!;
      if (g.empty || prev === 'none') return bad(`the group ending at ${i} is empty or ends with '|'`);
      const parent = stack[stack.length - 1]!;
      parent.quantified ||= g.quantified;
      parent.empty = false;
      out += ')';
      i += 1;
      prev = g.quantified ? 'nested-group' : 'group';
      continue;
    }
    if (c === '|') {
      if (prev === 'none') return bad(`'|' at ${i} follows nothing (empty alternatives are not supported)`);
      out += '|';
      i += 1;
      prev = 'none';
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      const problem = quantify(c);
      if (problem) return problem;
      i += 1;
      continue;
    }
    if (c === '{') {
      const m = /^\{([0-9]{1,3})(,([0-9]{0,3}))?\}/.exec(p.slice(i));
      if (!m) return bad(`'{' at ${i} is not a repetition {m}, {m,} or {m,n} (write '\\{' for the character)`);
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : m[3] === '' ? null : Number(m[3]);
      if (lo > (hi === null ? MAX_COUNT - 1 : MAX_COUNT) || (hi !== null && (hi > MAX_COUNT || hi < lo)))
        return bad(`'${m[0]}' at ${i}: counts must be 0..${MAX_COUNT} (${MAX_COUNT - 1} in {m,}), m ≤ n`);
      const problem = quantify(m[0]);
      if (problem) return problem;
      i += m[0].length;
      continue;
    }
    if (c === '}' || c === ']') return bad(`'${c}' at ${i} (write '\\${c}' for the character)`);
    if (c === '^' || c === '$') {
      out += c;
      i += 1;
      prev = 'none';
      top.empty = false;
      continue;
    }
    out += isLetter(c) ? `[${both(c)}]` : c;
    i += 1;
    prev = 'atom';
    top.empty = false;
  }
  if (stack.length > 1) return bad('a group is not closed');
  if (prev === 'none' && p.endsWith('|')) return bad("it ends with '|'");
  return { folded: out };
}

function scanClass(p: string, start: number): { problem: string } | { folded: string; end: number } {
  let i = start + 1;
  let out = '[';
  if (p[i] === '^') {
    out += '^';
    i += 1;
  }
  let members = 0;
  while (i < p.length && p[i] !== ']') {
    let c = p[i]!;
    let lit: string;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) break;
      if ('dws'.includes(n)) {
        out += `\\${n}`;
        i += 2;
        members++;
        continue;
      }
      if (!'tn'.includes(n) && !PUNCT.includes(n))
        return { problem: `is not a supported regular expression: '\\${n}' at ${i} inside [...] is not supported` };
      lit = `\\${n}`;
      c = n;
      i += 2;
    } else if (c === '[') {
      return { problem: `is not a supported regular expression: '[' at ${i} inside [...] (write '\\[')` };
    } else {
      lit = c;
      i += 1;
    }
    // A range a-z: both ends letters of one case also take the other case when folding.
    if (p[i] === '-' && p[i + 1] !== undefined && p[i + 1] !== ']' && p[i + 1] !== '\\' && p[i + 1] !== '[') {
      const hi = p[i + 1]!;
      if (hi < c) return { problem: `is not a supported regular expression: the range '${c}-${hi}' at ${i - 1} is reversed` };
      out += `${lit}-${hi}`;
      if (/[a-z]/.test(c) && /[a-z]/.test(hi)) out += `${c.toUpperCase()}-${hi.toUpperCase()}`;
      else if (/[A-Z]/.test(c) && /[A-Z]/.test(hi)) out += `${c.toLowerCase()}-${hi.toLowerCase()}`;
      i += 2;
    } else {
      out += isLetter(c) && lit === c ? both(c) : lit;
    }
    members++;
  }
  if (p[i] !== ']') return { problem: `is not a supported regular expression: '[' at ${start} is not closed` };
  if (members === 0) return { problem: `is not a supported regular expression: '[]' at ${start} is empty` };
  return { folded: `${out}]`, end: i + 1 };
}
