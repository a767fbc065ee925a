import { EventEmitter } from 'node:events';
import type { LiveEvent } from '@openums/protocol';

/**
 * Live events: what changed, for the browsers' event streams and for the gateway (a deleted
 * device's channel is closed). `publish` also relays the event to the other server processes of
 * the cluster (through `relay`), where it arrives through `publishLocal`. Listeners must not
 * throw or block.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor(private readonly relay: (event: LiveEvent) => void = () => undefined) {
    this.emitter.setMaxListeners(0);
  }
  publish(event: LiveEvent): void {
    this.emitter.emit('event', event);
    this.relay(event);
  }
  /** An event from another process: for the listeners here only. */
  publishLocal(event: LiveEvent): void {
    this.emitter.emit('event', event);
  }
  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
