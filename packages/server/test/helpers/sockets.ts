import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The inode of the socket listening on 127.0.0.1:port (/proc/net/tcp, state 0A = LISTEN). */
export function listeningInode(port: number): string {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === '0A') return f[9]!;
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

/** Whether a process holds the socket with this inode among its open files. */
export function holdsSocket(pid: number, inode: string): boolean {
  return readdirSync(`/proc/${pid}/fd`).some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
    } catch {
      return false; // closed meanwhile
    }
  });
}
