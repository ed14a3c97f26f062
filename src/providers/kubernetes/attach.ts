/**
 * `cloudtik node kubernetes-attach`: an interactive terminal on a node pod through the exec
 * subresource with a TTY (what `cloudtik attach` runs, so no kubectl is needed). The local
 * terminal is put in raw mode, its size follows the window, and the exit code is the shell's.
 * With `--forward`, local ports reach the same ports on the pod while the terminal is open.
 */
import { PassThrough } from 'node:stream';
import { CloudtikError } from '../../core/errors.js';
import type { ProviderNodeCommand } from '../provider.js';
import { apiError, kubeApi, type ExecStatus } from './api.js';
import { forwardPorts } from './forward.js';
import { attachArgv, exitCodeOf } from './runner.js';
import { CONTAINER } from './spec.js';

function required(opts: Record<string, unknown>, key: string): string {
  const v = opts[key];
  if (typeof v !== 'string' || v === '') throw new CloudtikError('ERR_CLOUDTIK_USAGE', `--${key} is required`);
  return v;
}

export const kubernetesAttachCommand: ProviderNodeCommand = async (opts, signal) => {
  const namespace = required(opts, 'namespace');
  const pod = required(opts, 'pod');
  const user = required(opts, 'user');
  const api = await kubeApi(typeof opts.kubeconfig === 'string' ? opts.kubeconfig : undefined);
  const command = typeof opts.run === 'string' ? opts.run : undefined;
  const closeForwards = await forwardPorts(api, { namespace, pod }, (opts.forward as number[] | undefined) ?? []);
  const stdin = process.stdin;
  const tty = stdin.isTTY === true && process.stdout.isTTY === true;
  if (tty) stdin.setRawMode(true);
  let status: ExecStatus | undefined;
  // Own streams, piped on: the client ends them when the command ends, and the terminal's size
  // is read from the real stdout.
  const out = tty ? process.stdout : new PassThrough();
  const err = new PassThrough();
  if (out !== process.stdout) out.pipe(process.stdout, { end: false });
  err.pipe(process.stderr, { end: false });
  try {
    const ws = await api.exec
      .exec(namespace, pod, CONTAINER, attachArgv(user, command), out, err, stdin, tty, (s) => {
        status = s;
      })
      .catch((err: unknown) => {
        throw apiError(`cannot open a terminal on pod ${pod}`, err, api.server);
      });
    signal.addEventListener('abort', () => ws.close(), { once: true });
    await new Promise<void>((resolve) => ws.on('close', () => resolve()));
  } finally {
    closeForwards();
    if (tty) stdin.setRawMode(false);
    stdin.pause();
  }
  process.exitCode = exitCodeOf(status);
};
