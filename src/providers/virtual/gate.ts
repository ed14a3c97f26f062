/**
 * The cluster's Docker gate, host side: one small container per cluster, made by `start` before
 * the head and removed by `stop` after the last node. It is the only container that mounts the
 * host's engine socket; it runs the package's own `cloudtik node docker-gate` (gate-server.ts),
 * which serves a filtered engine API on a Unix socket in a host folder of its own. The head
 * mounts that folder read-only and finds the socket through DOCKER_HOST.
 *
 * Why a container and a socket: the head's controller keeps its Docker client unchanged (it only
 * points elsewhere), nothing on the head can reach the engine but through the gate (no socket, no
 * network path: the gate has no network at all), and the gate's policy comes from `start` on the
 * host (in the gate's own environment), never from files the head can write. The gate runs as the
 * host user with the engine socket's group, with no capabilities and a read-only root.
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import { env } from '../../config/env.js';
import { waitFor } from '../../core/deadline.js';
import { CloudtikError } from '../../core/errors.js';
import { logEvent, type EventSink } from '../../core/events.js';
import { TAG } from '../provider.js';
import { dockerEndpoint, isDockerStatus } from './docker-client.js';
import { DockerEngine, type ContainerInspect } from './engine.js';
import type { GatePolicy } from './gate-policy.js';
import { GATE_MOUNT } from './mounts.js';

/** `cloudtik-node-kind` of the gate's container: it carries the cluster's labels but is no node. */
export const GATE_KIND = 'gate';
/** Hash of what the gate was made with; a different one makes `start` replace it. */
const GATE_HASH_LABEL = 'cloudtik-gate-config';
/**
 * The gate's restart policy: it comes back with the engine (after a host reboot or an engine
 * restart) before the nodes that need it.
 */
const GATE_RESTART_POLICY = { Name: 'unless-stopped' };
const GATE_READY_MS = 30_000;
/** Inside the gate: where the host's engine socket is mounted. */
const GATE_ENGINE_SOCKET = '/var/run/docker.sock';

/** Host folder the gate's socket lives in, beside the cluster's state folder (which the head can write). */
export function gateDir(stateDir: string): string {
  return `${stateDir}.gate`;
}

function gateName(workspace: string, cluster: string): string {
  return `${workspace}-${cluster}-gate`;
}

/** The host's engine socket, which only the gate mounts. */
function hostEngineSocket(): string {
  const endpoint = dockerEndpoint();
  if ('socketPath' in endpoint) return endpoint.socketPath;
  throw new CloudtikError(
    'ERR_CLOUDTIK_DOCKER',
    `the cluster's Docker gate needs the engine's Unix socket, not ${env.dockerHost() ?? ''}`,
    { hint: 'run cloudtik on the engine host with DOCKER_HOST unset or unix://...' },
  );
}

export interface GateTarget {
  docker: DockerEngine;
  workspace: string;
  cluster: string;
  stateDir: string;
}

async function inspectGate(target: GateTarget): Promise<ContainerInspect | undefined> {
  try {
    return await target.docker.getContainer(gateName(target.workspace, target.cluster)).inspect();
  } catch (err) {
    if (isDockerStatus(err, 404)) return undefined;
    throw err;
  }
}

/**
 * Make sure the cluster's gate runs with this policy: kept when it already does (started again
 * if the engine stopped it), replaced when its policy or image changed. Returns whether it was
 * created now. Waits until the gate answers on its socket.
 */
export async function ensureGate(
  target: GateTarget,
  spec: { image: string; policy: GatePolicy },
  sink: EventSink,
): Promise<{ created: boolean }> {
  const engineSocket = hostEngineSocket();
  const user = `${process.getuid?.() ?? 0}:${(await fsp.stat(engineSocket)).gid}`;
  const hash = crypto
    .createHash('sha256')
    .update(JSON.stringify({ ...spec, user, GATE_RESTART_POLICY }))
    .digest('hex')
    .slice(0, 16);
  const existing = await inspectGate(target);
  const name = gateName(target.workspace, target.cluster);
  if (existing?.Config.Labels?.[GATE_HASH_LABEL] === hash) {
    if (!existing.State.Running) await target.docker.getContainer(name).start();
    await waitForGate(target);
    return { created: false };
  }
  if (existing) {
    logEvent(sink, 'info', `replacing the cluster's Docker gate (its policy changed)`);
    await removeGateContainer(target);
  }
  await fsp.mkdir(gateDir(target.stateDir), { recursive: true, mode: 0o755 });
  try {
    const container = await target.docker.createContainer({
      name,
      Image: spec.image,
      Cmd: ['cloudtik', 'node', 'docker-gate'],
      User: user,
      Env: [
        `CLOUDTIK_GATE_POLICY=${JSON.stringify(spec.policy)}`,
        'LC_ALL=C.UTF-8',
        `DOCKER_HOST=unix://${GATE_ENGINE_SOCKET}`,
      ],
      Labels: {
        [TAG.workspace]: target.workspace,
        [TAG.cluster]: target.cluster,
        [TAG.nodeKind]: GATE_KIND,
        [GATE_HASH_LABEL]: hash,
      },
      HostConfig: {
        Init: true,
        NetworkMode: 'none',
        Binds: [`${engineSocket}:${GATE_ENGINE_SOCKET}`, `${gateDir(target.stateDir)}:${GATE_MOUNT}`],
        RestartPolicy: GATE_RESTART_POLICY,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        Memory: 256 * 2 ** 20,
        PidsLimit: 64,
      },
    });
    await container.start();
    await waitForGate(target);
  } catch (err) {
    // Nothing half made: a gate that does not answer goes.
    await removeGate(target).catch(() => undefined);
    throw err;
  }
  logEvent(sink, 'debug', `created the cluster's Docker gate ${name}`);
  return { created: true };
}

/** Wait until the gate answers `/_ping` on its socket. */
async function waitForGate(target: GateTarget): Promise<void> {
  const socketPath = `${gateDir(target.stateDir)}/engine.sock`;
  const probe = new DockerEngine({ socketPath });
  await waitFor(
    async () => {
      // `/_ping` answers plain `OK`, not JSON.
      (await probe.requestStream('GET', '/_ping')).resume();
      return true;
    },
    {
      what: `the cluster's Docker gate to answer on ${socketPath}`,
      ms: GATE_READY_MS,
      retryErrors: true,
      hint: `see its log: docker logs ${gateName(target.workspace, target.cluster)}`,
    },
  );
}

async function removeGateContainer(target: GateTarget): Promise<void> {
  try {
    await target.docker.getContainer(gateName(target.workspace, target.cluster)).remove({ force: true });
  } catch (err) {
    if (!isDockerStatus(err, 404) && !isDockerStatus(err, 409)) throw err;
  }
}

/** Remove the cluster's gate and its folder (after its last node). */
export async function removeGate(target: GateTarget): Promise<void> {
  await removeGateContainer(target);
  await fsp.rm(gateDir(target.stateDir), { recursive: true, force: true });
}
