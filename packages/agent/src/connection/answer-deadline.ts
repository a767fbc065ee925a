import WebSocket from 'ws';
import type { TimerWheel, WheelTimer } from './timer-wheel.js';

/**
 * Generous on purpose: a server whose event loop stalls for a few seconds (a reconnect storm)
 * must not make thousands of devices drop their channels and add to the storm.
 */
export const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;
/** TCP keepalive idle time of the device's channel socket. */
export const DEFAULT_KEEPALIVE_MS = 45_000;

/**
 * How a device finds a server host that vanished (power cut, network gone: no FIN, no RST).
 * While the channel is idle, TCP keepalive finds it (idle time + 10 probes 1 s apart). But a
 * heartbeat in flight stays unacknowledged, which stops keepalive probing and leaves TCP
 * retransmitting for ~15 minutes: so each heartbeat is (or goes with) a WebSocket ping, and unless
 * some frame (the pong, any message) arrives within the timeout the channel is given up and the
 * device reconnects — through the cluster address, to a server that is alive.
 */
export class AnswerDeadline {
  private timer: WheelTimer | null = null;

  constructor(
    private readonly wheel: TimerWheel,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Pings on `ws` and starts the deadline unless one is running; `expired` runs if nothing came
   * back. With `always` (the ping is the heartbeat itself) it pings even while a deadline runs.
   */
  expect(ws: WebSocket, always: boolean, expired: () => void): void {
    if ((this.timer && !always) || ws.readyState !== WebSocket.OPEN) return;
    try {
      ws.ping();
    } catch {
      return; // closing meanwhile: the close handler takes over
    }
    if (this.timer) return;
    this.timer = this.wheel.schedule(this.timeoutMs, () => {
      this.timer = null;
      expired();
    });
  }

  /** A frame arrived (or the channel is gone): no deadline. */
  answered(): void {
    this.timer?.cancel();
    this.timer = null;
  }
}
