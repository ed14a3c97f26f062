/**
 * Shared by the Hadoop family (hdfs, yarn, spark): the client side config every node gets, the
 * folders on data disks, and waiting for the NameNode.
 */
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { CloudtikError } from '../../core/errors.js';
import { hadoopXml } from '../template.js';
import type { RuntimeNodeContext } from './context.js';

export const NAMENODE_RPC_PORT = 9000;

/** `hdfs://<head>:9000` when HDFS runs in the cluster, else the local file system. */
export function defaultFs(ctx: RuntimeNodeContext): string {
  return ctx.runtime.types.includes('hdfs') ? `hdfs://${ctx.headIp}:${NAMENODE_RPC_PORT}` : 'file:///';
}

/** One folder per data disk (`<disk>/<sub>`), or `fallback` on a node without data disks. */
export function diskDirs(ctx: RuntimeNodeContext, sub: string, fallback: string): string[] {
  return ctx.dataDisks.length > 0 ? ctx.dataDisks.map((d) => path.join(d, sub)) : [fallback];
}

export async function writeConf(dir: string, file: string, text: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${file}.${process.pid}.tmp`);
  await fsp.writeFile(tmp, text);
  await fsp.rename(tmp, path.join(dir, file));
}

/** core-site.xml: where the default file system is. Every Hadoop-family runtime writes the same one. */
export async function writeCoreSite(ctx: RuntimeNodeContext): Promise<void> {
  await writeConf(
    ctx.layout.hadoopConfDir,
    'core-site.xml',
    hadoopXml({
      'fs.defaultFS': defaultFs(ctx),
      'hadoop.tmp.dir': path.join(ctx.home, 'hadoop', 'tmp'),
      'hadoop.http.staticuser.user': process.env.USER ?? 'ubuntu',
    }),
  );
}

/** Run a command to completion; resolves with its exit code and output. */
export function run(
  cmd: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Wait until a TCP port answers (a daemon is up). */
export async function waitForPort(host: string, port: number, what: string, timeoutMs = 60_000): Promise<void> {
  const net = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port, timeout: 1000 });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) {
      throw new CloudtikError(
        'ERR_CLOUDTIK_TIMEOUT',
        `${what} did not answer on ${host}:${port} within ${timeoutMs / 1000} s`,
        {
          hint: 'see its log in ~/runtime/cloudtik/logs on that node (cloudtik monitor shows the controller)',
        },
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
