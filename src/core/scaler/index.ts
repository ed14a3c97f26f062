/** The cluster controller's pure scaling logic: resource packing, scale requests, and one pass's plan. */
export type * from './types.js';
export { formatBundle, formatBundles, formatDuration } from './format.js';
export {
  binPackResidual,
  compareScores,
  nodesForDemands,
  upscalingCap,
  utilizationScore,
  type NodeLimits,
  type NodesForDemands,
  type UtilizationScore,
} from './resource-demand.js';
export {
  gcdOf,
  mergeRequests,
  requestedBundles,
  requestsSatisfied,
  scaleToBundles,
  scaleWaitTarget,
  type ScaleArgs,
} from './requests.js';
export {
  earlyVerdict,
  idleTimeoutMs,
  isIdle,
  STARTUP_GRACE_MS,
  updateLastUsed,
  workersToTerminate,
  type TerminateResult,
} from './terminate.js';
export { planPass, recoverDecision, REASON_DEMAND, REASON_REQUEST } from './plan.js';
export { scalerConfigOf } from './config.js';
export { workersToSetUp, setupReason, type SetupCandidate, type SetupInput } from './setup.js';
export {
  blockedTypesOf,
  failureAfter,
  retryingMessages,
  BACKOFF_CAP_MS,
  MAX_CONSECUTIVE_FAILURES,
  type TypeFailures,
} from './failures.js';
