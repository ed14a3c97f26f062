/**
 * JSON Schemas of the dashboard's requests: fastify validates every path parameter, query and body
 * with them before a handler runs, so handlers only see well-formed values.
 */
import { MAX_JOB_FILE_BYTES } from '../contract.js';

/** Base64 of the largest job file, with room for the rest of the JSON body. */
export const SUBMIT_BODY_LIMIT = Math.ceil(MAX_JOB_FILE_BYTES / 3) * 4 + 64 * 1024;

/** Other bodies are small. */
export const SMALL_BODY_LIMIT = 16 * 1024;

/** Provider types, workspace and cluster names: what the CLI accepts, and nothing that walks a path. */
const NAME = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$' } as const;

const clusterParams = {
  type: 'object',
  required: ['provider', 'workspace', 'cluster'],
  properties: { provider: NAME, workspace: NAME, cluster: NAME },
} as const;

const JOB_ID = { type: 'string', pattern: '^job-[0-9]{1,12}$' } as const;
/** Node ids are container names or host names. */
const NODE_ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$' } as const;

/** `?token=` is the only query any route takes. */
const query = {
  type: 'object',
  properties: { token: { type: 'string', maxLength: 200 } },
  additionalProperties: false,
} as const;

export const clusterSchema = { params: clusterParams, querystring: query } as const;

/** A cluster's path parameters and one more, `key`. */
function clusterParamsWith(key: string, schema: object): object {
  return {
    ...clusterParams,
    required: [...clusterParams.required, key],
    properties: { ...clusterParams.properties, [key]: schema },
  };
}

export const jobSchema = { params: clusterParamsWith('jobId', JOB_ID), querystring: query } as const;

export const submitSchema = {
  params: clusterParams,
  querystring: query,
  body: {
    type: 'object',
    required: ['fileName', 'contentBase64'],
    additionalProperties: false,
    properties: {
      // A file name only (no folder); its extension says how the job runs.
      fileName: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$' },
      contentBase64: {
        type: 'string',
        maxLength: Math.ceil(MAX_JOB_FILE_BYTES / 3) * 4,
        pattern: '^[A-Za-z0-9+/]*={0,2}$',
      },
      args: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 4096 } },
      resources: {
        type: 'string',
        maxLength: 200,
        pattern: '^[A-Za-z]+\\s*=\\s*[^,=\\s]+(\\s*,\\s*[A-Za-z]+\\s*=\\s*[^,=\\s]+)*$',
      },
    },
  },
} as const;

export const scaleSchema = {
  params: clusterParams,
  querystring: query,
  body: {
    type: 'object',
    additionalProperties: false,
    anyOf: [{ required: ['workers'] }, { required: ['cpus'] }],
    properties: {
      workers: { type: 'integer', minimum: 0, maximum: 10000 },
      cpus: { type: 'integer', minimum: 0, maximum: 1000000 },
      workerType: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' },
    },
  },
} as const;

export const killSchema = {
  params: clusterParamsWith('nodeId', NODE_ID),
  querystring: query,
  body: { type: 'object', additionalProperties: false, properties: { hard: { type: 'boolean' } } },
} as const;

export const assetSchema = {
  params: {
    type: 'object',
    required: ['file'],
    properties: { file: { type: 'string', pattern: '^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$' } },
  },
  querystring: query,
} as const;

export const plainSchema = { querystring: query } as const;
