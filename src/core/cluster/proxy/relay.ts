/**
 * The relay the proxy runs on the head for each connection, through the provider's command
 * runner (docker exec, ssh, kubectl exec: whatever reaches the head's shell). It connects to the
 * target from inside the cluster network, says `OK` (or `ERR <code>`), then copies its stdin to
 * the target and the target's bytes to its stdout as base64 lines: command runners hand output
 * over as text, which raw bytes would not survive. Every node carries Node.js (it runs the
 * cloudtik CLI), so the relay is a few lines of it.
 */
import { quote } from '../../command/shell.js';

const RELAY_JS = [
  "const net = require('net');",
  'const [host, port] = process.argv.slice(1);',
  'const out = (t) => process.stdout.write(t);',
  'const s = net.connect({ host, port: Number(port) });',
  "s.once('connect', () => {",
  "  out('OK\\n');",
  "  process.stdin.on('data', (d) => s.write(d));",
  "  process.stdin.on('end', () => s.end());",
  '});',
  "s.on('data', (d) => out(d.toString('base64') + '\\n'));",
  // No process.exit: it would drop stdout writes still queued on the pipe (the target's last bytes).
  'const finish = () => { process.stdin.destroy(); process.stdout.end(); };',
  "s.on('error', (e) => { out('ERR ' + (e.code || e.message) + '\\n'); process.exitCode = 1; });",
  "s.on('close', finish);",
].join('\n');

/** The shell command that relays to `host:port`. Pure. */
export function relayCommand(host: string, port: number): string {
  return `exec node -e ${quote(RELAY_JS)} ${quote(host)} ${String(port)}`;
}

export type RelayEvent = { kind: 'open' } | { kind: 'failed'; code: string } | { kind: 'data'; bytes: Buffer };

/**
 * Turns the relay's output, in chunks as they come, into events: `open` or `failed` first, then
 * the target's bytes. Pure (state in the instance).
 */
export class RelayDecoder {
  private partial = '';
  private opened = false;

  constructor(private readonly emit: (e: RelayEvent) => void) {}

  push(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (!this.opened) {
      if (line === 'OK') {
        this.opened = true;
        this.emit({ kind: 'open' });
      } else if (line.startsWith('ERR')) {
        this.emit({ kind: 'failed', code: line.slice(4).trim() || 'unknown' });
      }
      // Anything else before OK is the node's shell talking (a login banner): not the target's.
      return;
    }
    if (line !== '') this.emit({ kind: 'data', bytes: Buffer.from(line, 'base64') });
  }
}
