import { EventEmitter } from 'node:events';
import type { LiveEvent } from '@openums/protocol';

/**
 * In-process events: what changed, for the live stream to browsers and for the gateway (a
 * deleted device's channel is closed). Listeners must not throw or block.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  publish(event: LiveEvent): void {
    this.emitter.emit('event', event);
  }
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
