/**
 * Error codes a user can reach. They are stable: scripts may match on them.
 * Programmer errors stay plain `Error`.
 */
export type ErrorCode =
  | 'ERR_CLOUDTIK_CONFIG'
  | 'ERR_CLOUDTIK_USAGE'
  | 'ERR_CLOUDTIK_DOCKER_UNAVAILABLE'
  | 'ERR_CLOUDTIK_DOCKER'
  | 'ERR_CLOUDTIK_KUBERNETES'
  | 'ERR_CLOUDTIK_IMAGE'
  | 'ERR_CLOUDTIK_WORKSPACE'
  | 'ERR_CLOUDTIK_CLUSTER'
  | 'ERR_CLOUDTIK_CAPACITY'
  | 'ERR_CLOUDTIK_NODE_COMMAND'
  | 'ERR_CLOUDTIK_SSH'
  | 'ERR_CLOUDTIK_NODE_UPDATE'
  | 'ERR_CLOUDTIK_TIMEOUT'
  | 'ERR_CLOUDTIK_LOCK'
  | 'ERR_CLOUDTIK_INTERRUPTED';

/** Exit codes the CLI returns; scripts can trust them. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  ERR_CLOUDTIK_CONFIG: 2,
  ERR_CLOUDTIK_USAGE: 2,
  ERR_CLOUDTIK_DOCKER_UNAVAILABLE: 3,
  ERR_CLOUDTIK_DOCKER: 3,
  ERR_CLOUDTIK_KUBERNETES: 3,
  ERR_CLOUDTIK_IMAGE: 3,
  ERR_CLOUDTIK_WORKSPACE: 4,
  ERR_CLOUDTIK_CLUSTER: 4,
  ERR_CLOUDTIK_CAPACITY: 4,
  ERR_CLOUDTIK_NODE_COMMAND: 5,
  ERR_CLOUDTIK_SSH: 5,
  ERR_CLOUDTIK_NODE_UPDATE: 5,
  ERR_CLOUDTIK_TIMEOUT: 6,
  ERR_CLOUDTIK_LOCK: 6,
  ERR_CLOUDTIK_INTERRUPTED: 130,
};

export interface CloudtikErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra lines shown under the message (for example the tail of a failed command's output). */
  details?: string[];
}

/** The one error class for anything a user can reach. */
export class CloudtikError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: string[];

  constructor(code: ErrorCode, message: string, options: CloudtikErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CloudtikError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export function isCloudtikError(err: unknown): err is CloudtikError {
  return err instanceof CloudtikError;
}
