import pc from 'picocolors';
import { env } from '../config/env.js';
import { isCloudtikError } from '../core/errors.js';

/** Print an error for a person (or as JSON) and return the exit code. Stack traces only with --verbose. */
export function renderError(err: unknown, options: { verbose: boolean; json: boolean }): number {
  const c = pc.createColors(process.stderr.isTTY === true && !env.noColor());
  if (isCloudtikError(err)) {
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ error: { code: err.code, message: err.message, hint: err.hint, details: err.details } }, null, 2)}\n`,
      );
    }
    const lines = [`${c.red('Error:')} ${err.message}`];
    for (const d of err.details) lines.push(`  ${d}`);
    if (err.hint) lines.push(`${c.cyan('hint:')} ${err.hint}`);
    if (options.verbose && err.stack) lines.push(c.dim(err.stack));
    if (options.verbose && err.cause instanceof Error)
      lines.push(c.dim(`caused by: ${err.cause.stack ?? err.cause.message}`));
    process.stderr.write(`${lines.join('\n')}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${c.red('Internal error:')} ${message}\n`);
  if (options.verbose && err instanceof Error && err.stack) process.stderr.write(`${c.dim(err.stack)}\n`);
  else process.stderr.write('(run again with --verbose for the stack trace)\n');
  return 70;
}
