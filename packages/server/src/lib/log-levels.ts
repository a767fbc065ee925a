import type { LevelWithSilent } from 'pino';
import type { Logger } from './logger.js';

/**
 * Log levels changed at run time: the root logger's level is the default, and each area (a
 * child logger with `area` in its lines) may have its own. Pino children keep the level they
 * were given, so a change is applied to the root and to every area explicitly.
 */
export class LogLevels {
  private readonly areas = new Map<string, Logger>();
  private current: { level: string; areas: Record<string, string | undefined> } | null = null;

  constructor(
    readonly root: Logger | null,
    /** The level the process was started with (`--log-level`): what `reset` goes back to. */
    private readonly startLevel: string = root?.level ?? 'info',
  ) {}

  /** The logger of one area (null when the process logs nothing). */
  area(name: string): Logger | null {
    if (!this.root) return null;
    let child = this.areas.get(name);
    if (!child) {
      child = this.root.child({ area: name });
      const level = this.current?.areas[name] ?? this.current?.level;
      if (level) child.level = level;
      this.areas.set(name, child);
    }
    return child;
  }

  /** Applies stored settings (null: back to the start-up level everywhere). */
  apply(s: { level: string; areas: Record<string, string | undefined> } | null): void {
    if (!this.root) return;
    if (JSON.stringify(s) === JSON.stringify(this.current)) return;
    this.current = s;
    // A silenced process (tests, --log-level silent) stays silent.
    if (this.startLevel === 'silent') return;
    const level = (s?.level ?? this.startLevel) as LevelWithSilent;
    this.root.level = level;
    for (const [name, child] of this.areas) child.level = (s?.areas[name] ?? level) as LevelWithSilent;
  }
}
