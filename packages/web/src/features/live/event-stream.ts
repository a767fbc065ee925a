import type { EVENTS_PATH, LiveEvent } from '@openums/protocol';

// A type-only import keeps the protocol's schemas out of the bundle; the type pins the value.
const EVENTS_URL: typeof EVENTS_PATH = '/api/v1/events';

/**
 * live: events arrive · connecting: first attempt · reconnecting: the stream broke and is being
 * re-opened (events may have been missed) · off: not started or stopped.
 */
export type LiveStatus = 'off' | 'connecting' | 'live' | 'reconnecting';

export const LIVE_EVENT_TYPES = [
  'device.presence',
  'device.changed',
  'device.deleted',
  'command.changed',
] as const satisfies readonly LiveEvent['type'][];

export interface EventStreamOptions {
  url?: string;
  onEvent: (event: LiveEvent) => void;
  /** The stream re-opened after a break: whatever the events would have said in between is unknown. */
  onResync: () => void;
  /** The server answered 401: the session is gone. */
  onUnauthenticated: () => void;
  /** For tests. */
  createEventSource?: (url: string) => EventSource;
  probe?: (url: string, signal: AbortSignal) => Promise<{ status: number; contentType: string | null }>;
}

const MIN_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;
const PROBE_TIMEOUT_MS = 5_000;

/**
 * One EventSource to the server's live event stream. The browser re-opens a dropped stream by
 * itself; when it gives up (the server answered something other than an event stream) this
 * class probes why with a plain request (a 401 ends the session, anything else is retried with
 * growing, jittered delays) so the console stays free of EventSource MIME errors.
 */
export class EventStream {
  private source: EventSource | null = null;
  private status: LiveStatus = 'off';
  private readonly listeners = new Set<() => void>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private everOpened = false;
  private stopped = true;
  private probeAbort: AbortController | null = null;
  private readonly url: string;

  constructor(private readonly options: EventStreamOptions) {
    this.url = options.url ?? EVENTS_URL;
  }

  getStatus = (): LiveStatus => this.status;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setStatus('connecting');
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.probeAbort?.abort();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.source?.close();
    this.source = null;
    this.setStatus('off');
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.status) return;
    this.status = status;
    for (const listener of this.listeners) listener();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const verdict = await this.check();
    if (this.stopped) return;
    if (verdict === 'unauthenticated') {
      this.stop();
      this.options.onUnauthenticated();
      return;
    }
    if (verdict === 'unavailable') {
      this.scheduleRetry();
      return;
    }
    this.open();
  }

  /** Ask once with fetch whether the stream is there, reading only the response headers. */
  private async check(): Promise<'ok' | 'unauthenticated' | 'unavailable'> {
    const controller = new AbortController();
    this.probeAbort = controller;
    const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
    try {
      const probe = this.options.probe ?? defaultProbe;
      const { status, contentType } = await probe(this.url, controller.signal);
      if (status === 401) return 'unauthenticated';
      return status === 200 && (contentType ?? '').startsWith('text/event-stream') ? 'ok' : 'unavailable';
    } catch {
      // A server that holds the headers back until the first event times out here; try the real thing.
      return controller.signal.aborted && !this.stopped ? 'ok' : 'unavailable';
    } finally {
      clearTimeout(timer);
      controller.abort();
      this.probeAbort = null;
    }
  }

  private open(): void {
    const create = this.options.createEventSource ?? ((url: string) => new EventSource(url, { withCredentials: true }));
    const source = create(this.url);
    this.source = source;
    source.onopen = () => {
      this.attempt = 0;
      const wasBroken = this.everOpened;
      this.everOpened = true;
      this.setStatus('live');
      if (wasBroken) this.options.onResync();
    };
    source.onerror = () => {
      if (this.source !== source) return;
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (non-200 answer or wrong content type): find out why, then retry.
        source.close();
        this.source = null;
        this.scheduleRetry();
      } else {
        // CONNECTING: the browser re-opens it by itself.
        this.setStatus('reconnecting');
      }
    };
    for (const type of LIVE_EVENT_TYPES) {
      source.addEventListener(type, (message) => this.dispatch(type, (message as MessageEvent<string>).data));
    }
  }

  private dispatch(type: LiveEvent['type'], data: string): void {
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof payload !== 'object' || payload === null) return;
    this.options.onEvent({ ...(payload as object), type } as LiveEvent);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.setStatus('reconnecting');
    const base = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }
}

async function defaultProbe(url: string, signal: AbortSignal) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/event-stream' }, signal });
  return { status: response.status, contentType: response.headers.get('content-type') };
}
