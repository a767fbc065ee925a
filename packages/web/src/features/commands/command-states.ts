import type { CommandState } from '@openums/protocol';

export const COMMAND_STATES: readonly CommandState[] = ['queued', 'sent', 'acknowledged', 'succeeded', 'failed', 'expired', 'cancelled'];

const RANK: Record<CommandState, number> = { queued: 0, sent: 1, acknowledged: 2, succeeded: 3, failed: 3, expired: 3, cancelled: 3 };

export function isTerminal(state: CommandState): boolean {
  return RANK[state] === 3;
}

export function asCommandState(value: string): CommandState | null {
  return value in RANK ? (value as CommandState) : null;
}

/**
 * States only move forward, but an event and a response can overtake each other (the agent may
 * finish a reboot before the POST that queued it has answered): keep the later of two states.
 */
export function laterState(a: CommandState, b: CommandState): CommandState {
  return RANK[b] > RANK[a] ? b : a;
}

export const STATE_LABEL: Record<CommandState, string> = {
  queued: 'Queued',
  sent: 'Sent',
  acknowledged: 'Acknowledged',
  succeeded: 'Succeeded',
  failed: 'Failed',
  expired: 'Expired',
  cancelled: 'Cancelled',
};

export const STATE_COLOR: Record<CommandState, string> = {
  queued: 'gray',
  sent: 'blue',
  acknowledged: 'cyan',
  succeeded: 'green',
  failed: 'red',
  expired: 'orange',
  cancelled: 'gray',
};

export interface CommandStateNote {
  state: CommandState;
  message: string | null;
}

const LOG_LIMIT = 5_000;

/**
 * The latest state each recently changed command reported over the event stream. A view that
 * starts after the events (the POST answer arrives late, a GET races an event) merges from here.
 */
class CommandStateLog {
  private readonly entries = new Map<number, CommandStateNote>();

  record(id: number, note: CommandStateNote): void {
    const previous = this.entries.get(id);
    const state = previous ? laterState(previous.state, note.state) : note.state;
    this.entries.delete(id);
    this.entries.set(id, { state, message: state === note.state ? note.message : (previous?.message ?? null) });
    if (this.entries.size > LOG_LIMIT) this.entries.delete(this.entries.keys().next().value as number);
  }

  get(id: number): CommandStateNote | undefined {
    return this.entries.get(id);
  }

  /** `current` moved forward by what the log knows. */
  merge<T extends CommandStateNote>(id: number, current: T): T {
    const note = this.entries.get(id);
    if (!note || laterState(current.state, note.state) === current.state) return current;
    return { ...current, state: note.state, message: note.message ?? current.message };
  }

  clear(): void {
    this.entries.clear();
  }
}

export const commandStateLog = new CommandStateLog();
