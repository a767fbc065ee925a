import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The log-secret scan (docs/testing.md): every line the suite's servers and agents logged
 * (`*.log` in the capture directory) is searched for every secret the tests registered
 * (`secrets-*.jsonl`, registry.ts) and for secrets by their shape, whoever created them.
 */
export interface Secret {
  kind: string;
  value: string;
}

export interface Finding {
  file: string;
  line: number;
  kind: string;
  /** The secret's first characters and its length, or the text just before a secret-shaped value — never the secret. */
  hint: string;
}

/** Secrets recognised by their shape alone. */
const PATTERNS: Array<{ kind: string; re: RegExp }> = [
  { kind: 'api-token (pattern)', re: /oat_[0-9a-f]{12}_(?=[A-Za-z0-9_-]{20})/ },
  { kind: 'private-key (pattern)', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  // A JSON field named like a secret whose value is not masked. In a log line the value is
  // either a plain string or, inside a logged request body or message, an escaped one.
  {
    kind: 'secret field (pattern)',
    re: /\\?"(?:password|oldPassword|newPassword|adminPassword|bindPassword|token|csrfToken|secret)\\?"\s*:\s*\\?"(?!\[redacted\]|\*{3,}|\\?")/,
  },
];

/** Secrets looked up by their first characters: one map lookup per position of a line. */
const PREFIX = 6;

export function mask(value: string): string {
  return `${value.slice(0, 4)}… (${value.length} characters)`;
}

export class SecretMatcher {
  private readonly byPrefix = new Map<string, Secret[]>();

  constructor(secrets: Iterable<Secret>) {
    const unique = new Map<string, Secret>();
    for (const s of secrets) if (s.value.length >= PREFIX && !unique.has(s.value)) unique.set(s.value, s);
    for (const s of unique.values()) {
      const key = s.value.slice(0, PREFIX);
      const list = this.byPrefix.get(key);
      if (list) list.push(s);
      else this.byPrefix.set(key, [s]);
    }
  }

  get size(): number {
    let n = 0;
    for (const l of this.byPrefix.values()) n += l.length;
    return n;
  }

  /** The registered secrets and secret-shaped values a line contains, each with a hint that does not reveal it. */
  find(line: string): Array<{ kind: string; hint: string }> {
    const hits: Secret[] = [];
    if (this.byPrefix.size > 0) {
      for (let i = 0; i + PREFIX <= line.length; i++) {
        const candidates = this.byPrefix.get(line.slice(i, i + PREFIX));
        if (!candidates) continue;
        for (const s of candidates) if (line.startsWith(s.value, i) && !hits.includes(s)) hits.push(s);
      }
    }
    const found = hits.map((s) => ({ kind: s.kind, hint: mask(s.value) }));
    for (const p of PATTERNS) {
      const m = p.re.exec(line);
      // The matched text stops where the secret begins: a field name, a key's header, a token's prefix.
      if (m) found.push({ kind: p.kind, hint: m[0].replace(/\\/g, '').slice(0, 60) });
    }
    return found;
  }
}

/** Searches text (one log file) line by line. */
export function scanText(text: string, file: string, matcher: SecretMatcher): Finding[] {
  const findings: Finding[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    for (const s of matcher.find(lines[i]!)) findings.push({ file, line: i + 1, ...s });
  }
  return findings;
}

export function readSecrets(dir: string): Secret[] {
  const secrets: Secret[] = [];
  for (const name of readdirSync(dir)) {
    if (!/^secrets-.*\.jsonl$/.test(name)) continue;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line) secrets.push(JSON.parse(line) as Secret);
    }
  }
  return secrets;
}

export interface ScanResult {
  files: number;
  lines: number;
  secrets: number;
  findings: Finding[];
}

/** Scans every `*.log` of the capture directory `dir` for the secrets registered there. */
export function scanCaptureDir(dir: string): ScanResult {
  const matcher = new SecretMatcher(readSecrets(dir));
  const result: ScanResult = { files: 0, lines: 0, secrets: matcher.size, findings: [] };
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.log')) continue;
    const text = readFileSync(join(dir, name), 'utf8');
    result.files++;
    result.lines += text.split('\n').length - 1;
    result.findings.push(...scanText(text, join(dir, name), matcher));
  }
  return result;
}

/** A report for the terminal: where, and which kind of secret — no secret in full. */
export function formatFindings(findings: Finding[], limit = 50): string {
  const shown = findings.slice(0, limit).map((f) => `  ${f.file}:${f.line}: ${f.kind} ${f.hint}`);
  if (findings.length > limit) shown.push(`  … and ${findings.length - limit} more`);
  return shown.join('\n');
}
