import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CloudtikError } from '../../core/errors.js';
import { clearDisksScript, dataDiskScript, parseProbe, planDataDisks, probeScript, type BlockDevice } from './disks.js';

const disk = (name: string, extra: Partial<BlockDevice> = {}): BlockDevice => ({
  name,
  path: `/dev/${name}`,
  type: 'disk',
  ro: false,
  fstype: null,
  label: null,
  mountpoint: null,
  ...extra,
});

const DEVICES: BlockDevice[] = [
  disk('sda', { children: [{ ...disk('sda1'), type: 'part', fstype: 'ext4', mountpoint: '/' }] }),
  disk('sdb'),
  disk('sdc', { fstype: 'xfs', label: 'data' }),
  disk('sdd', { fstype: 'ext4', label: 'cloudtik-disk' }),
  disk('sde', { fstype: 'ext4', label: 'cloudtik-disk', mountpoint: '/mnt/cloudtik/data_disk_1' }),
  disk('sdf', { ro: '1' }),
  disk('sdg'),
];

function refusal(entries: string[], signatures: string[] = []): string {
  try {
    planDataDisks('10.0.0.2', entries, DEVICES, new Set(signatures));
  } catch (err) {
    expect(err).toBeInstanceOf(CloudtikError);
    return (err as CloudtikError).message;
  }
  throw new Error('not refused');
}

describe('data disks on hosts', () => {
  it('links folders and formats only a named blank disk', () => {
    expect(planDataDisks('h', ['/data/one', '/dev/sdb'], DEVICES)).toEqual([
      { action: 'folder', source: '/data/one', target: '/mnt/cloudtik/data_disk_1' },
      { action: 'format', device: '/dev/sdb', target: '/mnt/cloudtik/data_disk_2' },
    ]);
  });

  it('mounts its own filesystem again and keeps one mounted where it belongs', () => {
    expect(planDataDisks('h', ['/dev/sde', '/dev/sdd'], DEVICES).map((s) => s.action)).toEqual(['keep', 'mount']);
  });

  it('never formats or mounts a disk that holds anything, or one it cannot write', () => {
    expect(refusal(['/dev/sda'])).toBe(
      'host 10.0.0.2: data disk /dev/sda holds partitions or volumes; it is left as it is',
    );
    expect(refusal(['/dev/sda1'])).toContain('holds a ext4 filesystem that is not ours');
    expect(refusal(['/dev/sdc'])).toContain('holds a xfs filesystem that is not ours');
    expect(refusal(['/dev/sdf'])).toContain('is read-only');
    expect(refusal(['/dev/sdg'], ['/dev/sdg'])).toContain('carries a signature');
    expect(refusal(['/dev/nvme9n1'])).toContain('is not a block device on this host');
    expect(refusal(['/dev/sdd', '/dev/sde'])).toContain('is mounted at /mnt/cloudtik/data_disk_1');
  });

  it('writes a script that formats without forcing and quotes every path', () => {
    const script = dataDiskScript(
      [
        { action: 'folder', source: "/data/it's here", target: '/mnt/cloudtik/data_disk_1' },
        { action: 'format', device: '/dev/sdb', target: '/mnt/cloudtik/data_disk_2' },
      ],
      'ubuntu',
    );
    expect(script).toContain("mkdir -p '/data/it'\\''s here'");
    expect(script).toContain('mkfs.ext4 -q -L cloudtik-disk /dev/sdb');
    expect(script).not.toMatch(/mkfs\S* .*-[fF]\b/);
  });

  it('links a folder disk for real (the folder part of the script, run as this user)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-disks-'));
    try {
      fs.mkdirSync(path.join(root, 'kept'));
      fs.writeFileSync(path.join(root, 'kept', 'theirs'), 'x');
      const steps = planDataDisks('h', [path.join(root, 'a b'), path.join(root, 'kept')], []);
      const record = path.join(root, 'state', 'data-disks');
      const script = dataDiskScript(steps, os.userInfo().username, record).replaceAll(
        '/mnt/cloudtik',
        path.join(root, 'mnt'),
      );
      execFileSync('bash', ['-c', script]);
      expect(fs.readlinkSync(path.join(root, 'mnt', 'data_disk_1'))).toBe(path.join(root, 'a b'));
      fs.writeFileSync(path.join(root, 'a b', 'data'), 'cluster data');
      // Given back: the folder it made goes with its data, the one that was there stays, links go.
      execFileSync('bash', ['-c', clearDisksScript(record)]);
      expect(fs.readdirSync(root).sort()).toEqual(['kept', 'mnt', 'state']);
      expect(fs.readdirSync(path.join(root, 'kept'))).toEqual(['theirs']);
      expect(fs.readdirSync(path.join(root, 'mnt'))).toEqual([]);
      expect(fs.existsSync(record)).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads the probe: lsblk JSON, then the devices with signatures', () => {
    expect(probeScript(['/data', '/dev/sdb'])).toContain('wipefs --noheadings /dev/sdb');
    const parsed = parseProbe('{"blockdevices": [{"name": "sdb", "type": "disk"}]}\n---\nSIG /dev/sdb\n');
    expect(parsed.devices[0]!.name).toBe('sdb');
    expect([...parsed.signatures]).toEqual(['/dev/sdb']);
    expect(parseProbe('not json\n---\n').devices).toEqual([]);
  });
});
