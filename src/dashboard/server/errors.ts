/**
 * Errors as the dashboard answers them: the status, and a body with the message and hint a user
 * can act on; nothing else of the error (no stack, no cause) leaves the server.
 */
import { isCloudtikError, type ErrorCode } from '../../core/errors.js';
import type { ErrorResponse } from '../contract.js';
import { HttpError } from './backend.js';

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  ERR_CLOUDTIK_USAGE: 400,
  ERR_CLOUDTIK_CONFIG: 400,
  ERR_CLOUDTIK_CLUSTER: 409,
  ERR_CLOUDTIK_WORKSPACE: 409,
  ERR_CLOUDTIK_CAPACITY: 409,
};

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** The field a schema error is about: `body/workers`, a missing one, or an unknown one. */
export function validationField(issue: ValidationIssue): string | undefined {
  const named = issue.params.missingProperty ?? issue.params.additionalProperty;
  if (typeof named === 'string') return named;
  const parts = issue.instancePath.split('/').filter((p) => p !== '');
  return parts.find((p) => !/^\d+$/.test(p)) ?? parts[0];
}

export function errorResponse(err: unknown): { status: number; body: ErrorResponse } {
  if (err instanceof HttpError || isCloudtikError(err)) {
    const status = err instanceof HttpError ? err.status : (STATUS_OF[err.code] ?? 502);
    return { status, body: { error: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
  }
  const e = err as {
    statusCode?: number;
    validation?: ValidationIssue[];
    validationContext?: string;
    message?: string;
  };
  if (e.validation && e.validation.length > 0) {
    const field = validationField(e.validation[0]!);
    return {
      status: 400,
      body: { error: e.message ?? 'invalid request', ...(field !== undefined ? { field } : {}) },
    };
  }
  // fastify's own client errors (a body too large, bad JSON, a wrong content type) say what was wrong.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: { error: e.message ?? 'bad request' } };
  }
  return { status: 500, body: { error: `the dashboard failed to answer: ${e.message ?? String(err)}` } };
}
