/**
 * `vaultarr items watch <id>`: an item's live progress until its copy and verification are over —
 * a progress bar redrawn in place on a terminal, one plain line per change otherwise (a pipe, a
 * log file, CI). It reads the catalog once a second (the worker's live progress, see
 * `lib/item-progress.ts`); Ctrl-C stops watching (exit 0) and leaves the item alone.
 */
import type { ItemProgress } from '../lib/item-progress.js';

/** Stages in which an item has (or is about to have) work worth watching. */
const BUSY_STAGES = new Set(['sorting', 'copying', 'verifying', 'evicting']);

/** How often `items watch` reads the catalog, in ms. */
export const WATCH_INTERVAL_MS = 1000;

/** One reading of the watched item (see `ItemService.watchState`). */
export interface WatchFrame {
  stage: string;
  reason: string | null;
  libraryPath: string | null;
  progress?: ItemProgress;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** `1.2 GiB` / `350.0 MiB`. */
function size(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${(bytes / MiB).toFixed(1)} MiB`;
}

/**
 * A phase in words: `copying 1.2 GiB / 2.0 GiB (60.0 %), 85.3 MiB/s` for a phase with a byte
 * count, `verifying Movies/…/x.mkv for 12 s` for one without.
 *
 * @param p - the progress
 * @param withFile - name the file in a phase with a byte count too
 */
export function phaseText(p: ItemProgress, withFile = true): string {
  const file = p.file ? ` ${p.file}` : '';
  if (p.bytesTotal <= 0)
    return `${p.phase}${file}${p.phaseSeconds !== undefined ? ` for ${p.phaseSeconds} s` : ''}`;
  const rate =
    p.phaseSeconds && p.phaseSeconds > 0 && p.bytesDone > 0
      ? `, ${size(p.bytesDone / p.phaseSeconds)}/s`
      : '';
  return `${p.phase} ${size(p.bytesDone)} / ${size(p.bytesTotal)} (${(p.percent ?? 0).toFixed(1)} %)${rate}${withFile ? file : ''}`;
}

/** `[██████░░░░░░]`: `percent` of `width` cells filled; a phase without a byte count shows none. */
export function bar(percent: number | undefined, width = 24): string {
  if (percent === undefined) return `[${' '.repeat(width)}]`;
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** True while the item is still in a stage or an activity worth watching. */
export function isBusy(frame: WatchFrame): boolean {
  return BUSY_STAGES.has(frame.stage) || frame.progress !== undefined;
}

/** The line that ends a watch: where the item came to. */
export function finalLine(frame: WatchFrame): string {
  return `${frame.stage}${frame.reason ? ` (${frame.reason})` : ''}${frame.libraryPath ? `: ${frame.libraryPath}` : ''}`;
}

/**
 * Draws watch frames: on a terminal one line redrawn in place (a new line when the phase or
 * stage changes, so each phase's last state stays on screen); otherwise a plain line whenever the
 * stage, phase or whole percent changes (a phase without a byte count: every 5 s).
 */
export class WatchPrinter {
  private lastKey = '';
  private lastPhase = '';
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly tty: { columns: number } | undefined,
  ) {}

  /** Draws one frame. */
  frame(frame: WatchFrame): void {
    const p = frame.progress;
    const phase = `${frame.stage}/${p?.phase ?? ''}`;
    if (this.tty) {
      const stage = p?.phase === frame.stage ? '' : `${frame.stage}: `;
      const text = `${bar(p?.percent)} ${stage}${p ? phaseText(p, false) : 'waiting for its next step'}`;
      const line = text.slice(0, Math.max(20, this.tty.columns - 1));
      const newLine = this.drawn && phase !== this.lastPhase;
      this.write(`${newLine ? '\n' : ''}\r\x1b[2K${line}`);
      this.drawn = true;
      this.lastPhase = phase;
      return;
    }
    const key = p
      ? `${phase}|${p.bytesTotal > 0 ? Math.floor(p.percent ?? 0) : Math.floor((p.phaseSeconds ?? 0) / 5)}`
      : phase;
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.write(`${p ? `${frame.stage}: ${phaseText(p)}` : `${frame.stage}: waiting for its next step`}\n`);
  }

  /** Ends the watch: the line in place is kept and the item's outcome printed on its own line. */
  end(text: string): void {
    this.write(`${this.tty && this.drawn ? '\n' : ''}${text}\n`);
    this.drawn = false;
  }
}
