/**
 * Text the databases cannot store faithfully: PostgreSQL refuses a NUL byte in `text` (the
 * whole statement fails, and with it a batched write for other devices), and a lone UTF-16
 * surrogate has no UTF-8 form (drivers silently store U+FFFD instead). Both are refused at the
 * edges — HTTP requests and device messages — so SQLite and PostgreSQL answer alike.
 */
// NUL is what we look for: the control character in these patterns is deliberate.
// eslint-disable-next-line no-control-regex
const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function isUnsafeText(s: string): boolean {
  return UNSAFE.test(s);
}

/** A key shown in a path: the offending characters replaced so the message itself is clean. */
const label = (key: string) => key.replace(UNSAFE_ALL, '\ufffd');

/**
 * The path (`body.system.hostname`, `query.q`, `body.deviceIds.3`) of the first string or
 * object key in `value` that holds a NUL or a lone surrogate; null when there is none.
 * Iterative, so a deeply nested document cannot overflow the stack.
 */
export function findUnsafeString(value: unknown, path: string): string | null {
  if (typeof value === 'string') return UNSAFE.test(value) ? path : null;
  const stack: Array<[object, string]> = [];
  if (value !== null && typeof value === 'object') stack.push([value, path]);
  while (stack.length) {
    const [node, at] = stack.pop()!;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v: unknown = node[i];
        if (typeof v === 'string') {
          if (UNSAFE.test(v)) return `${at}.${i}`;
        } else if (v !== null && typeof v === 'object') stack.push([v, `${at}.${i}`]);
      }
      continue;
    }
    for (const key of Object.keys(node)) {
      if (UNSAFE.test(key)) return `${at}.${label(key)}`;
      const v: unknown = (node as Record<string, unknown>)[key];
      if (typeof v === 'string') {
        if (UNSAFE.test(v)) return `${at}.${key}`;
      } else if (v !== null && typeof v === 'object') stack.push([v, `${at}.${key}`]);
    }
  }
  return null;
}
