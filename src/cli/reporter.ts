import type { CoreEvent } from '../core/events.js';

/** The only thing below `src/cli/commands` that writes to the terminal. */
export interface Reporter {
  /** Render a core event (progress, warnings). */
  event(event: CoreEvent): void;
  info(message: string): void;
  warn(message: string): void;
  /** The command's result: printed as JSON with `--json`, else as the given text. */
  result(data: unknown, text?: string): void;
  /** One line of streamed output (followed events, logs) on stdout. */
  print(line: string): void;
  /** Stop live rendering (before printing a summary or on exit). */
  close(): void;
}
