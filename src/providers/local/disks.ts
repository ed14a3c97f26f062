/**
 * Data disks on listed hosts. `node_config.data_disks` entries are folders on the host (as on
 * virtual nodes) unless an entry names a block device (`/dev/...`). A folder is created and linked
 * at `/mnt/cloudtik/data_disk_<n>`, where the runtimes look. A named device is formatted only when
 * it is blank: no filesystem, no partitions, no signature `wipefs` lists, not mounted, writable.
 * A device that already holds our own filesystem (label `cloudtik-disk`) is mounted again; any
 * other filesystem is left alone and is an error. Nothing that was not named is touched (CloudTik
 * formats every unmounted disk it finds; we do not).
 */
import { CloudtikError } from '../../core/errors.js';
import { quote } from '../../core/command/shell.js';

export const DATA_DISK_ROOT = '/mnt/cloudtik';
/** Label of the filesystems this code makes, so it can tell its own from anybody else's. */
export const DISK_LABEL = 'cloudtik-disk';

/** One block device as `lsblk --json -b -o NAME,PATH,TYPE,RO,FSTYPE,LABEL,MOUNTPOINT` shows it. */
export interface BlockDevice {
  name: string;
  path?: string;
  type: string;
  ro: boolean | string;
  fstype: string | null;
  label: string | null;
  mountpoint: string | null;
  children?: BlockDevice[];
}

export type DiskStep =
  | { action: 'folder'; source: string; target: string }
  | { action: 'format'; device: string; target: string }
  | { action: 'mount'; device: string; target: string }
  | { action: 'keep'; device: string; target: string };

export const isDevice = (entry: string): boolean => entry.startsWith('/dev/');

function findDevice(devices: readonly BlockDevice[], wanted: string): BlockDevice | undefined {
  for (const d of devices) {
    if ((d.path ?? `/dev/${d.name}`) === wanted) return d;
    const inner = findDevice(d.children ?? [], wanted);
    if (inner) return inner;
  }
  return undefined;
}

function refuse(host: string, device: string, why: string): CloudtikError {
  return new CloudtikError(
    'ERR_CLOUDTIK_NODE_UPDATE',
    `host ${host}: data disk ${device} ${why}; it is left as it is`,
    {
      hint: 'name a blank disk in data_disks, or use a folder on a mounted filesystem instead',
    },
  );
}

function deviceStep(
  host: string,
  device: BlockDevice | undefined,
  wanted: string,
  target: string,
  signature: boolean,
): DiskStep {
  if (!device) throw refuse(host, wanted, 'is not a block device on this host');
  if (device.type !== 'disk' && device.type !== 'part') throw refuse(host, wanted, `is a ${device.type}, not a disk`);
  if (device.ro === true || device.ro === '1') throw refuse(host, wanted, 'is read-only');
  if ((device.children ?? []).length > 0) throw refuse(host, wanted, 'holds partitions or volumes');
  if (device.fstype) {
    if (device.label !== DISK_LABEL) throw refuse(host, wanted, `holds a ${device.fstype} filesystem that is not ours`);
    if (device.mountpoint === target) return { action: 'keep', device: wanted, target };
    if (device.mountpoint) throw refuse(host, wanted, `is mounted at ${device.mountpoint}`);
    return { action: 'mount', device: wanted, target };
  }
  if (device.mountpoint) throw refuse(host, wanted, `is mounted at ${device.mountpoint}`);
  if (signature) throw refuse(host, wanted, 'carries a signature (wipefs sees one) though no filesystem is listed');
  return { action: 'format', device: wanted, target };
}

/**
 * What to do for each entry of `data_disks` on a host. `devices` is the host's lsblk tree and
 * `signatures` the named devices on which `wipefs` lists a signature.
 */
export function planDataDisks(
  host: string,
  entries: readonly string[],
  devices: readonly BlockDevice[],
  signatures: ReadonlySet<string> = new Set(),
): DiskStep[] {
  return entries.map((entry, i) => {
    const target = `${DATA_DISK_ROOT}/data_disk_${i + 1}`;
    if (!isDevice(entry)) return { action: 'folder', source: entry, target };
    return deviceStep(host, findDevice(devices, entry), entry, target, signatures.has(entry));
  });
}

/**
 * Where a host keeps what its data-disk setup made, a line each: `folder PATH` (a folder it
 * created), `link PATH`, `mount PATH`. {@link clearDisksScript} undoes them when the host is given back.
 */
export const DISK_RECORD = '/var/lib/cloudtik/data-disks';

/**
 * The shell (run as root) that carries out the steps; the ssh user owns each disk's root. What it
 * makes is added to `record`.
 */
export function dataDiskScript(steps: readonly DiskStep[], user: string, record = DISK_RECORD): string {
  const u = quote(user);
  const r = quote(record);
  const note = (kind: string, p: string): string => `printf '%s %s\\n' ${kind} ${p} >> ${r}`;
  const lines = ['set -e', `mkdir -p ${DATA_DISK_ROOT} "$(dirname ${r})"`];
  for (const step of steps) {
    const target = quote(step.target);
    if (step.action === 'folder') {
      const source = quote(step.source);
      lines.push(`[ -d ${source} ] || { mkdir -p ${source}; ${note('folder', source)}; }`);
      lines.push(`chown ${u}: ${source}`, `ln -sfn ${source} ${target}`, note('link', target));
      continue;
    }
    const device = quote(step.device);
    // mkfs without -F/-f: it refuses a device that turned out to hold something after all.
    if (step.action === 'format') lines.push(`mkfs.ext4 -q -L ${DISK_LABEL} ${device}`);
    if (step.action !== 'keep') lines.push(`mkdir -p ${target}`, `mount ${device} ${target}`);
    lines.push(`chown ${u}: ${target}`, note('mount', target));
  }
  return lines.join('\n');
}

/**
 * Undoes what {@link dataDiskScript} recorded (as root): devices unmounted (their filesystems
 * kept), links removed, folders it created removed with their contents. A folder that was there
 * before the setup stays.
 */
export function clearDisksScript(record = DISK_RECORD): string {
  const r = quote(record);
  return [
    `if [ -f ${r} ]; then`,
    '  while read -r kind p; do',
    '    case "$kind" in',
    '      mount) umount -- "$p" 2>/dev/null || true ;;',
    '      link) [ -L "$p" ] && rm -f -- "$p" ;;',
    '      folder) [ "$p" != / ] && rm -rf --one-file-system -- "$p" ;;',
    '    esac',
    `  done < ${r}`,
    `  rm -f ${r}`,
    'fi',
  ].join('\n');
}

/** Reads what the plan needs from the host: its block devices and the named devices' signatures. */
export function probeScript(entries: readonly string[]): string {
  const devices = entries.filter(isDevice);
  const probes = devices.map((d) => `wipefs --noheadings ${quote(d)} 2>/dev/null | grep -q . && echo SIG ${quote(d)}`);
  return [
    'lsblk --json -o NAME,PATH,TYPE,RO,FSTYPE,LABEL,MOUNTPOINT 2>/dev/null || echo "{\\"blockdevices\\": []}"',
    'echo ---',
    ...probes.map((p) => `${p} || true`),
  ].join('\n');
}

/** Parses {@link probeScript}'s output. */
export function parseProbe(output: string): { devices: BlockDevice[]; signatures: Set<string> } {
  const [json = '', rest = ''] = output.split('\n---\n');
  let devices: BlockDevice[];
  try {
    devices = (JSON.parse(json) as { blockdevices?: BlockDevice[] }).blockdevices ?? [];
  } catch {
    devices = [];
  }
  const signatures = new Set(
    rest
      .split('\n')
      .filter((l) => l.startsWith('SIG '))
      .map((l) => l.slice(4)),
  );
  return { devices, signatures };
}
