/**
 * Nodes that come back by themselves. A node container's main process is the boot script below:
 * when the container starts again (the engine or the host restarted, the container's main process
 * died, or `cloudtik start` started a stopped node), it re-runs the node's start commands as they
 * last succeeded, with the same environment, and never the setup. A node that never finished its
 * setup has no resume script, so it only waits for its updater, like a new node.
 *
 * The updater writes the resume script after a successful start (`resumeSaveCommand`) and drops
 * it before a setup (`RESUME_DROP`). Before it runs commands on a node it waits until the boot
 * of the container's current start has finished resuming (`BOOT_WAIT`), so the two never start
 * the same services at the same time.
 *
 * The boot records its outcome in `BOOT_DIR/state` as `<start> <outcome> [exit code] [count]`:
 * `<start>` is the start time of the container's PID 1 (field 22 of /proc/1/stat), which is new
 * for every start of the container, so a record left by an earlier start is told apart.
 */
import { asRootCommand, asUserProgram, quote, writeFileLines } from '../command/shell.js';

/** Where the boot keeps the resume script and its state (in the container's own file system). */
export const BOOT_DIR = '/var/lib/cloudtik/boot';
const SCRIPT = `${BOOT_DIR}/resume.sh`;
const STATE = `${BOOT_DIR}/state`;
/** Word in the main process's command line that marks a container started with the boot script. */
export const BOOT_MARK = 'cloudtik-boot';

const BOOT_SCRIPT = `
dir=${BOOT_DIR}; script=${SCRIPT}; state=${STATE}
mkdir -p "$dir"
start=$(cut -d' ' -f22 /proc/1/stat)
if [ -s "$script" ]; then
  count=$(( $(cut -d' ' -f4 "$state" 2>/dev/null || echo 0) + 1 ))
  echo "$start resuming 0 $count" > "$state"
  user=$(stat -c %U "$script")
  echo "cloudtik boot: resuming the start commands of this node as $user (start $count since setup)"
  bash -c ${quote(asUserProgram(true))} bash "$user" bash "$script" </dev/null 2>&1
  rc=$?
  echo "cloudtik boot: start commands ended with exit code $rc"
  echo "$start done $rc $count" > "$state.tmp" && mv -f "$state.tmp" "$state"
else
  echo "$start none 0 0" > "$state"
fi
exec sleep infinity
`;

/** The main command of a node container: `bash -c <boot script> cloudtik-boot` (runs as root). */
export function bootCommand(): string[] {
  return ['bash', '-c', BOOT_SCRIPT, BOOT_MARK];
}

/**
 * Shell lines (as root, part of the updater's first command on a node) that wait until the boot of
 * the container's current start has finished, for at most `seconds`; then they fail with exit 75
 * and say so. Containers not started with the boot script do not wait.
 */
export function bootWaitLines(seconds: number): string {
  const tries = Math.max(1, Math.round(seconds * 5));
  return [
    `if tr '\\0' ' ' </proc/1/cmdline | grep -q ${BOOT_MARK}; then`,
    `  start=$(cut -d' ' -f22 /proc/1/stat); n=0`,
    `  until grep -Eq "^$start (done|none) " ${STATE} 2>/dev/null; do`,
    `    n=$((n + 1)); [ "$n" -ge ${tries} ] && { echo "the node is still re-running its start commands after a restart" >&2; exit 75; }`,
    '    sleep 0.2',
    '  done',
    'fi',
  ].join('\n');
}

/** Drop the resume script (as root): a node whose setup runs again resumes nothing until it succeeds. */
export const RESUME_DROP = `rm -f ${SCRIPT}`;

/**
 * A command (run as `user`, the last of the start's call) that installs `script` as the resume
 * script, as root: readable by `user` only, since it carries the node's environment (the state
 * store's password among it). `nonce`: hex, new for every call (see asRootCommand).
 */
export function resumeSaveCommand(user: string, script: string, nonce: string): string {
  const lines = [
    'set -e',
    `mkdir -p ${BOOT_DIR}`,
    'umask 077',
    writeFileLines(`${SCRIPT}.new`, script, nonce),
    `chown ${quote(user)}: ${SCRIPT}.new`,
    `mv -f ${SCRIPT}.new ${SCRIPT}`,
  ];
  return asRootCommand(lines.join('\n'), nonce);
}
