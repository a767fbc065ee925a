import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeSecret } from '../tls/web-identity.js';

/**
 * What every server of an installation must share on disk: the secret key (it seals the device
 * CA's key in the database), the web CA and certificate (agents pin the web CA) and the TLS
 * session-ticket keys (a device resumes its session on any server). A second host joins by
 * receiving these from a running server as a join token — a file, never a command-line argument
 * or a log line: `openums admin cluster join-token --out FILE` on the first host, `openums server
 * --join-file FILE` on the second.
 */
const SHARED_FILES = ['secret.key', 'tls/web-ca.crt', 'tls/web-ca.key', 'tls/web.crt', 'tls/web.key', 'tls/ticket-keys'] as const;
const PREFIX = 'openums-join-v1.';

export class JoinError extends Error {
  override name = 'JoinError';
}

/** The join token of the installation whose data directory is `dataDir`. */
export function createJoinToken(dataDir: string): string {
  const files: Record<string, string> = {};
  for (const f of SHARED_FILES) {
    const path = join(dataDir, f);
    if (!existsSync(path)) throw new JoinError(`${path} does not exist: start the server on this data directory once first`);
    files[f] = readFileSync(path).toString('base64');
  }
  return PREFIX + Buffer.from(JSON.stringify({ files })).toString('base64url');
}

/**
 * Installs a join token into a data directory (0600 files). Refuses to replace a different secret
 * key: the data sealed with it would become unreadable.
 */
export function applyJoinToken(dataDir: string, token: string): { written: string[] } {
  const text = token.trim();
  if (!text.startsWith(PREFIX)) throw new JoinError('this is not an OpenUMS join token (it starts with "openums-join-v1.")');
  let files: Record<string, string>;
  try {
    files = (JSON.parse(Buffer.from(text.slice(PREFIX.length), 'base64url').toString('utf8')) as { files: Record<string, string> }).files;
  } catch {
    throw new JoinError('the join token is damaged (not valid base64url JSON)');
  }
  for (const f of SHARED_FILES) if (typeof files?.[f] !== 'string') throw new JoinError(`the join token lacks ${f}`);
  const secretPath = join(dataDir, 'secret.key');
  if (existsSync(secretPath) && readFileSync(secretPath).toString('base64') !== files['secret.key']) {
    throw new JoinError(
      `${secretPath} holds a different secret key than the installation you are joining; use a new, empty data directory to join`,
    );
  }
  const written: string[] = [];
  for (const f of SHARED_FILES) {
    mkdirSync(dirname(join(dataDir, f)), { recursive: true, mode: 0o700 });
    writeSecret(join(dataDir, f), Buffer.from(files[f]!, 'base64').toString('utf8'));
    written.push(f);
  }
  return { written };
}
