import path from 'node:path';
import { HEAD_STATE_DIR } from '../provider.js';

/** Where a virtual node sees its data disks, shared folders and (on the head) the cluster's state folder. */
export const DATA_DISK_MOUNT = '/mnt/cloudtik/data_disk_';
export const DATA_DIR_MOUNT = '/cloudtik/data';
export const STATE_MOUNT = HEAD_STATE_DIR;
/** Where the cluster's Docker gate puts its socket: its own folder in the gate, read-only in the head. */
export const GATE_MOUNT = '/cloudtik/gate';
export const GATE_SOCKET = `${GATE_MOUNT}/engine.sock`;

/** Capabilities every node gets on top of Docker's default set (and the only ones the gate lets through). */
export const NODE_CAPABILITIES = ['NET_ADMIN', 'SYS_NICE'];

/** A node type's host folders: data-disk roots (a folder per node under each) and shared data folders. */
export interface NodeFolders {
  dataDisks: string[];
  dataDirs: string[];
}

/**
 * The binds of node `name`: `<root>/<name>` as its i-th data disk, and each shared data folder
 * under its base name. One function for the provider that creates nodes and the gate that checks them.
 */
export function nodeBinds(name: string, folders: NodeFolders): { binds: string[]; disks: string[] } {
  const disks = folders.dataDisks.map((root) => path.join(root, name));
  const binds = disks.map((dir, i) => `${dir}:${DATA_DISK_MOUNT}${i + 1}`);
  for (const dir of folders.dataDirs) binds.push(`${dir}:${DATA_DIR_MOUNT}/${path.basename(dir)}`);
  return { binds, disks };
}
