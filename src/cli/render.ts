import pc from 'picocolors';
import type { CoreEvent } from '../core/events.js';
import type { Reporter } from './reporter.js';

export interface ReporterOptions {
  json: boolean;
  verbose: boolean;
  /** Live task list (a terminal) or plain lines (pipes, CI). */
  live: boolean;
  color: boolean;
  out?: NodeJS.WriteStream;
  err?: NodeJS.WriteStream;
}

interface NodeLine {
  node: string;
  kind: string;
  /** The current phase, or a final status such as `up-to-date` or `failed`. */
  phase: string;
  state: string;
  detail?: string;
  started: number;
  ms?: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function secs(ms: number | undefined): string {
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * Renders core events: on a terminal, a live per-node task list on stderr; otherwise one plain
 * line per event. Results go to stdout (JSON with `--json`), progress always to stderr.
 */
export class TerminalReporter implements Reporter {
  private readonly out: NodeJS.WriteStream;
  private readonly err: NodeJS.WriteStream;
  private readonly nodes = new Map<string, NodeLine>();
  private readonly steps = new Map<string, { title: string; state: string; ms?: number; started: number }>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private readonly c: ReturnType<typeof pc.createColors>;

  constructor(private readonly options: ReporterOptions) {
    this.out = options.out ?? process.stdout;
    this.err = options.err ?? process.stderr;
    this.c = pc.createColors(options.color);
  }

  event(event: CoreEvent): void {
    switch (event.type) {
      case 'log':
        if (event.level === 'debug' && !this.options.verbose) return;
        this.line(
          event.level === 'warn'
            ? this.c.yellow(`warning: ${event.message}`)
            : event.level === 'debug'
              ? this.c.dim(event.message)
              : event.message,
        );
        return;
      case 'command-output':
        if (!this.options.verbose) return;
        for (const l of event.text.replace(/\n$/, '').split('\n')) this.line(this.c.dim(`  ${event.node} | ${l}`));
        return;
      case 'step': {
        const prev = this.steps.get(event.id);
        this.steps.set(event.id, {
          title: event.title,
          state: event.state,
          ms: event.ms,
          started: prev?.started ?? Date.now(),
        });
        if (!this.options.live) {
          if (event.state === 'start') this.line(`${event.title} ...`);
          else
            this.line(
              `${event.title}: ${event.state}${event.ms !== undefined ? ` (${secs(event.ms)})` : ''}${event.detail ? ` ${event.detail}` : ''}`,
            );
        } else this.schedule();
        return;
      }
      case 'node-status': {
        const started = this.nodes.get(event.node)?.started ?? Date.now();
        const line = { node: event.node, kind: event.kind, phase: event.status, state: 'done', started, ms: event.ms };
        this.setNode(line, `${event.status} in ${secs(event.ms)}`);
        return;
      }
      case 'node-phase': {
        const prev = this.nodes.get(event.node);
        const line: NodeLine = {
          node: event.node,
          kind: event.kind,
          phase: event.state === 'fail' ? 'failed' : event.phase,
          state: event.state,
          detail: event.detail,
          started: event.state === 'start' || !prev ? Date.now() : prev.started,
          ms: event.ms,
        };
        const what =
          event.state === 'skip' ? `${event.phase} skipped (${event.detail ?? ''})` : `${event.phase} ${event.state}`;
        const plain =
          event.state !== 'start' || this.options.verbose
            ? `${what}${event.ms !== undefined ? ` ${secs(event.ms)}` : ''}${event.state === 'fail' && event.detail ? `: ${event.detail}` : ''}`
            : undefined;
        this.setNode(line, plain);
        return;
      }
    }
  }

  /** Record a node's line: redrawn in the live list, or printed as `plain` (when given) otherwise. */
  private setNode(line: NodeLine, plain: string | undefined): void {
    this.nodes.set(line.node, line);
    if (this.options.live) this.schedule();
    else if (plain !== undefined) this.line(`  ${line.kind.padEnd(6)} ${line.node}  ${plain}`);
  }

  info(message: string): void {
    this.line(message);
  }

  warn(message: string): void {
    this.line(this.c.yellow(`warning: ${message}`));
  }

  print(line: string): void {
    this.out.write(line.endsWith('\n') ? line : `${line}\n`);
  }

  result(data: unknown, text?: string): void {
    this.close();
    if (this.options.json) this.out.write(`${JSON.stringify(data, null, 2)}\n`);
    else if (text !== undefined && text !== '') this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  close(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.draw(true);
    }
  }

  /** Start redrawing the task list (spinners and running times) until {@link close}. */
  private schedule(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.draw(false), 100);
    this.timer.unref();
    this.draw(false);
  }

  private line(text: string): void {
    this.clear();
    this.err.write(`${text}\n`);
    this.drawn = 0;
    if (this.timer) this.draw(false);
  }

  private clear(): void {
    if (this.drawn > 0) this.err.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(final: boolean): void {
    if (!this.options.live) return;
    this.frame++;
    const spin = SPINNER[this.frame % SPINNER.length] ?? '*';
    const rows: string[] = [];
    for (const s of this.steps.values()) {
      const mark =
        s.state === 'done'
          ? this.c.green('✔')
          : s.state === 'fail'
            ? this.c.red('✖')
            : s.state === 'skip'
              ? this.c.dim('↓')
              : this.c.cyan(spin);
      const time = s.ms !== undefined ? secs(s.ms) : secs(Date.now() - s.started);
      rows.push(`${mark} ${s.title} ${this.c.dim(time)}`);
    }
    for (const n of this.nodes.values()) {
      const busy = n.state === 'start';
      const mark = n.phase === 'failed' ? this.c.red('✖') : busy ? this.c.cyan(spin) : this.c.green('✔');
      const label = n.state === 'skip' ? `${n.phase} skipped` : n.phase;
      const time = busy ? secs(Date.now() - n.started) : secs(n.ms);
      rows.push(`  ${mark} ${n.kind.padEnd(6)} ${n.node}  ${label} ${this.c.dim(time)}`);
    }
    this.clear();
    if (rows.length > 0) this.err.write(`${rows.join('\n')}\n`);
    this.drawn = final ? 0 : rows.length;
  }
}
