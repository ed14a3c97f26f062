/**
 * Docker on hosts reached over SSH (`docker.enabled` on the local and onpremise providers): the
 * host's engine, installed from Debian's `docker.io` when none answers, and node images sent from
 * this machine's engine (no registry is needed), only when the host lacks them.
 */
import path from 'node:path';
import type { CommandRunner } from '../../core/command/runner.js';
import { unmarked, type SshRunner } from '../../core/command/ssh.js';
import { tailLines } from '../../core/command/runner.js';
import { quote } from '../../core/command/shell.js';
import { CloudtikError } from '../../core/errors.js';
import { DockerEngine } from '../virtual/engine.js';

/** Seconds a new engine may take to answer after it was started. */
const ENGINE_START_S = 60;

/**
 * Run as root: `ready` when an engine answers; else installs Debian's `docker.io` (if `dockerd` is
 * missing), starts it (systemd where the host runs it, else a `dockerd` of its own, logging to
 * /var/log/cloudtik-dockerd.log, that giving the host back leaves running), waits for it and says `installed`. One at a time on a host: a
 * second caller (the head's controller while \`start\` readies the host) waits, then finds it ready.
 */
export const HOST_ENGINE_SCRIPT = `set -e
mkdir -p /var/lib/cloudtik
exec 9>/var/lib/cloudtik/engine-install.lock
flock 9
if docker info >/dev/null 2>&1; then echo ready; exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends docker.io iptables >/dev/null
fi
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemctl enable --now docker >/dev/null
else
  nohup ${unmarked('dockerd')} >/var/log/cloudtik-dockerd.log 2>&1 </dev/null 9>&- &
fi
for _ in $(seq ${ENGINE_START_S * 5}); do
  if docker info >/dev/null 2>&1; then echo installed; exit 0; fi
  sleep 0.2
done
echo "the Docker engine did not answer within ${ENGINE_START_S} s" >&2
tail -n 5 /var/log/cloudtik-dockerd.log >&2 2>/dev/null || true
exit 1`;

/** Makes sure the host's engine answers; whether it was there already or installed now. */
export async function ensureHostEngine(runner: CommandRunner): Promise<'ready' | 'installed'> {
  const r = await runner.run({ command: HOST_ENGINE_SCRIPT, asRoot: true });
  const said = r.stdout.trim().split('\n').pop();
  if (r.exitCode === 0 && (said === 'ready' || said === 'installed')) return said;
  throw new CloudtikError('ERR_CLOUDTIK_NODE_UPDATE', `host ${runner.nodeId}: no Docker engine (exit ${r.exitCode})`, {
    details: tailLines(r.stderr + r.stdout, 10),
    hint: "install Debian's docker.io on the host, or check its package sources",
  });
}

/** Held while an image loads on a host: a second sender waits, then finds the image there. */
const LOAD_LOCK = '/var/lib/cloudtik/image-load.lock';

/** The id of an image on the host (once no load is under way), or undefined when it has none by that name. */
async function hostImageId(runner: CommandRunner, ref: string): Promise<string | undefined> {
  const r = await runner.run({
    command: `mkdir -p ${path.posix.dirname(LOAD_LOCK)} && flock ${LOAD_LOCK} docker image inspect --format '{{.Id}}' ${quote(ref)} 2>/dev/null`,
    asRoot: true,
  });
  const id = r.stdout.trim();
  return r.exitCode === 0 && id !== '' ? id : undefined;
}

/**
 * Sends image `ref` from this machine's engine to the host's (`docker save` into `docker load`
 * over the runner's connection), unless the host has it with the same id already.
 */
export async function shipImage(
  local: DockerEngine,
  runner: CommandRunner,
  ref: string,
): Promise<{ sent: boolean; id: string }> {
  const { Id: id } = await local.getImage(ref).inspect();
  if ((await hostImageId(runner, ref)) === id) return { sent: false, id };
  const archive = await local.getImage(ref).export();
  const r = await runner.run({ command: `flock ${LOAD_LOCK} docker load -q`, asRoot: true, stdin: archive });
  if (r.exitCode !== 0 || (await hostImageId(runner, ref)) !== id) {
    throw new CloudtikError('ERR_CLOUDTIK_NODE_UPDATE', `host ${runner.nodeId}: sending image ${ref} failed`, {
      details: tailLines(r.stderr + r.stdout, 10),
      hint: 'check the free space of the Docker engine on that host (docker system df)',
    });
  }
  return { sent: true, id };
}

/**
 * The host's engine, driven through its API as this machine's is: each request is a stream to
 * `docker system dial-stdio` on the host (through sudo: the SSH user need not be in the docker
 * group), over the runner's shared SSH connection.
 */
export async function hostEngine(runner: SshRunner): Promise<DockerEngine> {
  await runner.connect();
  return new DockerEngine({ dial: () => runner.dial('sudo -n docker system dial-stdio') });
}
