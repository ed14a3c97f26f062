/** What a pod's status says about why it does not run yet (pure: read from the listed pod). */

export interface Pod {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: Date | string;
    deletionTimestamp?: Date | string;
  };
  status?: {
    phase?: string;
    podIP?: string;
    reason?: string;
    message?: string;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    containerStatuses?: {
      restartCount?: number;
      state?: {
        running?: { startedAt?: Date | string };
        waiting?: { reason?: string; message?: string };
        terminated?: { reason?: string; exitCode?: number; message?: string };
      };
    }[];
  };
}

/** Container waiting reasons that do not go away by waiting. */
const FATAL_WAITING = new Set([
  'ErrImageNeverPull',
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/**
 * Why a pod is not running: the scheduler's message (fatal once `unschedulableIsFatal`, the
 * caller's grace having passed), an image or container error (fatal), or an ended container.
 */
export function pendingProblem(
  pod: Pod,
  unschedulableIsFatal: boolean,
): { message: string; fatal: boolean } | undefined {
  const status = pod.status ?? {};
  if (status.phase === 'Failed' || status.phase === 'Succeeded') {
    const t = status.containerStatuses?.[0]?.state?.terminated;
    const detail = t ? `${t.reason ?? 'exited'} (exit ${t.exitCode ?? '?'})` : (status.reason ?? status.message ?? '');
    return { message: `its container ended: ${detail}`, fatal: true };
  }
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    const message = `${scheduled.reason ?? 'Unschedulable'}: ${scheduled.message ?? 'no node fits it'}`;
    return { message, fatal: unschedulableIsFatal };
  }
  const waiting = status.containerStatuses?.[0]?.state?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    return { message: `${waiting.reason}: ${waiting.message ?? ''}`.trim(), fatal: true };
  }
  return undefined;
}
