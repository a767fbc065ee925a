import type { Server, Socket } from 'node:net';
import type { Logger } from './logger.js';

/** How far below its ceiling a paused worker must fall before it listens again (a share of the ceiling). */
const RESUME_MARGIN = 0.02;

/**
 * A worker that shares the port with others stops listening while it holds `ceiling` connections
 * and listens again once it is `RESUME_MARGIN` below: the port's other listeners take the new
 * connections meanwhile. Only closing the listener keeps a full worker out of the port's traffic —
 * `maxConnections` alone accepts and closes; with workers accepting themselves (setting
 * `cluster.accept`), a full worker, idle, is the first to wake for each new connection and would
 * turn away nearly every device that arrives, while the busy ones never see them; with the
 * supervisor's round robin, it would still be handed its turn. `maxConnections` stays the backstop
 * for connections accepted in the same turn. A single server never pauses (nobody else listens).
 */
export class AcceptCeiling {
  private open = 0;
  private paused = false;
  private stopped = false;
  readonly resumeAt: number;

  constructor(
    private readonly server: Server,
    readonly ceiling: number,
    private readonly listen: () => void,
    private readonly log: Logger | null,
  ) {
    this.resumeAt = Math.max(0, ceiling - Math.max(1, Math.floor(ceiling * RESUME_MARGIN)));
    server.on('connection', (socket: Socket) => {
      this.open++;
      socket.once('close', this.closed);
      if (this.open >= this.ceiling && !this.paused && !this.stopped) this.pause();
    });
  }

  /** Connections this process holds (TLS or not yet, devices and browsers). */
  get connections(): number {
    return this.open;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** At shutdown: never listen again. Returns whether the listener is closed already (paused). */
  stop(): boolean {
    this.stopped = true;
    return this.paused;
  }

  private readonly closed = (): void => {
    this.open--;
    if (this.paused && !this.stopped && this.open <= this.resumeAt) this.resume();
  };

  private pause(): void {
    this.paused = true;
    this.server.close();
    this.log?.warn({ connections: this.open, ceiling: this.ceiling, resumeAt: this.resumeAt }, 'connection ceiling reached; not accepting');
  }

  private resume(): void {
    this.paused = false;
    const failed = (err: Error) => {
      this.server.off('listening', listening);
      this.log?.error({ err }, 'cannot listen again below the connection ceiling; retrying in 1 s');
      setTimeout(() => {
        if (!this.stopped && !this.server.listening) this.resume();
      }, 1000).unref();
    };
    const listening = () => {
      this.server.off('error', failed);
      this.log?.info({ connections: this.open, ceiling: this.ceiling }, 'below the connection ceiling; accepting again');
    };
    this.server.once('error', failed);
    this.server.once('listening', listening);
    this.listen();
  }
}
