import type { CliIO } from './context.js';

/** Seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * A progress line on stderr: redrawn in place on a terminal, otherwise printed at most every
 * `intervalMs` (and always for the final update), so logs stay readable.
 */
export class ProgressLine {
  private last = 0;
  private drawn = false;
  constructor(
    private readonly io: CliIO,
    private readonly intervalMs = 5000,
  ) {}

  /** Shows `text`; `force` prints it even within the interval. */
  update(text: string, force = false): void {
    const now = Date.now();
    if (this.io.isTTY) {
      this.io.stderr(`\r\x1b[2K${text}`);
      this.drawn = true;
      return;
    }
    if (force || now - this.last >= this.intervalMs) {
      this.io.stderr(text + '\n');
      this.last = now;
    }
  }

  /** Ends the line (on a terminal) so the next output starts on a new line. */
  done(): void {
    if (this.io.isTTY && this.drawn) this.io.stderr('\n');
    this.drawn = false;
  }
}

/** A text bar of `width` cells for a fraction in [0, 1]. */
export function bar(fraction: number, width = 20): string {
  const n = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '[' + '#'.repeat(n) + '.'.repeat(width - n) + ']';
}
