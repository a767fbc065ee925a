import { join } from 'node:path';
import { DEVICE_ADDRESS_MAX_LENGTH, DEVICE_ADDRESS_PATTERN } from '@openums/protocol';
import { readTextIfExists, writeDurableFile } from '../lib/files.js';
import { errorMessage, type Logger } from '../lib/log.js';
import { STATE_FILES } from './state.js';

/**
 * Attempts on a newly assigned address, before the agent also tries the last address that worked.
 * Small, because each costs a backoff delay; the assigned address keeps being tried after that.
 */
export const TRIAL_ATTEMPTS = 3;

const DEVICE_ADDRESS = new RegExp(DEVICE_ADDRESS_PATTERN, 'u');

/** What `server-address.json` holds: server URLs (`https://host:port` origins). */
export interface ServerAddressState {
  /** The last valid address the server assigned (device enrollment address); null: none yet. */
  assigned: string | null;
  /** The last address a connection reached `welcome` through. */
  working: string;
}

/**
 * A device address from the server (`host:port`, see DEVICE_ADDRESS_PATTERN) as a server URL
 * (`https://host:port`, the origin, so the default port 443 is dropped); null when it is not a
 * valid address (scheme, path, credentials, spaces, a bad port …).
 */
export function serverUrlFromDeviceAddress(address: string): string | null {
  if (address.length > DEVICE_ADDRESS_MAX_LENGTH || !DEVICE_ADDRESS.test(address)) return null;
  try {
    const url = new URL(`https://${address}`);
    return url.host !== '' && url.pathname === '/' ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * Where the agent connects (docs/devices.md, "Server address"): the address the server assigned,
 * else the one that worked last, else the one it enrolled with. The rule that keeps a typo from
 * stranding a device:
 *
 * - an assigned address that has not yet reached `welcome` is on trial: the first TRIAL_ATTEMPTS
 *   attempts of a reconnect go to it; after that attempts alternate between the last working
 *   address and it, until one of them answers;
 * - the address through which a connection reaches `welcome` becomes the working one (persisted);
 *   an assigned address that answered is then the only one used;
 * - an address that worked once is never abandoned for an older one (a server that does not
 *   answer is an outage, not a wrong address).
 *
 * State is written atomically and durably (write, fsync, rename) on every change.
 */
export class ServerAddressBook {
  private state: ServerAddressState;
  /** Attempts since the last welcome. */
  private attempts = 0;

  constructor(
    private readonly file: string,
    enrolledServer: string,
    private readonly log: Logger,
  ) {
    this.state = load(file, enrolledServer, log);
  }

  static forStateDir(stateDir: string, enrolledServer: string, log: Logger): ServerAddressBook {
    return new ServerAddressBook(join(stateDir, STATE_FILES.serverAddress), enrolledServer, log);
  }

  /** The address to dial for the next attempt (counts the attempt). */
  nextUrl(): string {
    const { assigned, working } = this.state;
    const n = this.attempts++;
    if (assigned === null || assigned === working || n < TRIAL_ATTEMPTS) return assigned ?? working;
    if (n === TRIAL_ATTEMPTS)
      this.log.warn(`server address ${assigned} did not answer ${TRIAL_ATTEMPTS} attempts; trying ${working} as well`);
    return (n - TRIAL_ATTEMPTS) % 2 === 0 ? working : assigned;
  }

  /** The last address that reached welcome (used for certificate renewal too). */
  working(): string {
    return this.state.working;
  }

  assigned(): string | null {
    return this.state.assigned;
  }

  /** A connection through `url` reached welcome. */
  connected(url: string): void {
    this.attempts = 0;
    if (url === this.state.working) return;
    this.log.info(`server address ${url} answered; it is now the address this device reconnects to`);
    this.save({ ...this.state, working: url });
  }

  /** The server named its device address (welcome or server-address); a bad one is refused and the old one kept. */
  receive(address: string): void {
    const url = serverUrlFromDeviceAddress(address);
    if (url === null) {
      this.log.warn(`ignoring the server address ${JSON.stringify(address.slice(0, 80))}: not host:port; keeping ${this.current()}`);
      return;
    }
    if (url === this.state.assigned) return;
    this.log.info(`the server assigned the address ${url}; used from the next reconnect`);
    this.save({ ...this.state, assigned: url });
  }

  private current(): string {
    return this.state.assigned ?? this.state.working;
  }

  private save(next: ServerAddressState): void {
    try {
      writeDurableFile(this.file, `${JSON.stringify(next, null, 2)}\n`);
      this.state = next;
    } catch (err) {
      // Not written, not used: the device keeps dialling what is on disk.
      this.log.warn(`cannot store the server address in ${this.file}: ${errorMessage(err)}`);
    }
  }
}

function load(file: string, enrolledServer: string, log: Logger): ServerAddressState {
  const fallback: ServerAddressState = { assigned: null, working: enrolledServer };
  const text = readTextIfExists(file);
  if (text === null) return fallback;
  try {
    const v = JSON.parse(text) as Partial<Record<keyof ServerAddressState, unknown>>;
    return { assigned: isServerUrl(v.assigned) ? v.assigned : null, working: isServerUrl(v.working) ? v.working : enrolledServer };
  } catch (err) {
    log.warn(`${file} is unreadable (${errorMessage(err)}); using the enrollment address`);
    return fallback;
  }
}

/** A stored server URL: an https origin, as written by this class. */
function isServerUrl(x: unknown): x is string {
  if (typeof x !== 'string') return false;
  try {
    const u = new URL(x);
    return u.protocol === 'https:' && u.origin === x;
  } catch {
    return false;
  }
}
