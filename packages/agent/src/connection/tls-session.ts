import { readFileSync } from 'node:fs';
import { writePrivateFileAsync, removeIfExists } from '../lib/files.js';

/** Where a device keeps its TLS 1.3 session ticket between connections. */
export interface SessionStore {
  load(): Buffer | undefined;
  save(session: Buffer): void;
  clear(): void;
}

/** Per virtual device, in memory. */
export class MemorySessionStore implements SessionStore {
  private session: Buffer | undefined;
  load(): Buffer | undefined {
    return this.session;
  }
  save(session: Buffer): void {
    this.session = session;
  }
  clear(): void {
    this.session = undefined;
  }
}

/** The real agent persists the ticket so even a restart of the agent resumes (cheap for the server). */
export class FileSessionStore implements SessionStore {
  private session: Buffer | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {
    try {
      this.session = readFileSync(path);
    } catch {
      this.session = undefined;
    }
  }

  load(): Buffer | undefined {
    return this.session;
  }

  save(session: Buffer): void {
    this.session = session;
    this.writing = this.writing.then(() => writePrivateFileAsync(this.path, session)).catch(() => undefined);
  }

  clear(): void {
    this.session = undefined;
    this.writing = this.writing.then(() => removeIfExists(this.path)).catch(() => undefined);
  }

  flushed(): Promise<void> {
    return this.writing;
  }
}
