import { type Clock, realClock } from '../../lib/time.js';

/** Where a progress line goes: a terminal, or an output that says it is not one (a pipe, a file). */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** One line rewritten in place while a long read goes on. */
export interface ProgressLine {
  /** Shows the text, unless it was shown less than an interval ago (the text is only made when shown). */
  show(text: () => string): void;
  /** Removes the line, if it was shown. */
  clear(): void;
}

// Carriage return, then ECMA-48 "erase in line" (CSI K): the cursor goes back to the start of the
// line and what an earlier, longer text left there is erased.
const ERASE_LINE = '\x1b[K';

/**
 * A progress line on a terminal, at most once per interval (default 250 ms); nothing at all when the
 * output is not a terminal, so that pipes, files and logs only get the result. A read shorter than one
 * interval shows nothing.
 */
export const createProgressLine = (
  output: ProgressOutput | undefined,
  options: { clock?: Clock; intervalMs?: number } = {},
): ProgressLine => {
  if (!output?.isTTY) return { show: () => {}, clear: () => {} };
  const clock = options.clock ?? realClock;
  const intervalMs = options.intervalMs ?? 250;
  let shownAt = clock();
  let shown = false;
  return {
    show(text) {
      const now = clock();
      if (now - shownAt < intervalMs) return;
      shownAt = now;
      shown = true;
      output.write(`\r${text()}${ERASE_LINE}`);
    },
    clear() {
      if (shown) output.write(`\r${ERASE_LINE}`);
      shown = false;
    },
  };
};
