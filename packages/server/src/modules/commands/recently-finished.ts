/**
 * Commands finished on this process in the last minute. A delivery reads a device's open commands
 * (`deliverPending`) and then sends them; a command the device finished while that read was under
 * way is read as still open — its new state waiting in the batch, or committed just after the read
 * — and would be sent a second time and written back to "sent", where it would stay. Results are
 * taken by the process that holds the device's channel, the same process whose reads can race
 * them, so a list kept here is enough; a minute is far longer than any read.
 */
export class RecentlyFinished {
  private readonly finishedAt = new Map<number, number>();

  constructor(private readonly keepMs = 60_000) {}

  add(id: number, now: number): void {
    this.finishedAt.delete(id);
    this.finishedAt.set(id, now);
    // Oldest first (insertion order): drop what is past the window, stop at the first that is not.
    for (const [key, at] of this.finishedAt) {
      if (now - at < this.keepMs) break;
      this.finishedAt.delete(key);
    }
  }

  has(id: number): boolean {
    return this.finishedAt.has(id);
  }

  get size(): number {
    return this.finishedAt.size;
  }
}
